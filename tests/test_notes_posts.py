"""Show notes and posts a user can publish as they are (issue 13, item 3).

Each test plants a defect the offline notes and posts used to have (a summary that
says "X and Y talk about <Topic>", absolute source paths, chapter titles that are cut
sentences, ``#Work``/``#Produced``, an X post cut mid-sentence, the same text on X and
Mastodon, "2 minutes" for a 1:16 episode, no link) and checks what a user would see.
In-process, no Ray; the Claude path runs against the loopback simulator.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.social import SocialAgent
from podcast_factory.actors.summary import SummaryAgent
from podcast_factory.batchfile import build_show
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.errors import UserInputError
from podcast_factory.metering import LocalLedger, StageContext
from podcast_factory.models import (
    PLATFORM_LIMITS,
    AudioAsset,
    EpisodeSpec,
    Fact,
    Host,
    Post,
    ResearchDoc,
    Script,
    Segment,
    Show,
    ShowNotes,
    SocialPosts,
    SourceInfo,
    Turn,
)
from podcast_factory.providers.key_terms import nounish_tag
from podcast_factory.providers.lexicon import content_stems
from podcast_factory.providers.offline_notes import notes_markdown, show_notes
from podcast_factory.providers.posts import finish_posts, social_posts
from podcast_factory.providers.publish_text import (
    LINK_PLACEHOLDER,
    URL_CHARS,
    clock,
    lead_sentence,
    listen,
    post_length,
    sentences_of,
)
from podcast_factory.testing.server import ProviderSimulator

SOURCE = "/home/someone/podcasts/notes/penicillin.md"
FEED = "https://podcasts.example.org/everyday-marvels/feed.xml?utm_source=a-very-long-campaign-name"
LONG = (
    "Its mould, a strain of Penicillium chrysogenum found on a cantaloupe in a Peoria "
    "market, produced far more penicillin than the strain Alexander Fleming had kept, "
    "and after further improvement with X-rays and ultraviolet light its descendants "
    "became the basis of industrial production of penicillin in the United States and "
    "Britain, which mass-produced the drug for the Allied armies."
)
FACTS = (
    ("In 1928 Alexander Fleming noticed that a mould had killed the bacteria around it "
     "on a spoiled culture dish.", 3.0),
    (LONG, 9.0),  # the highest score, too long for X and leaning on a sentence before
    ("Howard Florey and Ernst Chain turned penicillin into a medicine at Oxford.", 2.5),
    ("By 1944 American manufacturers had produced about 2.3 million doses of penicillin.", 2.0),
    ("Decades later, in 1990, the University of Oxford gave him an honorary doctorate.", 4.0),
    ("In 1945 Dorothy Hodgkin used X-ray crystallography to find the structure of "
     "penicillin.", 1.5),
)  # fmt: skip
TOPIC = "How penicillin went from a spoiled dish to a mass-produced medicine"


def _show(feed_url: str | None = None) -> Show:
    return Show(
        name="Everyday Marvels",
        hosts=(Host(name="Nora"), Host(name="Eli")),
        tagline="Ordinary things with extraordinary stories behind them.",
        feed_url=feed_url,
    )


def _episode(feed_url: str | None = None, topic: str = TOPIC) -> EpisodeSpec:
    show = _show(feed_url)
    return EpisodeSpec(episode_id="penicillin", topic=topic, sources=(SOURCE,), show=show)


def _doc() -> ResearchDoc:
    facts = tuple(Fact(text=t, source=SOURCE, score=s) for t, s in FACTS)
    info = SourceInfo(source=SOURCE, title="Penicillin: From a Spoiled Dish", chars=900)
    return ResearchDoc(episode_id="penicillin", topic=TOPIC, facts=facts, sources=(info,))


def _script() -> Script:
    turns = [Turn(speaker="NORA", text="Welcome to Everyday Marvels.")]
    for i, (text, _) in enumerate(FACTS):
        turns.append(Turn(speaker="ELI" if i % 2 else "NORA", text=text, fact_refs=(i,)))
    turns.append(Turn(speaker="ELI", text="That's all for today."))
    return Script(episode_id="penicillin", title=TOPIC, turns=tuple(turns), target_words=260)


def _audio(seconds: float = 76.0) -> AudioAsset:
    n = len(_script().turns)
    step = seconds / n
    segments = tuple(
        Segment(turn_index=i, speaker="NORA", start_s=i * step, end_s=(i + 1) * step)
        for i in range(n)
    )
    return AudioAsset(path="audio.wav", duration_s=seconds, sample_rate=22050, segments=segments)


def _posts(feed_url: str | None = None, seconds: float | None = 76.0) -> dict[str, Post]:
    made = social_posts(_episode(feed_url), _doc(), _script(), seconds)
    return {p.platform: p for p in made.posts}


def _before_link(text: str, link: str) -> str:
    return text.split(link, 1)[0].strip()


def test_summary_says_what_the_episode_explains_from_standalone_facts() -> None:
    """Not "Nora and Eli talk about How penicillin...": what it explains, topic lower-cased
    inside the sentence, then facts that read on their own ("Its mould", "gave him" left out)."""
    notes = show_notes(_episode(), _doc(), _script(), _audio())
    assert notes.summary.startswith(
        "Nora and Eli explain how penicillin went from a spoiled dish to a mass-produced "
        "medicine. In 1928 Alexander Fleming noticed"
    )
    assert "talk about" not in notes.summary and "Its mould" not in notes.summary
    assert "gave him" not in notes.summary
    assert lead_sentence(("A", "B"), "How Tides Work", []) == "A and B explain how tides work."
    assert lead_sentence(("A", "B"), "Alexander Fleming's mould", ["A note on Alexander Fleming."])


def test_summary_lead_reads_as_a_sentence_for_any_kind_of_topic() -> None:
    """A plain subject, a question with its verb first, and a name keep their grammar."""
    hosts = ("Nora", "Eli")
    assert lead_sentence(hosts, "The history of penicillin", []) == (
        "Nora and Eli look at the history of penicillin."
    )
    assert lead_sentence(hosts, "Why do cats purr?", []) == "Nora and Eli ask: Why do cats purr?"
    named = lead_sentence(hosts, "Alexander Fleming and the mould", ["It was Alexander Fleming."])
    assert named == "Nora and Eli look at Alexander Fleming and the mould."


def test_notes_list_sources_by_title_and_file_name_never_a_local_path() -> None:
    """summary.md and summary.json name a local source by its title and file name."""
    notes = show_notes(_episode(), _doc(), _script(), _audio())
    md = notes_markdown(notes)
    dumped = notes.model_dump_json()
    assert "- Penicillin: From a Spoiled Dish (penicillin.md)" in md
    assert "/home/someone" not in md and "/home/someone" not in dumped
    assert [s.source for s in notes.sources] == ["penicillin.md"]


def test_notes_list_a_url_source_by_title_and_url_without_credentials() -> None:
    """A URL source is listed as "title: URL", its secrets masked."""
    url = "https://user:pw@example.org/notes?token=abc"
    doc = _doc().model_copy(update={"sources": (SourceInfo(source=url, title="Notes"),)})
    md = notes_markdown(show_notes(_episode(), doc, _script(), _audio()))
    assert "- Notes: https://example.org/notes?token=REDACTED" in md and "pw" not in md


def test_chapter_titles_are_short_noun_phrases_not_cut_sentences() -> None:
    """At most six words, no ellipsis or dangling word, and made of the chapter's terms."""
    notes = show_notes(_episode(), _doc(), _script(), _audio())
    facts = " ".join(t for t, _ in FACTS).lower()
    derived = notes.chapters[1:-1]
    assert len(derived) == 2
    for chapter in notes.chapters:
        words = chapter.title.split()
        assert 1 <= len(words) <= 6, chapter.title
        assert not chapter.title.endswith(("...", "…", ",")), chapter.title
        assert words[-1].lower() not in {"a", "the", "of", "and", "to", "with"}, chapter.title
    for chapter in derived:
        assert 2 <= len(chapter.title.split()) <= 6
        assert all(w.lower() in facts for w in chapter.title.split() if w != "and")


