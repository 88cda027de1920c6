"""ClaudeClient as the real Messages API behaves: streaming, stop reasons, caching, search.

Every test drives the real anthropic SDK against the loopback simulator and checks what
was billed against what the ledger committed. Triggers such as ``[[sim:refusal]]`` in a
prompt ask the simulator for a behaviour of the real API (see
``podcast_factory.testing.payloads.triggers``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import pytest

from podcast_factory.actors.ledger import CostLedger
from podcast_factory.config import ClaudeSettings
from podcast_factory.errors import ModelStopped, ProviderError
from podcast_factory.metering import LocalLedger, Meter, StageContext
from podcast_factory.models import EpisodeSpec, Host, Show, SourceInfo
from podcast_factory.providers import claude_cache
from podcast_factory.providers.claude import STREAM_ABOVE_TOKENS, ClaudeClient, request_timeout_s
from podcast_factory.providers.claude_writer import (
    ClaudeWriter,
    ResearchOut,
    ScriptOut,
    research_output,
)
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.providers.retry import RetryPolicy
from podcast_factory.providers.sources import SourceText
from podcast_factory.testing import server as provider_sim

KEY = "sk-ant-test-FAKEKEY-0123456789abcdef"
HAIKU = "claude-haiku-4-5"
SONNET = "claude-sonnet-4-6"
PRICES = PriceTable.load()
FACTS = (
    "Tides are caused mainly by the moon's gravity. The sun adds a smaller pull. "
    "Spring tides come when sun and moon line up."
)


@pytest.fixture
def sim() -> Iterator[provider_sim.ProviderSimulator]:
    with provider_sim.ProviderSimulator(api_key=KEY, voices={}) as running:
        yield running


class Run:
    """A client, a ledger and a meter for one stage, on the simulator."""

    def __init__(self, sim: provider_sim.ProviderSimulator, tmp: Path) -> None:
        self.sim = sim
        self.ledger_path = tmp / "ledger.jsonl"
        self.ledger = CostLedger(str(self.ledger_path))
        self.client = ClaudeClient(
            api_key=KEY,
            base_url=sim.url,
            prices=PRICES,
            policy=RetryPolicy(max_attempts=3, base_s=0.01, max_s=0.02),
            timeout_s=5.0,
        )
        self.meter = Meter(LocalLedger(self.ledger), StageContext(episode_id="ep", stage="s"))

    def entries(self) -> list[dict[str, Any]]:
        if not self.ledger_path.exists():
            return []
        return [json.loads(x) for x in self.ledger_path.read_text().splitlines()]

    def committed(self) -> int:
        return sum(e["micro_usd"] for e in self.entries() if e["op"] == "commit")

    def go(self, coro: Any) -> Any:
        async def main() -> Any:
            try:
                return await coro
            finally:
                await self.client.close()

        return asyncio.run(main())


@pytest.fixture
def run(sim: provider_sim.ProviderSimulator, tmp_path: Path) -> Run:
    return Run(sim, tmp_path)


def _structured(run: Run, prompt: str, max_tokens: int = 2000, **kw: Any) -> Any:
    return run.client.structured(
        run.meter,
        model=kw.pop("model", HAIKU),
        system=kw.pop("system", ["You write podcasts."]),
        prompt=prompt,
        output=kw.pop("output", ResearchOut),
        max_tokens=max_tokens,
        **kw,
    )


# -- long outputs ----------------------------------------------------------------------------
def test_large_request_is_streamed_and_small_one_is_not(run: Run) -> None:
    """max_tokens above the threshold goes as SSE; the final message parses and is billed."""
    big = run.go(_structured(run, f"Facts: {FACTS}", max_tokens=40_000))
    bodies = run.sim.message_bodies
    assert bodies[-1]["stream"] is True and bodies[-1]["max_tokens"] == 40_000
    assert big.output.facts and big.usage.output_tokens > 0
    assert run.committed() == run.sim.billed_micro_usd() == big.micro_usd


def test_small_request_is_not_streamed(run: Run) -> None:
    """A request under the threshold is a plain JSON call."""
    run.go(_structured(run, f"Facts: {FACTS}", max_tokens=STREAM_ABOVE_TOKENS))
    assert "stream" not in run.sim.message_bodies[-1]


def test_timeout_grows_with_max_tokens_past_the_sdk_ten_minute_wall() -> None:
    """A 26,000-token script gets more than ten minutes; a 600-token judgement a minute."""
    assert request_timeout_s(26_000, 120.0) > 600 + 120
    assert request_timeout_s(600, 30.0) < 60


def test_streamed_web_search_keeps_citations(run: Run) -> None:
    """A streamed search answer carries its citations (citations_delta) and search count."""
    result = run.go(
        run.client.search(
            run.meter,
            model=HAIKU,
            system=["You research podcasts."],
            prompt=FACTS,
            max_searches=2,
            max_tokens=STREAM_ABOVE_TOKENS + 1,
        )
    )
    assert run.sim.message_bodies[-1]["stream"] is True
    assert result.citations and all(c.url.startswith("https://") for c in result.citations)
    assert all(c.cited_text and c.title for c in result.citations)
    assert result.usage.web_search_requests == 1
    assert run.committed() == run.sim.billed_micro_usd()


# -- stop reasons ------------------------------------------------------------------------------
def test_refusal_is_paid_once_and_not_retried(run: Run) -> None:
    """stop_reason refusal: one request, one bill, a non-retryable ModelStopped."""
    with pytest.raises(ModelStopped) as err:
        run.go(_structured(run, "[[sim:refusal]] " + FACTS))
    assert err.value.reason == "refusal" and not err.value.retryable
    assert run.sim.requests["/v1/messages"] == 1 and len(run.sim.bills) == 1
    assert run.committed() == run.sim.billed_micro_usd() > 0


def test_prompt_too_long_fails_at_once(run: Run) -> None:
    """The 400 'prompt is too long' is a ModelStopped: one request, nothing billed."""
    with pytest.raises(ModelStopped) as err:
        run.go(_structured(run, "[[sim:prompt_too_long]] " + FACTS))
    assert err.value.reason == "prompt_too_long" and "prompt is too long" in str(err.value)
    assert run.sim.requests["/v1/messages"] == 1 and not run.sim.bills
    assert run.committed() == 0


def test_context_window_exceeded_stops_the_stage(run: Run) -> None:
    """stop_reason model_context_window_exceeded: paid once, not retried."""
    with pytest.raises(ModelStopped) as err:
        run.go(
            _structured(
                run, "[[sim:context_window=1500]] [[sim:min_output=2000]] " + FACTS, max_tokens=4000
            )
        )
    assert err.value.reason == "model_context_window_exceeded"
    assert len(run.sim.bills) == 1 and run.committed() == run.sim.billed_micro_usd()


def test_max_tokens_gets_one_retry_with_a_doubled_cap(run: Run) -> None:
    """A cut-off answer is asked again once, with twice the cap, and then parses."""
    result = run.go(_structured(run, "[[sim:min_output=1500]] " + FACTS, max_tokens=1000))
    assert [b["max_tokens"] for b in run.sim.message_bodies] == [1000, 2000]
    assert result.requests == 2 and result.output.facts
    assert run.committed() == run.sim.billed_micro_usd() == result.micro_usd


def test_max_tokens_twice_fails_without_a_third_request(run: Run) -> None:
    """Still cut off at the larger cap: the stage fails after exactly two requests."""
    with pytest.raises(ProviderError) as err:
        run.go(_structured(run, "[[sim:min_output=9000]] " + FACTS, max_tokens=1000))
    assert not err.value.retryable and "max_tokens=2000" in str(err.value)
    assert [b["max_tokens"] for b in run.sim.message_bodies] == [1000, 2000]
    assert run.committed() == run.sim.billed_micro_usd()


def test_pause_turn_is_continued_not_restarted(run: Run) -> None:
    """pause_turn: the paused content goes back as the assistant turn and the answer ends it."""
    result = run.go(
        run.client.search(
            run.meter,
            model=HAIKU,
            system=["You research podcasts."],
            prompt="[[sim:pause_turn]] " + FACTS,
            max_searches=3,
            max_tokens=1000,
        )
    )
    first, second = run.sim.message_bodies
    assert [m["role"] for m in first["messages"]] == ["user"]
    assert [m["role"] for m in second["messages"]] == ["user", "assistant"]
    assert [b["type"] for b in second["messages"][1]["content"]] == [
        "server_tool_use",
        "web_search_tool_result",
    ]
    assert result.requests == 2 and result.citations and result.text
    assert result.usage.web_search_requests == 1
    assert run.committed() == run.sim.billed_micro_usd()


# -- broken limits the schema cannot enforce --------------------------------------------------
def _spec(topic: str, minutes: float = 1.0) -> EpisodeSpec:
    show = Show(name="Sim Show", hosts=(Host(name="Nora"), Host(name="Eli")))
    return EpisodeSpec(episode_id="ep", topic=topic, sources=("a.md",), minutes=minutes, show=show)


def _writer(run: Run, **settings: Any) -> ClaudeWriter:
    return ClaudeWriter(run.client, ClaudeSettings(script_model=SONNET, **settings), 0.6)


def test_out_of_range_source_index_is_dropped_not_bought_again(run: Run) -> None:
    """A fact naming a source that does not exist is dropped and counted; one request."""
    texts = [SourceText(source="a.md", title="Tides", text=FACTS)]
    infos = [SourceInfo(source="a.md", title="Tides")]
    doc = run.go(_writer(run).research(run.meter, _spec("Tides [[sim:bad_index]]"), texts, infos))
    assert run.sim.requests["/v1/messages"] == 1
    assert doc.dropped_facts == 1
    assert doc.facts and all(f.source == "a.md" for f in doc.facts)
    schema = run.sim.message_bodies[0]["output_config"]["format"]["schema"]
    assert "maximum: 0" in json.dumps(schema)  # the limit was only a description


# -- web search and structured output -----------------------------------------------------------
def test_api_refuses_web_search_with_structured_output(sim: provider_sim.ProviderSimulator) -> None:
    """Citations and output_config.format in one request: a 400, as documented."""
    with (
        anthropic.Anthropic(base_url=sim.url, api_key=KEY, max_retries=0) as claude,
        pytest.raises(anthropic.BadRequestError) as err,
    ):
        claude.messages.create(
            model=HAIKU,
            max_tokens=500,
            messages=[{"role": "user", "content": FACTS}],
            tools=[{"type": "web_search_20250305", "name": "web_search", "max_uses": 2}],
            output_config={
                "format": {"type": "json_schema", "schema": anthropic.transform_schema(ScriptOut)}
            },
        )
    assert "Citations" in str(err.value) and not sim.bills


def test_research_with_web_search_keeps_url_title_and_quote(run: Run) -> None:
    """Research asks for sources' facts (structured) and web facts (search) apart."""
    texts = [SourceText(source="a.md", title="Tides", text=FACTS)]
    infos = [SourceInfo(source="a.md", title="Tides")]
    writer = _writer(run, web_searches=2)
    doc = run.go(writer.research(run.meter, _spec("Tides"), texts, infos))
    structured, search = run.sim.message_bodies
    assert "output_config" in structured and "tools" not in structured
    assert "tools" in search and "output_config" not in search
    web = [f for f in doc.facts if f.source.startswith("https://")]
    assert web and all(f.source_title and f.quote and f.text for f in web)
    assert run.committed() == run.sim.billed_micro_usd()


