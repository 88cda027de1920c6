"""The simulator's ElevenLabs routes: text to speech, text to dialogue, models, voices and
the subscription. What each behaviour is modelled on, with the docs' addresses, is in
``docs/providers.md, ElevenLabs``.

Billing is in credits, as ElevenLabs bills: a request uses characters x the model's
``character_cost_multiplier`` credits, rounded up to a whole credit (our assumption: the
docs give the multiplier, not the rounding), sent back in the ``character-cost`` header.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from podcast_factory.providers.elevenlabs_languages import IGNORES_LANGUAGE_CODE, MODEL_LANGUAGES
from podcast_factory.testing import payloads as pay
from podcast_factory.testing.common import Bill, Reply, Request, SimState, TtsCall

DEFAULT_VOICES: dict[str, str] = {
    "JBFqnCBsd6RMkjVDRZzb": "George",
    "21m00Tcm4TlvDq8ikWAM": "Rachel",
    "EXAVITQu4vr4xnSDxMaL": "Sarah",
    "pNInz6obpgDQGcFmaJgB": "Adam",
}
VOICE_LABELS: dict[str, dict[str, str]] = {
    "JBFqnCBsd6RMkjVDRZzb": {"gender": "male", "accent": "british", "age": "middle_aged"},
    "21m00Tcm4TlvDq8ikWAM": {"gender": "female", "accent": "american", "age": "young"},
    "EXAVITQu4vr4xnSDxMaL": {"gender": "female", "accent": "american", "age": "young"},
    "pNInz6obpgDQGcFmaJgB": {"gender": "male", "accent": "american", "age": "middle_aged"},
}
"""The ``labels`` of ``GET /v1/voices`` for the default voices, as the API gives them."""
VOICE_LANGUAGES: dict[str, tuple[str, ...]] = dict.fromkeys(DEFAULT_VOICES, ("en",))
"""The ``verified_languages`` of the default voices (premade, verified in English)."""
DEFAULT_TTS_MODEL = "eleven_multilingual_v2"
DEFAULT_TTS_FORMAT = "mp3_44100_128"
"""ElevenLabs' default ``output_format``, which the simulator refuses: ask for ``pcm_*``."""
DIALOGUE_MODEL = "eleven_v3"
"""Text to Dialogue speaks with Eleven v3 only."""
DIALOGUE_MAX_CHARS = 2_000
"""The SDK's docs: keep a dialogue request at or below 2,000 characters or it "can terminate
early ... or return a validation error". The simulator refuses longer ones (the stricter)."""
DIALOGUE_MAX_VOICES = 10
DIALOGUE_GAP_S = 0.25
"""Silence the simulated dialogue leaves between two lines."""
STITCH_MAX_AGE_S = 2 * 3600.0
"""Request ids older than two hours are not used for stitching (ignored, not refused)."""
_TTS_PATH = re.compile(r"^/v1/text-to-speech/([^/]+)(/stream)?$")
_TEXT_REPLY = b"upstream connect error or disconnect/reset before headers"


@dataclass(frozen=True)
class StitchRecord:
    """Which ``previous_request_ids`` of one request were used and which were ignored."""

    request_id: str
    used: tuple[str, ...]
    ignored: tuple[str, ...]


@dataclass(frozen=True)
class DialogueCall:
    """One answered text-to-dialogue request and the timings it reported."""

    request_id: str
    inputs: tuple[tuple[str, str], ...]
    """(text, voice_id) per dialogue input."""
    segments: tuple[tuple[int, float, float], ...]
    """(dialogue_input_index, start_s, end_s) per voice segment."""
    duration_s: float
    credits: int
    language_code: str | None = None
    """The ``language_code`` the request sent (None: none)."""


@dataclass
class _ElevenLabsState:
    issued: dict[str, float] = field(default_factory=dict)  # request id -> when answered
    stitches: list[StitchRecord] = field(default_factory=list)
    dialogues: list[DialogueCall] = field(default_factory=list)
    text_replies: int = 0


