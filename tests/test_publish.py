"""``publish``: the show's feed, read back the way podcast apps read it (feedparser)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from podcast_factory.batchfile import load_batch_file
from podcast_factory.cli import main
from podcast_factory.errors import UserInputError
from podcast_factory.feed import PODCAST
from podcast_factory.testing.sample_run import SampleEpisode, make_sample_run, sample_show

BASE = "https://cdn.example.org/marvels"
FIRST = (
    SampleEpisode("tides", "How tides work"),
    SampleEpisode("bees", "Bees & their <hive>"),
    SampleEpisode("rejected-one", "A topic the gate rejected", status="rejected"),
    SampleEpisode("failed-one", "A topic whose speech failed", status="failed"),
)
SECOND = (SampleEpisode("penicillin", "Penicillin"), SampleEpisode("salt", "Salt"))


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    """Two batches of the same show, an hour apart."""
    first = make_sample_run(tmp_path / "run1", FIRST, started_at=1_780_000_000)
    second = make_sample_run(tmp_path / "run2", SECOND, started_at=1_780_003_600)
    return first, second


def publish(feed: Path, *runs: Path, base: str = BASE) -> int:
    return main(["publish", *map(str, runs), "--feed", str(feed), "--base-url", base])


def test_feed_parses_and_carries_every_tag_apple_requires(runs, tmp_path) -> None:
    """Channel: title, description, itunes:image, language, itunes:category,
    itunes:explicit (and author, owner); item: title, enclosure with the file's byte
    length and type, a guid, a duration; Podcasting 2.0 transcript and chapters."""
    feed = tmp_path / "feed.xml"
    assert publish(feed, runs[0]) == 0
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    channel = parsed.feed
    assert channel.title == "Everyday Marvels"
    assert channel.description.startswith("Ordinary things")
    assert channel.image.href == f"{BASE}/artwork.png"
    assert channel.language == "en-us"
    assert [t.term for t in channel.tags] == ["Science", "Natural Sciences"]
    # feedparser reads only yes/clean; Apple's current values are true/false
    assert "itunes_explicit" in channel
    explicit = (
        ET.parse(feed)
        .getroot()
        .find("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}explicit")
    )
    assert explicit is not None and explicit.text == "false"
    assert channel.author == "Everyday Marvels Team"
    assert channel.publisher_detail.email == "hosts@example.org"
    assert {e.title for e in parsed.entries} == {"How tides work", "Bees & their <hive>"}
    for entry in parsed.entries:
        eid = "tides" if entry.title == "How tides work" else "bees"
        (enclosure,) = entry.enclosures
        wav = runs[0] / eid / "audio.wav"
        assert enclosure.href == f"{BASE}/{eid}/audio.wav"
        assert int(enclosure.length) == wav.stat().st_size
        assert enclosure.type == "audio/wav"
        assert entry.id and entry.guidislink is False
        assert entry.itunes_duration == "00:00:06"
    root = ET.parse(feed).getroot()
    for item in root.iter("item"):
        transcript = item.find(f"{{{PODCAST}}}transcript")
        chapters = item.find(f"{{{PODCAST}}}chapters")
        assert transcript is not None and transcript.get("type") == "text/vtt"
        assert chapters is not None and chapters.get("type") == "application/json+chapters"
        eid = transcript.get("url", "").split("/")[-2]
        assert (runs[0] / eid / "transcript.vtt").read_text().startswith("WEBVTT")
        assert (runs[0] / eid / "chapters.json").is_file()


def test_failed_and_rejected_episodes_are_never_published(runs, tmp_path, capsys) -> None:
    feed = tmp_path / "feed.xml"
    assert publish(feed, runs[0]) == 0
    text = feed.read_text()
    assert "rejected-one" not in text and "failed-one" not in text
    err = capsys.readouterr().err
    assert "not published:" in err and "rejected-one: rejected" in err and "failed-one" in err


def test_republishing_after_a_second_batch_keeps_one_of_each(runs, tmp_path) -> None:
    """A second batch of the same show is added; the first batch's episodes stay, none
    twice, with the same guid and pubDate; publishing the same runs again changes no item."""
    feed = tmp_path / "feed.xml"
    assert publish(feed, runs[0]) == 0
    before = {e.id: e.published for e in feedparser.parse(feed.read_bytes()).entries}
    assert publish(feed, runs[1]) == 0
    entries = feedparser.parse(feed.read_bytes()).entries
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids)) == 4
    assert {e.title for e in entries} == {
        "How tides work",
        "Bees & their <hive>",
        "Penicillin",
        "Salt",
    }
    assert {i: p for i, p in ((e.id, e.published) for e in entries) if i in before} == before
    assert entries[0].title in {"Penicillin", "Salt"}, "newest first"
    assert publish(feed, runs[0], runs[1]) == 0
    again = feedparser.parse(feed.read_bytes()).entries
    assert [(e.id, e.published) for e in again] == [(e.id, e.published) for e in entries]


def test_bad_base_url_names_the_flag_and_writes_nothing(runs, tmp_path, capsys) -> None:
    feed = tmp_path / "feed.xml"
    assert publish(feed, runs[0], base="ftp://example.org") == 2
    assert "--base-url" in capsys.readouterr().err
    assert not feed.exists()
    assert not (runs[0] / "tides" / "transcript.vtt").exists()


def test_the_feeds_folder_is_made_but_only_when_every_check_passed(runs, tmp_path) -> None:
    """``--feed site/feed.xml`` (the README's command) makes ``site``; a refused publish
    leaves no folder behind."""
    assert publish(tmp_path / "refused" / "feed.xml", runs[0], base="ftp://x.org") == 2
    assert not (tmp_path / "refused").exists()
    assert publish(tmp_path / "site" / "feed.xml", runs[0]) == 0
    assert (tmp_path / "site" / "feed.xml").is_file()


@pytest.mark.parametrize(
    "content",
    [
        b"not xml at all",
        b"<html><body>a web page</body></html>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<rss><channel><title>&b;</title></channel></rss>",
    ],
    ids=["garbage", "not-rss", "entity-expansion"],
)
def test_an_unreadable_old_feed_is_refused_and_left_alone(runs, tmp_path, capsys, content) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(content)
    assert publish(feed, runs[0]) == 2
    assert "--feed" in capsys.readouterr().err
    assert feed.read_bytes() == content


def test_the_feed_of_another_show_is_refused(runs, tmp_path, capsys) -> None:
    other = make_sample_run(
        tmp_path / "other", (SampleEpisode("x", "X"),), show=sample_show("Another Show")
    )
    feed = tmp_path / "feed.xml"
    assert publish(feed, other) == 0
    kept = feed.read_bytes()
    assert publish(feed, runs[0]) == 2
    assert "--feed" in capsys.readouterr().err and feed.read_bytes() == kept
    assert publish(tmp_path / "mixed.xml", runs[0], other) == 2
    assert "Another Show" in capsys.readouterr().err
    assert not (tmp_path / "mixed.xml").exists()


def test_publish_has_help(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["publish", "--help"])
    assert exit_.value.code == 0
    assert "--base-url" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("language", "english please", "show.language"),
        ("explicit", "no", "show.explicit"),
        ("category", "Science/Physics/Optics", "show.category"),
        ("email", "not-an-address", "show.email"),
        ("artwork", "cover.gif", "show.artwork"),
        ("feed_url", "ftp://example.org/feed.xml", "show.feed_url"),
    ],
)
def test_bad_feed_fields_in_the_batch_file_name_the_field(example_dir, key, value, field) -> None:
    """A mistake in the show's feed fields is found with the batch file, before any run."""
    batch = example_dir / "batch.yaml"
    text = batch.read_text().replace('  tone: "curious', f'  {key}: {value!r}\n  tone: "curious', 1)
    batch.write_text(text)
    with pytest.raises(UserInputError) as raised:
        load_batch_file(batch)
    assert raised.value.field == field


def test_feed_fields_of_the_batch_file_reach_the_show(example_dir) -> None:
    batch = example_dir / "batch.yaml"
    extra = (
        '  artwork: "https://cdn.example.org/art.jpg"\n  author: "Team"\n'
        '  category: "Science / Natural Sciences"\n  language: "en-GB"\n  explicit: true\n'
        '  email: "a@example.org"\n  feed_url: "https://cdn.example.org/feed.xml"\n'
    )
    batch.write_text(batch.read_text().replace('  tone: "curious', extra + '  tone: "curious', 1))
    show = load_batch_file(batch).show
    assert (show.artwork, show.author, show.category) == (
        "https://cdn.example.org/art.jpg",
        "Team",
        "Science/Natural Sciences",
    )
    # kept as a BCP 47 tag; the feed writes it as RSS does, lowercase (en-gb)
    assert (show.language, show.explicit, show.email) == ("en-GB", True, "a@example.org")
    assert show.feed_url == "https://cdn.example.org/feed.xml"


def test_the_mastering_stages_files_are_used_when_present(runs, tmp_path) -> None:
    """With ``master.json`` and an MP3 (the mastering stage), the enclosure is the MP3
    (audio/mpeg, its byte length, the master's duration) and every transcript file the
    episode has is linked; nothing is made in their place."""
    episode = runs[0] / "tides"
    mp3 = b"ID3" + bytes(5000)
    (episode / "tides.mp3").write_bytes(mp3)
    (episode / "master.json").write_text('{"mp3": "tides.mp3", "duration_s": 61.4, "bytes": 5003}')
    for name in ("transcript.vtt", "transcript.srt", "transcript.json"):
        (episode / name).write_text("WEBVTT\n" if name.endswith("vtt") else "{}")
    (episode / "chapters.json").write_text(
        '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Start"}]}'
    )
    feed = tmp_path / "feed.xml"
    assert publish(feed, runs[0]) == 0
    entry = next(
        e for e in feedparser.parse(feed.read_bytes()).entries if e.title == "How tides work"
    )
    (enclosure,) = entry.enclosures
    assert (enclosure.href, enclosure.type) == (f"{BASE}/tides/tides.mp3", "audio/mpeg")
    assert int(enclosure.length) == len(mp3) and entry.itunes_duration == "00:01:01"
    item = next(
        i for i in ET.parse(feed).getroot().iter("item") if i.findtext("title") == "How tides work"
    )
    types = {t.get("type") for t in item.findall(f"{{{PODCAST}}}transcript")}
    assert types == {"text/vtt", "application/x-subrip", "application/json"}
    assert (episode / "transcript.vtt").read_text() == "WEBVTT\n"  # not remade
