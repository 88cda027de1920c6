"""What a batch does with failures: analyse each episode that did not complete, keep
the analysis in its manifest and the series memory, and act on what earlier runs of
the show remembered (a source that failed is checked before its episode spends
anything; a provider that throttled starts at the concurrency that held).

The supervisor calls these; the analysis itself is ``podcast_factory.diagnosis``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

from podcast_factory.config import RunSettings
from podcast_factory.diagnosis import analyse
from podcast_factory.memory_file import load_snapshot
from podcast_factory.models import EpisodeSpec, ResearchDoc, SourceInfo
from podcast_factory.redact import redact_url
from podcast_factory.state import EpisodeState, FailureAnalysis

log = logging.getLogger(__name__)


def learned_limits(settings: RunSettings, show: str) -> RunSettings:
    """The settings with each provider that throttled in the show's last run starting
    at the concurrency that held then (never above what the user allows)."""
    if not settings.memory or not settings.memory_dir:
        return settings
    try:
        snap = load_snapshot(settings.memory_dir, show)
    except (OSError, ValueError) as exc:  # the memory actor moves a bad file aside
        log.warning("series memory unreadable, no learned limits: %s", exc)
        return settings
    if snap is None or not snap.provider_windows:
        return settings
    limits = dict(settings.provider_limits)
    for provider, window in snap.provider_windows.items():
        own = limits.get(provider)
        if own is not None and own.start_concurrent is None and window < own.max_concurrent:
            limits[provider] = own.model_copy(
                update={"start_concurrent": max(own.min_concurrent, window)}
            )
    return settings.model_copy(update={"provider_limits": limits})


def held_windows(states: dict[str, Any], settings: RunSettings) -> dict[str, int | None]:
    """Per provider the batch used, the concurrency that held: the largest window
    reached since its last 429; None when it never throttled and reached its ceiling."""
    held: dict[str, int | None] = {}
    for provider, state in states.items():
        if not state.requests_started:
            continue
        ceiling = settings.provider_limits[provider].max_concurrent
        if state.throttles or state.held_window < ceiling:
            held[provider] = state.held_window
        else:
            held[provider] = None
    return held


def flagged(spec: EpisodeSpec, bad: dict[str, Any]) -> list[str]:
    """The episode's sources an earlier run of the show could not read."""
    return [s for s in spec.sources if redact_url(s) in bad]


def still_bad(spec: EpisodeSpec, checked: Iterable[SourceInfo], bad: dict[str, Any]) -> str | None:
    """Why the episode must not start (a flagged source still cannot be read), or None."""
    failing = [i for i in checked if i.error]
    if not failing:
        return None
    first = failing[0]
    earlier = bad.get(first.source)
    when = f" (it failed in run {earlier.run_id} too)" if earlier is not None else ""
    return (
        f"source {first.source} still cannot be read{when}: {first.error}. Nothing was "
        f"spent on episode {spec.episode_id}."
    )


def analysed(state: EpisodeState, spec: EpisodeSpec, out_dir: str, revisions: int) -> EpisodeState:
    """The state with its analysis, when it did not complete."""
    found = analyse(state, spec, out_dir, revisions)
    return state.model_copy(update={"analysis": found})


def by_cause(states: Iterable[EpisodeState]) -> dict[str, list[str]]:
    """Episode ids per failure cause, most frequent cause first."""
    groups: dict[str, list[str]] = {}
    for s in states:
        if s.analysis is not None:
            groups.setdefault(s.analysis.cause, []).append(s.episode_id)
    order = Counter({c: len(ids) for c, ids in groups.items()})
    return {c: groups[c] for c, _ in order.most_common()}


def with_reading(rules: FailureAnalysis, reading: Any) -> FailureAnalysis:
    """Claude's reading of the evidence over the rules' analysis: its summary, action and
    batch change; the cause and the evidence stay the rules' (report groups by them)."""
    return rules.model_copy(
        update={
            "summary": reading.summary.strip() or rules.summary,
            "action": reading.action.strip() or rules.action,
            "batch_change": (reading.batch_change or "").strip() or rules.batch_change,
            "written_by": "claude",
        }
    )


async def remember_sources(memory: Any, doc: ResearchDoc, run_id: str, eid: str) -> None:
    """Flag the sources research could not read (the show's next run checks them before
    spending on an episode that uses them); clear the ones it read. ``memory``: the
    batch's ``MemoryClient``."""
    read = []
    for info in doc.sources:  # sources as written: URLs without credentials
        if info.error:
            await memory.source_failed(info.source, info.error, run_id, eid)
        else:
            read.append(info.source)
    if read:
        await memory.sources_read(read)
