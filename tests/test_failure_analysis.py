"""Failure analysis from what a manifest holds, and what the series memory keeps of it
for the show's next run (no Ray: the analysis is rules over evidence, the memory a file)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from podcast_factory.actors.governor import ProviderGovernor
from podcast_factory.actors.memory import SeriesMemory
from podcast_factory.config import WORDS_PER_MINUTE, RunSettings
from podcast_factory.diagnosis import analyse
from podcast_factory.failure_view import failure_details, failure_table
from podcast_factory.failures import by_cause, held_windows, learned_limits
from podcast_factory.limits import ProviderLimits, default_limits
from podcast_factory.memory_file import load_snapshot
from podcast_factory.memory_view import memory_tables
from podcast_factory.models import Draft, EpisodeSpec, EpisodeState, ErrorInfo, Host, Show

SHOW = Show(name="Everyday Marvels", hosts=(Host(name="Nora"), Host(name="Eli")))


def _spec(eid: str, minutes: float = 3.0, sources: tuple[str, ...] = ("/src/a.md",)) -> EpisodeSpec:
    return EpisodeSpec(
        episode_id=eid, topic="How tides work", sources=sources, minutes=minutes, show=SHOW
    )


def _state(eid: str, status: str, **fields) -> EpisodeState:
    return EpisodeState(episode_id=eid, topic="How tides work", status=status, **fields)


def _failed(eid: str, stage: str, kind: str, message: str, attempts: int = 1) -> EpisodeState:
    errors = tuple(
        ErrorInfo(type=kind, message=message, stage=stage, attempt=a + 1) for a in range(attempts)
    )
    return _state(eid, "failed", errors=errors, failure=f"episode {eid}: stage {stage} failed")


def test_each_cause_is_named_with_its_evidence_and_an_action() -> None:
    """The causes a producer meets, each told apart from the errors a manifest keeps."""
    src = _spec("a", sources=("/src/broken.md", "/src/ok.md"))
    cases = {
        "source": (
            _failed(
                "a",
                "research",
                "SourceError",
                "sources: no usable text in the 1 source(s) of episode a "
                "(/src/broken.md: holds no text)",
            ),
            src,
        ),
        "provider_key": (
            _failed(
                "b",
                "script",
                "ProviderError",
                "anthropic (HTTP 401): authentication_error: invalid x-api-key",
            ),
            _spec("b"),
        ),
        "provider_quota": (
            _failed(
                "c",
                "audio",
                "ProviderError",
                "elevenlabs (HTTP 401): quota_exceeded: This request exceeds your quota",
            ),
            _spec("c"),
        ),
        "throttling": (
            _failed(
                "d",
                "script",
                "TransientProviderError",
                "anthropic (HTTP 429): rate_limit_error",
                attempts=3,
            ),
            _spec("d"),
        ),
        "provider_outage": (
            _failed(
                "e", "review", "TransientProviderError", "anthropic (HTTP 529): overloaded_error"
            ),
            _spec("e"),
        ),
        "crash": (
            _failed("f", "audio", "ActorDiedError", "The actor died unexpectedly", attempts=5),
            _spec("f"),
        ),
        "model_stopped": (
            _failed("g", "research", "ModelStopped", "anthropic: refusal: the model declined"),
            _spec("g"),
        ),
    }
    for cause, (state, spec) in cases.items():
        found = analyse(state, spec, "/runs/out")
        assert found is not None and found.cause == cause, (cause, found)
        assert found.evidence and found.action, found
        assert found.evidence[-1].startswith(state.errors[-1].stage)
    source = analyse(*cases["source"], "/runs/out")
    assert source is not None and source.subject == "/src/broken.md"  # not the readable one
    assert "/src/broken.md" in source.action and "/src/ok.md" not in source.action
    key = analyse(*cases["provider_key"], "/runs/out")
    assert key is not None and "ANTHROPIC_API_KEY" in key.action
    throttled = analyse(*cases["throttling"], "/runs/out")
    assert throttled is not None and "--max-concurrent anthropic=" in (throttled.command or "")
    assert analyse(_state("h", "completed"), _spec("h"), "/runs/out") is None


def test_cap_and_budget_say_how_much_more_was_needed() -> None:
    cap = _state(
        "a",
        "over_budget",
        total_cost_micro_usd=40_000,
        failure="episode a: episode budget refuses a reservation of $0.120000; $0.010000 left",
    )
    found = analyse(cap, _spec("a", minutes=4), "/runs/out")
    assert found is not None and found.cause == "episode_cap"
    assert found.batch_change == "episode_cap_usd: 0.3"  # (0.04 + 0.12) * 1.5, rounded up
    assert "needed $0.12 with $0.01 left" in found.action and "4 minute(s)" in found.action
    batch = cap.model_copy(
        update={"failure": (cap.failure or "").replace("episode budget", "batch budget")}
    )
    found = analyse(batch, _spec("a"), "/runs/out")
    assert (
        found is not None
        and found.cause == "budget"
        and (found.batch_change or "").startswith("budget_usd: ")
    )


def test_a_rejected_script_names_the_check_and_the_batch_change() -> None:
    short = Draft(
        number=1,
        gate="review",
        passed=False,
        overall=0.8,
        failed_checks={"duration": -0.55},
        suggestions=(
            "The script would run 2.7 min against a 6.0 min target: "
            "give more sources or lower 'minutes'.",
        ),
    )
    found = analyse(_state("a", "rejected", drafts=(short,)), _spec("a", minutes=6), "/runs/out")
    assert found is not None and found.cause == "quality_check" and found.subject == "duration"
    short_words = Draft(**{**short.model_dump(exclude={"cost_usd"}), "words": 400})
    found = analyse(_state("a", "rejected", drafts=(short_words,)), _spec("a", minutes=6), "/o")
    assert (
        found is not None
        and found.batch_change == f"minutes: {round(400 / WORDS_PER_MINUTE * 2) / 2:g}"
    )
    assert "give more sources" in found.action
    worn = Draft(
        number=1,
        gate="review",
        passed=False,
        overall=0.9,
        failed_checks={"canned_lines": 3},
        suggestions=("3 host line(s) were said in two or more earlier episodes",),
    )
    found = analyse(_state("b", "rejected", drafts=(worn,)), _spec("b"), "/runs/out", revisions=1)
    assert found is not None and found.batch_change is None
    assert found.command is not None and found.command.endswith("--revisions 2")


def test_report_groups_failures_by_cause_with_counts() -> None:
    states = []
    for eid in ("a", "b"):
        s = _failed(eid, "research", "SourceError", "no usable text")
        states.append(s.model_copy(update={"analysis": analyse(s, _spec(eid), "/o")}))
    cap = _state(
        "c",
        "over_budget",
        failure="episode c: episode budget refuses a reservation of $0.1; $0 left",
    )
    states.append(cap.model_copy(update={"analysis": analyse(cap, _spec("c"), "/o")}))
    states.append(_state("d", "completed"))
    assert by_cause(states) == {"source": ["a", "b"], "episode_cap": ["c"]}
    table = failure_table(states)
    assert table is not None and [c.header for c in table.columns][:2] == ["cause", "count"]
    assert list(table.columns[1].cells) == ["2", "1"]
    assert len(failure_details(states)) == 3


def test_memory_keeps_failures_flags_sources_and_the_window_that_held(tmp_path: Path) -> None:
    mem = SeriesMemory(str(tmp_path), "Everyday Marvels")
    mem.record_failure("run1", "a", "tides", "source", "unreadable", "fix it", "/src/broken.md")
    mem.record_failure("run1", "a", "tides", "source", "unreadable", "fix it", "/src/broken.md")
    mem.source_failed("/src/broken.md", "holds no text", "run1", "a")
    mem.held_windows({"anthropic": 3, "elevenlabs": None})
    again = load_snapshot(str(tmp_path), "Everyday Marvels")  # what the next run reads
    assert again is not None
    assert [(f.episode_id, f.cause) for f in again.failures] == [("a", "source")]  # once
    assert again.bad_sources["/src/broken.md"].run_id == "run1"
    assert again.provider_windows == {"anthropic": 3}
    titles = [str(t.title) for t in memory_tables(again)]  # what `memory SHOW` prints
    assert "Sources checked before their next episode spends anything" in titles
    assert "Providers that throttled: the next run starts at" in titles
    mem.sources_read(["/src/broken.md"])
    mem.held_windows({"anthropic": None})
    again = load_snapshot(str(tmp_path), "Everyday Marvels")
    assert again is not None and again.bad_sources == {} and again.provider_windows == {}


def test_a_throttled_provider_starts_the_next_run_at_the_window_that_held(tmp_path: Path) -> None:
    settings = RunSettings(memory_dir=str(tmp_path))
    gov = ProviderGovernor(default_limits())

    async def throttle() -> None:
        tickets = [await gov.acquire("anthropic") for _ in range(8)]
        gov.release(tickets[0], "throttled", retry_after_s=0)  # 8 -> 4
        for t in tickets[1:]:
            gov.release(t, "ok")

    asyncio.run(throttle())
    held = held_windows(gov.state(), settings)
    assert held["anthropic"] == 5  # cut to 4, then one more after four successes
    SeriesMemory(str(tmp_path), SHOW.name).held_windows(held)
    nxt = learned_limits(settings, SHOW.name)
    assert nxt.provider_limits["anthropic"].start_concurrent == 5
    assert nxt.provider_limits["anthropic"].max_concurrent == 8  # it may still grow back
    assert ProviderGovernor(nxt.provider_limits).state()["anthropic"].window == 5
    assert (
        learned_limits(RunSettings(memory=False, memory_dir=str(tmp_path)), SHOW.name)
        .provider_limits["anthropic"]
        .start_concurrent
        is None
    )
    assert ProviderLimits(max_concurrent=2, start_concurrent=9).max_concurrent == 2
    assert (
        ProviderGovernor({"p": ProviderLimits(max_concurrent=2, start_concurrent=9)})
        .state()["p"]
        .window
        == 2
    )
