"""ElevenLabs as it bills: credits, request stitching where it works, replies judged by body.

The real elevenlabs SDK talks to the loopback simulator; the ledger is a plain CostLedger.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from elevenlabs import ElevenLabs

from podcast_factory.actors.ledger import CostLedger
from podcast_factory.errors import ProviderError
from podcast_factory.metering import LocalLedger, Meter, StageContext
from podcast_factory.providers.elevenlabs_tts import ElevenLabsTTS, audio_problem
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.providers.retry import RetryPolicy
from podcast_factory.providers.speech import ElevenLabsEngine
from podcast_factory.testing import server as provider_sim

KEY = "xi-test-FAKEKEY-0123456789abcdef"
PRICES = PriceTable.load()
GEORGE, RACHEL = "JBFqnCBsd6RMkjVDRZzb", "21m00Tcm4TlvDq8ikWAM"
LINE = "Tides follow the moon, and the moon follows its own slow orbit around us."


@pytest.fixture
def sim() -> Iterator[provider_sim.ProviderSimulator]:
    with provider_sim.ProviderSimulator(api_key=KEY) as running:
        yield running


class Clock:
    """A settable clock (seconds since the epoch) for the engine and the simulator."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _engine(
    sim: provider_sim.ProviderSimulator,
    model: str,
    cache: Path | None = None,
    clock: Clock | None = None,
    chunk_chars: int = 2_500,
    attempts: int = 2,
) -> ElevenLabsEngine:
    tts = ElevenLabsTTS(
        api_key=KEY,
        base_url=sim.url,
        model_id=model,
        output_format="pcm_16000",
        prices=PRICES,
        policy=RetryPolicy(max_attempts=attempts, base_s=0.01, max_s=0.02),
        chunk_chars=chunk_chars,
        timeout_s=5,
    )
    return ElevenLabsEngine(tts, str(cache) if cache else None, clock or Clock())


def _speak(
    engine: ElevenLabsEngine, turns: list[tuple[str, str]], ledger: CostLedger, attempt: int = 1
) -> list[bytes]:
    meter = Meter(
        LocalLedger(ledger), StageContext(episode_id="ep", stage="audio", attempt=attempt)
    )

    async def run() -> list[bytes]:
        try:
            return await engine.speak(meter, turns)
        finally:
            await engine.close()

    return asyncio.run(run())


def _commits(path: Path) -> list[dict[str, object]]:
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    return [e for e in lines if e["op"] == "commit"]


def test_models_report_their_credit_multiplier(sim: provider_sim.ProviderSimulator) -> None:
    """GET /v1/models gives each model's character_cost_multiplier: flash and turbo 0.5."""
    with httpx.Client() as http:
        models = ElevenLabs(api_key=KEY, base_url=sim.url, httpx_client=http).models.list()
    rates = {m.model_id: m.model_rates.character_cost_multiplier for m in models if m.model_rates}
    assert rates == {
        "eleven_multilingual_v2": 1.0,
        "eleven_v3": 1.0,
        "eleven_flash_v2_5": 0.5,
        "eleven_turbo_v2_5": 0.5,
    }