def test_hashtags_are_key_terms_of_the_episode_never_verbs() -> None:
    """#Penicillin yes; #Produced, #Work, #Went, #Spoiled never; each tag names a term the
    episode says."""
    posts = _posts()
    said = (TOPIC + " " + " ".join(t for t, _ in FACTS)).lower().replace(" ", "")
    tags = {t for p in posts.values() for t in p.hashtags}
    assert "#Penicillin" in tags
    assert not tags & {"#Produced", "#Work", "#Went", "#Spoiled", "#MassProduced"}
    for tag in tags:
        assert nounish_tag(tag), tag
        assert tag[1:].lower() in said, tag
    tides = EpisodeSpec(episode_id="t", topic="How tides work", sources=(SOURCE,), show=_show())
    fact = Fact(text="A spring tide brings higher tides than a neap tide.", source=SOURCE)
    doc = _doc().model_copy(update={"facts": (fact,)})
    tide_tags = {t for p in social_posts(tides, doc, _script()).posts for t in p.hashtags}
    assert "#Work" not in tide_tags and "#Tides" in tide_tags and "#SpringTide" in tide_tags


@pytest.mark.parametrize("feed", [None, FEED])
def test_x_post_fits_280_counting_a_link_as_23_and_ends_at_a_sentence(feed: str | None) -> None:
    """The X post is at most 280 as X counts it (the link 23, however long) and its text
    ends at a sentence end: a fact too long to fit is left out, never cut."""
    x = _posts(feed)["x"]
    link = feed or LINK_PLACEHOLDER
    assert post_length("x", x.text) <= PLATFORM_LIMITS["x"]
    if feed:
        assert len(x.text) - len(feed) + URL_CHARS == post_length("x", x.text)
    assert _before_link(x.text, link)[-1] in ".!?"
    assert "…" not in x.text and LONG[:40] not in x.text


