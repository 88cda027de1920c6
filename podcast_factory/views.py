"""What a person sees: the live progress of a batch and the closing table."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from podcast_factory.calibration import Calibration
from podcast_factory.estimate import BatchEstimate
from podcast_factory.models import STAGES, EpisodeState, usd

ENDINGS = ("completed", "rejected", "failed", "over_budget", "interrupted")


def stage_counts(states: Iterable[EpisodeState]) -> Counter[str]:
    """Episodes per column: waiting, in a stage, or finished with a status."""
    counts: Counter[str] = Counter()
    for s in states:
        if s.status == "running" and s.current_stage:
            counts[s.current_stage] += 1
        elif s.status in ("pending", "running"):
            counts["queued"] += 1
        else:
            counts[s.status] += 1
    return counts


class ProgressView:
    """Episodes per stage, live on a terminal; one line per change elsewhere (CI, logs)."""

    def __init__(self, console: Console, total: int, stages: Iterable[str] = STAGES) -> None:
        self.console = console
        self.total = total
        self.columns = ("queued", *stages, *ENDINGS)
        self.started = time.monotonic()
        self._live: Live | None = None
        self._last = ""

    def __enter__(self) -> ProgressView:
        if self.console.is_terminal:
            self._live = Live(
                self._table(Counter()), console=self.console, transient=True, refresh_per_second=4
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)

    def _table(self, counts: Counter[str]) -> Table:
        done = sum(counts[c] for c in ENDINGS)
        table = Table(
            title=f"{done}/{self.total} episodes done, {time.monotonic() - self.started:.0f} s"
        )
        for col in self.columns:
            table.add_column(col, justify="right")
        table.add_row(*(str(counts[c]) for c in self.columns))
        return table

    def update(self, states: list[EpisodeState]) -> None:
        counts = stage_counts(states)
        if self._live is not None:
            self._live.update(self._table(counts))
            return
        line = " ".join(f"{c}={counts[c]}" for c in self.columns if counts[c])
        if line != self._last:
            self._last = line
            self.console.print(
                f"[{time.monotonic() - self.started:6.1f}s] {line}", highlight=False, markup=False
            )


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{int(seconds // 60)}:{round(seconds % 60):02d}"


def _quality(state: EpisodeState, out: Path) -> str:
    """The last verdict: from the drafts (which say which gate decided), else from
    ``quality.json`` (a workflow without a revision loop)."""
    revised = len(state.drafts) - 1
    after = f", {revised} revision{'s' if revised > 1 else ''}" if revised > 0 else ""
    if state.drafts:
        last = state.drafts[-1]
        mark = "pass" if last.passed else "FAIL script" if last.gate == "review" else "FAIL"
        return f"{mark} {last.overall:.2f}{after}"
    path = out / state.episode_id / "quality.json"
    if not path.is_file():
        return "-"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unreadable"  # report names the damage; the table goes on
    if not isinstance(data, dict):
        return "unreadable"
    mark = "pass" if data.get("passed") else "FAIL"
    return f"{mark} {data.get('scores', {}).get('overall', 0):.2f}"


def _took(state: EpisodeState) -> str:
    """This run's time; after a resume, with the time of every run together."""
    run, total = state.run_s, state.total_s
    if run is None or total is None:
        return "-"
    return f"{run:.1f}" if state.earlier_s < 0.05 else f"{run:.1f} (total {total:.1f})"


def result_table(
    states: Iterable[EpisodeState], out: Path, estimates: dict[str, int] | None = None
) -> Table:
    """The closing table: episode, status, audio length, quality, cost (beside the
    estimate, when there is one), wall time."""
    table = Table(title=Text(f"Run directory: {out}"))  # a path is text, never markup
    columns = ["episode", "status", "audio", "quality", "cost USD", "time s"]
    if estimates is not None:
        columns.insert(4, "estimate USD")
    for name in columns:
        table.add_column(name, justify="left" if name in ("episode", "status") else "right")
    total = estimated = 0
    for s in states:
        total += s.total_cost_micro_usd
        row: list[str | Text] = [
            Text(s.episode_id),
            Text(s.status),
            _minutes(s.duration_audio_s),
            _quality(s, out),
            f"{usd(s.total_cost_micro_usd)}",
            _took(s),
        ]
        if estimates is not None:
            estimated += estimates.get(s.episode_id, 0)
            row.insert(4, f"{usd(estimates.get(s.episode_id, 0))}")
        table.add_row(*row)
    table.add_section()
    totals = ["total", "", "", "", f"{usd(total)}", ""]
    if estimates is not None:
        totals.insert(4, f"{usd(estimated)}")
    table.add_row(*totals)
    return table


