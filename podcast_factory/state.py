"""How far a run has got: per stage, per draft, per episode, and the batch's result.

These are what ``manifest.json`` records and a resumed run loads back, apart from the
work's own models (``podcast_factory.models``, which re-exports them) because they
change as a run goes, while specs and artifacts do not. The models with a computed
field (``cost_usd``) ignore unknown fields, so a manifest they wrote loads back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field

from podcast_factory.handoff import FROZEN, usd

EpisodeStatus = Literal[
    "pending", "running", "completed", "failed", "over_budget", "rejected", "interrupted"
]
StageStatus = Literal["pending", "running", "completed", "failed", "skipped", "interrupted"]


class _Frozen(BaseModel):
    model_config = FROZEN


class ErrorInfo(_Frozen):
    """A failure as the manifest records it: the type is kept, not just the text."""

    type: str
    message: str
    stage: str = ""
    attempt: int = 0


class StageSpan(_Frozen):
    """One try of a stage: when it ran and whether it ended well (the run page draws
    each as a bar, so retries and revisions are seen, not only counted)."""

    started_at: float
    """Wall-clock start (epoch seconds)."""
    ended_at: float
    attempt: int
    ok: bool


MAX_SPANS = 20
"""Tries a stage record keeps (the latest); a stage redone across many reruns keeps
its manifest small."""


class StageRecord(_Frozen):
    """One stage of one episode, as ``manifest.json`` records it."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # computed cost_usd on reload

    status: StageStatus = "pending"
    attempts: int = 0
    """Tries of this stage, across retries and reruns, as the manifest recorded them: a
    try cut short by the whole run dying (the supervisor killed) is not written, so
    not counted; its calls are in the ledger all the same."""
    duration_s: float = 0.0
    cost_micro_usd: int = 0
    error: ErrorInfo | None = None
    artifacts: dict[str, str] = {}
    """File name -> sha256 of every artifact the stage wrote."""
    fingerprint: str = ""
    """Hash of what the stage's result depends on: its inputs' artifacts, the settings
    that shape it and (for a script) which draft it is. A rerun reuses a completed
    stage only when the fingerprint still matches."""
    imported_from: str | None = None
    """The run directory the artifacts were copied from (re-voice), if not made here."""
    note: str | None = None
    """Why a stage was skipped, or what else a reader of the manifest should know."""
    started_at: float | None = None
    """When the stage's latest run began (epoch seconds): its first try of that run."""
    ended_at: float | None = None
    """When that run ended, completed or failed."""
    spans: tuple[StageSpan, ...] = ()
    """Every try of this stage, across retries, revisions and reruns (the latest
    ``MAX_SPANS``)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_usd(self) -> Decimal:
        return usd(self.cost_micro_usd)

    def with_span(self, span: StageSpan) -> StageRecord:
        """This record with one more try kept."""
        return self.model_copy(update={"spans": (*self.spans, span)[-MAX_SPANS:]})


class Draft(_Frozen):
    """One pass through the gates: a script, maybe its audio, and the verdict that
    decided (the first gate that failed, or the last gate)."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # computed cost_usd on reload

    number: int
    """0 for the first draft, then one per revision."""
    gate: str = "quality"
    """Which gate decided: ``review`` (the script, before speech was bought) or
    ``quality`` (the audio)."""
    basis: str = ""
    """Fingerprint of the research and settings the draft was written from: drafts on
    another basis (the research was redone) are history, not revisions of this one."""
    passed: bool
    overall: float
    failed_checks: dict[str, float] = {}
    suggestions: tuple[str, ...] = ()
    cost_micro_usd: int = 0
    """What writing, voicing and judging this draft cost."""
    words: int = 0
    duration_s: float | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_usd(self) -> Decimal:
        return usd(self.cost_micro_usd)