class ElevenLabsRoutes(SimState):
    """Answers requests without an ``anthropic-version`` header.

    Knobs a test may set on the simulator: ``tier`` (the subscription's), ``el_clock``
    (seconds, for request-id ages), ``tts_content_type`` (None: no header at all),
    ``voice_languages`` (voice id -> the languages ``GET /v1/voices`` says it is
    verified in)."""

    tier: str = "creator"
    voice_languages: dict[str, tuple[str, ...]] = VOICE_LANGUAGES
    tts_content_type: str | None = "audio/pcm"
    el_clock: Callable[[], float] = staticmethod(time.time)

    def _el(self) -> _ElevenLabsState:
        with self._lock:
            state = self.__dict__.get("_el_state")
            if state is None:
                state = self.__dict__["_el_state"] = _ElevenLabsState()
            return state

    # -- for tests -------------------------------------------------------------------------
    @property
    def stitches(self) -> list[StitchRecord]:
        state = self._el()
        with self._lock:
            return list(state.stitches)

    @property
    def dialogue_calls(self) -> list[DialogueCall]:
        state = self._el()
        with self._lock:
            return list(state.dialogues)

    def inject_text_reply(self, count: int = 1) -> None:
        """Answer the next ``count`` speech requests with 200 and a plain-text body."""
        state = self._el()
        with self._lock:
            state.text_replies += count

    # -- routes ----------------------------------------------------------------------------
    def route_elevenlabs(self, req: Request) -> Reply | None:
        """The reply to ``req``, or None when no ElevenLabs route matches."""
        tts = _TTS_PATH.match(req.path)
        if req.method == "POST" and tts:
            return self._tts(req, tts[1], stream=bool(tts[2]))
        if (req.method, req.path) == ("POST", "/v1/text-to-dialogue/with-timestamps"):
            return self._dialogue(req)
        if (req.method, req.path) == ("GET", "/v1/models"):
            return Reply(200, [self._model_entry(m) for m in self.prices.tts_models()])
        if (req.method, req.path) == ("GET", "/v1/user/subscription"):
            return Reply(200, subscription_body(self.tier))
        if req.method == "GET" and req.path in ("/v1/voices", "/v2/voices"):
            voices = [
                pay.voice_entry(v, n, VOICE_LABELS.get(v, {}), self.voice_languages.get(v, ()))
                for v, n in self.voices.items()
            ]
            body: dict[str, Any] = {"voices": voices}
            if req.path.startswith("/v2"):
                body.update(has_more=False, total_count=len(voices), next_page_token=None)
            return Reply(200, body)
        return None

    def _model_entry(self, model: str) -> dict[str, Any]:
        entry = pay.tts_model(model, self.prices.tts_max_chars(model))
        # a JSON number, as the API sends it; money is never computed from it here
        multiplier = float(self.prices.tts_multiplier(model))
        entry["model_rates"] = {"character_cost_multiplier": multiplier}
        entry["languages"] = [
            {"language_id": code, "name": code} for code in sorted(MODEL_LANGUAGES.get(model, ()))
        ]
        return entry

    def _language(self, req: Request, model: str, body: dict[str, Any]) -> str | None:
        """The request's ``language_code``: ignored by a model that takes none
        (``eleven_multilingual_v2``), refused with the live API's 400 when the model does
        not speak it (docs/providers.md, "ElevenLabs: languages")."""
        code = body.get("language_code")
        if code is None:
            return None
        if not isinstance(code, str):
            bad = {"type": "string_type", "loc": ["body", "language_code"], "msg": "not a string"}
            raise Reply(422, {"detail": [bad]})
        if model not in IGNORES_LANGUAGE_CODE and code not in MODEL_LANGUAGES.get(model, ()):
            message = f"Model '{model}' does not support language_code '{code}'."
            raise req.error(400, message, "unsupported_language")
        return code

    def _check_voice(self, req: Request, voice_id: str) -> None:
        if self.voices and voice_id not in self.voices:
            message = f"A voice with the voice_id {voice_id} was not found."
            raise req.error(404, message, "voice_not_found")

    def _rate(self, req: Request) -> tuple[str, int]:
        fmt = req.query.get("output_format", DEFAULT_TTS_FORMAT)
        rate = int(fmt[4:]) if fmt.startswith("pcm_") and fmt[4:].isdigit() else 0
        if rate not in pay.PCM_RATES:
            served = ", ".join(f"pcm_{r}" for r in pay.PCM_RATES)
            message = f"this simulator only serves pcm ({served}), not {fmt!r}"
            raise req.error(422, message, "unsupported_output_format")
        return fmt, rate

    def _stitch(self, req: Request, model: str, before: list[str]) -> None:
        """Refuse stitching where the model lacks it; ignore ids over two hours old."""
        if before and not self.prices.tts_stitching(model):
            message = f"previous_request_ids is not supported for {model}"
            raise req.error(400, message, "unsupported_model_feature")
        if len(before) > 3:
            raise req.error(400, "at most 3 previous_request_ids", "invalid_request")
        state, now = self._el(), self.el_clock()
        with self._lock:
            fresh = [i for i in before if now - state.issued.get(i, -1e18) < STITCH_MAX_AGE_S]
            stale = [i for i in before if i not in fresh]
            state.stitches.append(StitchRecord(req.request_id, tuple(fresh), tuple(stale)))

    def _issue(self, req: Request) -> None:
        state = self._el()
        now = self.el_clock()
        with self._lock:
            state.issued[req.request_id] = now

    def _text_reply(self) -> Reply | None:
        state = self._el()
        with self._lock:
            if state.text_replies <= 0:
                return None
            state.text_replies -= 1
        return Reply(200, _TEXT_REPLY, {"content-type": "text/plain"})

    def _tts(self, req: Request, voice_id: str, *, stream: bool) -> Reply:
        self._check_voice(req, voice_id)
        body = req.json()
        text, model = body.get("text"), body.get("model_id") or DEFAULT_TTS_MODEL
        if not isinstance(text, str):
            missing = {"type": "missing", "loc": ["body", "text"], "msg": "Field required"}
            raise Reply(422, {"detail": [missing]})
        if not isinstance(model, str) or model not in self.prices.tts_models():
            raise req.error(400, f"model {model!r} does not exist", "model_not_found")
        most = self.prices.tts_max_chars(model)
        if not text.strip() or len(text) > most:
            message = f"text must have 1 to {most} characters for {model}; it has {len(text)}"
            raise req.error(400, message, "max_character_limit_exceeded")
        code = self._language(req, model, body)
        fmt, rate = self._rate(req)
        before, after = body.get("previous_request_ids") or [], body.get("next_request_ids") or []
        self._stitch(req, model, list(before))
        text_reply = self._text_reply()
        if text_reply is not None:
            return text_reply
        self._stopping.wait(self.tts_latency_per_1000_chars_s * len(text) / 1000)
        audio = pay.synthesize(text, voice_id, rate)
        call = TtsCall(
            req.request_id, voice_id, model, fmt, len(text), tuple(before), tuple(after), stream,
            code,
        )  # fmt: skip
        credits = self.prices.tts_credits(model, len(text))
        bill = Bill(
            req.request_id, "elevenlabs", model, {"characters": len(text), "credits": credits},
            self.prices.tts_credit_cost(model, credits),
        )  # fmt: skip
        with self._lock:
            self._tts_calls.append(call)
            self._bills.append(bill)
        self._issue(req)
        headers = {"character-cost": str(credits)}
        if self.tts_content_type is not None:
            headers["content-type"] = self.tts_content_type
        return Reply(200, audio, headers, chunked=stream)

    def _dialogue(self, req: Request) -> Reply:
        body = req.json()
        model = body.get("model_id") or DIALOGUE_MODEL
        if model != DIALOGUE_MODEL:
            message = f"text to dialogue supports {DIALOGUE_MODEL} only, not {model!r}"
            raise req.error(400, message, "model_not_found")
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not inputs:
            missing = {"type": "missing", "loc": ["body", "inputs"], "msg": "Field required"}
            raise Reply(422, {"detail": [missing]})
        lines: list[tuple[str, str]] = []
        for n, item in enumerate(inputs):
            text = item.get("text") if isinstance(item, dict) else None
            voice = item.get("voice_id") if isinstance(item, dict) else None
            if not isinstance(text, str) or not text.strip() or not isinstance(voice, str):
                bad = {"type": "value_error", "loc": ["body", "inputs", n], "msg": "bad input"}
                raise Reply(422, {"detail": [bad]})
            self._check_voice(req, voice)
            lines.append((text, voice))
        if len({v for _, v in lines}) > DIALOGUE_MAX_VOICES:
            raise req.error(400, f"at most {DIALOGUE_MAX_VOICES} voices", "invalid_request")
        total = sum(len(t) for t, _ in lines)
        if total > DIALOGUE_MAX_CHARS:
            message = f"inputs have {total} characters; at most {DIALOGUE_MAX_CHARS}"
            raise Reply(422, {"detail": [{"type": "value_error", "loc": ["body", "inputs"],
                                          "msg": message}]})  # fmt: skip
        code = self._language(req, model, body)
        _, rate = self._rate(req)
        self._stitch(req, model, list(body.get("previous_request_ids") or []))
        self._stopping.wait(self.tts_latency_per_1000_chars_s * total / 1000)
        audio, reply, segments = _dialogue_audio(lines, rate)
        credits = self.prices.tts_credits(model, total)
        call = DialogueCall(
            req.request_id, tuple(lines), segments, len(audio) / 2 / rate, credits, code
        )
        bill = Bill(
            req.request_id, "elevenlabs", model, {"characters": total, "credits": credits},
            self.prices.tts_credit_cost(model, credits),
        )  # fmt: skip
        state = self._el()
        with self._lock:
            state.dialogues.append(call)
            self._bills.append(bill)
        self._issue(req)
        return Reply(200, reply, {"character-cost": str(credits)})


