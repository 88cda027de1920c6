"""Failure analysis end to end: a batch with an unreadable source, an episode over its
cap and one a quality check rejects, through the real Ray runtime, the real ElevenLabs
SDK against the loopback simulator and the ``report`` verb; then a rerun that acts on
what the series memory kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from podcast_factory.api import load_batch_file, run_batch
from podcast_factory.cli import main
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.memory_file import load_snapshot
from podcast_factory.testing import server as provider_sim

KEY = "sk-el-test-FAKEKEY-0123456789abcdef"
SETTINGS = RunSettings(
    llm="offline", tts="elevenlabs", backoff_base_s=0.05, backoff_max_s=0.2, request_timeout_s=2.0
)
THIN = (
    "# Tide pools\n\nTide pools form where rock holds seawater at low tide. Crabs hide in them.\n"
)


def _project(example_dir: Path) -> Path:
    """Three episodes: ``tides`` (paid speech, over the cap), ``thin`` (6 minutes asked
    of four sentences: rejected) and ``broken`` (its source is emptied after loading)."""
    (example_dir / "sources" / "pools.md").write_text(THIN)
    (example_dir / "sources" / "broken.md").write_text("# Soon empty\n\nThis text goes away.\n")
    data = yaml.safe_load((example_dir / "batch.yaml").read_text())
    tides = next(ep for ep in data["episodes"] if ep["id"] == "tides")
    data["episodes"] = [
        {**tides, "minutes": 1},
        {
            "id": "thin",
            "topic": "Life in tide pools",
            "minutes": 6,
            "sources": ["sources/pools.md"],
        },
        {"id": "broken", "topic": "How tides work", "minutes": 1, "sources": ["sources/broken.md"]},
    ]
    data["episode_cap_usd"] = 0.01  # less than a minute of paid speech
    path = example_dir / "batch.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.ray
@pytest.mark.usefixtures("ray_session")
def test_three_failures_three_analyses_and_a_rerun_acts_on_them(
    example_dir: Path,
    tmp_path: Path,
    memory_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    batch_file = _project(example_dir)
    batch = load_batch_file(batch_file)  # every source checked readable here
    (example_dir / "sources" / "broken.md").write_text("")  # then the export failed
    out = tmp_path / "out"
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as sim:
        creds = Credentials.model_validate(
            {"elevenlabs_api_key": KEY, "elevenlabs_base_url": sim.url}
        )
        first = run_batch(batch, out, SETTINGS, creds=creds)
        statuses = {e.episode_id: e.status for e in first.episodes}
        assert statuses == {"tides": "over_budget", "thin": "rejected", "broken": "failed"}
        # the report verb as a producer runs it (in this process: it needs no Ray)
        capsys.readouterr()
        main(["report", str(out), "--json"])
        report = capsys.readouterr().out
        monkeypatch.setenv("COLUMNS", "200")
        main(["report", str(out)])
        shown = capsys.readouterr().out
        billed_before = sim.billed_micro_usd()
        # the same spec again (a program resubmitting it; the CLI would refuse the empty
        # file at load, exit 2, before anything runs)
        second = run_batch(batch, out, SETTINGS, creds=creds)
        billed_after = sim.billed_micro_usd()

    data = json.loads(report)
    analyses = {e["episode_id"]: e["analysis"] for e in data["episodes"]}
    assert data["failures_by_cause"] == {
        "episode_cap": ["tides"],
        "quality_check": ["thin"],
        "source": ["broken"],
    } or sorted(data["failures_by_cause"]) == ["episode_cap", "quality_check", "source"]
    cap, thin, broken = analyses["tides"], analyses["thin"], analyses["broken"]
    assert cap["cause"] == "episode_cap" and cap["batch_change"].startswith("episode_cap_usd: ")
    assert float(cap["batch_change"].split(": ")[1]) > 0.01  # more than the cap it hit
    assert thin["cause"] == "quality_check" and thin["subject"] == "duration"
    assert thin["batch_change"].startswith("minutes: ")
    assert float(thin["batch_change"].split(": ")[1]) < 6  # what four sentences fill
    assert broken["cause"] == "source" and broken["subject"].endswith("broken.md")
    assert "broken.md" in broken["action"] and "empty" in " ".join(broken["evidence"])
    # the table a producer reads: causes with counts, and what to do
    assert "Why episodes did not complete" in shown
    assert "episode_cap_usd: " in shown and "broken.md" in shown

    memory = load_snapshot(str(memory_dir), batch.show.name)
    assert memory is not None
    assert {f.cause for f in memory.failures} == {"episode_cap", "quality_check", "source"}
    assert any(s.endswith("broken.md") for s in memory.bad_sources)

    # the rerun: the flagged source is read again before anything runs for its episode
    again = {e.episode_id: e for e in second.episodes}
    assert again["broken"].status == "failed"
    assert "still cannot be read" in (again["broken"].failure or "")
    assert "it failed in run" in (again["broken"].failure or "")
    assert again["broken"].stages.get("research") is None or again["broken"].stages[
        "research"
    ].attempts == first_attempts(first, "broken")
    assert again["broken"].analysis is not None and again["broken"].analysis.cause == "source"
    spent = [
        json.loads(x)
        for x in (out / "ledger.jsonl").read_text().splitlines()
        if json.loads(x)["episode_id"] == "broken"
    ]
    assert spent == []  # nothing reserved, nothing paid for it in either run
    assert billed_after >= billed_before


def first_attempts(result, eid: str) -> int:
    state = next(e for e in result.episodes if e.episode_id == eid)
    record = state.stages.get("research")
    return record.attempts if record else 0


@pytest.mark.ray
@pytest.mark.usefixtures("ray_session")
def test_claude_reads_a_failure_on_the_ledger_and_a_spent_budget_refuses_it(
    example_dir: Path, tmp_path: Path
) -> None:
    """``--analyse-failures``: one budgeted call per failed episode, ledgered under the
    episode (stage ``analysis``); once the budget is spent, an episode keeps the rules'
    analysis and says why Claude's reading was not bought."""
    ant = "sk-ant-test-FAKEKEY-0123456789abcdef"
    data = yaml.safe_load(_project(example_dir).read_text())
    data["episodes"] = [data["episodes"][2], data["episodes"][0]]  # broken, then tides
    del data["episode_cap_usd"]
    # With the default (Haiku) models the simulator reserves ~370 micro-USD for a reading,
    # ~570 for the research of tides and ~11,000 for its script: $0.0007 buys the
    # reading of broken and the research of tides, then refuses the script and the
    # reading of tides (399 spent + ~350 > 700).
    data["budget_usd"] = 0.0007
    data["concurrency"] = 1
    path = example_dir / "batch.yaml"
    path.write_text(yaml.safe_dump(data))
    batch = load_batch_file(path)
    (example_dir / "sources" / "broken.md").write_text("")
    settings = SETTINGS.model_copy(
        update={"llm": "claude", "tts": "espeak", "analyse_failures": True}
    )
    out = tmp_path / "out"
    with provider_sim.ProviderSimulator(api_key=ant) as sim:
        creds = Credentials.model_validate(
            {"anthropic_api_key": ant, "anthropic_base_url": sim.url}
        )
        result = run_batch(batch, out, settings, creds=creds)
        billed = sim.billed_micro_usd()
    states = {e.episode_id: e for e in result.episodes}
    assert states["broken"].status == "failed" and states["tides"].status == "over_budget"
    assert states["tides"].analysis is not None and states["tides"].analysis.cause == "budget"
    read = states["broken"].analysis
    assert read is not None and read.cause == "source" and read.written_by == "claude"
    assert read.summary and read.action
    refused = states["tides"].analysis
    assert refused is not None and refused.written_by == "rules"
    assert "not bought: BudgetExceeded" in refused.evidence[-1]
    entries = [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines()]
    commits = [e for e in entries if e["op"] == "commit"]
    assert [(e["episode_id"], e["stage"]) for e in commits] == [
        ("broken", "analysis"),
        ("tides", "research"),
    ]
    assert sum(e["micro_usd"] for e in commits) == billed > 0  # the ledger is the bill
    assert states["broken"].total_cost_micro_usd == commits[0]["micro_usd"]


