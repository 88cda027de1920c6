"""The simulator's ElevenLabs routes: text to speech, models, voices."""

from __future__ import annotations

import re
from typing import Any

import sim_payloads as pay
from sim_common import Bill, Reply, Request, SimState, TtsCall

DEFAULT_VOICES: dict[str, str] = {
    "JBFqnCBsd6RMkjVDRZzb": "George",
    "21m00Tcm4TlvDq8ikWAM": "Rachel",
    "EXAVITQu4vr4xnSDxMaL": "Sarah",
    "pNInz6obpgDQGcFmaJgB": "Adam",
}
DEFAULT_TTS_MODEL = "eleven_multilingual_v2"
DEFAULT_TTS_FORMAT = "mp3_44100_128"
"""ElevenLabs' default ``output_format``, which the simulator refuses: ask for ``pcm_*``."""
_TTS_PATH = re.compile(r"^/v1/text-to-speech/([^/]+)(/stream)?$")


class ElevenLabsRoutes(SimState):
    """Answers requests without an ``anthropic-version`` header."""

    def route_elevenlabs(self, req: Request) -> Reply | None:
        """The reply to ``req``, or None when no ElevenLabs route matches."""
        tts = _TTS_PATH.match(req.path)
        if req.method == "POST" and tts:
            return self._tts(req, tts[1], stream=bool(tts[2]))
        if (req.method, req.path) == ("GET", "/v1/models"):
            models = self.prices.tts_models()
            return Reply(200, [pay.tts_model(m, self.prices.tts_max_chars(m)) for m in models])
        if req.method == "GET" and req.path in ("/v1/voices", "/v2/voices"):
            voices = [
                {"voice_id": v, "name": n, "category": "premade"} for v, n in self.voices.items()
            ]
            body: dict[str, Any] = {"voices": voices}
            if req.path.startswith("/v2"):
                body.update(has_more=False, total_count=len(voices), next_page_token=None)
            return Reply(200, body)
        return None

    def _tts(self, req: Request, voice_id: str, *, stream: bool) -> Reply:
        if self.voices and voice_id not in self.voices:
            message = f"A voice with the voice_id {voice_id} was not found."
            raise req.error(404, message, "voice_not_found")
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
        fmt = req.query.get("output_format", DEFAULT_TTS_FORMAT)
        rate = int(fmt[4:]) if fmt.startswith("pcm_") and fmt[4:].isdigit() else 0
        if rate not in pay.PCM_RATES:
            served = ", ".join(f"pcm_{r}" for r in pay.PCM_RATES)
            message = f"this simulator only serves pcm ({served}), not {fmt!r}"
            raise req.error(422, message, "unsupported_output_format")
        self._stopping.wait(self.tts_latency_per_1000_chars_s * len(text) / 1000)
        audio = pay.synthesize(text, voice_id, rate)
        before, after = body.get("previous_request_ids") or (), body.get("next_request_ids") or ()
        call = TtsCall(
            req.request_id, voice_id, model, fmt, len(text), tuple(before), tuple(after), stream
        )
        bill = Bill(
            req.request_id, "elevenlabs", model, {"characters": len(text)},
            self.prices.tts_cost(model, len(text)),
        )  # fmt: skip
        with self._lock:
            self._tts_calls.append(call)
            self._bills.append(bill)
        headers = {"content-type": "audio/pcm", "character-cost": str(len(text))}
        return Reply(200, audio, headers, chunked=stream)
