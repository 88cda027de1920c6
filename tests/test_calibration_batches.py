"""Estimates that learn from the bill, end to end: three batches of one show against a
simulated Claude that writes 40% more than the static model assumes (real SDKs, Ray,
the series memory on disk), then a fourth batch of new episodes, estimated from those
three bills and made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podcast_factory.api import estimate_cost, load_batch_file, run_batch
from podcast_factory.config import Credentials, QualityThresholds, RunSettings
from podcast_factory.memory_file import load_snapshot
from podcast_factory.models import BatchSpec
from podcast_factory.testing import ProviderSimulator

pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.usefixtures("ray_session")]

KEY = "sk-ant-test-CALIBRATE-0123456789abcdef"
SHOW = "Everyday Marvels"
SETTINGS = RunSettings(
    llm="claude",
    tts="elevenlabs",
    backoff_base_s=0.05,
    backoff_max_s=0.2,
    request_timeout_s=5.0,
    # a wordier model writes longer scripts; this show accepts episodes up to 60% long
    quality=QualityThresholds(duration_tolerance=0.6),
)
Episode = tuple[str, str, float, tuple[str, ...]]
BEES = ("bees-warming.md", "bees-cooling.md")
BATCHES: tuple[tuple[Episode, Episode], ...] = (
    (
        ("tides", "How tides work", 1.5, ("tides.md",)),
        ("penicillin", "How penicillin was found", 1.0, ("penicillin.md",)),
    ),
    (
        ("honeybees", "How honeybees heat and cool their hive", 2.0, BEES),
        ("neap-tides", "Why some tides are small", 1.0, ("tides.md",)),
    ),
    (
        ("penicillin-factories", "How penicillin was made by the ton", 2.0, ("penicillin.md",)),
        ("bee-fans", "Why bees fan their wings at the hive door", 1.5, BEES),
    ),
)
FOURTH: tuple[Episode, Episode] = (
    ("moon-and-sea", "What the moon does to the sea", 1.25, ("tides.md",)),
    ("mould-to-medicine", "How a mould became a medicine", 1.75, ("penicillin.md",)),
)


def _spec(example_dir: Path, name: str, episodes: tuple[Episode, ...]) -> BatchSpec:
    """A batch file of the example show with these episodes, read as a user's would be."""
    show = yaml.safe_load((example_dir / "batch.yaml").read_text())["show"]
    data: dict[str, Any] = {
        "show": show,
        "episodes": [
            {"id": i, "topic": t, "minutes": m, "sources": [f"sources/{s}" for s in src]}
            for i, t, m, src in episodes
        ],
    }
    path = example_dir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_batch_file(path)


@pytest.mark.timeout(1200)  # five batches with paid speech: pytest's default 300 s is short
def test_three_batches_calibrate_the_fourth_within_ten_percent(
    example_dir: Path, tmp_path: Path, memory_dir: Path
) -> None:
    """With replies 40% longer than the static model assumes, the static estimate of a
    new batch misses its bill by more than 10%; calibrated on three earlier batches of
    the show, the expected cost is within 10% and the range holds the bill. A rerun
    into the same directory does not count the batch twice."""
    with ProviderSimulator(api_key=KEY, voices={}, reply_scale=1.4) as sim:
        creds = Credentials.model_validate(
            {
                "anthropic_api_key": KEY,
                "elevenlabs_api_key": KEY,
                "anthropic_base_url": sim.url,
                "elevenlabs_base_url": sim.url,
            }
        )
        for n, episodes in enumerate(BATCHES, start=1):
            spec = _spec(example_dir, f"batch-{n}", episodes)
            done = run_batch(spec, tmp_path / f"out-{n}", SETTINGS, creds=creds)
            assert done.ok, [(e.episode_id, e.status, e.errors) for e in done.episodes]
        fourth = _spec(example_dir, "batch-4", FOURTH)
        estimate = estimate_cost(fourth, SETTINGS)
        billed_before = sim.billed_micro_usd()
        result = run_batch(fourth, tmp_path / "out-4", SETTINGS, creds=creds)
        actual = sim.billed_micro_usd() - billed_before
        assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
        assert result.total_cost_micro_usd == actual > 0  # the ledger is the bill
        recorded = load_snapshot(str(memory_dir), SHOW)
        again = run_batch(fourth, tmp_path / "out-4", SETTINGS, creds=creds)  # all reused
        assert again.ok and sim.billed_micro_usd() - billed_before == actual
    calibration = estimate.calibration
    assert calibration is not None
    assert calibration.summary() == f"calibrated on 3 batches of {SHOW}"
    static, expected = estimate.total_micro_usd, calibration.expected_micro_usd
    low, high = calibration.low_micro_usd, calibration.high_micro_usd
    print(f"fourth batch: billed {actual}, static {static}, calibrated {expected} ({low}..{high})")
    assert abs(static - actual) / actual > 0.10, (static, actual)
    assert abs(expected - actual) / actual <= 0.10, (expected, actual)
    assert low <= actual <= high, (low, actual, high)
    # every batch left one record in the show's memory; the rerun replaced none
    assert recorded is not None and len(recorded.costs) == 4
    after = load_snapshot(str(memory_dir), SHOW)
    assert after is not None and after.costs == recorded.costs