# -- prompt caching -------------------------------------------------------------------------------
LONG = "Our show explains the everyday physics behind ordinary things, slowly. " * 250


def test_cache_requested_only_where_the_prefix_reaches_the_minimum(run: Run) -> None:
    """A breakpoint is sent only when the prefix reaches the model's documented minimum."""
    tokens = claude_cache.prefix_tokens([LONG])  # about 4,400: over Haiku 4.5's 4,096
    assert tokens >= claude_cache.min_cache_tokens(HAIKU) == 4096
    assert run.client.params(HAIKU, [LONG], "x", 100, None).cache
    assert not run.client.params(HAIKU, [LONG[:8000]], "x", 100, None).cache
    assert run.client.params("claude-sonnet-4-5", [LONG[:8000]], "x", 100, None).cache
    assert not run.client.params("claude-haiku-5-5", [LONG[:8000]], "x", 100, None).cache
    run.go(_structured(run, FACTS, system=["Short style block."]))
    body = run.sim.message_bodies[0]
    assert all("cache_control" not in b for b in body["system"])
    bill = run.sim.bills[0].units
    assert bill["cache_write_5m_tokens"] == bill["cache_read_tokens"] == 0


def test_second_call_of_a_cached_prefix_is_billed_cache_reads(run: Run) -> None:
    """Same model, same prefix: the first call writes the cache, the second reads it."""

    async def twice() -> list[Any]:
        first = await _structured(run, FACTS, system=["Style.", LONG])
        second = await _structured(run, "Other task. " + FACTS, system=["Style.", LONG])
        return [first, second]

    first, second = run.go(twice())
    prefix = first.usage.cache_write_5m_tokens
    assert prefix >= 4096 and first.usage.cache_read_tokens == 0
    assert second.usage.cache_read_tokens == prefix and second.usage.cache_write_5m_tokens == 0
    assert run.committed() == run.sim.billed_micro_usd()


