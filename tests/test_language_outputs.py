"""What an episode publishes carries the show's language (issue 16, item 5).

A German and a Spanish (es-MX) episode, built here from German and Spanish sentences:
their show notes, chapter titles, posts and hashtags read as the language (lingua
detects it, no English word is left), the length is said the language's way, and the
transcripts, the MP3's tags, the feed and the run page say which language they are in,
read back with the parsers apps use (webvtt-py, mutagen, feedparser). In-process, no
Ray; the mastering stage runs for real on a synthetic WAV.
"""

from __future__ import annotations

import io
import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import feedparser
import numpy as np
import pytest
import webvtt
from lingua import Language as Lingua
from lingua import LanguageDetectorBuilder
from mutagen.id3 import ID3

from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.master import MasteringAgent
from podcast_factory.cli import main
from podcast_factory.config import RunSettings
from podcast_factory.metering import LocalLedger
from podcast_factory.models import (
    PLATFORM_LIMITS,
    AudioAsset,
    EpisodeSpec,
    Fact,
    Host,
    ResearchDoc,
    Script,
    Segment,
    Show,
    SocialPosts,
    SourceInfo,
    Turn,
)
from podcast_factory.providers.key_terms import nounish_tag
from podcast_factory.providers.mp3 import to_pcm16
from podcast_factory.providers.offline_notes import notes_markdown, show_notes
from podcast_factory.providers.posts import social_posts
from podcast_factory.providers.publish_text import post_length
from podcast_factory.providers.publish_words import listen, spoken_length
from podcast_factory.providers.wav import encode_wav
from podcast_factory.testing.sample_run import SampleEpisode, make_sample_run, sample_show

DETECT = LanguageDetectorBuilder.from_languages(
    Lingua.ENGLISH, Lingua.GERMAN, Lingua.SPANISH, Lingua.FRENCH, Lingua.PORTUGUESE
).build()

FEED = "https://podcasts.example.org/feed.xml"
SECONDS = 76.0
ENGLISH = re.compile(
    r"\b(Chapters|Introduction|Closing|Part|About|listen|minutes?|seconds?|explain|ask|"
    r"New on|New episode|What you will learn|and|the|of)\b"
)
"""English a German or Spanish reader would trip over (case-sensitive: "Minute" is
German too)."""


@dataclass(frozen=True)
class Case:
    tag: str
    lingua: Lingua
    show: str
    hosts: tuple[str, str]
    topic: str
    facts: tuple[str, ...]
    names: tuple[str, ...]
    """Proper names in the facts: in no language, so masked before detection."""
    verbs: tuple[str, ...]
    """Verbs the facts use: never a hashtag."""
    lead: str
    length: str
    headings: tuple[str, str]
    first_last: tuple[str, str]
    tags: tuple[str, ...]
    """Hashtags a reader would expect among the episode's."""


GERMAN = Case(
    tag="de",
    lingua=Lingua.GERMAN,
    show="Gezeitenkunde",
    hosts=("Lena", "Jonas"),
    topic="Wie Gezeiten entstehen",
    facts=(
        "Die Gezeiten entstehen vor allem durch die Anziehungskraft des Mondes auf das "
        "Wasser der Ozeane.",
        "Auf der dem Mond zugewandten Seite der Erde bildet sich ein Flutberg, auf der "
        "abgewandten Seite ein zweiter.",
        "Weil sich die Erde unter den beiden Flutbergen dreht, gibt es an den meisten "
        "Küsten zweimal am Tag Hochwasser.",
        "Bei Neumond und Vollmond verstärken sich die Kräfte von Sonne und Mond zur Springflut.",
        "Stehen Sonne und Mond im rechten Winkel zueinander, fällt die Nippflut schwächer aus.",
        "In der Bay of Fundy in Kanada beträgt der Tidenhub bis zu sechzehn Meter.",
        "Im Wattenmeer der Nordsee fallen bei Ebbe weite Flächen trocken.",
    ),
    names=("Bay of Fundy", "Kanada", "Lena", "Jonas", "Gezeitenkunde"),
    verbs=("entstehen", "bildet", "dreht", "gibt", "verstärken", "stehen", "fällt", "beträgt"),
    lead="Lena und Jonas erklären, wie Gezeiten entstehen.",
    length="1 Minute und 16 Sekunden",
    headings=("## Kapitel", "## Quellen"),
    first_last=("Einleitung", "Zum Schluss"),
    tags=("#Gezeiten",),
)

