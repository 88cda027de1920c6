"""Estimates that learn from the bill: the static model calibrated on a show's past batches.

The static model (``podcast_factory.estimate``) sizes every call from what the batch
asks for; the providers bill what they did. The two part in proportion (a wordier model
writes more tokens than the words it was asked for; a script's characters are not six a
word) and differently per stage and model. So, at the end of each batch, the supervisor
measures per stage what the ledger committed beside what the static model expected for
the same episodes (``measure``), and the show's series memory keeps that record
(``BatchCost``, the latest ``COST_BATCHES_KEPT``). ``calibrate`` turns the records into,
per stage, the ratio of actual to expected cost and its spread, and so the expected cost
of the next batch, with a range.

Choices, and why:

- A ratio per (stage, provider, model): a ratio learned on one model says nothing of
  another, and the settings of the next batch name its models.
- The ratio is the sum of actual cost over the sum of expected cost of the last
  ``CALIBRATION_BATCHES`` batches: cost-weighted, so a cheap odd episode cannot swing it.
- The range is that ratio plus or minus two standard deviations of the ratios single
  episodes had, widened to the lowest and highest of them where they lie outside. About
  95% of episodes land inside such a range if they vary normally, and a batch, whose
  ratio is a cost-weighted mean of its episodes' ratios, lands inside it with room to
  spare. Per-episode ratios give a spread after one batch of two episodes (a standard
  deviation of one or two batch ratios is no spread at all), and the observed extremes
  keep it honest when a few episodes are all there is.
- An (episode, stage) counts only when both figures are above zero (offline providers
  cost nothing: no ratio), the stage completed, and all its calls were made by one run
  (a stage bought again after a crash or a changed setting is not one making of it).
  Revisions in that run count: the expected cost includes what revisions usually add.
- A record is keyed by the run directory and its episodes (``run_key``), so a resumed or
  repeated run replaces its record instead of counting the batch twice.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from podcast_factory.actors.ledger import scan_ledger
from podcast_factory.config import RunSettings
from podcast_factory.memory_file import BatchCost, StageCost, load_snapshot
from podcast_factory.models import CostEntry
from podcast_factory.providers.elevenlabs_dialogue import DIALOGUE_MODEL
from podcast_factory.stages import STAGES, ClaudeCost, SpeechCost

CALIBRATION_BATCHES = 10
"""Recorded batches a ratio is learned from, the latest: the providers and the show
change, so older bills weigh nothing."""

PriceKey = tuple[str, str]
"""(provider, model) a stage's calls are billed by."""


class StageCalibration(BaseModel):
    """One stage of a batch: the static figure, the calibrated one and its range."""

    model_config = ConfigDict(frozen=True)

    stage: str
    static_micro_usd: int
    expected_micro_usd: int
    low_micro_usd: int
    high_micro_usd: int
    ratio: float | None = None
    """Actual / static cost of the recorded batches; None: not calibrated."""
    ratio_low: float | None = None
    """The range's bounds as ratios (see the module's rules)."""
    ratio_high: float | None = None
    batches: int = 0
    """Recorded batches the ratio was learned from."""
    episodes: int = 0


class Calibration(BaseModel):
    """A batch's estimate calibrated on the show's earlier bills."""

    model_config = ConfigDict(frozen=True)

    show: str
    batches: int
    """Recorded batches of the show that calibrated at least one stage."""
    stages: dict[str, StageCalibration]
    static_micro_usd: int
    expected_micro_usd: int
    low_micro_usd: int
    high_micro_usd: int

    def summary(self) -> str:
        """How far to trust it, in a line: "calibrated on 3 batches of <show>"."""
        if not self.batches:
            return f"not calibrated yet: no batch of {self.show} has recorded its cost"
        plural = "batch" if self.batches == 1 else "batches"
        return f"calibrated on {self.batches} {plural} of {self.show}"


def price_key(stage: str, settings: RunSettings) -> PriceKey | None:
    """The provider and model that bill a built-in stage with these settings; None when
    the stage is free (offline providers, a user's agent, no paid call)."""
    built = STAGES.get(stage)
    cost = built.cost if built is not None else None
    if isinstance(cost, ClaudeCost) and settings.llm == "claude":
        return ("anthropic", str(getattr(settings.claude, cost.model)))
    if isinstance(cost, SpeechCost) and settings.tts == "elevenlabs":
        el = settings.elevenlabs
        return ("elevenlabs", DIALOGUE_MODEL if el.dialogue else el.model_id)
    return None


def run_key(out_dir: str | Path, episode_ids: Iterable[str]) -> str:
    """A batch's record key: its run directory and its episodes, hashed (no path is kept)."""
    ids = "\0".join(sorted(episode_ids))
    return hashlib.sha256(f"{Path(out_dir).resolve()}\0{ids}".encode()).hexdigest()[:16]