def estimate_table(estimate: BatchEstimate) -> Table:
    """Expected cost per episode and stage, spending nothing."""
    table = Table(
        title=f"Estimate with llm={estimate.llm}, tts={estimate.tts} "
        f"(prices as of {estimate.prices_as_of})"
    )
    stages = list(STAGES)
    revisions = max((e.revisions for e in estimate.episodes), default=0)
    worst = [f"if {revisions} revision(s) USD"] if revisions else []
    for name in ("episode", *stages, "total USD", *worst):
        table.add_column(name, justify="left" if name == "episode" else "right")
    for e in estimate.episodes:
        table.add_row(
            Text(e.episode_id),
            *(f"{usd(e.stages.get(s, 0)):.4f}" for s in stages),
            f"{usd(e.total_micro_usd):.4f}",
            *([f"{usd(e.worst_micro_usd):.4f}"] if worst else []),
        )
    table.add_section()
    sums = [sum(e.stages.get(s, 0) for e in estimate.episodes) for s in stages]
    table.add_row(
        "total",
        *(f"{usd(n):.4f}" for n in sums),
        f"{usd(estimate.total_micro_usd):.4f}",
        *([f"{usd(estimate.worst_micro_usd):.4f}"] if worst else []),
    )
    return table


def estimate_tables(estimate: BatchEstimate, width: int) -> list[Table | Text]:
    """The estimate as tables that fit ``width`` columns: the episode-by-stage table when
    it fits; else the cost per stage for the batch, then per episode (``--json`` has
    every cell)."""
    wide = estimate_table(estimate)
    if Console(width=10_000).measure(wide).maximum <= width:  # its unwrapped width
        return [wide]
    stages = Table()
    for name in ("stage", "USD", "share"):
        stages.add_column(name, justify="left" if name == "stage" else "right")
    total = estimate.total_micro_usd
    for stage in STAGES:
        cost = sum(e.stages.get(stage, 0) for e in estimate.episodes)
        share = f"{100 * cost / total:.0f}%" if total else "-"
        stages.add_row(stage, f"{usd(cost):.4f}", share)
    stages.add_section()
    stages.add_row("total", f"{usd(total):.4f}", "100%" if total else "-")
    revisions = max((e.revisions for e in estimate.episodes), default=0)
    episodes = Table()
    columns = ["episode", "USD", *([f"if {revisions} revision(s) USD"] if revisions else [])]
    for name in columns:
        episodes.add_column(name, justify="left" if name == "episode" else "right")
    for e in estimate.episodes:
        worst = [f"{usd(e.worst_micro_usd):.4f}"] if revisions else []
        episodes.add_row(Text(e.episode_id), f"{usd(e.total_micro_usd):.4f}", *worst)
    episodes.add_section()
    worst = [f"{usd(estimate.worst_micro_usd):.4f}"] if revisions else []
    episodes.add_row("total", f"{usd(total):.4f}", *worst)
    return [Text(str(wide.title)), stages, episodes]


def calibration_table(calibration: Calibration) -> Table:
    """The batch's cost per stage as the show's earlier bills say it will be: the static
    figure, the expected cost (static times the stage's actual/static ratio) and its
    range (the lowest and highest ratio one episode had). Its title says how many
    batches calibrated it."""
    table = Table(title=Text(f"Expected cost in USD, {calibration.summary()}"))
    for name in ("stage", "static", "expected", "range", "ratio", "batches"):
        table.add_column(name, justify="left" if name == "stage" else "right")

    def row(name: str, static: int, expected: int, low: int, high: int, n: int) -> None:
        ratio = f"{expected / static:.2f}" if n and static else "-"
        span = f"{usd(low):.4f}-{usd(high):.4f}" if n else "-"
        table.add_row(name, f"{usd(static):.4f}", f"{usd(expected):.4f}", span, ratio, str(n))

    for s in calibration.stages.values():
        if s.static_micro_usd > 0:
            row(s.stage, s.static_micro_usd, s.expected_micro_usd, s.low_micro_usd,
                s.high_micro_usd, s.batches)  # fmt: skip
    table.add_section()
    c = calibration
    row("total", c.static_micro_usd, c.expected_micro_usd, c.low_micro_usd, c.high_micro_usd,
        c.batches)  # fmt: skip
    return table
