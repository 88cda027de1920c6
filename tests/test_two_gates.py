"""Two gates: the script is read before any speech is bought, the audio is heard after.

A draft the script gate (``review``) rejects goes back to the writer without being
voiced; the audio gate (``quality``) judges only what needs sound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podcast_factory.actors.quality import evaluate, review_script
from podcast_factory.api import load_batch_file, run_batch
from podcast_factory.config import Credentials, QualityThresholds, RunSettings
from podcast_factory.estimate import estimate_batch
from podcast_factory.models import BatchSpec, Fact, ResearchDoc, Script, Turn
from podcast_factory.providers.wav import AudioStats
from podcast_factory.testing import server as provider_sim
from podcast_factory.workflow import Workflow

KEY = "sk-ant-test-FAKEKEY-two-gates"


def _doc() -> ResearchDoc:
    facts = (Fact(text="Tides rise twice a day.", source="a.md", source_title="a", quote="x"),)
    return ResearchDoc(episode_id="e", topic="tides", facts=facts, sources=())


def _script(words: int) -> Script:
    text = "Tides rise twice a day. " + " ".join(["word"] * (words - 5))
    turns = (Turn(speaker="A", text=text, fact_refs=(0,)),)
    return Script(episode_id="e", title="Tides", turns=turns, target_words=words)


def test_the_script_gate_predicts_length_from_words_and_the_shows_pace() -> None:
    """150 words at the planned pace fit one minute; at a pace 40% slower they do not."""
    q = QualityThresholds(duration_tolerance=0.2)
    planned = review_script(_doc(), _script(150), 0.4, 60.0, q)
    assert planned.passed, planned.failed
    slow = review_script(_doc(), _script(150), 0.4 * 1.4, 60.0, q)
    assert not slow.passed and slow.failed["duration"] == pytest.approx(0.4, abs=0.01)
    assert any("script would run" in s for s in slow.suggestions)
    assert {c.name for c in planned.checks} == {
        "duration",
        "fact_coverage",
        "repeated_sentences",
        "markup_leaks",
        "dangling_refs",
        "canned_lines",
        "topic_early",
        "misattributed",
        "unsupported_details",
    }


def test_the_audio_gate_alone_checks_sound_and_reads_only_without_a_script_gate() -> None:
    """The audio gate's checks are the ones that need sound; the text ones only when asked."""
    stats = AudioStats(
        duration_s=60.0, rms_dbfs=-20.0, peak=0.5, silence_share=0.1, clipping_share=0.0
    )
    sound = evaluate(_doc(), _script(150), stats, 60.0, QualityThresholds(), text=False)
    assert {c.name for c in sound.checks} == {
        "duration",
        "silence_share",
        "clipping_share",
        "loudness_dbfs",
    }
    both = evaluate(_doc(), _script(150), stats, 60.0, QualityThresholds())
    assert {"fact_coverage", "markup_leaks"} <= {c.name for c in both.checks}


def _one(example_dir: Path, revisions: int) -> BatchSpec:
    spec = load_batch_file(example_dir / "batch.yaml")
    return spec.model_copy(
        update={
            "episodes": spec.episodes[:1],
            "workflow": Workflow.preset("full", revisions=revisions),
        }
    )