SPANISH = Case(
    tag="es-MX",
    lingua=Lingua.SPANISH,
    show="Maravillas cotidianas",
    hosts=("Lucía", "Mateo"),
    topic="Cómo la penicilina pasó de un plato estropeado a un medicamento",
    facts=(
        "En 1928 Alexander Fleming observó que un moho había matado las bacterias de una "
        "placa de cultivo.",
        "Fleming llamó penicilina a la sustancia antibacteriana que producía el moho.",
        "Howard Florey y Ernst Chain convirtieron la penicilina en un medicamento en Oxford.",
        "En 1944 los fabricantes estadounidenses ya habían producido millones de dosis de "
        "penicilina.",
        "Dorothy Hodgkin usó la cristalografía de rayos X para descubrir la estructura de la "
        "penicilina.",
        "La producción industrial de la penicilina salvó a miles de soldados heridos durante "
        "la guerra.",
    ),
    names=(
        "Alexander Fleming",
        "Fleming",
        "Howard Florey",
        "Ernst Chain",
        "Dorothy Hodgkin",
        "Hodgkin",
        "Oxford",
        "Lucía",
        "Mateo",
    ),
    verbs=("observó", "llamó", "convirtieron", "usó", "descubrir", "salvó", "pasó", "producía"),
    lead="Lucía y Mateo explican cómo la penicilina pasó de un plato estropeado a un medicamento.",
    length="1 minuto y 16 segundos",
    headings=("## Capítulos", "## Fuentes"),
    first_last=("Introducción", "Para terminar"),
    tags=("#Penicilina",),
)

CASES = pytest.mark.parametrize("case", [GERMAN, SPANISH], ids=["de", "es-MX"])


# ------------------------------------------------------------------ the episode


def _show(case: Case) -> Show:
    hosts = (Host(name=case.hosts[0]), Host(name=case.hosts[1]))
    return Show(name=case.show, hosts=hosts, language=case.tag, feed_url=FEED)


def _episode(case: Case) -> tuple[EpisodeSpec, ResearchDoc, Script, AudioAsset]:
    source = f"/home/someone/{case.tag}/notes.md"
    spec = EpisodeSpec(episode_id="ep", topic=case.topic, sources=(source,), show=_show(case))
    facts = tuple(
        Fact(text=t, source=source, score=len(case.facts) - i) for i, t in enumerate(case.facts)
    )
    info = SourceInfo(source=source, title=case.topic, chars=900)
    doc = ResearchDoc(episode_id="ep", topic=case.topic, facts=facts, sources=(info,))
    a, b = (h.upper() for h in case.hosts)
    turns = [Turn(speaker=a, text=case.lead)]
    turns += [
        Turn(speaker=b if i % 2 else a, text=t, fact_refs=(i,)) for i, t in enumerate(case.facts)
    ]
    turns.append(Turn(speaker=b, text=case.first_last[1] + "."))
    script = Script(episode_id="ep", title=case.topic, turns=tuple(turns), target_words=200)
    step = SECONDS / len(turns)
    segments = tuple(
        Segment(turn_index=i, speaker=t.speaker, start_s=i * step, end_s=(i + 1) * step - 0.2)
        for i, t in enumerate(turns)
    )
    audio = AudioAsset(path="audio.wav", duration_s=SECONDS, sample_rate=22050, segments=segments)
    return spec, doc, script, audio


def _posts(case: Case) -> SocialPosts:
    spec, doc, script, _ = _episode(case)
    return social_posts(spec, doc, script, SECONDS)


def _prose(line: str, case: Case) -> str:
    """A published line as a reader reads it: no link, hashtag, list mark, time or name."""
    line = re.sub(r"https?://\S+|(?<!\w)#\w+|\(\d+:\d\d\)|\([\w.-]+\.md\)", " ", line)
    line = re.sub(r"^\s*(#+|-)\s*(\d+:\d\d\s)?", "", line)
    for name in sorted(case.names, key=len, reverse=True):
        line = line.replace(name, " ")
    return " ".join(line.split())


