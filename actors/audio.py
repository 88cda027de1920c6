"""Audio synthesizer: a script in, one WAV of two voices with segment timings out.

Offline speech is espeak-ng, which is CPU-bound and keeps global state, so this agent
holds ``num_cpus=1`` and synthesizes one turn at a time in a worker thread (the event
loop stays free to answer ``stats``). Turns a show repeats in every episode (its
outro, say) are cached per (voice, text).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from actors.base import Agent
from podcast_factory.metering import StageContext
from podcast_factory.models import AudioAsset, Script, Segment, Show, Synthesis
from providers.espeak import DEFAULT_VOICES, EspeakTTS
from providers.wav import encode_wav, pcm_silence

CACHE_TURNS = 64


class AudioSynthesizer(Agent):
    name = "audio"
    provider = "espeak-ng"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._tts = EspeakTTS(wpm=self.settings.wpm)
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = asyncio.Lock()

    def voices(self, show: Show) -> dict[str, str]:
        """Speaker name -> voice, with a distinct default voice per host position."""
        return {h.name: h.voice or DEFAULT_VOICES[i] for i, h in enumerate(show.hosts)}

    def _speak(self, text: str, voice: str) -> bytes:
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

    async def synthesize(self, script: Script, show: Show, ctx: StageContext) -> Synthesis:
        """The episode's audio: turns in order, a short pause between them."""
        return await self.served(self._synthesize(script, show, ctx))

    async def _synthesize(self, script: Script, show: Show, ctx: StageContext) -> Synthesis:
        voices = self.voices(show)
        chars = sum(len(t.text) for t in script.turns)
        async with self._lock, self.meter(ctx).call(self.provider, 0, {"characters": chars}) as c:
            rate = self._tts.sample_rate
            pause = pcm_silence(self.settings.pause_s, rate)
            chunks: list[bytes] = []
            segments: list[Segment] = []
            at = 0  # bytes so far
            for i, turn in enumerate(script.turns):
                pcm = await asyncio.to_thread(self._speak, turn.text, voices[turn.speaker])
                start = at / 2 / rate
                chunks.append(pcm)
                at += len(pcm)
                segments.append(
                    Segment(
                        turn_index=i,
                        speaker=turn.speaker,
                        start_s=round(start, 3),
                        end_s=round(at / 2 / rate, 3),
                    )
                )
                chunks.append(pause)
                at += len(pause)
            pcm_all = b"".join(chunks)
            duration = len(pcm_all) / 2 / rate
            c.units["audio_ms"] = round(duration * 1000)
        asset = AudioAsset(
            path="audio.wav",
            duration_s=round(duration, 3),
            sample_rate=rate,
            segments=tuple(segments),
            provider=self.provider,
        )
        return Synthesis(asset=asset, wav=encode_wav(pcm_all, rate))