def test_flash_speech_is_priced_from_credits_and_the_ledger_is_the_bill(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """Flash costs half a credit a character: the ledger commits the credits billed."""
    ledger = CostLedger(str(tmp_path / "ledger.jsonl"))
    odd, even = LINE, LINE + "!"
    assert (len(odd) % 2, len(even) % 2) == (1, 0)  # half a credit rounds up
    _speak(_engine(sim, "eleven_flash_v2_5"), [(odd, GEORGE), (even, RACHEL)], ledger)
    bills = sim.bills
    assert [b.units["credits"] for b in bills] == [(len(odd) + 1) // 2, len(even) // 2]
    commits = _commits(tmp_path / "ledger.jsonl")
    assert [c["units"]["credits"] for c in commits] == [b.units["credits"] for b in bills]  # type: ignore[index]
    assert sum(int(str(c["micro_usd"])) for c in commits) == sim.billed_micro_usd()
    # half the price of a 1-credit-per-character model, to the micro-dollar
    assert bills[1].micro_usd * 2 == PRICES.tts_cost("eleven_multilingual_v2", len(even))
    assert PRICES.tts_cost("eleven_flash_v2_5", len(even)) == bills[1].micro_usd


def test_reservation_holds_characters_times_the_multiplier() -> None:
    """The price table reserves ceil(characters x multiplier) credits at the credit price."""
    assert PRICES.tts_credits("eleven_flash_v2_5", 1001) == 501
    assert PRICES.tts_credits("eleven_v3", 1001) == 1001
    assert PRICES.tts_cost("eleven_flash_v2_5", 1001) == 50_100
    assert PRICES.tts_credit_cost("eleven_v3", 1001) == 100_100


def test_stitching_names_a_voices_earlier_requests_but_not_on_eleven_v3(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """multilingual v2 chains a voice's request ids; eleven_v3 sends none and is not refused."""
    turns = [(LINE, GEORGE), (LINE + " Again.", RACHEL), (LINE + " Once more.", GEORGE)]
    _speak(_engine(sim, "eleven_multilingual_v2"), turns, CostLedger(None))
    first, _, third = sim.tts_calls
    assert third.previous_request_ids == (first.request_id,)
    assert all(not s.ignored for s in sim.stitches)
    _speak(_engine(sim, "eleven_v3"), turns, CostLedger(None))
    assert [c.previous_request_ids for c in sim.tts_calls[3:]] == [()] * 3


def test_the_simulator_refuses_stitching_on_eleven_v3(sim: provider_sim.ProviderSimulator) -> None:
    """previous_request_ids with eleven_v3 is a 400, as the feature is not available there."""
    with httpx.Client() as http:
        el = ElevenLabs(api_key=KEY, base_url=sim.url, httpx_client=http)
        b"".join(el.text_to_speech.convert(GEORGE, text=LINE, output_format="pcm_16000"))
        rid = sim.tts_calls[0].request_id
        with pytest.raises(Exception) as refused:
            b"".join(
                el.text_to_speech.convert(
                    GEORGE, text=LINE, model_id="eleven_v3", output_format="pcm_16000",
                    previous_request_ids=[rid],
                )
            )  # fmt: skip
    assert getattr(refused.value, "status_code", None) == 400
    assert len(sim.bills) == 1


def test_ids_older_than_two_hours_are_not_sent(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """Cached turns' ids are used within two hours of their making, and dropped after."""
    clock = Clock()
    sim.el_clock = clock
    cache = tmp_path / "speech"
    opening, follow = (LINE, GEORGE), (LINE + " And then?", GEORGE)
    _speak(_engine(sim, "eleven_multilingual_v2", cache, clock), [opening], CostLedger(None))
    opened = sim.tts_calls[0].request_id

    clock.now += 3600  # an hour later: the cached turn's id still stitches
    _speak(
        _engine(sim, "eleven_multilingual_v2", cache, clock), [opening, follow], CostLedger(None)
    )
    assert len(sim.tts_calls) == 2  # the opening came from the cache
    assert sim.tts_calls[1].previous_request_ids == (opened,)
    assert sim.stitches[-1].used == (opened,)

    clock.now += 2 * 3600  # three hours after the opening was made
    again = (LINE + " And after that?", GEORGE)
    _speak(_engine(sim, "eleven_multilingual_v2", cache, clock), [opening, again], CostLedger(None))
    assert sim.tts_calls[2].previous_request_ids == ()
    assert all(not s.ignored for s in sim.stitches)


def test_the_simulator_ignores_stale_ids(sim: provider_sim.ProviderSimulator) -> None:
    """An id over two hours old is not used by the simulator (nor refused)."""
    clock = Clock()
    sim.el_clock = clock
    with httpx.Client() as http:
        el = ElevenLabs(api_key=KEY, base_url=sim.url, httpx_client=http)
        b"".join(el.text_to_speech.convert(GEORGE, text=LINE, output_format="pcm_16000"))
        rid = sim.tts_calls[0].request_id
        clock.now += 7201
        b"".join(
            el.text_to_speech.convert(
                GEORGE, text=LINE, output_format="pcm_16000", previous_request_ids=[rid]
            )
        )
    assert sim.stitches[-1].used == () and sim.stitches[-1].ignored == (rid,)


@pytest.mark.parametrize("content_type", ["application/octet-stream", None])
def test_audio_is_judged_by_its_body_not_its_content_type(
    sim: provider_sim.ProviderSimulator, tmp_path: Path, content_type: str | None
) -> None:
    """PCM sent as application/octet-stream or with no content-type is accepted as audio."""
    sim.tts_content_type = content_type
    ledger = CostLedger(str(tmp_path / "ledger.jsonl"))
    (pcm,) = _speak(_engine(sim, "eleven_multilingual_v2"), [(LINE, GEORGE)], ledger)
    assert len(pcm) > 16_000 and audio_problem(pcm) is None
    assert sim.requests.get("status:200") == 1
    assert sum(int(str(c["micro_usd"])) for c in _commits(tmp_path / "ledger.jsonl")) == (
        sim.billed_micro_usd()
    )


def test_a_text_or_json_body_is_malformed_and_retried(
    sim: provider_sim.ProviderSimulator, tmp_path: Path
) -> None:
    """A 200 with a text body, then one with JSON: both retried; the third try is audio."""
    sim.inject_text_reply(1)
    sim.inject("malformed", 1, "/v1/text-to-speech")
    ledger = CostLedger(str(tmp_path / "ledger.jsonl"))
    (pcm,) = _speak(_engine(sim, "eleven_multilingual_v2", attempts=3), [(LINE, GEORGE)], ledger)
    assert audio_problem(pcm) is None
    assert sim.requests["status:200"] == 3 and len(sim.tts_calls) == 1
    # neither bad reply reported a cost: nothing committed for them, nothing billed
    assert sum(int(str(c["micro_usd"])) for c in _commits(tmp_path / "ledger.jsonl")) == (
        sim.billed_micro_usd()
    )


def test_malformed_replies_exhaust_the_attempts(sim: provider_sim.ProviderSimulator) -> None:
    """Only text replies: the call gives up naming the malformed body."""
    sim.inject_text_reply(2)
    with pytest.raises(ProviderError, match="malformed reply: a text body"):
        _speak(
            _engine(sim, "eleven_multilingual_v2", attempts=2), [(LINE, GEORGE)], CostLedger(None)
        )


def test_audio_problem_tells_bodies_apart() -> None:
    """Empty, JSON, text and odd-length bodies are malformed; binary samples are audio."""
    assert audio_problem(b"") == "empty body"
    assert audio_problem(b'{"detail": {"status": "error"}}') == "a JSON body"
    assert audio_problem(b"<html>Bad gateway</html>\n") == "a text body"
    assert audio_problem(b"\x00\x01\x02") == "odd PCM length"
    assert audio_problem(b"\x00\x00\xff\x7f\x01\x80" * 100) is None
