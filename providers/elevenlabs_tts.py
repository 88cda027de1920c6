"""ElevenLabs speech through the elevenlabs SDK.

Text is split on sentence boundaries under the model's per-request character limit;
where the model supports request stitching (not ``eleven_v3``), each request passes the
request ids of the same voice's previous chunks (``previous_request_ids``, at most three,
none older than two hours) so the voice flows across chunk and turn boundaries. Output is
raw PCM, stitched by the audio agent. The SDK does not retry streamed conversions, so
retries happen here, in ``providers.retry``, honouring ``Retry-After``; each attempt is
metered: the reservation holds characters x the model's credits per character, and the
bill is the credits the ``character-cost`` header reports. A reply is judged by its body,
not its content-type (see ``audio_problem``). Sources: docs/providers.md, ElevenLabs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import TYPE_CHECKING

import httpx

from podcast_factory.errors import TransientProviderError
from podcast_factory.limits import ProviderSlots
from podcast_factory.metering import Meter
from podcast_factory.providers.elevenlabs_languages import language_code
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.providers.retry import RetryPolicy, call_with_retries, status_error

if TYPE_CHECKING:  # the SDK is imported where a client is made (see ElevenLabsTTS)
    from elevenlabs.core.api_error import ApiError

PROVIDER = "elevenlabs"
DEFAULT_VOICES: tuple[str, str] = ("JBFqnCBsd6RMkjVDRZzb", "21m00Tcm4TlvDq8ikWAM")
"""ElevenLabs premade voices (George, Rachel) for hosts who name none."""
CONTINUITY = 3
"""The API accepts at most three previous request ids."""
STITCH_MAX_AGE_S = 2 * 3600.0
"""Request ids older than two hours are not used by the API for stitching."""
STITCH_MARGIN_S = 300.0
"""Ids are sent only while younger than ``STITCH_MAX_AGE_S`` minus this margin, so that an
id cannot age past the limit while its request waits for a slot or a retry."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def chunk_text(text: str, limit: int) -> list[str]:
    """Split ``text`` on sentence boundaries into pieces of at most ``limit`` characters;
    a single sentence longer than that is split between words."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text.strip()):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            pieces.extend([current] if current else [])
            current = ""
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        candidate = f"{current} {sentence}".strip()
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = sentence
    if current:
        pieces.append(current)
    return [p for p in pieces if p]


def audio_problem(data: bytes) -> str | None:
    """Why a 200 body is not 16-bit PCM, or None when it is.

    The body decides, not the content-type (the API may send ``audio/pcm``,
    ``application/octet-stream`` or none): an empty body, a JSON document or printable
    text (an error page, a proxy's message) is malformed; so is an odd number of bytes.
    Anything else made of whole 16-bit samples is audio."""
    if not data:
        return "empty body"
    head = data[:4096].lstrip()
    if head[:1] in (b"{", b"["):
        try:
            json.loads(data)
        except ValueError:
            pass
        else:
            return "a JSON body"
    text = ""
    for cut in range(4):  # a multi-byte character may straddle the 4,096th byte
        try:
            text = data[: 4096 - cut].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    if text and all(c.isprintable() or c in "\r\n\t" for c in text):
        return "a text body"
    if len(data) % 2:
        return "odd PCM length"
    return None


def billed_credits(headers: Mapping[str, str]) -> Decimal | None:
    """The credits the ``character-cost`` header reports, or None when absent or unreadable."""
    raw = headers.get("character-cost")
    try:
        credits = Decimal(raw) if raw else None
    except InvalidOperation:
        return None
    return credits if credits is not None and credits.is_finite() and credits >= 0 else None


def sample_rate_of(output_format: str) -> int:
    """``pcm_24000`` -> 24000; other formats are refused (we stitch raw PCM)."""
    match = re.fullmatch(r"pcm_(\d{4,6})", output_format)
    if not match:
        raise ValueError(f"output format {output_format!r} is not raw PCM (pcm_16000..pcm_48000)")
    return int(match.group(1))


class ElevenLabsTTS:
    """Metered, retried text-to-speech with continuity between chunks of one voice."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        model_id: str,
        output_format: str,
        prices: PriceTable,
        policy: RetryPolicy,
        chunk_chars: int = 2_500,
        timeout_s: float = 120.0,
        governor: ProviderSlots | None = None,
    ) -> None:
        from elevenlabs.client import AsyncElevenLabs  # here: only a speaking agent loads the SDK

        self._governor = governor
        self._http = httpx.AsyncClient(timeout=timeout_s)  # ours, so that we can close it
        self._client = AsyncElevenLabs(
            api_key=api_key, base_url=base_url, timeout=timeout_s, httpx_client=self._http
        )
        self._model = model_id
        self._format = output_format
        self.sample_rate = sample_rate_of(output_format)
        self._prices = prices
        self._policy = policy
        self._limit = min(chunk_chars, prices.tts_max_chars(model_id))
        self.signature = f"{model_id}|{output_format}|{self._limit}"
        """What, besides voice and text, decides the audio: part of cache keys."""
        self.stitching = prices.tts_stitching(model_id)
        """Whether the model takes ``previous_request_ids`` (``eleven_v3`` does not)."""

    def reservation(self, characters: int) -> int:
        """Micro-USD held for ``characters`` characters: their credits at the model's
        multiplier, rounded up, at the credit price."""
        return self._prices.tts_cost(self._model, characters)

    def language_code(self, language: str) -> str | None:
        """What this model's requests send as ``language_code`` for a show in
        ``language`` (None: nothing, as for English or ``eleven_multilingual_v2``)."""
        return language_code(self._model, language)

    async def speak(
        self,
        meter: Meter,
        text: str,
        voice_id: str,
        previous: Sequence[str] = (),
        language: str = "en",
    ) -> tuple[bytes, list[str]]:
        """PCM of ``text`` in ``voice_id``, spoken in the show's ``language``; returns it
        with the request ids it made."""
        code = self.language_code(language)
        ids = list(previous)
        audio: list[bytes] = []
        for chunk in chunk_text(text, self._limit):
            prior = tuple(ids[-CONTINUITY:]) if self.stitching else ()

            async def attempt(
                chunk: str = chunk, prior: tuple[str, ...] = prior
            ) -> tuple[bytes, str]:
                return await self._convert(meter, chunk, voice_id, prior, code)

            pcm, request_id = await call_with_retries(self._policy, attempt)
            audio.append(pcm)
            if request_id:
                ids.append(request_id)
        return b"".join(audio), ids[len(previous) :]

    async def _convert(
        self, meter: Meter, text: str, voice_id: str, prior: tuple[str, ...], code: str | None
    ) -> tuple[bytes, str]:
        estimate = self.reservation(len(text))
        async with meter.call(
            PROVIDER, estimate, {"characters": len(text)}, slots=self._governor
        ) as charge:
            try:
                async with self._client.text_to_speech.with_raw_response.convert(
                    voice_id,
                    text=text,
                    model_id=self._model,
                    output_format=self._format,
                    previous_request_ids=list(prior) if prior else None,
                    **({"language_code": code} if code else {}),
                ) as response:
                    headers = response.headers
                    credits = billed_credits(headers)
                    if credits is not None:  # billed: paid even if the body proves bad
                        charge.bill(
                            self._prices.tts_credit_cost(self._model, credits),
                            {"characters": len(text), "credits": _whole(credits)},
                        )
                    data = b"".join([part async for part in response.data])
            except _api_error() as exc:
                raise status_error(
                    PROVIDER, exc.status_code or 0, _detail(exc.body), exc.headers
                ) from None
            except httpx.TimeoutException:
                raise TransientProviderError(PROVIDER, "the request timed out") from None
            except httpx.TransportError:
                raise TransientProviderError(PROVIDER, "the connection failed") from None
            problem = audio_problem(data)
            if problem:
                raise TransientProviderError(PROVIDER, f"malformed reply: {problem}")
            if credits is None:  # audio without a reported cost: count what was reserved
                charge.bill(estimate, {"characters": len(text)})
            return data, headers.get("request-id", "")

    async def close(self) -> None:
        await self._http.aclose()


def _api_error() -> type[ApiError]:
    """The SDK's error class; loaded already by the client that raised it."""
    from elevenlabs.core.api_error import ApiError

    return ApiError


def _whole(credits: Decimal) -> int:
    """Credits as a whole number for the ledger's units (rounded up)."""
    return int(credits.to_integral_value(rounding=ROUND_CEILING))


def _detail(body: object) -> str:
    """The API's status and message, never the request (which holds the key)."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        return f"{detail.get('status', 'error')}: {detail.get('message', '')}"[:300]
    return str(detail or body or "error")[:300]