@pytest.mark.ray
@pytest.mark.usefixtures("ray_session")
def test_a_script_gate_rejection_buys_no_speech(example_dir: Path, tmp_path: Path) -> None:
    """Claude and ElevenLabs against the simulator, with a length bound no script meets:
    both drafts are rejected by the script gate, not one character of speech is bought,
    and the drafts' costs are the writing and judging the simulator billed."""
    spec = _one(example_dir, revisions=1)
    settings = RunSettings(
        llm="claude",
        tts="elevenlabs",
        quality=QualityThresholds(duration_tolerance=0.0001),
        backoff_base_s=0.05,
    )
    out = tmp_path / "out"
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        creds = Credentials.model_validate(
            {
                "anthropic_api_key": KEY,
                "elevenlabs_api_key": KEY,
                "anthropic_base_url": sim.url,
                "elevenlabs_base_url": sim.url,
            }
        )
        result = run_batch(spec, out, settings, creds=creds)
        billed = sim.billed_micro_usd()
        tts_calls, bills = sim.tts_calls, sim.bills
    episode = result.episodes[0]
    assert episode.status == "rejected"
    assert tts_calls == [] and {b.provider for b in bills} == {"anthropic"}
    m = json.loads((out / episode.episode_id / "manifest.json").read_text())
    assert [(d["number"], d["gate"], d["passed"]) for d in m["drafts"]] == [
        (0, "review", False),
        (1, "review", False),
    ]
    assert all(d["duration_s"] is None and d["cost_micro_usd"] > 0 for d in m["drafts"])
    assert (
        sum(d["cost_micro_usd"] for d in m["drafts"])
        == billed - m["stages"]["research"]["cost_micro_usd"]
    )
    for stage in ("audio", "quality", "summary", "social", "master"):
        assert m["stages"][stage]["status"] == "skipped", stage
    assert "review rejected draft 1" in m["stages"]["audio"]["note"]
    assert m["stages"]["script"]["attempts"] == 2  # the revision was written (and judged)
    assert not (out / episode.episode_id / "audio.wav").exists()
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()]
    assert not any(e.get("provider") == "elevenlabs" for e in ledger)
    assert result.total_cost_micro_usd == billed


@pytest.mark.ray
@pytest.mark.usefixtures("ray_session")
def test_offline_a_script_the_gate_keeps_rejecting_is_never_voiced(
    example_dir: Path, tmp_path: Path
) -> None:
    """Offline, with a length bound no script meets: every draft stops at the script gate,
    espeak never runs, and a rerun neither revises again nor voices anything."""
    spec = _one(example_dir, revisions=2)
    settings = RunSettings(quality=QualityThresholds(duration_tolerance=0.0001))
    out = tmp_path / "out"
    result = run_batch(spec, out, settings)
    episode = result.episodes[0]
    m = json.loads((out / episode.episode_id / "manifest.json").read_text())
    assert episode.status == "rejected"
    assert [(d["number"], d["gate"]) for d in m["drafts"]] == [
        (0, "review"),
        (1, "review"),
        (2, "review"),
    ]
    assert m["stages"]["audio"]["status"] == "skipped"
    assert not (out / episode.episode_id / "audio.wav").exists()
    again = run_batch(spec, out, settings)
    m2 = json.loads((out / episode.episode_id / "manifest.json").read_text())
    assert again.episodes[0].status == "rejected" and len(m2["drafts"]) == 3
    assert m2["stages"]["script"]["attempts"] == m["stages"]["script"]["attempts"]


def test_estimate_prices_both_gates_and_a_revision_that_reaches_speech(
    example_dir: Path,
) -> None:
    """With Claude, the script gate holds the rubric call; a revision is priced as a
    script, its review, and (at worst) its speech and listening again."""
    spec = _one(example_dir, revisions=1)
    est = estimate_batch(spec, RunSettings(llm="claude", tts="elevenlabs")).episodes[0]
    assert est.stages["review"] > 0 and est.stages["quality"] == 0
    assert est.per_revision_micro_usd == sum(
        est.stages[s] for s in ("script", "review", "audio", "quality")
    )
    no_gate = spec.model_copy(
        update={
            "workflow": Workflow.preset("full").model_copy(
                update={
                    "stages": tuple(s for s in Workflow.preset("full").stages if s.name != "review")
                }
            )
        }
    )
    alone = estimate_batch(no_gate, RunSettings(llm="claude", tts="elevenlabs")).episodes[0]
    assert alone.stages["review"] == 0 and alone.stages["quality"] == est.stages["review"]