Cause = Literal[
    "source",
    "provider_key",
    "provider_quota",
    "provider_outage",
    "throttling",
    "model_stopped",
    "budget",
    "episode_cap",
    "quality_check",
    "crash",
    "disk",
    "interrupted",
    "other",
]
"""Why an episode did not complete, as ``report`` groups failures."""


class FailureAnalysis(_Frozen):
    """Why an episode ended failed, over budget, rejected or interrupted, the evidence,
    and what to do: written into its manifest, shown by ``report``, remembered by the
    series memory so that the next run acts on it."""

    cause: Cause
    summary: str
    """One sentence: what went wrong, in the user's terms."""
    evidence: tuple[str, ...] = ()
    """What the verdict rests on: errors with their attempts, failed checks, spend."""
    action: str
    """What to do about it, in one or two sentences."""
    command: str | None = None
    """A command that acts on it (a rerun, a flag), if one does."""
    batch_change: str | None = None
    """The change to make in the batch file (``minutes: 4``), if one helps."""
    subject: str | None = None
    """What failed: the source, the provider, the check or the stage."""
    written_by: str = "rules"
    """``rules`` (always), or ``claude`` when ``--analyse-failures`` bought a reading."""


class EpisodeState(_Frozen):
    """Progress of one episode; written as ``manifest.json``."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # computed total_cost_usd on reload

    episode_id: str
    topic: str
    status: EpisodeStatus = "pending"
    current_stage: str | None = None
    stages: dict[str, StageRecord] = {}
    errors: tuple[ErrorInfo, ...] = ()
    total_cost_micro_usd: int = 0
    started_at: float | None = None
    """When the first run began this episode (a resumed run keeps it)."""
    ended_at: float | None = None
    run_started_at: float | None = None
    """When this run began the episode; ``ended_at - run_started_at`` is this run's time."""
    earlier_s: float = 0.0
    """Seconds earlier runs spent on the episode (each from its start to its end, or to
    its last manifest write when it crashed); the total is this plus this run's time."""
    active_at: float | None = None
    """When the manifest was last written: where a run that crashed stopped."""
    failure: str | None = None
    """Why the episode did not complete, in one sentence (which stage gave up and why,
    or which budget refused)."""
    quality_passed: bool | None = None
    duration_audio_s: float | None = None
    drafts: tuple[Draft, ...] = ()
    """Every draft the quality gate judged, in order, with its cost."""
    analysis: FailureAnalysis | None = None
    """Why it did not complete and what to do (``podcast_factory.diagnosis``); None
    while running and once completed."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_cost_usd(self) -> Decimal:
        return usd(self.total_cost_micro_usd)

    @property
    def run_s(self) -> float | None:
        """Seconds this run spent on the episode, once it has ended."""
        began = self.run_started_at or self.started_at
        return self.ended_at - began if self.ended_at and began else None

    @property
    def total_s(self) -> float | None:
        """Seconds every run together spent on the episode, once it has ended."""
        run = self.run_s
        return None if run is None else self.earlier_s + run

    def resumed(self, now: float) -> dict[str, float]:
        """The fields of this episode (as an earlier run left it) for a run starting it
        again at ``now``: the earlier run's time is added to ``earlier_s``."""
        began = self.run_started_at or self.started_at
        stopped = self.ended_at or self.active_at
        spent = stopped - began if began and stopped and stopped >= began else 0.0
        return {"run_started_at": now, "earlier_s": self.earlier_s + spent}

    @property
    def stages_completed(self) -> tuple[str, ...]:
        return tuple(n for n, r in self.stages.items() if r.status == "completed")


class BatchResult(_Frozen):
    """What the Python API returns for a batch."""

    out_dir: str
    episodes: tuple[EpisodeState, ...]
    total_cost_micro_usd: int
    wall_s: float
    notes: tuple[str, ...] = ()
    """Batch-level problems for the person running it (a full disk: where, how much)."""

    @property
    def ok(self) -> bool:
        return all(e.status == "completed" for e in self.episodes)