def assert_in_language(lines: list[str], case: Case) -> None:
    """Each line of four words or more is detected as the show's language; the short
    ones (headings, chapter titles) are detected together, since two or three words
    are too few for any detector ("Sonne und Mond" scores as French)."""
    short = []
    for line in (p for raw in lines if (p := _prose(raw, case))):
        assert not ENGLISH.search(line), f"English in {line!r}"
        if len(line.split()) >= 4:
            assert DETECT.detect_language_of(line) == case.lingua, line
        else:
            short.append(line)
    assert not short or DETECT.detect_language_of(". ".join(short)) == case.lingua, short


# ------------------------------------------------------------------ notes and posts


@CASES
def test_show_notes_are_in_the_shows_language(case: Case) -> None:
    """Summary, headings, chapter names and sources: every line in the language."""
    spec, doc, script, audio = _episode(case)
    notes = show_notes(spec, doc, script, audio)
    md = notes_markdown(notes, case.tag)
    assert notes.summary.startswith(case.lead + " " + case.facts[0])
    for heading in case.headings:
        assert f"\n{heading}\n" in md
    assert (notes.chapters[0].title, notes.chapters[-1].title) == case.first_last
    assert "(notes.md)" in md and "/home/someone" not in md
    assert_in_language(md.splitlines(), case)


@CASES
def test_chapter_titles_are_the_chapters_own_nouns(case: Case) -> None:
    """Each title between the first and last is 1-6 words said in its chapter (an
    article or the language's "and" aside), none a verb."""
    spec, doc, script, audio = _episode(case)
    notes = show_notes(spec, doc, script, audio)
    derived = notes.chapters[1:-1]
    assert len(derived) == math.ceil(len(case.facts) / 3)
    for n, chapter in enumerate(derived):
        said = " ".join(case.facts[3 * n : 3 * n + 3]).lower()
        words = chapter.title.split()
        assert 1 <= len(words) <= 6, chapter.title
        glue = {"und", "y", "die", "der", "das", "el", "la", "los", "las", "über", "sobre"}
        nouns = [w for w in words if w.lower() not in glue]
        assert nouns and all(w.lower() in said for w in nouns), chapter.title
        assert not {w.lower() for w in words} & set(case.verbs), chapter.title
        assert not re.fullmatch(r"(Teil|Parte) \d+", chapter.title)


@CASES
def test_each_platforms_post_is_in_the_language_within_its_limit(case: Case) -> None:
    """X, Mastodon and LinkedIn: the language's words around the facts, the true length
    said its way ("1 Minute und 16 Sekunden"), the link, each within its limit."""
    posts = {p.platform: p for p in _posts(case).posts}
    assert set(posts) == set(PLATFORM_LIMITS)
    for platform, post in posts.items():
        assert post_length(platform, post.text) <= PLATFORM_LIMITS[platform], platform
        assert FEED in post.text
        assert_in_language(post.text.splitlines(), case)
    assert "(1:16)" in posts["x"].text
    assert case.length in posts["mastodon"].text and case.length in posts["linkedin"].text
    assert len({p.text for p in posts.values()}) == 3


@CASES
def test_hashtags_are_the_languages_nouns_never_verbs_or_stop_words(case: Case) -> None:
    """#Gezeiten, #Penicilina: each tag a noun the episode says, none a verb."""
    tags = {t for p in _posts(case).posts for t in p.hashtags}
    said = (case.topic + " " + " ".join(case.facts)).lower().replace(" ", "")
    assert set(case.tags) <= tags
    for tag in tags:
        assert nounish_tag(tag, case.tag), tag
        assert tag[1:].lower() in said, tag
        assert tag[1:].lower() not in case.verbs, tag
    assert not nounish_tag("#Observó", "es") and not nounish_tag("#ElMoho", "es")
    assert not nounish_tag("#Jahr", "de") and nounish_tag("#Springflut", "de")


