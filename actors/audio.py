"""Audio synthesizer: a script in, one WAV of two voices with segment timings out.

The speech engine (espeak-ng offline, ElevenLabs with a key) turns each turn into PCM;
this agent stitches the turns with a short pause between them and records where each
turn starts and ends. Offline speech is CPU-bound, so the supervisor gives this agent
``num_cpus=1`` when espeak-ng is the engine.

With ``elevenlabs.dialogue`` the hosts are voiced together, several turns per request
(ElevenLabs Text to Dialogue); each request's reply says where every turn starts and
ends, and those timings, offset by where the request's audio sits in the episode, are
the segments. The pause goes between requests only: within one, the model paces the turns.
"""

from __future__ import annotations

from podcast_factory.actors.base import Agent
from podcast_factory.metering import StageContext
from podcast_factory.models import AudioAsset, Script, Segment, Show, Synthesis
from podcast_factory.providers.elevenlabs_dialogue import DialogueEngine, dialogue_engine
from podcast_factory.providers.factory import speech_engine
from podcast_factory.providers.speech import SpeechEngine
from podcast_factory.providers.wav import encode_wav, pcm_silence
from podcast_factory.stage_call import StageCall, StageResult


class AudioSynthesizer(Agent):
    name = "audio"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.engine: SpeechEngine | DialogueEngine
        if self.settings.tts == "elevenlabs" and self.settings.elevenlabs.dialogue:
            self.engine = dialogue_engine(self.settings, self.creds, self.governor)
        else:
            self.engine = speech_engine(self.settings, self.creds, self.governor)

    def voices(self, show: Show) -> dict[str, str]:
        """Speaker name -> voice, with a distinct default voice per host position, in the
        show's language."""
        return {h.name: self.engine.voice(h, i, show.language) for i, h in enumerate(show.hosts)}

    async def synthesize(self, script: Script, show: Show, ctx: StageContext) -> Synthesis:
        """The episode's audio: turns in order, a short pause between them."""
        return await self.served(self._synthesize(script, show, ctx))

    async def run_stage(self, call: StageCall) -> StageResult:
        """The audio stage: the asset's description and ``audio.wav``."""
        synthesis = await self.synthesize(call.input("script", Script), call.episode.show, call.ctx)
        return StageResult(output=synthesis.asset, files={"audio.wav": synthesis.wav})

    async def _synthesize(self, script: Script, show: Show, ctx: StageContext) -> Synthesis:
        if isinstance(self.engine, DialogueEngine):
            return await self._dialogue(self.engine, script, show, ctx)
        voices = self.voices(show)
        rate = self.engine.sample_rate
        pcms = await self.engine.speak(
            self.meter(ctx), [(t.text, voices[t.speaker]) for t in script.turns], show.language
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
        return self._synthesis(audio, rate, segments)

    async def _dialogue(
        self, engine: DialogueEngine, script: Script, show: Show, ctx: StageContext
    ) -> Synthesis:
        """Takes of several turns each; a turn's segment is where its take says it is."""
        voices = self.voices(show)
        rate = engine.sample_rate
        takes = await engine.speak_timed(
            self.meter(ctx), [(t.text, voices[t.speaker]) for t in script.turns], show.language
        )
        pause = pcm_silence(self.settings.pause_s, rate)
        spans: dict[int, tuple[float, float]] = {}
        at = 0  # bytes so far
        for take in takes:
            offset = at / 2 / rate
            for turn, start, end in take.spans:  # a long turn may span several lines
                begin, finish = offset + start, offset + end
                if turn in spans:
                    begin, finish = min(begin, spans[turn][0]), max(finish, spans[turn][1])
                spans[turn] = (begin, finish)
            at += len(take.pcm) + len(pause)
        segments = [
            Segment(
                turn_index=i,
                speaker=turn.speaker,
                start_s=round(spans[i][0], 3),
                end_s=round(spans[i][1], 3),
            )
            for i, turn in enumerate(script.turns)
        ]
        audio = b"".join(take.pcm + pause for take in takes)
        return self._synthesis(audio, rate, segments)

    def _synthesis(self, audio: bytes, rate: int, segments: list[Segment]) -> Synthesis:
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
