"""The LangGraph peer: the same agents wired as a LangGraph graph, in one process.

Why: a user choosing how to run agent pipelines in one process would most likely pick
LangGraph (issue 17 names it; ``docs/benchmarks.md``, section 1). So the makespan
benchmark runs the very agents of
the floor (``bench_floor.Floor``: same classes, settings, simulator, local governor and
ledger, same files written) as a compiled ``StateGraph``::

    START -> research -> script -> review -> audio -> quality -+-> summary -> (master) -> END
                                                                +-> social  -> END
            (audio only when the script gate passed; summary and social only when the
            audio gate passed; master only when the batch's workflow has it)

and the batch as ``graph.abatch(inputs, {"max_concurrency": C})``, LangGraph's own way
of running many inputs with at most C in flight. No checkpointer is set (LangGraph's
default): with one, every step's state (the WAV included) would be serialized, which is
LangGraph's crash safety and would cost more; the floor keeps none either.

LangGraph is a benchmark-only extra (``scripts/install --bench``); nothing in
``podcast_factory`` imports it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any, TypedDict

from bench_floor import Floor, FloorResult, _cpu, close_clients

from podcast_factory.config import Credentials, RunSettings
from podcast_factory.metering import StageContext
from podcast_factory.models import BatchSpec, EpisodeSpec, Feedback
from podcast_factory.providers.offline_notes import notes_markdown
from podcast_factory.render import script_markdown
from podcast_factory.rundir import to_json_bytes

MISSING = "the LangGraph peer needs the bench extra: scripts/install --bench"


class EpisodeState(TypedDict, total=False):
    """What flows along the graph's edges for one episode (no reducers: each key is
    written by one node only, so the side-by-side summary and social never collide)."""

    ep: EpisodeSpec
    doc: Any
    script: Any
    synth: Any
    report: Any
    notes: Any
    status: str


def build_graph(floor: Floor, mastering: bool) -> Any:
    """The floor's agents as graph nodes; returns the compiled graph."""
    try:
        from langgraph.graph import END, START, StateGraph
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise SystemExit(MISSING) from exc

    def ctx(state: EpisodeState, stage: str) -> StageContext:
        return StageContext(episode_id=state["ep"].episode_id, stage=stage)

    async def research(state: EpisodeState) -> EpisodeState:
        ep = state["ep"]
        doc = await floor.research.research(ep, ctx(state, "research"))
        await floor._write(ep, {"research.json": to_json_bytes(doc)})
        return {"doc": doc}

    async def script(state: EpisodeState) -> EpisodeState:
        ep, doc = state["ep"], state["doc"]
        written = await floor.writer.write(ep, doc, ctx(state, "script"), Feedback())
        md = script_markdown(written, doc).encode()
        await floor._write(ep, {"script.json": to_json_bytes(written), "script.md": md})
        return {"script": written}

    async def review(state: EpisodeState) -> EpisodeState:
        ep = state["ep"]
        pace = 60 / ep.show.style.words_per_minute
        verdict = await floor.quality.review(
            ep, state["doc"], state["script"], pace, ctx(state, "review")
        )
        await floor._write(ep, {"review.json": to_json_bytes(verdict)})
        return {"status": "review" if verdict.passed else "rejected"}

    async def audio(state: EpisodeState) -> EpisodeState:
        ep = state["ep"]
        synth = await floor.audio.synthesize(state["script"], ep.show, ctx(state, "audio"))
        files = {"audio.json": to_json_bytes(synth.asset), "audio.wav": synth.wav}
        await floor._write(ep, files)
        return {"synth": synth}

    async def quality(state: EpisodeState) -> EpisodeState:
        ep = state["ep"]
        report = await floor.quality.evaluate(
            ep, state["doc"], state["script"], state["synth"].wav, ctx(state, "quality"), False
        )
        await floor._write(ep, {"quality.json": to_json_bytes(report)})
        return {"report": report, "status": "completed" if report.passed else "rejected"}

    async def summary(state: EpisodeState) -> EpisodeState:
        ep = state["ep"]
        notes = await floor.summary.notes(
            ep, state["doc"], state["script"], state["synth"].asset, ctx(state, "summary")
        )
        files = {"summary.json": to_json_bytes(notes), "summary.md": notes_markdown(notes).encode()}
        await floor._write(ep, files)
        return {"notes": notes}

    async def master(state: EpisodeState) -> EpisodeState:
        await floor.master_episode(state["ep"], state["script"], state["synth"], state["notes"])
        return {}

    async def social(state: EpisodeState) -> EpisodeState:
        ep = state["ep"]
        posts = await floor.social.posts(ep, state["doc"], state["script"], ctx(state, "social"))
        await floor._write(ep, {"social.json": to_json_bytes(posts)})
        return {}

    def after_review(state: EpisodeState) -> str:
        return "audio" if state["status"] == "review" else END

    def after_quality(state: EpisodeState) -> list[str]:
        return ["summary", "social"] if state["report"].passed else [END]

    g = StateGraph(EpisodeState)
    for name, node in [
        ("research", research), ("script", script), ("review", review), ("audio", audio),
        ("quality", quality), ("summary", summary), ("social", social),
        *([("master", master)] if mastering else []),
    ]:  # fmt: skip
        g.add_node(name, node)
    g.add_edge(START, "research")
    g.add_edge("research", "script")
    g.add_edge("script", "review")
    g.add_conditional_edges("review", after_review, ["audio", END])
    g.add_edge("audio", "quality")
    g.add_conditional_edges("quality", after_quality, ["summary", "social", END])
    g.add_edge("summary", "master" if mastering else END)
    if mastering:
        g.add_edge("master", END)
    g.add_edge("social", END)
    return g.compile()


def run_graph(
    batch: BatchSpec, out: Path, settings: RunSettings, creds: Credentials
) -> FloorResult:
    """The batch through the LangGraph graph; agents and graph are built before the clock."""

    async def go() -> FloorResult:
        floor = Floor(out, settings, creds)
        floor.mastering = "master" in batch.workflow
        graph = build_graph(floor, floor.mastering)
        inputs = [{"ep": ep} for ep in batch.episodes]
        began, cpu = time.monotonic(), _cpu()
        results = await graph.abatch(inputs, {"max_concurrency": batch.concurrency})
        statuses = Counter(r.get("status", "failed") for r in results)
        found = FloorResult(time.monotonic() - began, _cpu() - cpu, dict(statuses))
        await close_clients(floor)
        return found

    out.mkdir(parents=True, exist_ok=True)
    return asyncio.run(go())


def available() -> bool:
    """Whether the bench extra (LangGraph) is installed."""
    try:
        import langgraph.graph  # noqa: F401
    except ImportError:
        return False
    return True