def test_each_platform_gets_its_own_post_within_its_limit() -> None:
    """X, Mastodon and LinkedIn differ; each within its limit; LinkedIn explains more."""
    posts = _posts(FEED)
    texts = [posts[p].text for p in ("x", "mastodon", "linkedin")]
    assert len(set(texts)) == 3
    for platform, post in posts.items():
        assert post_length(platform, post.text) <= PLATFORM_LIMITS[platform]
    assert len(posts["linkedin"].text) > len(posts["mastodon"].text) > len(posts["x"].text)
    assert "What you will learn:" in posts["linkedin"].text


def test_posts_say_the_audio_length_not_the_requested_minutes() -> None:
    """A 1:16 episode is "1:16" / "a 1-minute listen", never "2 minutes"; without the
    audio no length is claimed."""
    posts = _posts(seconds=76.0)
    assert "(1:16)" in posts["x"].text and "(1:16)" in posts["linkedin"].text
    assert "a 1-minute listen" in posts["mastodon"].text
    assert not any("2 minutes" in p.text or "2-minute" in p.text for p in posts.values())
    assert (clock(76.0), listen(76.0), listen(99.0), listen(45.0)) == (
        "1:16",
        "a 1-minute listen",
        "a 2-minute listen",
        "a 45-second listen",
    )
    unknown = _posts(seconds=None)
    assert not any(re.search(r"minute|second|\(\d+:\d\d\)", p.text) for p in unknown.values())


@pytest.mark.parametrize("feed", [None, FEED])
def test_every_post_links_to_the_feed_or_a_placeholder(feed: str | None) -> None:
    """With show.feed_url set each post carries it; without, ``{episode_link}``."""
    for post in _posts(feed).values():
        assert (feed or LINK_PLACEHOLDER) in post.text


def test_feed_url_is_read_from_the_show_block_and_checked() -> None:
    """``feed_url`` is an optional show key; anything but http(s) is refused by field."""
    base = {"name": "S", "hosts": ["A", "B"]}
    assert build_show(base).feed_url is None
    assert build_show({**base, "feed_url": FEED}).feed_url == FEED
    with pytest.raises(UserInputError) as err:
        build_show({**base, "feed_url": "ftp://example.org/feed"})
    assert err.value.field == "show.feed_url"


def test_claude_text_gets_the_same_fitting() -> None:
    """Claude's posts (planted: an X post too long for 280, Mastodon a copy of it, a
    hashtag in the text, a URL of its own, #Work and #Produced) come out fitted by whole
    sentences, different, linked, with only key-term hashtags."""
    long_x = " ".join(f"Penicillin fact number {n} is told here in a sentence." for n in range(9))
    written = {
        "x": long_x + " #Work https://spam.example/x",
        "mastodon": long_x,
        "linkedin": "Penicillin changed medicine. Nora and Eli explain how.",
    }
    made = finish_posts(
        _episode(FEED), _doc(), _script(), written, ["Work", "#Produced", "Penicillin"], 76.0
    )
    posts = {p.platform: p for p in made.posts}
    x = posts["x"].text
    assert post_length("x", x) <= 280 and _before_link(x, FEED).endswith("here in a sentence.")
    assert "spam.example" not in x and "#Work" not in x and "#Produced" not in x
    assert posts["mastodon"].text != x and "Nora and Eli explain" in posts["mastodon"].text
    assert posts["linkedin"].text.startswith("Penicillin changed medicine.")
    for post in posts.values():
        assert FEED in post.text and set(post.hashtags) <= {"#Penicillin", "#Medicine", "#Dish"}
        assert all(nounish_tag(t) for t in post.hashtags) and post.hashtags


