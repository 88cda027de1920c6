"""Each agent as a plain class, without Ray: what it returns is what a listener gets."""

from __future__ import annotations

import asyncio
import itertools
import re
from pathlib import Path

import pytest

from podcast_factory.actors.audio import AudioSynthesizer
from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.quality import QualityEvaluator, fact_coverage
from podcast_factory.actors.research import ResearchAgent
from podcast_factory.actors.script import ScriptWriter
from podcast_factory.actors.social import SocialAgent
from podcast_factory.actors.summary import SummaryAgent
from podcast_factory.batchfile import load_batch_file
from podcast_factory.config import WORDS_PER_MINUTE, RunSettings
from podcast_factory.errors import SourceError
from podcast_factory.metering import LocalLedger, StageContext
from podcast_factory.models import PLATFORM_LIMITS, EpisodeSpec, Script, Turn
from podcast_factory.providers.offline_notes import notes_markdown
from podcast_factory.providers.wav import analyze_pcm, decode_wav, estimate_pitch_hz

SETTINGS = RunSettings()


def _agents(tmp_path: Path) -> tuple[CostLedger, LocalLedger]:
    ledger = CostLedger(str(tmp_path / "ledger.jsonl"))
    return ledger, LocalLedger(ledger)


def _ctx(ep: EpisodeSpec, stage: str) -> StageContext:
    return StageContext(episode_id=ep.episode_id, stage=stage)


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One example episode through every agent, in this process."""
    tmp = tmp_path_factory.mktemp("agents")
    spec = load_batch_file(Path(__file__).parent.parent / "examples" / "batch.yaml")
    ep = spec.episodes[0]
    ledger, client = _agents(tmp)

    async def go() -> dict[str, object]:
        doc = await ResearchAgent(SETTINGS, client).research(ep, _ctx(ep, "research"))
        script = await ScriptWriter(SETTINGS, client).write(ep, doc, _ctx(ep, "script"))
        audio = AudioSynthesizer(SETTINGS, client)
        synth = await audio.synthesize(script, ep.show, _ctx(ep, "audio"))
        report = await QualityEvaluator(SETTINGS, client).evaluate(
            ep, doc, script, synth.wav, _ctx(ep, "quality")
        )
        return {
            "client": client,
            "ep": ep,
            "doc": doc,
            "script": script,
            "synth": synth,
            "report": report,
            "ledger": ledger,
            "audio": audio,
        }

    return asyncio.run(go())


def test_research_keeps_sourced_facts_sized_to_the_episode(produced: dict) -> None:
    """Research keeps enough facts to fill its share of the episode, each with its source."""
    ep, doc = produced["ep"], produced["doc"]
    fact_words = sum(len(f.text.split()) for f in doc.facts)
    assert 0.4 <= fact_words / (ep.minutes * WORDS_PER_MINUTE) <= SETTINGS.fact_share
    assert {f.source for f in doc.facts} <= set(ep.sources)
    assert all(f.text.endswith((".", "!", "?")) for f in doc.facts)
    assert any("tide" in f.text.lower() for f in doc.facts)


def test_script_alternates_hosts_and_fits_the_minutes(produced: dict) -> None:
    """Two hosts take turns; word count is near minutes x 150; facts keep references."""
    ep, script = produced["ep"], produced["script"]
    hosts = [h.name for h in ep.show.hosts]
    assert {t.speaker for t in script.turns} == set(hosts)
    target = ep.minutes * WORDS_PER_MINUTE
    assert 0.7 * target <= script.words <= 1.1 * target
    refs = [i for t in script.turns for i in t.fact_refs]
    assert refs and len(refs) == len(set(refs))
    assert not any(re.search(r"[*#`\[\]<>]|https?://", t.text) for t in script.turns)


def test_audio_is_real_two_voice_speech_with_segment_timings(produced: dict) -> None:
    """The WAV is speech of about the target length; the two hosts differ in pitch."""
    ep, synth = produced["ep"], produced["synth"]
    pcm, rate = decode_wav(synth.wav)
    stats = analyze_pcm(pcm, rate)
    assert abs(stats.duration_s - synth.asset.duration_s) < 0.05
    assert 0.65 * ep.minutes * 60 <= stats.duration_s <= 1.35 * ep.minutes * 60
    assert stats.silence_share < 0.4 and stats.clipping_share < 0.001
    segs = synth.asset.segments
    assert all(a.end_s <= b.start_s for a, b in itertools.pairwise(segs))
    pitches = {}
    for host in (h.name for h in ep.show.hosts):
        seg = next(s for s in segs if s.speaker == host and s.end_s - s.start_s > 2)
        part = pcm[int(seg.start_s * rate) * 2 : int(seg.end_s * rate) * 2]
        pitches[host] = estimate_pitch_hz(part, rate)
    low, high = sorted(pitches.values())
    assert low > 60 and high / low > 1.25, pitches


def test_quality_passes_the_example_and_ledger_records_units(produced: dict) -> None:
    """The example episode passes every check; free providers still record usage units."""
    report, ledger = produced["report"], produced["ledger"]
    assert report.passed, report.suggestions
    spend = ledger.spend()
    assert spend.committed_micro_usd == 0
    assert spend.units["characters"] > 500 and spend.units["output_words"] > 100


def test_quality_fails_a_script_that_skips_facts_with_a_suggestion(produced: dict) -> None:
    """A script that says none of the research fails fact coverage and says what to do."""
    doc, script, synth = produced["doc"], produced["script"], produced["synth"]
    hollow = Script(
        episode_id=script.episode_id,
        title=script.title,
        turns=(Turn(speaker="Nora", text="Hello there."),),
        target_words=100,
    )
    assert fact_coverage(doc, hollow) == 0.0
    half_minute = produced["ep"].model_copy(update={"minutes": 0.5})
    report = asyncio.run(
        QualityEvaluator(SETTINGS, None).evaluate(
            half_minute, doc, hollow, synth.wav, StageContext(episode_id="x", stage="quality")
        )
    )
    assert not report.passed
    failed = {c.name for c in report.checks if not c.passed}
    assert {"fact_coverage", "duration"} <= failed
    assert any("research facts" in s for s in report.suggestions)


def test_audio_agent_caches_repeated_turns(produced: dict) -> None:
    """Turns already spoken (an outro every episode shares) come from the agent's cache."""
    audio, script, ep = produced["audio"], produced["script"], produced["ep"]
    before = audio.stats().cache_hits
    asyncio.run(audio.synthesize(script, ep.show, StageContext(episode_id="again", stage="audio")))
    assert audio.stats().cache_hits - before == len(script.turns)
    assert audio.stats().calls == 2


