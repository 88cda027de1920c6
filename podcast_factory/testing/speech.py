"""ElevenLabs as the simulator speaks it: its model list and speech-like PCM.

The audio is a voiced tone per word with gaps between words, so that loudness,
silence and length checks downstream see something like speech; each voice has a fixed
pitch. Deterministic: the same text and voice always give the same samples.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

CHARS_PER_SECOND = 15.0
"""Speaking rate of the simulated voices: about 150 words a minute."""
PCM_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
PEAK = 0.3
"""Peak level of the simulated speech, as a share of full scale."""
WORD_GAP_S = 0.06


def tts_model(model: str, max_chars: int) -> dict[str, Any]:
    """One entry of ElevenLabs' ``GET /v1/models``."""
    return {
        "model_id": model,
        "name": model,
        "can_do_text_to_speech": True,
        "max_characters_request_free_user": max_chars,
        "max_characters_request_subscribed_user": max_chars,
        "maximum_text_length_per_request": max_chars,
    }


def voice_entry(
    voice_id: str, name: str, labels: dict[str, str], languages: tuple[str, ...], model: str = ""
) -> dict[str, Any]:
    """One voice of ElevenLabs' ``GET /v1/voices``: premade, with its ``labels`` and the
    languages it is verified in (``verified_languages``)."""
    model = model or "eleven_multilingual_v2"
    return {
        "voice_id": voice_id,
        "name": name,
        "category": "premade",
        "labels": labels,
        "description": None,
        "preview_url": None,
        "available_for_tiers": [],
        "high_quality_base_model_ids": [model],
        "verified_languages": [
            {"language": lang, "model_id": model, "accent": None, "locale": None}
            for lang in languages
        ],
    }


def pcm_samples(characters: int, sample_rate: int) -> int:
    """How many samples the simulator returns for ``characters`` characters of text."""
    return round(characters / CHARS_PER_SECOND * sample_rate)


def voice_pitch_hz(voice_id: str) -> float:
    """A fixed pitch per voice, between 100 and 220 Hz."""
    digest = hashlib.sha256(voice_id.encode()).digest()
    return 100.0 + 120.0 * int.from_bytes(digest[:2], "big") / 65535


def synthesize(text: str, voice_id: str, sample_rate: int) -> bytes:
    """Speech-like 16-bit mono PCM: a voiced tone per word, short gaps between words."""
    total = pcm_samples(len(text), sample_rate)
    out = np.zeros(total, dtype=np.float64)
    words = text.split() or [text]
    weights = np.array([len(w) + 1 for w in words], dtype=np.float64)
    bounds = np.concatenate(([0.0], np.cumsum(weights) / weights.sum())) * total
    gap = int(WORD_GAP_S * sample_rate)
    f0 = voice_pitch_hz(voice_id)
    for i in range(len(words)):
        start, stop = int(bounds[i]), int(bounds[i + 1]) - gap
        if stop - start < 8:
            continue
        t = np.arange(stop - start) / sample_rate
        glide = f0 * (1.0 + 0.04 * math.sin(i * 1.7))
        phase = 2 * math.pi * glide * t
        tone = np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase)
        envelope = np.sin(np.pi * np.arange(stop - start) / (stop - start)) ** 0.5
        out[start:stop] = tone * envelope
    peak = float(np.max(np.abs(out))) if total else 0.0
    if peak > 0:
        out *= PEAK * 32767 / peak
    return np.round(out).astype("<i2").tobytes()