def _claude_notes(tmp_path: Path, plant: str | None = None) -> tuple[ShowNotes, SocialPosts]:
    """The summary and social agents' output through the real SDK against the simulator,
    with a mistake ``plant``-ed in the model's next fitting answer."""
    settings = RunSettings(llm="claude", tts="espeak", request_timeout_s=30.0)
    ep, doc, script, audio = _episode(), _doc(), _script(), _audio()
    with ProviderSimulator(voices={}) as sim:
        if plant:
            sim.plant(plant)
        creds = Credentials.model_validate(
            {"anthropic_api_key": "sk-ant-test-0123456789", "anthropic_base_url": sim.url}
        )
        client = LocalLedger(CostLedger(str(tmp_path / "ledger.jsonl")))

        async def go() -> tuple[ShowNotes, SocialPosts]:
            ctx = StageContext(episode_id=ep.episode_id, stage="summary")
            notes = await SummaryAgent(settings, client, creds).notes(ep, doc, script, audio, ctx)
            ctx = StageContext(episode_id=ep.episode_id, stage="social")
            posts = await SocialAgent(settings, client, creds).posts(ep, doc, script, ctx, audio)
            return notes, posts

        return asyncio.run(go())


def _about_the_facts(sentence: str) -> bool:
    """Whether a sentence says something the facts say: it shares content words with one."""
    said = set(content_stems(sentence, "en"))
    return any(len(said & set(content_stems(text, "en"))) >= 2 for text, _ in FACTS)


def test_claude_path_publishes_clean_notes_and_posts(tmp_path: Path) -> None:
    """Through the real SDK against the simulator: the notes' titles and the posts follow
    the same rules as offline (short titles, sources by name, posts within limits, linked),
    and the summary is whole sentences, each about the episode's facts."""
    notes, posts = _claude_notes(tmp_path)
    summary = sentences_of(notes.summary)
    assert summary and notes.summary.endswith("."), notes.summary
    assert all(_about_the_facts(s) for s in summary), notes.summary
    assert not any(c.title.endswith(".") for c in notes.chapters), notes.chapters
    dumped = json.loads(notes.model_dump_json())
    assert all(len(c["title"].split()) <= 6 for c in dumped["chapters"])
    assert not any(c["title"].endswith(("...", "…")) for c in dumped["chapters"])
    assert "/home/someone" not in json.dumps(dumped)
    texts = [p.text for p in posts.posts]
    assert len(set(texts)) == 3 and all(LINK_PLACEHOLDER in t for t in texts)
    for post in posts.posts:
        assert post_length(post.platform, post.text) <= PLATFORM_LIMITS[post.platform]
        assert all(nounish_tag(t) for t in post.hashtags)


def test_the_script_markdown_names_local_sources_by_file_name() -> None:
    """script.md's footnotes: a local file by its name, never the producer's path."""
    from podcast_factory.models import Fact, ResearchDoc, Script, Turn
    from podcast_factory.render import script_markdown

    facts = (
        Fact(
            text="Tides rise twice a day.", source="/home/me/notes/tides.md", source_title="Tides"
        ),
        Fact(text="Waves break.", source="https://user:pw@example.org/waves"),
    )
    doc = ResearchDoc(episode_id="e", topic="Tides", facts=facts, sources=())
    turns = (
        Turn(speaker="Nora", text="Tides rise twice a day.", fact_refs=(0,)),
        Turn(speaker="Eli", text="Waves break.", fact_refs=(1,)),
    )
    md = script_markdown(Script(episode_id="e", title="Tides", turns=turns, target_words=9), doc)
    assert "[^1]: Tides, tides.md" in md and "/home/me" not in md
    assert "example.org/waves" in md and "pw@" not in md


def test_a_run_on_summary_and_a_dialogue_line_title_from_claude_are_not_published(
    tmp_path: Path,
) -> None:
    """Claude's notes (planted: the summary is the chapter titles run together, one title
    a line of dialogue) are replaced where they fail: the summary by the one made from
    the facts, the bad title by the chapter's own."""
    notes, _ = _claude_notes(tmp_path, plant="run_on_notes")
    offline = show_notes(_episode(), _doc(), _script(), _audio())
    assert notes.summary == offline.summary
    assert notes.summary.endswith(".") and all(
        _about_the_facts(s) for s in sentences_of(notes.summary)[1:]
    )
    titles = [c.title for c in notes.chapters]
    assert "Now here is the twist, really." not in titles
    assert len(titles) == len(offline.chapters) and all(not t.endswith(".") for t in titles)
