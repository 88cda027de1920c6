"""Why an episode did not complete, and what to do about it: rules over the evidence a
manifest already holds (errors with their attempts, the drafts' failed checks, the
spend at a refused reservation).

A user looking at a failed batch wants three answers per episode: what broke (a source,
a provider's key, its quota, an outage, throttling, the budget, a quality check, a
crash), how we know, and the one thing to change. The rules answer all three from the
manifest alone, so ``report`` can say it for any run directory, and the series memory
can carry it to the next run (which flags a failed source before spending on it, and
starts a throttled provider at the concurrency that held).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from podcast_factory.handoff import usd
from podcast_factory.models import EpisodeSpec
from podcast_factory.state import Cause, Draft, EpisodeState, ErrorInfo, FailureAnalysis

CRASH_TYPES = frozenset(
    {
        "ActorDiedError",
        "ActorUnavailableError",
        "RayActorError",
        "WorkerCrashedError",
        "OutOfMemoryError",
        "NodeDiedError",
        "TaskCancelledError",
    }
)
_GAVE_UP = re.compile(r"stage (\w+) failed after \d+ attempt\(s\): (\w+): (.*)", re.S)
_HTTP = re.compile(r"\(HTTP (\d{3})\)")
_QUOTA = re.compile(r"quota_exceeded|exceeds your quota|credit balance is too low", re.I)
"""How the providers say an account ran out (see docs/providers.md, "Out of credit")."""
_KEY = re.compile(r"api[_ -]?key|authenticat|unauthori[sz]ed|permission|invalid x-api-key", re.I)
_BUDGET = re.compile(r"(batch|episode) budget refuses a reservation of \$([\d.]+); \$([\d.]+) left")

CHECK_CHANGES: dict[str, str] = {
    "duration": "minutes: {minutes}",
    "fact_coverage": "minutes: {more_minutes}",
    "coverage": "minutes: {more_minutes}",
}
"""Batch-file changes that help a failed check, by check; the others are the writer's
to fix in another revision (``--revisions``)."""


def analyse(
    state: EpisodeState, spec: EpisodeSpec, out_dir: str, revisions: int = 1
) -> FailureAnalysis | None:
    """The analysis of an episode that ended failed, over budget, rejected or
    interrupted; None for one that completed or has not ended."""
    rerun = f"podcast-factory batch BATCH_FILE --out {out_dir}"
    if state.status == "interrupted":
        return FailureAnalysis(
            cause="interrupted",
            summary=f"The run was stopped ({state.failure or 'interrupted'}).",
            evidence=_evidence(state.errors),
            action="Run the same command again: every completed stage is reused, nothing "
            "is paid twice.",
            command=rerun,
        )
    if state.status == "over_budget":
        return _over_budget(state, spec)
    if state.status == "rejected":
        return _rejected(state, spec, rerun, revisions)
    if state.status == "failed":
        return _failed(state, spec, rerun)
    return None


def _evidence(errors: Iterable[ErrorInfo], last: int = 4) -> tuple[str, ...]:
    listed = list(errors)[-last:]
    return tuple(
        f"{e.stage or 'episode'} attempt {e.attempt}: {e.type}: {e.message[:300]}" for e in listed
    )


def _money(micro_usd: int) -> str:
    """Dollars as a producer reads them: ``$0.0113``, ``$0``, ``$1.5``."""
    text = f"{usd(micro_usd):f}".rstrip("0").rstrip(".")
    return f"${text or '0'}"


def _over_budget(state: EpisodeState, spec: EpisodeSpec) -> FailureAnalysis:
    found = _BUDGET.search(state.failure or "")
    scope = found[1] if found else "episode"
    asked = round(float(found[2]) * 1_000_000) if found else 0
    left = round(float(found[3]) * 1_000_000) if found else 0
    spent = state.total_cost_micro_usd
    need = spent + asked
    # room for one more revision's worth, rounded up to the next 10 cents
    suggest = f"{math.ceil(need * 1.5 / 100_000) / 10:g}"
    evidence = (
        state.failure or "a reservation was refused",
        f"spent before the refusal: {_money(spent)}",
    )
    if scope == "batch":
        return FailureAnalysis(
            cause="budget",
            summary="The batch's budget ran out before this episode was done.",
            evidence=evidence,
            action=f"Raise the batch budget: this episode's next call needed {_money(asked)} "
            f"and {_money(left)} was left. Completed stages are reused on the rerun.",
            command="podcast-factory batch BATCH_FILE --budget USD --out OUT",
            batch_change=f"budget_usd: {suggest}",
            subject="budget_usd",
        )
    return FailureAnalysis(
        cause="episode_cap",
        summary=f"The episode cap stopped it after {_money(spent)}: its next call would "
        f"have gone over.",
        evidence=evidence,
        action=f"Raise episode_cap_usd to about ${suggest} (its next call needed "
        f"{_money(asked)} with {_money(left)} left), or ask for fewer than "
        f"{spec.minutes:g} minute(s).",
        batch_change=f"episode_cap_usd: {suggest}",
        subject="episode_cap_usd",
    )


def _rejected(
    state: EpisodeState, spec: EpisodeSpec, rerun: str, revisions: int
) -> FailureAnalysis:
    draft: Draft | None = state.drafts[-1] if state.drafts else None
    failed = dict(draft.failed_checks) if draft else {}
    names = sorted(failed) or ["quality"]
    first = names[0]
    evidence = tuple(f"{name} = {value:g}" for name, value in sorted(failed.items()))
    if draft is not None:
        evidence += (f"{len(state.drafts)} draft(s) judged; the {draft.gate} gate decided",)
        evidence += tuple(draft.suggestions[:3])
    minutes = spec.minutes
    more = round(minutes * 1.25 * 2) / 2
    change = None
    for name in names:
        template = CHECK_CHANGES.get(name)
        if template is None:
            continue
        if name == "duration" and draft is not None and (draft.duration_s or draft.words):
            # what the sources filled (heard, or predicted from the words at the review)
            pace = spec.show.style.words_per_minute  # the show's words a minute
            heard = draft.duration_s / 60 if draft.duration_s else draft.words / pace
            change = template.format(minutes=f"{max(0.5, round(heard * 2) / 2):g}")
        elif name != "duration":
            change = template.format(more_minutes=f"{more:g}")
        else:
            continue
        break
    advice = draft.suggestions[0] if draft and draft.suggestions else ""
    action = advice or f"Look at the {first} check in the episode's {first} verdict."
    if change is None:
        action += (
            f" Or allow more revisions (now {revisions}): the writer gets the verdict and rewrites."
        )
    return FailureAnalysis(
        cause="quality_check",
        summary=f"The {draft.gate if draft else 'quality'} gate rejected the script: "
        f"{', '.join(names)} failed.",
        evidence=evidence,
        action=action,
        command=None if change else f"{rerun} --revisions {min(5, revisions + 1)}",
        batch_change=change,
        subject=first,
    )


def _failed(state: EpisodeState, spec: EpisodeSpec, rerun: str) -> FailureAnalysis:
    error = state.errors[-1] if state.errors else None
    if error is None:  # failed before any try (a flagged source): the failure says it
        told = _GAVE_UP.search(state.failure or "")
        error = ErrorInfo(
            type=told[2] if told else "",
            message=told[3] if told else (state.failure or ""),
            stage=told[1] if told else "",
        )
    kind, message, stage = error.type, error.message, error.stage
    evidence = _evidence(state.errors) or ((state.failure,) if state.failure else ())
    cause: Cause
    if kind == "SourceError" or (stage == "research" and "source" in message.lower()):
        bad = [s for s in spec.sources if s in message] or list(spec.sources)
        return FailureAnalysis(
            cause="source",
            summary=f"No usable text could be read from {_listed(bad)}.",
            evidence=evidence,
            action=f"Fix or replace {_listed(bad)} in this episode's sources (a readable "
            ".md, .txt or .html file, or an http(s) page with prose), then run again.",
            command=rerun,
            batch_change=f"sources: replace {bad[0]}",
            subject=bad[0],
        )
    status = _HTTP.search(message)
    code = int(status[1]) if status else None
    provider = message.split(" ", 1)[0].split(":")[0] if message else ""
    provider = provider if provider in {"anthropic", "elevenlabs"} else ""
    if kind == "ModelStopped":
        return FailureAnalysis(
            cause="model_stopped",
            summary=f"The model stopped at the {stage} stage and no retry can change that.",
            evidence=evidence,
            action="A refusal: reword the topic or change the sources. A prompt too long: "
            "lower claude.max_source_chars or use fewer sources.",
            subject=stage,
        )
    if kind in CRASH_TYPES:
        cause, action = (
            "crash",
            (
                f"The {stage} agent crashed on every try. Run again (completed stages are "
                "reused); if it crashes again, the machine may be short of memory."
            ),
        )
    elif kind == "OSError" and ("space" in message or "quota" in message.lower()):
        cause, action = "disk", "Free space on the run directory's disk, then run again."
    elif _QUOTA.search(message) or code == 402:  # ElevenLabs says it with a 401
        cause = "provider_quota"
        action = (
            f"Your {provider or 'provider'} account is out of credit or quota: top it up "
            "(or wait for the quota to reset), then run again."
        )
    elif code in (401, 403) or (_KEY.search(message) and code is not None and code < 500):
        cause = "provider_key"
        key = "ELEVENLABS_API_KEY" if provider == "elevenlabs" else "ANTHROPIC_API_KEY"
        action = f"Check {key}: the provider refused it. Set a valid key and run again."
    elif code == 429:
        cause = "throttling"
        action = (
            f"{provider or 'The provider'} kept answering 429 (too many requests): lower "
            "its concurrency and rate. The next run of this show starts at the concurrency "
            "that held."
        )
        return FailureAnalysis(
            cause=cause,
            summary=f"{provider or 'A provider'} throttled the {stage} stage until it gave up.",
            evidence=evidence,
            action=action,
            command=f"{rerun} --max-concurrent {provider or 'anthropic'}=2",
            subject=provider or stage,
        )
    elif (code is not None and code >= 500) or "timed out" in message.lower():
        cause = "provider_outage"
        action = (
            f"{provider or 'The provider'} was failing (server errors or timeouts) on every "
            "try. Run again later: completed stages are reused."
        )
    else:
        cause = "other"
        action = "Read the error below; run again once it is fixed (completed stages are reused)."
    return FailureAnalysis(
        cause=cause,
        summary=f"The {stage or 'episode'} stage failed: {kind or 'error'}.",
        evidence=evidence,
        action=action,
        command=rerun if cause in ("crash", "provider_outage", "provider_quota") else None,
        subject=provider or stage or None,
    )


def _listed(items: list[str]) -> str:
    return ", ".join(items[:3]) + (f" and {len(items) - 3} more" if len(items) > 3 else "")
