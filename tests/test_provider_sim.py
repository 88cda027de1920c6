"""The provider simulator, driven by the real anthropic and elevenlabs SDKs."""

from __future__ import annotations

import asyncio
import json
import math
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Literal

import anthropic
import httpx
import pytest
from anthropic.types import (
    CitationsWebSearchResultLocation,
    MessageParam,
    ServerToolUseBlock,
    TextBlock,
    WebSearchResultBlock,
    WebSearchToolResultBlock,
)
from elevenlabs import AsyncElevenLabs, ElevenLabs
from elevenlabs.core.api_error import ApiError
from pydantic import BaseModel, Field

from podcast_factory.providers.pricing import ClaudeUsage, PriceTable
from podcast_factory.providers.wav import analyze_pcm, estimate_pitch_hz
from podcast_factory.testing import payloads as sim_payloads
from podcast_factory.testing import server as provider_sim

KEY = "sk-sim-test-9f8e7d6c5b4a"
WRONG_KEY = "sk-wrong-1a2b3c4d5e6f"
HAIKU = "claude-haiku-4-5"
GEORGE, RACHEL = "JBFqnCBsd6RMkjVDRZzb", "21m00Tcm4TlvDq8ikWAM"
FACTS = (
    "Tides are caused mainly by the moon's gravity. The sun adds a smaller pull. "
    "Spring tides come when the sun and moon line up. Neap tides come at the quarter moons. "
    "Most coasts see two high tides a day."
)
USER: list[MessageParam] = [{"role": "user", "content": FACTS}]
PRICES = PriceTable.load()


class Turn(BaseModel):
    speaker: Literal["ALEX", "SAM"]
    text: str = Field(max_length=60)
    fact_refs: list[int] = Field(default_factory=list)


class Script(BaseModel):
    title: str
    turns: list[Turn] = Field(min_length=5, max_length=6)
    minutes: float = Field(ge=1, le=10)


@pytest.fixture
def sim() -> Iterator[provider_sim.ProviderSimulator]:
    with provider_sim.ProviderSimulator(api_key=KEY, retry_after_s=0.05, timeout_s=2.0) as s:
        yield s


@pytest.fixture
def claude(sim) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=sim.url, api_key=KEY, max_retries=0) as client:
        yield client


@pytest.fixture
def eleven(sim) -> Iterator[ElevenLabs]:
    with httpx.Client(timeout=5.0) as http:
        yield ElevenLabs(base_url=sim.url, api_key=KEY, httpx_client=http)


def cost_of(message: anthropic.types.Message) -> int:
    return PRICES.claude_cost(message.model, ClaudeUsage.from_sdk(message.usage))


def test_messages_report_usage_and_request_id(sim, claude):
    """A plain call returns a Message with usage from the 4-characters-a-token model."""
    raw = claude.messages.with_raw_response.create(model=HAIKU, max_tokens=300, messages=USER)
    message = raw.parse()
    assert raw.headers["request-id"].startswith("req_sim_")
    assert message._request_id == raw.headers["request-id"]
    assert message.id.startswith("msg_sim_")
    assert message.model == HAIKU and message.stop_reason == "end_turn"
    [block] = message.content
    assert isinstance(block, TextBlock)
    assert block.text.startswith("Tides are caused mainly by the moon's gravity.")
    assert message.usage.input_tokens == math.ceil(len(FACTS) / 4)
    assert message.usage.output_tokens == math.ceil(len(block.text) / 4)
    assert message.usage.service_tier == "standard"
    [bill] = sim.bills
    assert bill.request_id == raw.headers["request-id"] and bill.provider == "anthropic"
    assert bill.micro_usd == cost_of(message) > 0


def test_max_tokens_cuts_the_answer(claude):
    """Output beyond max_tokens is cut and reported as stop_reason max_tokens."""
    message = claude.messages.create(model=HAIKU, max_tokens=3, messages=USER)
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 3
    assert message.content[0].type == "text" and len(message.content[0].text) == 12


