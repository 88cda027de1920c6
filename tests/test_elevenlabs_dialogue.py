"""Two hosts in one request: Text to Dialogue with timestamps, through the real SDK.

The audio agent runs as a plain class against the loopback simulator; the ledger is a
plain CostLedger writing its file.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from podcast_factory.actors.audio import AudioSynthesizer
from podcast_factory.actors.ledger import CostLedger
from podcast_factory.config import Credentials, ElevenLabsSettings, RunSettings
from podcast_factory.errors import ProviderError
from podcast_factory.metering import LocalLedger, StageContext
from podcast_factory.models import Host, Script, Show, Synthesis, Turn
from podcast_factory.providers.elevenlabs_dialogue import REQUEST_CHARS, plan_requests
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.providers.wav import decode_wav
from podcast_factory.testing import server as provider_sim

KEY = "xi-test-FAKEKEY-0123456789abcdef"
PRICES = PriceTable.load()
GEORGE, RACHEL = "JBFqnCBsd6RMkjVDRZzb", "21m00Tcm4TlvDq8ikWAM"
SHOW = Show(
    name="Deep Tides",
    hosts=(Host(name="ALEX", voices={"elevenlabs": GEORGE}), Host(name="SAM")),
)
SENTENCES = [
    "The moon pulls on the oceans, and the water answers in two great bulges.",
    "So the tide is a wave the size of the planet?",
    "In a sense, yes: a very long, very slow wave that the earth turns beneath.",
    "And the sun joins in twice a month, which is where spring tides come from.",
]


def _script(turns: int = 40) -> Script:
    lines = [
        Turn(speaker="ALEX" if n % 2 == 0 else "SAM", text=f"{SENTENCES[n % 4]} Point {n}.")
        for n in range(turns)
    ]
    return Script(episode_id="ep1", title="Tides", turns=tuple(lines), target_words=600)


@pytest.fixture
def sim() -> Iterator[provider_sim.ProviderSimulator]:
    with provider_sim.ProviderSimulator(api_key=KEY) as running:
        yield running


def _settings(cache: Path, attempts: int = 3) -> RunSettings:
    return RunSettings(
        tts="elevenlabs",
        elevenlabs=ElevenLabsSettings(dialogue=True, output_format="pcm_16000"),
        speech_cache_dir=str(cache),
        provider_attempts=attempts,
        backoff_base_s=0.01,
        backoff_max_s=0.02,
        request_timeout_s=5,
    )


def _synthesize(
    sim: provider_sim.ProviderSimulator, settings: RunSettings, ledger: CostLedger, script: Script
) -> tuple[Synthesis, int]:
    creds = Credentials.model_validate({"elevenlabs_api_key": KEY, "elevenlabs_base_url": sim.url})
    agent = AudioSynthesizer(settings, LocalLedger(ledger), creds)

    async def run() -> Synthesis:
        try:
            return await agent.synthesize(
                script, SHOW, StageContext(episode_id="ep1", stage="audio")
            )
        finally:
            await agent.engine.close()

    return asyncio.run(run()), agent.cached()


def _committed(path: Path) -> int:
    """Micro-USD committed in a ledger file (none written: nothing was reserved)."""
    if not path.exists():
        return 0
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    return sum(int(e["micro_usd"]) for e in lines if e["op"] == "commit")


def test_segments_line_up_with_the_turns_the_simulator_timed(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """Each turn's segment is within 0.05 s of where the simulator placed that line."""
    settings = _settings(tmp_path / "cache")
    script = _script()
    synth, _ = _synthesize(sim, settings, CostLedger(str(tmp_path / "ledger.jsonl")), script)
    calls = sim.dialogue_calls
    assert len(calls) >= 2  # several turns per request, several requests
    assert all(sum(len(t) for t, _ in c.inputs) <= REQUEST_CHARS for c in calls)
    assert sim.tts_calls == []  # no turn-by-turn speech
    expected: list[tuple[float, float]] = []
    offset = 0.0
    for call in calls:
        expected += [(offset + start, offset + end) for _, start, end in call.segments]
        offset += call.duration_s + settings.pause_s
    segments = synth.asset.segments
    assert [s.turn_index for s in segments] == list(range(len(script.turns)))
    assert [s.speaker for s in segments] == [t.speaker for t in script.turns]
    assert len(expected) == len(segments)
    for seg, (start, end) in zip(segments, expected, strict=True):
        assert abs(seg.start_s - start) <= 0.05 and abs(seg.end_s - end) <= 0.05
    pcm, rate = decode_wav(synth.wav)
    assert rate == 16_000
    assert len(pcm) / 2 / rate == pytest.approx(offset, abs=0.01)
    # the voices are the hosts': ALEX's own, SAM's default for the second position
    voices = {v for call in calls for _, v in call.inputs}
    assert voices == {GEORGE, RACHEL}