def measure(
    run: str,
    static: Mapping[str, Mapping[str, int]],
    keys: Mapping[str, PriceKey | None],
    entries: Iterable[CostEntry],
    completed: Collection[tuple[str, str]],
    recorded_at: float,
) -> BatchCost:
    """What a batch cost per stage beside the static estimate (see the module's rules).

    ``static``: episode -> stage -> expected micro-USD; ``keys``: stage -> its price key;
    ``entries``: the run directory's ledger; ``completed``: (episode, stage) pairs whose
    stage completed."""
    spent: defaultdict[tuple[str, str], int] = defaultdict(int)
    runs: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for e in entries:
        if e.op == "commit":
            spent[(e.episode_id, e.stage)] += e.micro_usd
            runs[(e.episode_id, e.stage)].add(e.run_id)
    pairs: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
    for episode_id, stages in static.items():
        for stage, expected in stages.items():
            got = spent.get((episode_id, stage), 0)
            one_run = len(runs.get((episode_id, stage), ())) == 1
            if expected > 0 and got > 0 and one_run and (episode_id, stage) in completed:
                pairs[stage].append((expected, got))
    samples = []
    for stage, found in pairs.items():
        key = keys.get(stage)
        if key is None:
            continue
        samples.append(
            StageCost(
                stage=stage,
                provider=key[0],
                model=key[1],
                episodes=len(found),
                estimated_micro_usd=sum(expected for expected, _ in found),
                actual_micro_usd=sum(got for _, got in found),
                ratios=tuple(round(got / expected, 4) for expected, got in found),
            )
        )
    return BatchCost(run=run, recorded_at=recorded_at, stages=tuple(samples))


def calibrate(
    show: str,
    static: Mapping[str, int],
    keys: Mapping[str, PriceKey | None],
    history: Sequence[BatchCost],
    last: int = CALIBRATION_BATCHES,
) -> Calibration:
    """The calibrated cost per stage of a batch whose static estimate is ``static``
    (stage -> micro-USD), from ``history`` (oldest first). A stage with no record for
    its provider and model, or a free one, keeps its static figure and has no ratio."""
    used: set[str] = set()
    stages: dict[str, StageCalibration] = {}
    for stage, amount in static.items():
        key = keys.get(stage)
        recent = [
            (b.run, s)
            for b in history
            for s in b.stages
            if key is not None and (s.stage, s.provider, s.model) == (stage, *key)
        ][-last:]
        estimated = sum(s.estimated_micro_usd for _, s in recent)
        if amount <= 0 or estimated <= 0:
            stages[stage] = StageCalibration(
                stage=stage,
                static_micro_usd=amount,
                expected_micro_usd=amount,
                low_micro_usd=amount,
                high_micro_usd=amount,
            )
            continue
        used.update(run for run, _ in recent)
        ratio = sum(s.actual_micro_usd for _, s in recent) / estimated
        low, high = spread(ratio, [r for _, s in recent for r in s.ratios])
        stages[stage] = StageCalibration(
            stage=stage,
            static_micro_usd=amount,
            expected_micro_usd=round(amount * ratio),
            low_micro_usd=round(amount * low),
            high_micro_usd=round(amount * high),
            ratio=round(ratio, 4),
            ratio_low=round(low, 4),
            ratio_high=round(high, 4),
            batches=len(recent),
            episodes=sum(s.episodes for _, s in recent),
        )
    return Calibration(
        show=show,
        batches=len(used),
        stages=stages,
        static_micro_usd=sum(s.static_micro_usd for s in stages.values()),
        expected_micro_usd=sum(s.expected_micro_usd for s in stages.values()),
        low_micro_usd=sum(s.low_micro_usd for s in stages.values()),
        high_micro_usd=sum(s.high_micro_usd for s in stages.values()),
    )


def spread(ratio: float, ratios: Sequence[float]) -> tuple[float, float]:
    """The range around ``ratio``: two standard deviations of the episodes' ``ratios``
    either side, widened to their lowest and highest (see the module's rules)."""
    if not ratios:
        return ratio, ratio
    width = 2 * statistics.stdev(ratios) if len(ratios) > 1 else 0.0
    return max(0.0, min(ratio - width, *ratios)), max(ratio + width, *ratios)


def cost_history(settings: RunSettings, show: str) -> tuple[BatchCost, ...]:
    """The show's recorded batch costs, oldest first: none without memory, or when the
    memory file is missing or unreadable (an estimate is never refused over it)."""
    if not settings.memory or not settings.memory_dir:
        return ()
    try:
        snap = load_snapshot(settings.memory_dir, show)
    except (OSError, ValueError):
        return ()
    return snap.costs if snap is not None else ()


def measure_run(
    out_dir: Path,
    ledger_path: Path,
    static: Mapping[str, Mapping[str, int]],
    settings: RunSettings,
    completed: Collection[tuple[str, str]],
    recorded_at: float,
) -> BatchCost:
    """``measure`` for a run directory: its ledger read (never changed) from disk."""
    scan = scan_ledger(ledger_path) if ledger_path.is_file() else None
    entries = [] if scan is None else [*scan.entries, *filter(None, [scan.tail_entry])]
    keys = {stage: price_key(stage, settings) for stages in static.values() for stage in stages}
    run = run_key(out_dir, static)
    return measure(run, static, keys, entries, completed, recorded_at)
