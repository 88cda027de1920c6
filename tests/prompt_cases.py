"""Every prompt the Claude writer sends, for fixed inputs: research (with covered facts),
web search, a first script (with lessons and worn lines), a revision, the judge, the
notes and the posts (with and without the audio's length).

``tests/data/prompts_before_templates.json`` holds what these cases sent before the
prompts became templates (captured from the code of that time with ``python -m
tests.prompt_cases``); the default templates must send them byte for byte, so cost
estimates and the simulator's answers do not drift.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from podcast_factory.actors.ledger import CostLedger
from podcast_factory.config import ClaudeSettings
from podcast_factory.metering import LocalLedger, Meter, StageContext
from podcast_factory.models import (
    Check,
    EpisodeSpec,
    Fact,
    Feedback,
    Host,
    QualityReport,
    ResearchDoc,
    Script,
    Show,
    SourceInfo,
    Turn,
)
from podcast_factory.providers.claude import ClaudeClient
from podcast_factory.providers.claude_writer import ClaudeWriter
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.providers.retry import RetryPolicy
from podcast_factory.providers.sources import SourceText
from podcast_factory.testing import ProviderSimulator

GOLDEN = Path(__file__).parent / "data" / "prompts_before_templates.json"
SHOW = Show(
    name="Everyday Marvels",
    hosts=(Host(name="Nora"), Host(name="Eli")),
    tagline="Ordinary things with extraordinary stories behind them.",
    intro="Welcome to {show}. Today: {topic}.",
)
SPEC = EpisodeSpec(
    episode_id="tides", topic="How tides work", sources=("a.md",), minutes=1.5, show=SHOW
)
TEXT = (
    "Tides are caused mainly by the Moon's gravity. The Sun adds a smaller pull. "
    "Spring tides come when the Sun and the Moon line up. A king tide is an especially "
    "large spring tide near perigee."
)
DOC = ResearchDoc(
    episode_id="tides",
    topic="How tides work",
    facts=tuple(
        Fact(text=t, source="a.md", source_title="Tides")
        for t in (
            "Tides are caused mainly by the Moon's gravity.",
            "Spring tides come when the Sun and the Moon line up.",
        )
    ),
    sources=(SourceInfo(source="a.md", title="Tides"),),
)
DRAFT = Script(
    episode_id="tides",
    title="How tides work",
    turns=(
        Turn(speaker="Nora", text="Welcome to Everyday Marvels."),
        Turn(speaker="Eli", text="Tides are caused mainly by the Moon's gravity.", fact_refs=(0,)),
    ),
    target_words=225,
)
REPORT = QualityReport(
    passed=False,
    scores={"duration": 0.0, "overall": 0.0},
    checks=(Check(name="duration", value=-0.6, threshold="|x| <= 0.35", passed=False),),
    suggestions=("The script would run 0.6 min against a 1.5 min target.",),
)
FEEDBACK = Feedback(
    lessons=("Say the topic's subject early.",),
    said_before=(("So that's the king tide.", 3), ("Once only.", 1)),
)


def writer_for(
    url: str, key: str, tmp: Path, **writer: Any
) -> tuple[ClaudeWriter, Meter, ClaudeClient]:
    client = ClaudeClient(
        api_key=key,
        base_url=url,
        prices=PriceTable.load(),
        policy=RetryPolicy(max_attempts=2, base_s=0.01, max_s=0.02),
        timeout_s=10.0,
    )
    ledger = LocalLedger(CostLedger(str(tmp / "ledger.jsonl")))
    meter = Meter(ledger, StageContext(episode_id="tides", stage="s"))
    settings = ClaudeSettings(web_searches=1)
    return ClaudeWriter(client, settings, 0.6, **writer), meter, client


async def run_cases(writer: ClaudeWriter, meter: Meter, spec: EpisodeSpec = SPEC) -> None:
    """Every call of the writer once, in a fixed order."""
    texts = [SourceText(source="a.md", title="Tides", text=TEXT)]
    infos = [SourceInfo(source="a.md", title="Tides")]
    await writer.research(meter, spec, texts, infos, avoid=("Tides are old.",))
    await writer.write(meter, spec, DOC, FEEDBACK)
    revision = FEEDBACK.model_copy(update={"draft": DRAFT, "report": REPORT})
    await writer.write(meter, spec, DOC, revision)
    await writer.judge(meter, spec, DOC, DRAFT)
    await writer.notes(meter, spec, DRAFT, ["Tides", "Spring tides"])
    await writer.social(meter, spec, DRAFT, 76.0)
    await writer.social(meter, spec, DRAFT)


def sent(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What of each request a prompt shapes: system blocks, messages, max_tokens."""
    return [
        {
            "system": [b["text"] for b in body.get("system", [])],
            "messages": body["messages"],
            "max_tokens": body["max_tokens"],
        }
        for body in bodies
    ]


def capture(tmp: Path, spec: EpisodeSpec = SPEC, **writer: Any) -> list[dict[str, Any]]:
    """The requests ``run_cases`` makes, as the simulator received them."""
    with ProviderSimulator(voices={}) as sim:
        claude, meter, client = writer_for(sim.url, "sk-ant-test-prompts", tmp, **writer)

        async def main() -> None:
            try:
                await run_cases(claude, meter, spec)
            finally:
                await client.close()

        asyncio.run(main())
        return sent(sim.message_bodies)


def script_for(tmp: Path, spec: EpisodeSpec = SPEC, **writer: Any) -> Script:
    """A first draft of ``DOC`` written through the simulator."""
    with ProviderSimulator(voices={}) as sim:
        claude, meter, client = writer_for(sim.url, "sk-ant-test-prompts", tmp, **writer)

        async def main() -> Script:
            try:
                return await claude.write(meter, spec, DOC)
            finally:
                await client.close()

        return asyncio.run(main())


if __name__ == "__main__":  # rewrite the golden file (only ever from the code it pins)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        GOLDEN.write_text(json.dumps(capture(Path(tmp)), indent=1, sort_keys=True) + "\n")
    sys.stdout.write(f"wrote {GOLDEN}\n")