def test_dialogue_is_billed_in_v3_credits_and_the_ledger_is_the_bill(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """One credit per character of v3: the ledger's commits equal the simulator's bill."""
    ledger_path = tmp_path / "ledger.jsonl"
    script = _script()
    _synthesize(sim, _settings(tmp_path / "cache"), CostLedger(str(ledger_path)), script)
    chars = sum(len(t.text) for t in script.turns)
    assert sum(b.units["credits"] for b in sim.bills) == chars
    assert sim.billed_micro_usd() == sum(PRICES.tts_cost("eleven_v3", b.units["characters"])
                                         for b in sim.bills)  # fmt: skip
    assert _committed(ledger_path) == sim.billed_micro_usd() > 0


def test_a_rerun_reads_every_take_from_the_cache(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """The same script again: no request, nothing billed, the same audio and segments."""
    settings = _settings(tmp_path / "cache")
    ledger_path = tmp_path / "ledger.jsonl"
    first, _ = _synthesize(sim, settings, CostLedger(str(ledger_path)), _script())
    calls, billed = len(sim.dialogue_calls), sim.billed_micro_usd()
    again, hits = _synthesize(sim, settings, CostLedger(str(tmp_path / "again.jsonl")), _script())
    assert len(sim.dialogue_calls) == calls and sim.billed_micro_usd() == billed
    assert hits == calls
    assert again.wav == first.wav and again.asset.segments == first.asset.segments
    assert _committed(tmp_path / "again.jsonl") == 0


def test_malformed_dialogue_replies_are_retried_and_not_billed(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """A truncated JSON reply and a 429 are retried; the ledger still equals the bill."""
    sim.inject("malformed", 1, "/v1/text-to-dialogue")
    sim.inject("429", 1, "/v1/text-to-dialogue")
    ledger_path = tmp_path / "ledger.jsonl"
    synth, _ = _synthesize(sim, _settings(tmp_path / "cache"), CostLedger(str(ledger_path)),
                           _script(6))  # fmt: skip
    assert sim.requests["fault:malformed"] == 1 and sim.requests["fault:429"] == 1
    assert len(synth.asset.segments) == 6
    assert _committed(ledger_path) == sim.billed_micro_usd()


def test_a_turn_longer_than_a_request_is_split_and_timed_whole(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """A 3,000-character turn goes out in pieces; its segment covers all of them."""
    long_text = " ".join(SENTENCES * 12)
    assert len(long_text) > REQUEST_CHARS
    turns = (Turn(speaker="ALEX", text="Let me tell you."), Turn(speaker="SAM", text=long_text))
    script = Script(episode_id="ep1", title="Tides", turns=turns, target_words=600)
    synth, _ = _synthesize(sim, _settings(tmp_path / "cache"), CostLedger(None), script)
    first, second = synth.asset.segments
    assert first.end_s < second.start_s
    assert second.end_s == pytest.approx(synth.asset.duration_s - 0.35, abs=0.01)
    pieces = [t for c in sim.dialogue_calls for t, v in c.inputs if v == RACHEL]
    assert len(pieces) >= 2 and " ".join(pieces) == long_text


def test_the_simulator_refuses_what_the_api_would(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """Over 2,000 characters a request is refused (422), and so is stitching on v3."""
    import httpx
    from elevenlabs import DialogueInput, ElevenLabs

    with httpx.Client() as http:
        el = ElevenLabs(api_key=KEY, base_url=sim.url, httpx_client=http)
        convert = el.text_to_dialogue.convert_with_timestamps
        big = [DialogueInput(text="a" * 1_001, voice_id=GEORGE)] * 2
        with pytest.raises(Exception) as too_long:
            convert(inputs=big, output_format="pcm_16000", request_options={"max_retries": 0})
        assert getattr(too_long.value, "status_code", None) == 422
        one = [DialogueInput(text="Hello there.", voice_id=GEORGE)]
        with pytest.raises(Exception) as stitched:
            convert(inputs=one, output_format="pcm_16000", previous_request_ids=["req_x"],
                    request_options={"max_retries": 0})  # fmt: skip
        assert getattr(stitched.value, "status_code", None) == 400
        ok = convert(inputs=one, output_format="pcm_16000")
    assert ok.voice_segments[0].dialogue_input_index == 0
    assert len(sim.bills) == 1


def test_requests_are_planned_from_whole_turns() -> None:
    """Turns are packed in order, never over the limit; a long turn is split."""
    turns = [("x" * 900, "a"), ("y" * 900, "b"), ("z" * 900, "a")]
    plan = plan_requests(turns, limit=2_000)
    assert [[ln.turn for ln in req] for req in plan] == [[0, 1], [2]]
    long_turn = [("One sentence here. " * 150, "a")]
    pieces = plan_requests(long_turn, limit=2_000)
    assert all(sum(len(ln.text) for ln in req) <= 2_000 for req in pieces)
    assert {ln.turn for req in pieces for ln in req} == {0}


def test_a_refused_request_fails_with_the_api_reason(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """An unknown voice is a 404 named in the error, not retried, nothing committed."""
    show = Show(
        name="X", hosts=(Host(name="ALEX", voices={"elevenlabs": "nope"}), Host(name="SAM"))
    )
    creds = Credentials.model_validate({"elevenlabs_api_key": KEY, "elevenlabs_base_url": sim.url})
    ledger = CostLedger(str(tmp_path / "ledger.jsonl"))
    agent = AudioSynthesizer(_settings(tmp_path / "cache"), LocalLedger(ledger), creds)

    async def run() -> None:
        try:
            await agent.synthesize(_script(2), show, StageContext(episode_id="ep1", stage="audio"))
        finally:
            await agent.engine.close()

    with pytest.raises(ProviderError, match="voice_not_found"):
        asyncio.run(run())
    assert sim.requests["/v1/text-to-dialogue/with-timestamps"] == 1
    assert _committed(tmp_path / "ledger.jsonl") == 0