def test_simulator_does_not_cache_a_prefix_under_the_minimum(
    sim: provider_sim.ProviderSimulator,
) -> None:
    """A breakpoint after a too-short prefix is billed as plain input, twice."""
    system: list[Any] = [
        {"type": "text", "text": LONG[:8000], "cache_control": {"type": "ephemeral"}}
    ]
    with anthropic.Anthropic(base_url=sim.url, api_key=KEY, max_retries=0) as claude:
        replies = [
            claude.messages.create(
                model=HAIKU,
                max_tokens=50,
                system=system,
                messages=[{"role": "user", "content": "Hi."}],
            )
            for _ in range(2)
        ]
    for reply in replies:
        assert reply.usage.cache_creation_input_tokens == 0
        assert reply.usage.cache_read_input_tokens == 0
        assert reply.usage.input_tokens >= 2000


def test_expected_cache_tells_the_estimate_how_a_prefix_is_billed() -> None:
    """Under the minimum: plain input; over it: written first, read after."""
    assert claude_cache.expected_cache(HAIKU, 3000, first=True) == {"input_tokens": 3000}
    assert claude_cache.expected_cache(HAIKU, 5000, first=True) == {"cache_write_5m_tokens": 5000}
    assert claude_cache.expected_cache(HAIKU, 5000, first=False) == {"cache_read_tokens": 5000}
    assert claude_cache.expected_cache("claude-sonnet-4-5-20250929", 1024, first=False) == {
        "cache_read_tokens": 1024
    }


def test_research_schema_bounds_are_descriptions_only() -> None:
    """The index limits of research_output reach the API only as description text."""
    schema = anthropic.transform_schema(research_output(2))
    text = json.dumps(schema)
    assert '"maximum"' not in text and "maximum: 1" in text