def _dialogue_audio(
    lines: list[tuple[str, str]], rate: int
) -> tuple[bytes, dict[str, Any], tuple[tuple[int, float, float], ...]]:
    """The PCM of the lines, a short gap between them; the JSON body with its timings."""
    gap = b"\x00\x00" * round(DIALOGUE_GAP_S * rate)
    parts: list[bytes] = []
    chars: list[str] = []
    starts: list[float] = []
    ends: list[float] = []
    voice_segments: list[dict[str, Any]] = []
    segments: list[tuple[int, float, float]] = []
    at = 0  # samples so far
    for n, (text, voice) in enumerate(lines):
        if n:
            parts.append(gap)
            at += len(gap) // 2
        pcm = pay.synthesize(text, voice, rate)
        begin, finish = at / rate, (at + len(pcm) // 2) / rate
        step = (finish - begin) / len(text)
        first = len(chars)
        for k, ch in enumerate(text):
            chars.append(ch)
            starts.append(round(begin + k * step, 4))
            ends.append(round(begin + (k + 1) * step, 4))
        voice_segments.append(
            {
                "voice_id": voice,
                "start_time_seconds": round(begin, 4),
                "end_time_seconds": round(finish, 4),
                "character_start_index": first,
                "character_end_index": len(chars),
                "dialogue_input_index": n,
            }
        )
        segments.append((n, round(begin, 4), round(finish, 4)))
        parts.append(pcm)
        at += len(pcm) // 2
    audio = b"".join(parts)
    alignment = {
        "characters": chars,
        "character_start_times_seconds": starts,
        "character_end_times_seconds": ends,
    }
    body = {
        "audio_base64": base64.b64encode(audio).decode(),
        "alignment": alignment,
        "normalized_alignment": alignment,
        "voice_segments": voice_segments,
    }
    return audio, body, tuple(segments)


def subscription_body(tier: str) -> dict[str, Any]:
    """``GET /v1/user/subscription`` for an account on ``tier`` (the SDK's required fields)."""
    limits = {"free": 10_000, "starter": 30_000, "creator": 100_000, "pro": 500_000}
    limit = limits.get(tier, 2_000_000)
    return {
        "tier": tier,
        "character_count": 0,
        "character_limit": limit,
        "max_character_limit_extension": None,
        "max_credit_limit_extension": 0,
        "can_extend_character_limit": tier != "free",
        "allowed_to_extend_character_limit": tier != "free",
        "next_character_count_reset_unix": 1_798_761_600,
        "voice_slots_used": 0,
        "professional_voice_slots_used": 0,
        "professional_voice_slots_used_in_workspace": 0,
        "voice_limit": 10 if tier == "free" else 30,
        "voice_add_edit_counter": 0,
        "professional_voice_limit": 0 if tier in ("free", "starter") else 1,
        "can_extend_voice_limit": False,
        "can_use_instant_voice_cloning": tier != "free",
        "can_use_professional_voice_cloning": tier not in ("free", "starter"),
        "currency": "usd",
        "current_overage": {"amount": "0", "currency": "usd"},
        "status": "free" if tier == "free" else "active",
        "billing_period": "monthly_period",
        "character_refresh_period": "monthly_period",
        "open_invoices": [],
        "has_open_invoices": False,
    }
