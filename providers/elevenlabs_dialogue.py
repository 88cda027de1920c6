"""Both hosts in one request: ElevenLabs Text to Dialogue, with the timing of every line.

``POST /v1/text-to-dialogue/with-timestamps`` (``text_to_dialogue.convert_with_timestamps``
in the SDK) takes ``inputs`` (text and voice per line) and answers JSON: the audio in
``audio_base64``, a per-character ``alignment`` and ``voice_segments`` that say where each
input (``dialogue_input_index``) starts and ends, in seconds. Text to Dialogue speaks with
``eleven_v3``, at its credit rate per character; the SDK's docs ask for at most 2,000
characters per request (longer ones "can terminate early ... or return a validation
error") and at most 10 voices. Eleven v3 has no request stitching, so none is sent.

The script is packed into requests of whole turns up to ``REQUEST_CHARS`` (a longer turn
is split between sentences over several inputs of its voice). Each request is metered
(reserved at the v3 rate before, billed from ``character-cost`` after), retried in
``providers.retry`` only, and kept on disk once paid for, so a rerun reads it back.
Sources and what each choice costs: docs/providers.md, ElevenLabs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from podcast_factory.config import Credentials, RunSettings
from podcast_factory.errors import TransientProviderError, UserInputError
from podcast_factory.limits import ProviderSlots
from podcast_factory.metering import Meter
from podcast_factory.models import Host
from podcast_factory.providers.elevenlabs_languages import language_code
from podcast_factory.providers.elevenlabs_tts import (
    DEFAULT_VOICES,
    PROVIDER,
    _detail,
    _whole,
    audio_problem,
    billed_credits,
    chunk_text,
    sample_rate_of,
)
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.providers.retry import RetryPolicy, call_with_retries, status_error
from podcast_factory.rundir import atomic_write

DIALOGUE_MODEL = "eleven_v3"
REQUEST_CHARS = 2_000
"""Characters per dialogue request: the SDK docs' recommended most."""
MAX_VOICES = 10


@dataclass(frozen=True)
class Line:
    """One dialogue input: a turn, or a piece of a long one."""

    turn: int
    text: str
    voice: str


@dataclass(frozen=True)
class Take:
    """One dialogue request's audio and where each of its lines sits in it (seconds)."""

    pcm: bytes
    spans: tuple[tuple[int, float, float], ...]
    """(turn index, start_s, end_s) per line, in the order sent."""


def plan_requests(turns: Sequence[tuple[str, str]], limit: int = REQUEST_CHARS) -> list[list[Line]]:
    """Whole turns packed in order into requests of at most ``limit`` characters and
    ``MAX_VOICES`` voices; a turn over ``limit`` is split between sentences."""
    requests: list[list[Line]] = []
    current: list[Line] = []
    size = 0
    for index, (text, voice) in enumerate(turns):
        for piece in chunk_text(text, limit):
            voices = {line.voice for line in current} | {voice}
            if current and (size + len(piece) > limit or len(voices) > MAX_VOICES):
                requests.append(current)
                current, size = [], 0
            current.append(Line(index, piece, voice))
            size += len(piece)
    if current:
        requests.append(current)
    return requests


def line_spans(reply: Any, lines: Sequence[Line]) -> list[tuple[float, float]]:
    """(start_s, end_s) of each line from the reply's ``voice_segments``; a line with no
    segment is a malformed reply (its timing would be a guess)."""
    found: dict[int, tuple[float, float]] = {}
    for seg in getattr(reply, "voice_segments", None) or []:
        n = seg.dialogue_input_index
        start, end = float(seg.start_time_seconds), float(seg.end_time_seconds)
        if n in found:
            start, end = min(start, found[n][0]), max(end, found[n][1])
        found[n] = (start, end)
    missing = [n for n in range(len(lines)) if n not in found]
    if missing:
        raise TransientProviderError(PROVIDER, f"malformed reply: no timing for lines {missing}")
    return [found[n] for n in range(len(lines))]