def test_lengths_are_said_the_way_each_language_says_them() -> None:
    """The exact length in CLDR's words (babel); English keeps "a 1-minute listen"."""
    assert listen(76.0) == "a 1-minute listen" and listen(76.0, "en-GB") == "a 1-minute listen"
    assert listen(76.0, "de") == "1 Minute und 16 Sekunden"
    assert listen(76.0, "es-MX") == "1 minuto y 16 segundos"
    assert listen(76.0, "pt-BR") == "1 minuto e 16 segundos"
    assert spoken_length(76.0, "fr").replace("\u00a0", " ") == "1 minute et 16 secondes"
    assert spoken_length(45.2, "de") == "45 Sekunden"
    assert spoken_length(3725, "es") == "1 hora, 2 minutos y 5 segundos"
    assert spoken_length(120, "de") == "2 Minuten"


# ------------------------------------------------------------------ published files


def _wav(seconds: float, rate: int = 22050) -> bytes:
    """A speech-loud test signal: tones that change every half second."""
    t = np.arange(int(seconds * rate)) / rate
    tone = np.sin(2 * np.pi * (180 + 60 * (t * 2 // 1 % 4)) * t) * 0.3
    return encode_wav(to_pcm16(tone), rate)


@CASES
def test_transcripts_and_mp3_tags_name_the_language(case: Case, tmp_path: Path) -> None:
    """The mastering stage's WebVTT has a ``Language:`` header (webvtt-py reads it),
    the MP3's TLAN is the ISO 639-2 code (mutagen reads it), the comment is tagged with
    it and the chapter list is titled in the language."""
    spec, doc, script, audio = _episode(case)
    notes = show_notes(spec, doc, script, audio)
    agent = MasteringAgent(RunSettings(), LocalLedger(CostLedger(str(tmp_path / "l.jsonl"))))
    files = agent.master(spec, script, audio, notes, _wav(SECONDS)).files
    vtt = webvtt.from_buffer(io.StringIO(files["transcript.vtt"].decode()))
    assert vtt.metadata == [f"Language: {case.tag}"]
    assert [c.text for c in vtt.captions] == [t.text for t in script.turns]
    heard = json.loads(files["transcript.json"])
    assert [s["body"] for s in heard["segments"]] == [t.text for t in script.turns]
    tags = ID3(io.BytesIO(files["audio.mp3"]))
    code = {"de": "deu", "es-MX": "spa"}[case.tag]
    assert tags["TLAN"].text == [code]
    assert tags.getall("COMM")[0].lang == code
    heading = case.headings[0].removeprefix("## ")
    assert tags.getall("CTOC")[0].sub_frames["TIT2"].text == [heading]
    titles = [c.sub_frames["TIT2"].text[0] for c in tags.getall("CHAP")]
    assert sorted(titles) == sorted(c.title for c in notes.chapters)


def test_feed_and_run_page_carry_the_shows_language(tmp_path: Path) -> None:
    """``publish``: the channel's <language> (feedparser reads it), every
    podcast:transcript's language attribute, the VTT it makes; pubDate stays RFC 822
    English. The run page marks the episode's content with the show's tag."""
    show = sample_show("Gezeitenkunde").model_copy(update={"language": "de-AT"})
    run = make_sample_run(
        tmp_path / "run", [SampleEpisode("gezeiten", "Wie Gezeiten entstehen")], show
    )
    feed = tmp_path / "feed.xml"
    assert (
        main(["publish", str(run), "--feed", str(feed), "--base-url", "https://cdn.example.org/g"])
        == 0
    )
    parsed = feedparser.parse(feed.read_bytes())
    assert parsed.feed.language == "de-at"
    assert re.match(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d ", parsed.entries[0].published)
    ns = {"podcast": "https://podcastindex.org/namespace/1.0"}
    transcripts = ET.parse(feed).findall(".//item/podcast:transcript", ns)
    assert transcripts and {t.get("language") for t in transcripts} == {"de-at"}
    made = webvtt.read(str(run / "gezeiten" / "transcript.vtt"))
    assert made.metadata == ["Language: de-AT"] and made.captions

    assert main(["report", str(run), "--html"]) == 0
    page = (run / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page  # the page's own words are English
    marked = re.findall(r'<(?:div|span) lang="de-AT">', page)
    assert len(marked) >= 6  # title, topic, chapters, notes, transcript, posts
