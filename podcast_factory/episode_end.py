"""What the supervisor does around an episode's run, apart from running it: before it,
a source an earlier run of the show could not read is read again; after an episode that
did not complete, why it did not is written into its manifest and remembered; after
the batch, what each stage cost is told to the show's memory.

None of it may fail an episode or the batch for its own sake: a check that cannot be
made is skipped (research will say what is wrong), an analysis Claude could not write
leaves the rules' analysis, and a cost record that cannot be read is not recorded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from podcast_factory.book import unwrap
from podcast_factory.calibration import measure_run
from podcast_factory.episode import Shared
from podcast_factory.errors import StageFailed
from podcast_factory.estimate import BatchEstimate
from podcast_factory.failures import analysed, flagged, still_bad, with_reading
from podcast_factory.metering import StageContext
from podcast_factory.models import EpisodeSpec, EpisodeState
from podcast_factory.redact import redact_url

log = logging.getLogger(__name__)


async def check_flagged_sources(sh: Shared, ep: EpisodeSpec) -> None:
    """Before an episode spends anything: a source an earlier run of the show could not
    read is read again (no paid call); still unreadable, the episode fails here."""
    state = sh.book.states[ep.episode_id]
    research = state.stages.get("research")
    if "research" not in sh.workflow or (research and research.status == "completed"):
        return
    bad = await sh.memory.bad_sources()
    suspect = flagged(ep, bad)
    if not suspect:
        return
    try:
        checked = await sh.pool["research"].check_sources.remote(suspect)
    except Exception as exc:  # the agent is restarting: research itself will tell
        log.warning("episode %s: flagged sources not checked: %s", ep.episode_id, exc)
        return
    why = still_bad(ep, checked, bad)
    if why is None:
        await sh.memory.sources_read([i.source for i in checked])
        return
    raise StageFailed(ep.episode_id, "research", "SourceError", why, 0)


async def analyse(sh: Shared, ep: EpisodeSpec, analyst: Any) -> None:
    """Write why the episode did not complete into its manifest, with Claude's reading
    when ``analyst`` is set, and remember it for the show's next run."""
    eid = ep.episode_id
    state = analysed(sh.book.states[eid], ep, str(sh.rundir.root), sh.workflow.revisions)
    found = state.analysis
    if found is None:
        return
    if analyst is not None and state.status != "interrupted":
        evidence = (
            found.model_dump_json(indent=1)
            + "\n"
            + "\n".join(
                f"{e.stage} attempt {e.attempt}: {e.type}: {e.message}" for e in state.errors[-6:]
            )
        )
        ctx = StageContext(episode_id=eid, stage="analysis", attempt=1)
        try:
            reading = await analyst.read.remote(ep.show.name, evidence, ctx)
            if reading is not None:
                found = with_reading(found, reading)
        except Exception as raised:  # the rules' analysis stands alone
            exc = unwrap(raised)
            note = f"Claude's reading was not bought: {type(exc).__name__}: {exc}"
            found = found.model_copy(update={"evidence": (*found.evidence, note[:300])})
        total = await sh.ledger.spent(eid)
        state = state.model_copy(update={"total_cost_micro_usd": total})
    await sh.book.save(state.model_copy(update={"analysis": found}))
    if state.status == "interrupted":
        return
    await sh.memory.record_failure(sh.run_id, eid, ep.topic, found)
    if found.cause == "source" and found.subject:
        reason = state.errors[-1].message if state.errors else found.summary
        await sh.memory.source_failed(redact_url(found.subject), reason[:500], sh.run_id, eid)


async def record_costs(
    sh: Shared, estimate: BatchEstimate, states: tuple[EpisodeState, ...]
) -> None:
    """Tell the show's memory what each stage cost beside the static estimate, so the
    next batch's estimate learns from this bill (``podcast_factory.calibration``)."""
    if not sh.memory.on:
        return
    static = {e.episode_id: e.stages for e in estimate.episodes}
    done = {
        (s.episode_id, n) for s in states for n, r in s.stages.items() if r.status == "completed"
    }
    try:
        record = await asyncio.to_thread(
            measure_run,
            sh.rundir.root,
            sh.rundir.ledger_path,
            static,
            sh.settings,
            done,
            time.time(),
        )
    except Exception as exc:  # an unreadable ledger: no record, the batch stands
        log.warning("no cost record for the series memory: %s", exc)
        return
    if record.stages:  # an offline batch is free: nothing to learn from
        await sh.memory.record_costs(record)
