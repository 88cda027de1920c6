"""Audio synthesizer: a script in, one WAV of two voices with segment timings out.

The speech engine (espeak-ng offline, ElevenLabs with a key) turns each turn into PCM;
this agent stitches the turns with a short pause between them and records where each
turn starts and ends. Offline speech is CPU-bound, so the supervisor gives this agent
``num_cpus=1`` when espeak-ng is the engine.
"""

from __future__ import annotations

from actors.base import Agent
from podcast_factory.metering import StageContext
from podcast_factory.models import AudioAsset, Script, Segment, Show, Synthesis
from providers.factory import speech_engine
from providers.wav import encode_wav, pcm_silence


class AudioSynthesizer(Agent):
    name = "audio"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.engine = speech_engine(self.settings, self.creds, self.governor)

    def voices(self, show: Show) -> dict[str, str]:
        """Speaker name -> voice, with a distinct default voice per host position."""
        return {h.name: self.engine.voice(h, i) for i, h in enumerate(show.hosts)}

    async def synthesize(self, script: Script, show: Show, ctx: StageContext) -> Synthesis:
        """The episode's audio: turns in order, a short pause between them."""
        return await self.served(self._synthesize(script, show, ctx))

    async def _synthesize(self, script: Script, show: Show, ctx: StageContext) -> Synthesis:
        voices = self.voices(show)
        rate = self.engine.sample_rate
        pcms = await self.engine.speak(
            self.meter(ctx), [(t.text, voices[t.speaker]) for t in script.turns]
        )
        pause = pcm_silence(self.settings.pause_s, rate)
        segments: list[Segment] = []
        at = 0  # bytes so far
        for i, (turn, pcm) in enumerate(zip(script.turns, pcms, strict=True)):
            start = at
            at += len(pcm)
            segments.append(
                Segment(
                    turn_index=i,
                    speaker=turn.speaker,
                    start_s=round(start / 2 / rate, 3),
                    end_s=round(at / 2 / rate, 3),
                )
            )
            at += len(pause)
        audio = b"".join(p + pause for p in pcms)
        asset = AudioAsset(
            path="audio.wav",
            duration_s=round(len(audio) / 2 / rate, 3),
            sample_rate=rate,
            segments=tuple(segments),
            provider=self.engine.name,
        )
        return Synthesis(asset=asset, wav=encode_wav(audio, rate))

    def cached(self) -> int:
        return self.engine.cache_hits
