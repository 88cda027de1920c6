"""Estimates that learn from the bill: the calibration math, its record in the series
memory, and what ``estimate`` shows of it. No Ray: the batches that produce the records
run in ``tests/test_calibration_batches.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podcast_factory.actors.memory import SeriesMemory
from podcast_factory.api import estimate_cost
from podcast_factory.batchfile import load_batch_file
from podcast_factory.calibration import calibrate, measure, price_key, run_key, spread
from podcast_factory.config import ElevenLabsSettings, RunSettings
from podcast_factory.estimate import estimate_batch
from podcast_factory.memory_file import COST_BATCHES_KEPT, BatchCost, StageCost, load_snapshot
from podcast_factory.models import CostEntry
from tests.test_cli import _main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SHOW = "Everyday Marvels"
PAID = RunSettings(llm="claude", tts="elevenlabs")
KEYS = {s: price_key(s, PAID) for s in ("research", "script", "review", "audio", "master")}


def _entry(
    episode: str, stage: str, micro_usd: int, run: str = "r1", op: str = "commit"
) -> CostEntry:
    return CostEntry.model_validate(
        {
            "ts": 0.0,
            "op": op,
            "call_id": f"{episode}/{stage}/{run}/{micro_usd}/{op}",
            "episode_id": episode,
            "stage": stage,
            "provider": "sim",
            "micro_usd": micro_usd,
            "run_id": run,
        }
    )


def _stage(stage: str, estimated: int, actual: int, ratios: tuple[float, ...]) -> StageCost:
    provider, model = KEYS[stage] or ("", "")
    return StageCost(
        stage=stage,
        provider=provider,
        model=model,
        episodes=len(ratios),
        estimated_micro_usd=estimated,
        actual_micro_usd=actual,
        ratios=ratios,
    )


def test_price_keys_follow_the_settings() -> None:
    """A ratio is learned per provider and model: the settings name them; free stages
    have none."""
    assert KEYS["script"] == ("anthropic", "claude-sonnet-5-5")
    assert KEYS["research"] == ("anthropic", "claude-haiku-5-5")
    assert KEYS["audio"] == ("elevenlabs", "eleven_multilingual_v2")
    assert KEYS["master"] is None
    flash = PAID.model_copy(update={"elevenlabs": ElevenLabsSettings(model_id="eleven_flash_v2_5")})
    assert price_key("audio", flash) == ("elevenlabs", "eleven_flash_v2_5")
    assert price_key("audio", RunSettings()) is None and price_key("script", RunSettings()) is None


def test_measure_compares_the_ledger_with_the_static_estimate_per_stage() -> None:
    """Commits are summed per episode and stage (a revision's calls included); a free
    stage, a stage that did not complete and a stage bought by two runs are left out."""
    static = {
        "a": {"research": 100, "script": 1000, "audio": 10_000, "master": 0},
        "b": {"research": 100, "script": 2000, "audio": 20_000, "master": 0},
    }
    entries = [
        _entry("a", "script", 900, op="reserve"),
        _entry("a", "script", 700),
        _entry("a", "script", 700),  # the revision: same run, counted
        _entry("b", "script", 2600),
        _entry("a", "audio", 12_000),
        _entry("b", "audio", 3000, run="r0"),  # a crash, then bought again by the next run
        _entry("b", "audio", 24_000, run="r1"),
        _entry("a", "research", 0),  # free (offline research): no ratio
        _entry("b", "research", 150),  # the stage did not complete
        _entry("a", "audio", 500, op="release"),
    ]
    completed = {(e, s) for e in "ab" for s in static[e]} - {("b", "research")}
    record = measure("run-1", static, KEYS, entries, completed, recorded_at=5.0)
    assert record.run == "run-1" and record.recorded_at == 5.0
    by_stage = {s.stage: s for s in record.stages}
    assert set(by_stage) == {"script", "audio"}
    script = by_stage["script"]
    assert (script.provider, script.model) == ("anthropic", "claude-sonnet-5-5")
    assert (script.episodes, script.estimated_micro_usd, script.actual_micro_usd) == (2, 3000, 4000)
    assert script.ratios == (1.4, 1.3)  # episode by episode
    audio = by_stage["audio"]
    assert (audio.episodes, audio.estimated_micro_usd, audio.actual_micro_usd) == (
        1,
        10_000,
        12_000,
    )
    assert audio.ratios == (1.2,)


def test_calibrate_scales_each_stage_by_its_cost_weighted_ratio() -> None:
    """Expected = static x (sum of actual / sum of estimated); the range is that ratio
    plus or minus two standard deviations of the episodes' ratios; a stage with no
    record keeps its static figure."""
    history = [
        BatchCost(run="b1", recorded_at=1, stages=(_stage("script", 1000, 1300, (1.2, 1.4)),)),
        BatchCost(
            run="b2",
            recorded_at=2,
            stages=(
                _stage("script", 3000, 4200, (1.35, 1.45)),
                _stage("audio", 10_000, 13_000, (1.25, 1.35)),
            ),
        ),
        BatchCost(run="b3", recorded_at=3, stages=(_stage("audio", 30_000, 38_000, (1.2, 1.3)),)),
    ]
    static = {"research": 200, "script": 2000, "audio": 50_000, "master": 0}
    got = calibrate(SHOW, static, KEYS, history)
    script, audio = got.stages["script"], got.stages["audio"]
    assert script.ratio == round(5500 / 4000, 4) and script.batches == 2 and script.episodes == 4
    assert script.expected_micro_usd == round(2000 * 5500 / 4000) == 2750
    # ratios 1.2, 1.4, 1.35, 1.45: sd = sqrt(0.035 / 3) = 0.1080; 1.375 -+ 0.2160
    assert (script.low_micro_usd, script.high_micro_usd) == (2318, 3182)
    assert audio.expected_micro_usd == round(50_000 * 51_000 / 40_000) == 63_750
    # ratios 1.25, 1.35, 1.2, 1.3: sd = sqrt(0.0125 / 3) = 0.06455; 1.275 -+ 0.1291
    assert (audio.low_micro_usd, audio.high_micro_usd) == (57_295, 70_205)
    research = got.stages["research"]  # never recorded: the static figure, no range
    assert research.ratio is None and research.batches == 0
    assert research.expected_micro_usd == research.low_micro_usd == research.high_micro_usd == 200
    assert got.stages["master"].expected_micro_usd == 0
    assert got.static_micro_usd == 52_200
    assert got.expected_micro_usd == 200 + 2750 + 63_750
    assert (got.low_micro_usd, got.high_micro_usd) == (200 + 2318 + 57_295, 200 + 3182 + 70_205)
    assert got.batches == 3 and got.summary() == f"calibrated on 3 batches of {SHOW}"
    # only the last N batches teach: the oldest script record falls out
    recent = calibrate(SHOW, static, KEYS, history, last=1)
    assert recent.stages["script"].ratio == 1.4 and recent.stages["audio"].ratio == round(
        38 / 30, 4
    )
    # another model: nothing learned applies
    other = {**KEYS, "script": ("anthropic", "claude-opus-5-5")}
    assert calibrate(SHOW, static, other, history).stages["script"].ratio is None


def test_the_range_keeps_the_extremes_and_never_goes_below_zero() -> None:
    """Two standard deviations either side, widened to the lowest and highest episode
    where they lie outside (one odd episode among ten), and never a negative cost; one
    episode is a ratio with no spread."""
    low, high = spread(1.0, [1.0] * 9 + [3.0])  # sd 0.632: 1.0 + 1.265 < 3.0
    assert (low, high) == (0.0, 3.0)
    assert spread(1.1, [1.1]) == (1.1, 1.1)
    low, high = spread(1.25, [1.2, 1.3])  # sd 0.0707
    assert (round(low, 4), round(high, 4)) == (1.1086, 1.3914)


def test_uncalibrated_and_free_estimates_say_so() -> None:
    """No record yet: the static figures, and a summary that says it is not calibrated.
    Offline, every stage is free: nothing to calibrate, nothing invented."""
    fresh = calibrate(SHOW, {"script": 2000, "audio": 50_000}, KEYS, [])
    assert fresh.batches == 0 and fresh.expected_micro_usd == fresh.static_micro_usd == 52_000
    assert fresh.summary() == f"not calibrated yet: no batch of {SHOW} has recorded its cost"
    history = [BatchCost(run="b1", recorded_at=1, stages=(_stage("audio", 100, 140, (1.3, 1.5)),))]
    offline = {s: price_key(s, RunSettings()) for s in KEYS}
    free = calibrate(SHOW, {"script": 0, "audio": 0}, offline, history)
    assert free.batches == 0 and free.expected_micro_usd == 0


def test_run_key_names_the_directory_and_its_episodes(tmp_path: Path) -> None:
    """One key per run directory and set of episodes, in any order; no path in it."""
    key = run_key(tmp_path / "out", ["b", "a"])
    assert key == run_key(tmp_path / "out", ["a", "b"]) and str(tmp_path) not in key
    assert key != run_key(tmp_path / "other", ["a", "b"]) != run_key(tmp_path / "out", ["a"])


def test_memory_keeps_one_record_per_run_and_shares_it_across_batches(memory_dir: Path) -> None:
    """Recording is idempotent per run (a resumed run replaces its record), survives a
    new memory of the same show (the next batch) and keeps the latest records only."""
    first = SeriesMemory(str(memory_dir), SHOW)
    record = BatchCost(run="r1", recorded_at=1, stages=(_stage("audio", 100, 130, (1.2, 1.4)),))
    first.record_costs(record)
    first.record_costs(record.model_copy(update={"recorded_at": 9}))  # Ray re-sent the call
    resumed = BatchCost(run="r1", recorded_at=2, stages=(_stage("audio", 200, 270, (1.2, 1.4)),))
    first.record_costs(resumed)
    second = SeriesMemory(str(memory_dir), SHOW)  # the next batch, another run directory
    second.record_costs(BatchCost(run="r2", recorded_at=3, stages=()))
    snap = load_snapshot(str(memory_dir), SHOW)
    assert snap is not None and [b.run for b in snap.costs] == ["r1", "r2"]
    assert snap.costs[0] == resumed
    assert first.snapshot().costs == snap.costs  # the first batch's memory sees it too
    for n in range(COST_BATCHES_KEPT + 5):
        second.record_costs(BatchCost(run=f"n{n}", recorded_at=10 + n, stages=()))
    kept = load_snapshot(str(memory_dir), SHOW)
    assert kept is not None and len(kept.costs) == COST_BATCHES_KEPT
    assert kept.costs[-1].run == f"n{COST_BATCHES_KEPT + 4}"


def _three_batches(memory_dir: Path) -> float:
    """Three recorded batches of the example show whose every paid stage cost 1.3 times
    the static figure (episodes at 1.2, 1.3 and 1.4); returns that ratio."""
    memory = SeriesMemory(str(memory_dir), SHOW)
    static = estimate_batch(load_batch_file(EXAMPLES / "batch.yaml"), PAID).stage_totals()
    for n in range(3):
        stages = tuple(
            StageCost(
                stage=stage,
                provider=key[0],
                model=key[1],
                episodes=3,
                estimated_micro_usd=static[stage],
                actual_micro_usd=round(static[stage] * 1.3),
                ratios=(1.2, 1.3, 1.4),
            )
            for stage in static
            if (key := price_key(stage, PAID)) is not None and static[stage] > 0
        )
        memory.record_costs(BatchCost(run=f"r{n}", recorded_at=n, stages=stages))
    return 1.3


def test_estimate_shows_the_calibrated_cost_with_its_range(memory_dir: Path) -> None:
    """After three recorded batches, `estimate` shows static, expected and range per
    stage, and says what calibrated it; --json carries the same numbers; the old fields
    are unchanged."""
    batch = str(EXAMPLES / "batch.yaml")
    before = _main("estimate", batch, "--llm", "claude", "--tts", "elevenlabs", cwd=Path.cwd())
    assert before.returncode == 0, before.stderr
    assert f"not calibrated yet: no batch of {SHOW} has recorded its cost" in before.stdout
    ratio = _three_batches(memory_dir)
    shown = _main("estimate", batch, "--llm", "claude", "--tts", "elevenlabs", cwd=Path.cwd())
    assert shown.returncode == 0, shown.stderr
    assert f"calibrated on 3 batches of {SHOW}" in shown.stdout
    assert "expected" in shown.stdout and "range" in shown.stdout
    done = _main(
        "estimate", batch, "--llm", "claude", "--tts", "elevenlabs", "--json", cwd=Path.cwd()
    )
    data = json.loads(done.stdout)
    static = data["total_micro_usd"]
    assert static == sum(sum(e["stages"].values()) for e in data["episodes"])  # as before
    cal = data["calibration"]
    assert cal["batches"] == 3 and cal["static_micro_usd"] == static
    assert abs(cal["expected_micro_usd"] - static * ratio) <= len(cal["stages"])  # rounding
    assert cal["low_micro_usd"] < cal["expected_micro_usd"] < cal["high_micro_usd"]
    assert cal["stages"]["audio"]["ratio"] == ratio and cal["stages"]["audio"]["batches"] == 3
    # the Python API gives the same numbers
    api = estimate_cost(load_batch_file(batch), PAID)
    assert (
        api.calibration is not None
        and api.calibration.expected_micro_usd == cal["expected_micro_usd"]
    )
    # --no-memory: the static estimate only
    plain = _main(
        "estimate",
        batch,
        "--llm",
        "claude",
        "--tts",
        "elevenlabs",
        "--json",
        "--no-memory",
        cwd=Path.cwd(),
    )
    assert json.loads(plain.stdout)["calibration"] is None
    # offline everything is free: no calibration table, nothing invented
    offline = _main("estimate", batch, cwd=Path.cwd())
    assert offline.returncode == 0 and "Expected cost" not in offline.stdout


def test_estimate_reads_the_memory_dir_it_is_given(memory_dir: Path, tmp_path: Path) -> None:
    """--memory-dir points the estimate at another memory: the records there calibrate it."""
    elsewhere = tmp_path / "memory-elsewhere"
    _three_batches(elsewhere)
    batch = str(EXAMPLES / "batch.yaml")
    args = ("estimate", batch, "--llm", "claude", "--tts", "elevenlabs", "--json")
    assert json.loads(_main(*args, cwd=Path.cwd()).stdout)["calibration"]["batches"] == 0
    there = json.loads(_main(*args, "--memory-dir", str(elsewhere), cwd=Path.cwd()).stdout)
    assert there["calibration"]["batches"] == 3


@pytest.mark.parametrize("width", [80, 160])
def test_calibration_table_fits_the_terminal(memory_dir: Path, width: int) -> None:
    """The calibrated table is readable at 80 columns: nothing cut off."""
    from rich.console import Console

    from podcast_factory.views import calibration_table

    _three_batches(memory_dir)
    estimate = estimate_cost(load_batch_file(EXAMPLES / "batch.yaml"), PAID)
    assert estimate.calibration is not None
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(calibration_table(estimate.calibration))
    text = console.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= width
    assert "audio" in text and "total" in text
