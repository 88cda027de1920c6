"""Mastering agent: the episode as it is published, and the files timed to it.

It reads the WAV (which stays the master copy, untouched), brings it to the show's
loudness (ITU-R BS.1770 integrated, -16 LUFS by default) with every true peak under the
ceiling (-1 dBTP), encodes a 44.1 kHz mono MP3 with ID3v2 tags and chapters, then
decodes that MP3 and measures it again: the numbers in ``master.json`` are what a
listener's player gets, and an MP3 whose decoded peaks overshoot the ceiling is made
again a little quieter. From the audio's segment timings it writes WebVTT, SRT and the
Podcasting 2.0 JSON transcript, and the JSON chapters; every time in them, and in the
ID3 chapters, is shifted by the encoder delay so it matches the MP3.

Chapters are the show notes' (``summary.json``): the same starts and titles in the
notes, the MP3 and the chapters file. Mastering calls no provider and costs nothing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from podcast_factory.actors.base import Agent
from podcast_factory.models import (
    AudioAsset,
    Chapter,
    EpisodeSpec,
    MasteredAudio,
    Script,
    ShowNotes,
)
from podcast_factory.providers.id3 import ChapterMark, EpisodeTags, tag_mp3
from podcast_factory.providers.loudness import (
    integrated_lufs,
    master_level,
    resample,
    true_peak_db,
)
from podcast_factory.providers.mp3 import MP3_RATE, decode_mp3, delay_s, encode_mp3, from_pcm16
from podcast_factory.providers.transcripts import Cue, json_chapters, json_transcript, srt, webvtt
from podcast_factory.providers.wav import decode_wav
from podcast_factory.stage_call import StageCall, StageResult

MP3_NAME = "audio.mp3"
FILES = {
    "text/vtt": "transcript.vtt",
    "application/srt": "transcript.srt",
    "application/json": "transcript.json",
    "application/json+chapters": "chapters.json",
}
"""Transcript and chapter files by the type a feed announces them with."""

ENCODE_TRIES = 3
"""Encodes to reach the targets on the decoded MP3; one in practice."""

ENCODER_GAIN_DB = -0.45
"""What LAME does to the level: its decoded output is about 0.45 dB quieter than its
input (sines and speech alike, lameenc 1.9.0). Aimed off from the start so that one
encode usually suffices; the decoded MP3 is measured whatever this says."""

LUFS_TOLERANCE = 0.2
"""How close to the loudness target the decoded MP3 must be (apps' own tolerance is
about 1 LU)."""


class MasteringAgent(Agent):
    name = "master"

    async def run_stage(self, call: StageCall) -> StageResult:
        """The master stage: the MP3, transcripts and chapters, and ``master.json``."""
        script, audio = call.input("script", Script), call.input("audio", AudioAsset)
        notes = call.input("summary", ShowNotes)
        if not call.extras.wav:
            raise ValueError("the master stage was handed no WAV")
        work = asyncio.to_thread(self.master, call.episode, script, audio, notes, call.extras.wav)
        return await self.served(work)

    def master(
        self, ep: EpisodeSpec, script: Script, audio: AudioAsset, notes: ShowNotes, wav: bytes
    ) -> StageResult:
        """Everything the stage makes, from the WAV and its timings (plain, for tests)."""
        settings = self.settings.master
        pcm, rate = decode_wav(wav)
        samples = from_pcm16(pcm)
        target, ceiling = settings.lufs - ENCODER_GAIN_DB, settings.true_peak_db
        for _ in range(ENCODE_TRIES):
            level = master_level(samples, rate, target, ceiling)
            raw = encode_mp3(
                resample(level.samples, rate, MP3_RATE), MP3_RATE, settings.bitrate_kbps
            )
            decoded, decoded_rate = decode_mp3(raw)
            lufs, peak = integrated_lufs(decoded, decoded_rate), true_peak_db(decoded)
            if peak <= settings.true_peak_db and abs(lufs - settings.lufs) <= LUFS_TOLERANCE:
                break
            # The encoder moved the level or the peaks more than expected: aim off by
            # what it did and try again.
            target += settings.lufs - lufs
            if peak > settings.true_peak_db:
                ceiling -= peak - settings.true_peak_db + 0.1
        offset = delay_s(MP3_RATE)
        duration = len(decoded) / decoded_rate
        marks = chapter_marks(notes.chapters, offset, duration)
        tags = EpisodeTags(
            title=notes.title or script.title,
            show=ep.show.name,
            date=datetime.now(timezone.utc).date().isoformat(),
            description=notes.summary,
            number=ep.number,
            language=ep.show.language,
        )
        cues = [
            Cue(
                seg.start_s + offset,
                seg.end_s + offset,
                seg.speaker,
                script.turns[seg.turn_index].text,
            )
            for seg in audio.segments
        ]
        files = {
            MP3_NAME: tag_mp3(raw, tags, marks),
            FILES["text/vtt"]: webvtt(cues, ep.show.language).encode(),
            FILES["application/srt"]: srt(cues).encode(),
            FILES["application/json"]: json_transcript(cues).encode(),
            FILES["application/json+chapters"]: json_chapters(
                marks, tags.title, ep.show.name, MP3_NAME
            ).encode(),
        }
        output = MasteredAudio(
            path=MP3_NAME,
            duration_s=round(duration, 3),
            offset_s=round(offset, 4),
            sample_rate=decoded_rate,
            bitrate_kbps=settings.bitrate_kbps,
            lufs=round(lufs, 2),
            true_peak_db=round(peak, 2),
            gain_db=round(level.gain_db, 2),
            limited=level.limited,
            chapters=tuple(Chapter(start_s=round(m.start_s, 3), title=m.title) for m in marks),
            transcripts=dict(FILES),
        )
        return StageResult(output=output, files=files)


def chapter_marks(
    chapters: tuple[Chapter, ...], offset_s: float, duration_s: float
) -> list[ChapterMark]:
    """The notes' chapters in the MP3's time, each ending where the next starts and the
    last at the end. The first starts at 0, not at the encoder delay: the opening
    silence belongs to the first chapter."""
    starts = [0.0 if i == 0 else c.start_s + offset_s for i, c in enumerate(chapters)]
    ends = [*starts[1:], duration_s]
    return [
        ChapterMark(start, max(start, end), c.title)
        for start, end, c in zip(starts, ends, chapters, strict=True)
    ]