class ElevenLabsDialogue:
    """Metered, retried Text to Dialogue requests with timestamps."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        output_format: str,
        prices: PriceTable,
        policy: RetryPolicy,
        timeout_s: float = 120.0,
        governor: ProviderSlots | None = None,
    ) -> None:
        from elevenlabs.client import AsyncElevenLabs  # here: only a speaking agent loads the SDK

        self._governor = governor
        self._http = httpx.AsyncClient(timeout=timeout_s)
        self._client = AsyncElevenLabs(
            api_key=api_key, base_url=base_url, timeout=timeout_s, httpx_client=self._http
        )
        self._format = output_format
        self.sample_rate = sample_rate_of(output_format)
        self._prices = prices
        self._policy = policy
        prices.tts_max_chars(DIALOGUE_MODEL)  # unpriced -> a usage error before any call
        self.signature = f"dialogue|{DIALOGUE_MODEL}|{output_format}"

    def reservation(self, characters: int) -> int:
        """Micro-USD held for ``characters`` characters of dialogue (v3 credits)."""
        return self._prices.tts_cost(DIALOGUE_MODEL, characters)

    async def take(self, meter: Meter, lines: Sequence[Line], code: str | None = None) -> Take:
        """One request for ``lines`` (with ``language_code`` ``code`` when given),
        retried on transient failures."""

        async def attempt() -> Take:
            return await self._request(meter, lines, code)

        return await call_with_retries(self._policy, attempt)

    async def _request(self, meter: Meter, lines: Sequence[Line], code: str | None) -> Take:
        from elevenlabs import DialogueInput
        from elevenlabs.core.api_error import ApiError
        from elevenlabs.core.parse_error import ParsingError

        chars = sum(len(line.text) for line in lines)
        estimate = self.reservation(chars)
        async with meter.call(
            PROVIDER, estimate, {"characters": chars}, slots=self._governor
        ) as charge:
            try:
                raw = await self._client.text_to_dialogue.with_raw_response.convert_with_timestamps(
                    inputs=[DialogueInput(text=line.text, voice_id=line.voice) for line in lines],
                    model_id=DIALOGUE_MODEL,
                    output_format=self._format,
                    request_options={"max_retries": 0},
                    **({"language_code": code} if code else {}),
                )
            except (ApiError, ParsingError) as exc:
                headers = getattr(exc, "headers", None) or {}
                status = getattr(exc, "status_code", None) or 0
                credits = billed_credits(headers)
                if credits is not None and 200 <= status < 300:
                    charge.bill(
                        self._bill(credits), {"characters": chars, "credits": _whole(credits)}
                    )
                if 200 <= status < 300:  # a 2xx whose body the SDK could not read
                    raise TransientProviderError(
                        PROVIDER, "malformed reply: not the JSON"
                    ) from None
                raise status_error(
                    PROVIDER, status, _detail(getattr(exc, "body", None)), headers
                ) from None
            except httpx.TimeoutException:
                raise TransientProviderError(PROVIDER, "the request timed out") from None
            except httpx.TransportError:
                raise TransientProviderError(PROVIDER, "the connection failed") from None
            credits = billed_credits(raw.headers)
            if credits is not None:  # billed: paid even if the body proves bad
                charge.bill(self._bill(credits), {"characters": chars, "credits": _whole(credits)})
            try:
                pcm = base64.b64decode(raw.data.audio_base_64, validate=True)
            except (binascii.Error, ValueError):
                raise TransientProviderError(PROVIDER, "malformed reply: bad base64") from None
            problem = audio_problem(pcm)
            if problem:
                raise TransientProviderError(PROVIDER, f"malformed reply: {problem}")
            spans = line_spans(raw.data, lines)
            if credits is None:
                charge.bill(estimate, {"characters": chars})
        return Take(pcm, tuple((ln.turn, s, e) for ln, (s, e) in zip(lines, spans, strict=True)))

    def _bill(self, credits: Any) -> int:
        return self._prices.tts_credit_cost(DIALOGUE_MODEL, credits)

    async def close(self) -> None:
        await self._http.aclose()


class DialogueEngine:
    """Speech of a whole script as dialogue takes, each kept on disk once paid for.

    The cache key covers model, format and every line (text and voice) of a request, so
    an edited turn re-buys only the request it falls in (and, when its length moves turns
    between requests, the ones after it)."""

    name = PROVIDER

    def __init__(self, dialogue: ElevenLabsDialogue, cache_dir: str | None = None) -> None:
        self._dialogue = dialogue
        self.sample_rate = dialogue.sample_rate
        self.cache_hits = 0
        self._cache = Path(cache_dir) if cache_dir else None

    def voice(self, host: Host, position: int, language: str = "en") -> str:
        return host.voices.get("elevenlabs") or DEFAULT_VOICES[position]

    def _key(self, lines: Sequence[Line], code: str | None = None) -> str:
        body = json.dumps([[ln.text, ln.voice] for ln in lines])
        said = f"{self._dialogue.signature}|{body}" + (f"|{code}" if code else "")
        return hashlib.sha256(said.encode()).hexdigest()

    def _cached(self, key: str, lines: Sequence[Line]) -> Take | None:
        if self._cache is None:
            return None
        pcm, meta = self._cache / f"{key}.pcm", self._cache / f"{key}.json"
        if not (pcm.is_file() and meta.is_file()):
            return None
        try:
            spans = [(float(s), float(e)) for s, e in json.loads(meta.read_text())["spans"]]
        except (ValueError, KeyError, TypeError):
            return None
        if len(spans) != len(lines):
            return None
        self.cache_hits += 1
        timed = zip(lines, spans, strict=True)
        return Take(pcm.read_bytes(), tuple((ln.turn, s, e) for ln, (s, e) in timed))

    def _keep(self, key: str, take: Take) -> None:
        if self._cache is None:
            return
        atomic_write(self._cache / f"{key}.pcm", take.pcm)  # audio first: meta marks it whole
        spans = [[s, e] for _, s, e in take.spans]
        atomic_write(self._cache / f"{key}.json", json.dumps({"spans": spans}).encode())

    async def speak_timed(
        self, meter: Meter, turns: Sequence[tuple[str, str]], language: str = "en"
    ) -> list[Take]:
        """The takes of ``turns`` (text, voice), in order, each with its lines' spans;
        a show not in English names its language (``language_code``: v3 takes it)."""
        takes = []
        code = language_code(DIALOGUE_MODEL, language)
        for lines in plan_requests(turns):
            key = self._key(lines, code)
            found = await asyncio.to_thread(self._cached, key, lines)
            if found is None:
                found = await self._dialogue.take(meter, lines, code)
                await asyncio.to_thread(self._keep, key, found)
            takes.append(found)
        return takes

    async def close(self) -> None:
        await self._dialogue.close()


def dialogue_engine(
    settings: RunSettings, creds: Credentials, governor: ProviderSlots | None
) -> DialogueEngine:
    """The dialogue engine the settings ask for (``elevenlabs.dialogue``)."""
    from podcast_factory.providers.factory import retry_policy

    if creds.elevenlabs_api_key is None:
        raise UserInputError("ELEVENLABS_API_KEY", "is not set; ElevenLabs needs it")
    return DialogueEngine(
        ElevenLabsDialogue(
            api_key=creds.elevenlabs_api_key.get_secret_value(),
            base_url=creds.elevenlabs_base_url,
            output_format=settings.elevenlabs.output_format,
            prices=PriceTable.load(),
            policy=retry_policy(settings),
            timeout_s=settings.request_timeout_s,
            governor=governor,
        ),
        cache_dir=settings.speech_cache_dir,
    )