def test_structured_output_parses_into_the_model(sim, claude):
    """messages.parse(output_format=...) gets JSON that validates, with the prompt's facts."""
    parsed = claude.messages.parse(
        model="claude-sonnet-4-6", max_tokens=2000, messages=USER, output_format=Script
    )
    script = parsed.parsed_output
    assert isinstance(script, Script)
    assert 5 <= len(script.turns) <= 6  # minItems 5 reaches the API only as a description hint
    assert [t.speaker for t in script.turns[:4]] == ["ALEX", "SAM", "ALEX", "SAM"]
    assert all(t.text and t.text in FACTS for t in script.turns)
    assert 1 <= script.minutes <= 10
    sent = sim.message_bodies[-1]["output_config"]["format"]
    assert sent["type"] == "json_schema" and "$defs" in sent["schema"]


def test_schema_filler_covers_the_json_schema_subset():
    """Generated instances validate against refs, unions, enums, bounds and lengths."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = {
        "$defs": {
            "Line": {
                "type": "object",
                "properties": {
                    "speaker": {"type": "string", "enum": ["ALEX", "SAM"]},
                    "text": {"type": "string", "maxLength": 20, "minLength": 3},
                    "weight": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                },
                "required": ["speaker", "text", "weight"],
                "additionalProperties": False,
            }
        },
        "type": "object",
        "properties": {
            "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}, "minItems": 7},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
            "rank": {"type": "integer", "minimum": 3, "maximum": 5},
            "note": {"anyOf": [{"type": "null"}, {"type": "string", "format": "uri"}]},
            "when": {"type": "string", "format": "date-time"},
            "id": {"type": "string", "format": "uuid"},
            "ok": {"type": "boolean"},
            "kind": {"const": "episode"},
            "count": {"type": "integer", "description": "How many\n\n{minimum: 2, maximum: 2}"},
        },
        "required": ["lines", "tags", "rank", "note", "when", "id", "ok", "kind", "count"],
    }
    value = sim_payloads.SchemaFiller(schema, FACTS).build()
    jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())
    assert len(value["lines"]) == 7 and len(value["tags"]) == 2 and value["count"] == 2
    assert [line["speaker"] for line in value["lines"][:3]] == ["ALEX", "SAM", "ALEX"]


def test_prompt_caching_writes_then_reads(sim, claude):
    """A cache_control system block is written on first sight and read afterwards (the
    prefix reaches Haiku 4.5's 4,096-token minimum)."""
    block = "You write two-host podcast scripts about science, for curious listeners. " * 300
    system = [{"type": "text", "text": block, "cache_control": {"type": "ephemeral"}}]
    cached = math.ceil(len(block) / 4)
    first = claude.messages.create(model=HAIKU, max_tokens=100, system=system, messages=USER)
    second = claude.messages.create(model=HAIKU, max_tokens=100, system=system, messages=USER)
    assert first.usage.cache_creation_input_tokens == cached
    assert first.usage.cache_creation is not None
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == cached
    assert first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_read_input_tokens == cached
    assert second.usage.cache_creation_input_tokens == 0
    assert first.usage.input_tokens == second.usage.input_tokens == math.ceil(len(FACTS) / 4)
    hour = [
        {
            "type": "text",
            "text": "An hour. " * 2000,
            "cache_control": {"type": "ephemeral", "ttl": "1h"},
        }
    ]
    third = claude.messages.create(model=HAIKU, max_tokens=100, system=hour, messages=USER)
    assert third.usage.cache_creation is not None
    assert third.usage.cache_creation.ephemeral_1h_input_tokens == math.ceil(18_000 / 4)
    assert [b.micro_usd for b in sim.bills] == [cost_of(m) for m in (first, second, third)]


def test_web_search_blocks_and_citations(sim, claude):
    """The web search tool yields typed server-tool, result and cited text blocks."""
    tool = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
    message = claude.messages.create(model=HAIKU, max_tokens=500, messages=USER, tools=[tool])
    use, result, text = message.content
    assert isinstance(use, ServerToolUseBlock) and use.name == "web_search"
    assert use.input["query"] == "Tides are caused mainly by the moon's gravity."
    assert isinstance(result, WebSearchToolResultBlock) and result.tool_use_id == use.id
    assert isinstance(result.content, list) and len(result.content) == 2
    assert all(isinstance(r, WebSearchResultBlock) for r in result.content)
    assert isinstance(text, TextBlock) and text.citations
    cites = [c for c in text.citations if isinstance(c, CitationsWebSearchResultLocation)]
    assert len(cites) == len(text.citations) == 2
    assert {c.url for c in cites} == {r.url for r in result.content}
    assert all(c.cited_text and c.cited_text in FACTS for c in cites)
    assert message.usage.server_tool_use is not None
    assert message.usage.server_tool_use.web_search_requests == 1
    assert sim.bills[-1].micro_usd == cost_of(message) >= 10_000
    no_search = claude.messages.create(
        model=HAIKU, max_tokens=500, messages=USER, tools=[{**tool, "max_uses": 0}]
    )
    assert [b.type for b in no_search.content] == ["text"]


def test_billed_total_equals_costs_from_usage(sim, claude, eleven):
    """What the simulator billed is what the returned usage prices at."""
    system = [
        {"type": "text", "text": "House style. " * 100, "cache_control": {"type": "ephemeral"}}
    ]
    search = [{"type": "web_search_20250305", "name": "web_search"}]
    messages = [
        claude.messages.create(model=HAIKU, max_tokens=50, messages=USER),
        claude.messages.create(model="claude-opus-4-8", max_tokens=50, messages=USER, tools=search),
        claude.messages.create(model=HAIKU, max_tokens=50, system=system, messages=USER),
        claude.messages.create(model=HAIKU, max_tokens=50, system=system, messages=USER),
        claude.messages.parse(
            model="claude-sonnet-4-6", max_tokens=900, messages=USER, output_format=Script
        ),
    ]
    text = "Two high tides a day."
    b"".join(eleven.text_to_speech.convert(GEORGE, text=text, output_format="pcm_16000"))
    expected = sum(cost_of(m) for m in messages) + PRICES.tts_cost(
        "eleven_multilingual_v2", len(text)
    )
    assert sim.billed_micro_usd() == expected
    assert [b.provider for b in sim.bills] == ["anthropic"] * 5 + ["elevenlabs"]


def test_wrong_key_is_refused_without_echoing_it(sim):
    """A wrong key gets each provider's 401; neither key shows up in the error."""
    with (
        anthropic.Anthropic(base_url=sim.url, api_key=WRONG_KEY, max_retries=0) as bad,
        pytest.raises(anthropic.AuthenticationError) as err,
    ):
        bad.messages.create(model=HAIKU, max_tokens=10, messages=USER)
    assert err.value.status_code == 401
    assert err.value.body["error"]["type"] == "authentication_error"  # type: ignore[index]
    shown = f"{err.value} {err.value.response.text} {dict(err.value.response.headers)}"
    with httpx.Client() as http:
        bad_voice = ElevenLabs(base_url=sim.url, api_key=WRONG_KEY, httpx_client=http)
        with pytest.raises(ApiError) as el_err:
            b"".join(bad_voice.text_to_speech.convert(GEORGE, text="hi", output_format="pcm_16000"))
    assert el_err.value.status_code == 401
    assert el_err.value.body == {
        "detail": {"status": "invalid_api_key", "message": "Invalid API key"}
    }
    shown += str(el_err.value)
    assert WRONG_KEY not in shown and KEY not in shown
    assert sim.bills == [] and sim.requests["status:401"] == 2


def test_injected_429_carries_retry_after(sim, claude):
    """An injected 429 with max_retries=0 raises RateLimitError with retry-after headers."""
    sim.inject("429", path_prefix="/v1/messages")
    with pytest.raises(anthropic.RateLimitError) as err:
        claude.messages.create(model=HAIKU, max_tokens=10, messages=USER)
    assert err.value.response.headers["retry-after"] == "0.05"
    assert err.value.response.headers["retry-after-ms"] == "50"
    assert err.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    assert sim.bills == [] and sim.requests["fault:429"] == 1
    assert claude.messages.create(model=HAIKU, max_tokens=10, messages=USER).content


def test_sdk_retries_injected_faults_by_itself(sim):
    """With its default retries the SDK gets past two 429s; only the success is billed."""
    sim.inject("429", count=2)
    with anthropic.Anthropic(base_url=sim.url, api_key=KEY, max_retries=2) as client:
        client.messages.create(model=HAIKU, max_tokens=10, messages=USER)
    assert sim.requests["/v1/messages"] == 3 and len(sim.bills) == 1


def test_overloaded_and_server_errors(sim, claude, eleven):
    """529 is Anthropic's OverloadedError (ElevenLabs: 503); 500 is an InternalServerError."""
    sim.inject("529", path_prefix="/v1/messages")
    with pytest.raises(anthropic.OverloadedError):
        claude.messages.create(model=HAIKU, max_tokens=10, messages=USER)
    sim.inject("500", path_prefix="/v1/messages")
    with pytest.raises(anthropic.InternalServerError) as err:
        claude.messages.create(model=HAIKU, max_tokens=10, messages=USER)
    assert err.value.status_code == 500
    for kind, status in (("529", 503), ("500", 500), ("429", 429)):
        sim.inject(kind, path_prefix="/v1/text-to-speech")
        with pytest.raises(ApiError) as el_err:
            b"".join(eleven.text_to_speech.convert(GEORGE, text="hi", output_format="pcm_16000"))
        assert el_err.value.status_code == status
    assert sim.bills == []


def test_malformed_answers(sim, claude, eleven):
    """Malformed JSON makes anthropic raise; ElevenLabs hands back non-audio JSON bytes."""
    sim.inject("malformed")
    with pytest.raises(json.JSONDecodeError):
        claude.messages.create(model=HAIKU, max_tokens=10, messages=USER)
    sim.inject("malformed")
    convert = eleven.text_to_speech.with_raw_response.convert
    with convert(GEORGE, text="hi", output_format="pcm_16000") as raw:
        body = b"".join(raw.data)
        assert raw.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        json.loads(body)
    assert sim.bills == []


def test_timeout_fault_times_the_client_out(sim, claude):
    """A 'timeout' fault answers nothing, so a client with a short timeout gives up."""
    sim.inject("timeout")
    started = time.monotonic()
    with pytest.raises(anthropic.APITimeoutError):
        claude.with_options(timeout=0.3).messages.create(model=HAIKU, max_tokens=10, messages=USER)
    assert time.monotonic() - started < sim.timeout_s
    started = time.monotonic()
    sim.stop()  # wakes the handler still waiting out the fault
    assert time.monotonic() - started < 1.0


def test_seeded_fault_draws_repeat(sim):
    """The same seed draws the same faults in the same order."""

    def pattern() -> list[bool]:
        with provider_sim.ProviderSimulator(fault_rate=0.5, faults=["500"], seed=7) as s:
            with anthropic.Anthropic(base_url=s.url, api_key=KEY, max_retries=0) as client:
                failed = []
                for _ in range(12):
                    try:
                        client.messages.count_tokens(model=HAIKU, messages=USER)
                        failed.append(False)
                    except anthropic.InternalServerError:
                        failed.append(True)
            assert s.requests.get("fault:500", 0) == sum(failed)
            return failed

    first = pattern()
    assert first == pattern() and 0 < sum(first) < 12


def test_tts_pcm_sized_to_the_text(sim, eleven):
    """TTS returns 16-bit PCM of len/15 seconds that sounds like speech, with headers."""
    text = "The moon pulls the oceans into two bulges, and the earth turns beneath them. " * 2
    convert = eleven.text_to_speech.with_raw_response.convert
    with convert(RACHEL, text=text, model_id="eleven_flash_v2_5", output_format="pcm_16000") as raw:
        pcm = b"".join(raw.data)
        headers = raw.headers
    assert headers["content-type"] == "audio/pcm"
    assert headers["character-cost"] == str(len(text) // 2)  # credits: flash is 0.5 a char
    assert headers["request-id"] == sim.tts_calls[0].request_id
    assert len(pcm) == 2 * sim_payloads.pcm_samples(len(text), 16000)
    assert len(pcm) / 2 / 16000 == pytest.approx(len(text) / 15, abs=1e-3)
    stats = analyze_pcm(pcm, 16000)
    assert stats.peak == pytest.approx(0.3, abs=0.01) and stats.clipping_share == 0
    assert 0.02 < stats.silence_share < 0.4 and -32 < stats.rms_dbfs < -6
    pitch = estimate_pitch_hz(pcm, 16000)
    assert 100 <= pitch <= 230
    assert pitch == pytest.approx(sim_payloads.voice_pitch_hz(RACHEL), rel=0.05)
    other = b"".join(eleven.text_to_speech.convert(GEORGE, text=text, output_format="pcm_16000"))
    assert abs(estimate_pitch_hz(other, 16000) - pitch) > 10
    assert sim.bills[0].units == {"characters": len(text), "credits": len(text) // 2}
    assert sim.bills[0].micro_usd == PRICES.tts_cost("eleven_flash_v2_5", len(text))


def test_tts_records_request_stitching(sim, eleven):
    """previous_request_ids sent by the client are recorded per request (stream path too)."""
    convert = eleven.text_to_speech.with_raw_response.convert
    with convert(GEORGE, text="First part.", output_format="pcm_22050") as raw:
        b"".join(raw.data)
        first_id = raw.headers["request-id"]
    audio = b"".join(
        eleven.text_to_speech.stream(
            GEORGE, text="Second part.", output_format="pcm_22050", previous_request_ids=[first_id]
        )
    )
    assert len(audio) == 2 * sim_payloads.pcm_samples(len("Second part."), 22050)
    first, second = sim.tts_calls
    assert first.previous_request_ids == () and not first.stream
    assert second.previous_request_ids == (first_id,) and second.stream
    assert sim.requests[f"/v1/text-to-speech/{GEORGE}/stream"] == 1


def test_tts_refusals(sim, eleven):
    """mp3 (the default format), unknown voices and models, and long texts are refused."""
    tts = eleven.text_to_speech

    def status(**kwargs: object) -> int | None:
        with pytest.raises(ApiError) as err:
            b"".join(tts.convert(**{"voice_id": GEORGE, "text": "Hello.", **kwargs}))
        return err.value.status_code

    assert status(output_format="mp3_44100_128") == 422
    assert status() == 422
    assert status(voice_id="no-such-voice", output_format="pcm_16000") == 404
    assert status(model_id="eleven_v9", output_format="pcm_16000") == 400
    assert status(model_id="eleven_v3", text="x" * 5001, output_format="pcm_16000") == 400
    assert sim.bills == [] and sim.tts_calls == []


def test_listings(sim, claude, eleven):
    """models and voices listings parse into the SDKs' types."""
    tts_models = {m.model_id: m for m in eleven.models.list()}
    assert tts_models["eleven_v3"].max_characters_request_subscribed_user == 5000
    names = {v.voice_id: v.name for v in eleven.voices.get_all().voices}
    assert names[GEORGE] == "George"
    assert HAIKU in {m.id for m in claude.models.list().data}
    count = claude.messages.count_tokens(model=HAIKU, messages=USER)
    assert count.input_tokens == math.ceil(len(FACTS) / 4)
    with pytest.raises(anthropic.NotFoundError):
        claude.messages.create(model="claude-unknown-1", max_tokens=10, messages=USER)
    assert sim.bills == []


def test_async_clients(sim):
    """AsyncAnthropic and AsyncElevenLabs work against the simulator too."""

    async def run() -> tuple[int, int]:
        async with anthropic.AsyncAnthropic(base_url=sim.url, api_key=KEY) as client:
            message = await client.messages.create(model=HAIKU, max_tokens=50, messages=USER)
        async with httpx.AsyncClient() as http:
            voice = AsyncElevenLabs(base_url=sim.url, api_key=KEY, httpx_client=http)
            size = 0
            async for chunk in voice.text_to_speech.convert(
                GEORGE, text="Hello there.", output_format="pcm_24000"
            ):
                size += len(chunk)
        return message.usage.output_tokens, size

    output_tokens, size = asyncio.run(run())
    assert output_tokens > 0
    assert size == 2 * sim_payloads.pcm_samples(len("Hello there."), 24000)


@pytest.mark.subprocess
def test_command_line(tmp_path):
    """The script prints both base URLs, serves, and stops on Ctrl-C; --help works."""
    module = [sys.executable, "-m", "podcast_factory.testing.sim"]
    help_run = subprocess.run([*module, "--help"], capture_output=True, text=True, timeout=60)
    assert help_run.returncode == 0 and "--fault-rate" in help_run.stdout
    proc = subprocess.Popen(
        [*module, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        second = proc.stdout.readline().strip()
        assert first.startswith("export ANTHROPIC_BASE_URL=http://127.0.0.1:")
        url = first.split("=", 1)[1]
        assert second == f"export ELEVENLABS_BASE_URL={url}"
        with httpx.Client() as http:
            assert http.get(f"{url}/v1/voices").json()["voices"]
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 0 and "billed calls" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_bad_requests_get_provider_errors(sim, claude):
    """Invalid bodies get Anthropic's invalid_request_error, not a dropped connection."""
    with httpx.Client(base_url=sim.url, headers={"anthropic-version": "2023-06-01"}) as http:
        for body in (
            b"not json",
            b"[]",
            json.dumps({"model": HAIKU, "max_tokens": 5, "messages": [1]}).encode(),
        ):
            response = http.post("/v1/messages", content=body, headers={"x-api-key": KEY})
            assert response.status_code == 400
            assert response.json()["error"]["type"] == "invalid_request_error"
    with pytest.raises(anthropic.BadRequestError):
        claude.messages.create(model=HAIKU, max_tokens=0, messages=USER)
    assert sim.bills == []


def test_the_fixture_serves_both_apis(provider_simulator: provider_sim.ProviderSimulator) -> None:
    """The suite's fixture is a running simulator: both SDKs' model lists answer."""
    import anthropic
    from elevenlabs.client import ElevenLabs

    claude = anthropic.Anthropic(api_key="any", base_url=provider_simulator.url, max_retries=0)
    assert "claude-haiku-5-5" in {m.id for m in claude.models.list()}
    speech = ElevenLabs(api_key="any", base_url=provider_simulator.url)
    assert "eleven_v3" in {m.model_id for m in speech.models.list()}
    assert provider_simulator.bills == []


class OpenTurn(BaseModel):
    speaker: Literal["ALEX", "SAM"]
    text: str


class OpenScript(BaseModel):
    title: str
    turns: list[OpenTurn]


class Verdict(BaseModel):
    score: int = Field(ge=1, le=5)
    suggestions: list[str] = Field(max_length=3)


LONG_FACTS = " ".join(
    f"Fact {n}: the tide gauge at harbour {n} recorded a range of {n + 2} metres in {1900 + n}."
    for n in range(1, 80)
)


def _replies(scale: float) -> tuple[OpenScript, Verdict, str, list[anthropic.types.Message]]:
    """A script asked for at a length, a verdict and a plain answer, from a simulator
    whose model is ``scale`` times as wordy; with the raw messages."""
    with (
        provider_sim.ProviderSimulator(api_key=KEY, reply_scale=scale) as s,
        anthropic.Anthropic(base_url=s.url, api_key=KEY, max_retries=0) as c,
    ):
        asked: list[MessageParam] = [
            {"role": "user", "content": f"{LONG_FACTS}\nLength: about 300 words in all."}
        ]
        script = c.messages.parse(
            model=HAIKU, max_tokens=4000, messages=asked, output_format=OpenScript
        )
        verdict = c.messages.parse(
            model=HAIKU, max_tokens=2000, messages=USER, output_format=Verdict
        )
        plain = c.messages.create(model=HAIKU, max_tokens=2000, messages=USER)
        bills = s.bills
    messages: list[anthropic.types.Message] = [script, verdict, plain]
    for message, bill in zip(messages, bills, strict=True):  # billed as written, exactly
        [block] = message.content
        assert isinstance(block, TextBlock)
        assert message.usage.output_tokens == math.ceil(len(block.text) / 4)
        assert bill.micro_usd == cost_of(message)
    assert script.parsed_output is not None and verdict.parsed_output is not None
    text = plain.content[0].text if isinstance(plain.content[0], TextBlock) else ""
    return script.parsed_output, verdict.parsed_output, text, messages


def test_reply_scale_makes_the_model_wordier_and_bills_what_it_wrote() -> None:
    """reply_scale=1.4: about 40% more words where a length is asked for, in free strings
    and in plain answers, and 40% more output tokens billed; usage matches the text."""
    base_script, base_verdict, base_plain, base = _replies(1.0)
    script, verdict, plain, wordy = _replies(1.4)

    def words(s: OpenScript) -> int:
        return sum(len(t.text.split()) for t in s.turns)

    assert 300 <= words(base_script) < 330  # the length asked for, to the sentence
    assert 1.3 <= words(script) / words(base_script) <= 1.5
    said = sum(len(x.split()) for x in verdict.suggestions)
    base_said = sum(len(x.split()) for x in base_verdict.suggestions)
    assert 1.2 <= said / base_said <= 1.8
    assert 1.2 <= len(plain.split()) / len(base_plain.split()) <= 1.8
    output = sum(m.usage.output_tokens for m in wordy)
    base_output = sum(m.usage.output_tokens for m in base)
    assert 1.3 <= output / base_output <= 1.5


def test_reply_scale_out_of_range_is_refused() -> None:
    """A scale that is no model (0, or 100 times the words) is refused, by the class and by
    the command line (exit 2, naming the problem)."""
    from podcast_factory.testing.sim import main as sim_main

    with pytest.raises(ValueError, match="reply_scale"):
        provider_sim.ProviderSimulator(reply_scale=0)
    with pytest.raises(SystemExit) as exited:
        sim_main(["--reply-scale", "100", "--port", "0"])
    assert exited.value.code == 2


def test_the_simulated_writer_words_its_opening_anew_when_told_it_is_worn() -> None:
    """A second episode on a topic gets facts that do not name its subject, so the
    simulated writer opens with a line naming it; when the prompt lists that line among
    the show's worn ones (``script_checks.worn_lines``), it says it another way, as a
    model told "say none of them again" does, instead of earning a ``canned_lines``
    rejection no real writer would."""
    schema = {
        "type": "object",
        "properties": {"lines": {"type": "array", "items": {"type": "string"}, "minItems": 3}},
        "required": ["lines"],
    }
    prompt = "Write the script of an episode on: Honeybees and a warming climate\n"
    facts = "Flowers now open up to two weeks earlier in spring. Pollinators miss them."
    first = sim_payloads.SchemaFiller(schema, prompt, material=facts).build()["lines"][0]
    assert first == "Let's start with honeybees."
    worn = prompt + (
        "Lines this show already said in earlier episodes; say none of them again:\n"
        "- Let's start with honeybees."
    )
    again = sim_payloads.SchemaFiller(schema, worn, material=facts).build()["lines"][0]
    assert "honeybees" in again.lower() and again != "Let's start with honeybees."