def test_research_without_usable_source_says_how_to_give_one(tmp_path: Path) -> None:
    """Sources with no prose give a SourceError that says what to provide."""
    empty = tmp_path / "empty.md"
    empty.write_text("# Just a heading\n")
    spec = load_batch_file(Path(__file__).parent.parent / "examples" / "batch.yaml")
    ep = spec.episodes[0].model_copy(update={"sources": (str(empty),)})
    _, client = _agents(tmp_path)
    with pytest.raises(SourceError, match=r"\.md, \.txt or \.html file or an http"):
        asyncio.run(ResearchAgent(SETTINGS, client).research(ep, _ctx(ep, "research")))


def test_show_notes_chapters_follow_the_audio_and_list_sources(produced: dict) -> None:
    """Chapters start at the audio's segment times, in order; the sources are listed."""
    ep, doc, script, synth = (produced[k] for k in ("ep", "doc", "script", "synth"))
    notes = asyncio.run(
        SummaryAgent(SETTINGS, produced["client"]).notes(
            ep, doc, script, synth.asset, _ctx(ep, "summary")
        )
    )
    starts = [c.start_s for c in notes.chapters]
    assert starts[0] == 0.0 and starts == sorted(starts) and len(starts) >= 3
    assert set(starts[1:]) <= {s.start_s for s in synth.asset.segments}
    assert starts[-1] < synth.asset.duration_s
    assert {s.source for s in notes.sources} == {Path(s).name for s in ep.sources}
    assert notes.summary.startswith("Nora and Eli explain how tides work.")
    md = notes_markdown(notes)
    assert "## Chapters" in md and "- 0:00 Introduction" in md
    assert "- How Tides Work (tides.md)" in md and str(Path(ep.sources[0]).parent) not in md


def test_social_posts_fit_each_platform_with_title_and_hashtags(produced: dict) -> None:
    """One post per platform, within its limit, naming the episode, with hashtags."""
    ep, doc, script, synth = (produced[k] for k in ("ep", "doc", "script", "synth"))
    agent = SocialAgent(SETTINGS, produced["client"])
    posts = asyncio.run(agent.posts(ep, doc, script, _ctx(ep, "social"), synth.asset)).posts
    assert {p.platform for p in posts} == set(PLATFORM_LIMITS)
    for post in posts:
        assert len(post.text) <= PLATFORM_LIMITS[post.platform]
        assert script.title.lower() in post.text.lower()  # named, in a sentence
        assert post.hashtags and all(tag in post.text for tag in post.hashtags)
        assert "#Work" not in post.hashtags and "{episode_link}" in post.text
    assert len({p.text for p in posts}) == 3


def test_an_agent_imports_only_the_sdk_it_speaks_with() -> None:
    """Every agent of a batch is a process of its own that imports its module; the
    anthropic SDK costs 3-4 s of CPU to import on 2 cores and ~57 MiB, the elevenlabs SDK
    ~290 modules and ~20 MiB, so the agents and the supervisor of an offline batch import
    neither, and building the ElevenLabs speech engine (the audio agent with
    ``--tts elevenlabs``) loads only the elevenlabs SDK."""
    import subprocess
    import sys

    agents = ("research", "script", "quality", "audio", "summary", "social", "master")
    modules = ["podcast_factory.supervisor", *(f"podcast_factory.actors.{m}" for m in agents)]
    code = (
        f"import sys\nimport {', '.join(modules)}\n"
        "from podcast_factory.config import Credentials, RunSettings\n"
        "from podcast_factory.providers.factory import speech_engine\n"
        "loaded = lambda: sorted(m for m in ('anthropic', 'elevenlabs') if m in sys.modules)\n"
        "print(loaded())\n"
        "creds = Credentials(elevenlabs_api_key='k', elevenlabs_base_url='http://127.0.0.1:9')\n"
        "speech_engine(RunSettings(tts='elevenlabs'), creds)\n"
        "print(loaded())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    offline, speaking = done.stdout.split("\n")[:2]
    assert offline == "[]", done.stdout + done.stderr
    assert speaking == "['elevenlabs']", done.stdout + done.stderr