@pytest.mark.ray
@pytest.mark.usefixtures("ray_session")
def test_a_provider_that_throttled_starts_the_next_run_at_the_window_that_held(
    example_dir: Path, tmp_path: Path, memory_dir: Path
) -> None:
    """Two 429s cut Anthropic's window (8 -> 4 -> 2); the show's next batch starts its
    governor there (recorded in that run's batch.json) instead of at 8."""
    from podcast_factory.workflow import Workflow

    ant = "sk-ant-test-FAKEKEY-0123456789abcdef"
    batch = load_batch_file(example_dir / "batch.yaml")
    batch = batch.model_copy(
        update={"episodes": batch.episodes[:1], "workflow": Workflow.preset("script-only")}
    )
    settings = SETTINGS.model_copy(update={"llm": "claude", "tts": "espeak"})
    with provider_sim.ProviderSimulator(api_key=ant) as sim:
        creds = Credentials.model_validate(
            {"anthropic_api_key": ant, "anthropic_base_url": sim.url}
        )
        sim.inject("429", 2, "/v1/messages")
        first = run_batch(batch, tmp_path / "one", settings, creds=creds)
        assert first.ok, [(e.episode_id, e.errors) for e in first.episodes]
        memory = load_snapshot(str(memory_dir), batch.show.name)
        assert memory is not None
        held = memory.provider_windows["anthropic"]
        assert 1 <= held < 8
        second = run_batch(batch, tmp_path / "two", settings, creds=creds)
        assert second.ok
    info = json.loads((tmp_path / "two" / "batch.json").read_text())
    limits = info["settings"]["provider_limits"]["anthropic"]
    assert limits["start_concurrent"] == held and limits["max_concurrent"] == 8
    first_info = json.loads((tmp_path / "one" / "batch.json").read_text())
    assert first_info["settings"]["provider_limits"]["anthropic"]["start_concurrent"] is None
