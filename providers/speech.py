"""Speech engines behind one interface: a list of (text, voice) turns in, PCM out.

``EspeakEngine`` is offline and CPU-bound: one synthesis at a time per process, in a
worker thread, with a small cache of repeated turns; it costs nothing, so a whole
episode is one metered call that records its usage. ``ElevenLabsEngine`` meters every
request and chains request ids per voice for continuity.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from podcast_factory.metering import Meter
from podcast_factory.models import Host
from podcast_factory.providers import elevenlabs_tts, espeak
from podcast_factory.rundir import atomic_write

CACHE_TURNS = 64


class SpeechEngine(Protocol):
    name: str
    sample_rate: int
    cache_hits: int

    def voice(self, host: Host, position: int, language: str = "en") -> str: ...

    async def speak(
        self, meter: Meter, turns: Sequence[tuple[str, str]], language: str = "en"
    ) -> list[bytes]: ...

    async def close(self) -> None: ...


class EspeakEngine:
    name = espeak.PROVIDER

    def __init__(self, wpm: int) -> None:
        self._tts = espeak.EspeakTTS(wpm=wpm)
        self.sample_rate = self._tts.sample_rate
        self.cache_hits = 0
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = asyncio.Lock()

    def voice(self, host: Host, position: int, language: str = "en") -> str:
        """The host's espeak voice, else the default of a show in ``language``."""
        return host.voices.get("espeak") or espeak.default_voices(language)[position]

    def _one(self, text: str, voice: str) -> bytes:
        key = (voice, text)
        if key in self._cache:
            self.cache_hits += 1
            self._cache.move_to_end(key)
            return self._cache[key]
        pcm = self._tts.synthesize(text, voice)
        self._cache[key] = pcm
        if len(self._cache) > CACHE_TURNS:
            self._cache.popitem(last=False)
        return pcm

    async def speak(
        self, meter: Meter, turns: Sequence[tuple[str, str]], language: str = "en"
    ) -> list[bytes]:
        """The language is in the voice (``de+m3``); espeak takes no other hint of it."""
        chars = sum(len(text) for text, _ in turns)
        async with self._lock, meter.call(self.name, 0, {"characters": chars}) as charge:
            out = [await asyncio.to_thread(self._one, text, voice) for text, voice in turns]
            charge.units["audio_ms"] = round(sum(len(p) for p in out) / 2 / self.sample_rate * 1000)
        return out

    async def close(self) -> None:
        return None


class ElevenLabsEngine:
    """Paid speech, with every spoken turn kept on disk (``cache_dir``) once paid for.

    A crash mid-episode loses the audio stage in flight; when it runs again, the turns
    already synthesized (and paid) are read back instead of bought a second time. The
    cache key covers model, format, voice and text, so a changed line is spoken anew.

    Each turn's request ids are kept with the time they were made (``made_at``): a later
    request of the same voice names them (request stitching) only while the model supports
    stitching and they are younger than two hours, the API's limit. ``clock`` (seconds
    since the epoch) is for tests."""

    name = elevenlabs_tts.PROVIDER

    def __init__(
        self,
        tts: elevenlabs_tts.ElevenLabsTTS,
        cache_dir: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tts = tts
        self.sample_rate = tts.sample_rate
        self.cache_hits = 0
        self._cache = Path(cache_dir) if cache_dir else None
        self._clock = clock

    def voice(self, host: Host, position: int, language: str = "en") -> str:
        """The host's voice id, else a premade one: a multilingual model speaks the
        show's language in it (``voices --language`` lists voices verified in it)."""
        return host.voices.get("elevenlabs") or elevenlabs_tts.DEFAULT_VOICES[position]

    def _key(self, text: str, voice: str, code: str | None = None) -> str:
        """Model, format, voice, text and, when one is sent, the language code."""
        said = f"{self._tts.signature}|{voice}|{text}" + (f"|{code}" if code else "")
        return hashlib.sha256(said.encode()).hexdigest()

    def _cached(self, key: str) -> tuple[bytes, list[str], float] | None:
        """PCM, request ids and when they were made (0: unknown, so never stitched)."""
        if self._cache is None:
            return None
        pcm, meta = self._cache / f"{key}.pcm", self._cache / f"{key}.json"
        if not (pcm.is_file() and meta.is_file()):
            return None
        try:
            info = json.loads(meta.read_text())
            ids, made_at = list(info["request_ids"]), float(info.get("made_at", 0.0))
        except (ValueError, KeyError, TypeError):
            return None
        self.cache_hits += 1
        return pcm.read_bytes(), ids, made_at

    def _keep(self, key: str, pcm: bytes, ids: list[str], made_at: float) -> None:
        if self._cache is None:
            return
        atomic_write(self._cache / f"{key}.pcm", pcm)  # audio first: meta marks it whole
        meta = {"request_ids": ids, "made_at": made_at}
        atomic_write(self._cache / f"{key}.json", json.dumps(meta).encode())

    def _stitchable(self, made: list[tuple[str, float]]) -> list[str]:
        """The ids a new request may name: none if the model cannot stitch, else those
        young enough (with a margin) to still be used by the API."""
        if not self._tts.stitching:
            return []
        limit = elevenlabs_tts.STITCH_MAX_AGE_S - elevenlabs_tts.STITCH_MARGIN_S
        now = self._clock()
        return [rid for rid, at in made if now - at < limit]

    async def speak(
        self, meter: Meter, turns: Sequence[tuple[str, str]], language: str = "en"
    ) -> list[bytes]:
        history: dict[str, list[tuple[str, float]]] = {}
        out = []
        code = self._tts.language_code(language)
        for text, voice in turns:
            key = self._key(text, voice, code)
            found = await asyncio.to_thread(self._cached, key)
            if found is None:
                prior = self._stitchable(history.get(voice, []))
                pcm, ids = await self._tts.speak(meter, text, voice, prior, language)
                made_at = self._clock()
                await asyncio.to_thread(self._keep, key, pcm, ids, made_at)
            else:
                pcm, ids, made_at = found
            history.setdefault(voice, []).extend((rid, made_at) for rid in ids)
            out.append(pcm)
        return out

    async def close(self) -> None:
        await self._tts.close()
