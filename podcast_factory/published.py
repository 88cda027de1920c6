"""An episode as a listener meets it: its audio, chapters, transcript and notes.

Read from a run directory for ``publish`` (the feed) and ``report --html`` (the run
page), through ``RunDir`` (no symbolic link is followed out of it). The mastering
stage's files are used when they are there (``episode_files.FILES``: the MP3 and
``master.json``, the transcripts, ``chapters.json``); otherwise the WAV, the summary's
chapters and the script's turns timed by the audio's segments. A file that cannot be
read or parsed counts as absent here: ``report`` names the damage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

from podcast_factory.episode_files import CHAPTERS_MIME, FILES, MASTER_FILE_KEYS, MIME
from podcast_factory.errors import UserInputError
from podcast_factory.models import (
    AudioAsset,
    EpisodeState,
    QualityReport,
    Script,
    Show,
    ShowNotes,
    SocialPosts,
    SourceInfo,
)
from podcast_factory.providers.transcripts import Cue as HeardCue
from podcast_factory.providers.transcripts import webvtt
from podcast_factory.rundir import RunDir


@dataclass(frozen=True)
class Cue:
    """One turn of the dialogue where it sits in the audio."""

    speaker: str
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Mark:
    """A chapter: where it starts and its title."""

    start_s: float
    title: str


@dataclass(frozen=True)
class EpisodeView:
    """Everything a feed item or the run page shows of one episode."""

    state: EpisodeState
    title: str
    summary: str
    audio: str | None
    """The audio's file name in the episode folder: the MP3 if mastered, else the WAV."""
    audio_type: str
    audio_bytes: int
    duration_s: float | None
    chapters: tuple[Mark, ...]
    cues: tuple[Cue, ...]
    files: dict[str, str]
    """Role (``vtt``, ``srt``, ``transcript``, ``chapters``) -> file name, for the
    listener files present in the episode folder."""
    sources: tuple[SourceInfo, ...] = ()
    posts: SocialPosts | None = None
    quality: QualityReport | None = None

    @property
    def episode_id(self) -> str:
        return self.state.episode_id

    @property
    def publishable(self) -> bool:
        """Completed, not rejected by a gate, and with audio to hand out."""
        passed = self.state.quality_passed is not False
        return self.state.status == "completed" and passed and self.audio is not None


def _read(rundir: RunDir, eid: str, name: str) -> bytes | None:
    try:
        return rundir.read_artifact(eid, name)
    except (OSError, UserInputError):
        return None


def _json(rundir: RunDir, eid: str, name: str) -> Any:
    raw = _read(rundir, eid, name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _model(rundir: RunDir, eid: str, role: str, model: type[BaseModel]) -> Any:
    data = _json(rundir, eid, FILES[role])
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _size(rundir: RunDir, eid: str, name: str) -> int | None:
    path = rundir.episode_dir(eid) / name
    if path.is_symlink() or not path.is_file():
        return None
    return path.stat().st_size


def _number(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok else None


def _audio(rundir: RunDir, eid: str, asset: AudioAsset | None) -> tuple[str | None, float | None]:
    """The file to play and its length: the mastered MP3 when there is one."""
    master = _json(rundir, eid, FILES["master"])
    if isinstance(master, dict):
        named = [str(master[k]) for k in MASTER_FILE_KEYS if isinstance(master.get(k), str)]
        for name in [*named, f"{eid}.mp3", FILES["mp3"]]:
            safe = PurePosixPath(name).name == name and not name.startswith(".")
            if safe and _size(rundir, eid, name) is not None:
                duration = _number(master.get("duration_s"))
                return name, duration if duration is not None else _duration(asset)
    if _size(rundir, eid, FILES["wav"]) is not None:
        return FILES["wav"], _duration(asset)
    return None, _duration(asset)


def _duration(asset: AudioAsset | None) -> float | None:
    return asset.duration_s if asset is not None else None


def _chapters(rundir: RunDir, eid: str, notes: ShowNotes | None) -> tuple[Mark, ...]:
    data = _json(rundir, eid, FILES["chapters"])
    if isinstance(data, dict) and isinstance(data.get("chapters"), list):
        marks = [
            Mark(float(c["startTime"]), str(c.get("title", "")))
            for c in data["chapters"]
            if isinstance(c, dict) and _number(c.get("startTime")) is not None
        ]
        if marks:
            return tuple(marks)
    if notes is None:
        return ()
    return tuple(Mark(c.start_s, c.title) for c in notes.chapters)


def _cues(rundir: RunDir, eid: str, asset: AudioAsset | None) -> tuple[Cue, ...]:
    data = _json(rundir, eid, FILES["transcript"])
    if isinstance(data, dict) and isinstance(data.get("segments"), list):
        cues = [
            Cue(str(s.get("speaker", "")), float(s["startTime"]), float(s["endTime"]), s["body"])
            for s in data["segments"]
            if isinstance(s, dict)
            and _number(s.get("startTime")) is not None
            and _number(s.get("endTime")) is not None
            and isinstance(s.get("body"), str)
        ]
        if cues:
            return tuple(cues)
    script = _model(rundir, eid, "script", Script)
    if script is None:
        return ()
    timing = {s.turn_index: s for s in asset.segments} if asset is not None else {}
    cues = []
    for i, turn in enumerate(script.turns):
        seg = timing.get(i)
        start, end = (seg.start_s, seg.end_s) if seg is not None else (-1.0, -1.0)
        cues.append(Cue(turn.speaker, start, end, turn.text))
    return tuple(cues)


def read_episode(rundir: RunDir, state: EpisodeState) -> EpisodeView:
    """One episode's listener-facing view, from whatever its folder holds."""
    eid = state.episode_id
    asset = _model(rundir, eid, "audio", AudioAsset)
    notes = _model(rundir, eid, "summary", ShowNotes)
    script = _model(rundir, eid, "script", Script)
    audio, duration = _audio(rundir, eid, asset)
    if duration is None:
        duration = state.duration_audio_s
    files = {
        role: FILES[role]
        for role in ("vtt", "srt", "transcript", "chapters")
        if _size(rundir, eid, FILES[role]) is not None
    }
    title = notes.title if notes else script.title if script else state.topic
    return EpisodeView(
        state=state,
        title=title or state.topic,
        summary=notes.summary if notes else "",
        audio=audio,
        audio_type=MIME.get(PurePosixPath(audio).suffix, "audio/wav") if audio else "",
        audio_bytes=(_size(rundir, eid, audio) or 0) if audio else 0,
        duration_s=duration,
        chapters=_chapters(rundir, eid, notes),
        cues=_cues(rundir, eid, asset),
        files=files,
        sources=notes.sources if notes else (),
        posts=_model(rundir, eid, "social", SocialPosts),
        quality=_model(rundir, eid, "quality", QualityReport),
    )


def show_of(batch: dict[str, Any]) -> Show | None:
    """The show of a run's ``batch.json``, or None. Fields this version does not know
    (written by a newer one) are left out rather than refusing the run."""
    spec = batch.get("spec")
    raw = spec.get("show") if isinstance(spec, dict) else None
    if not isinstance(raw, dict):
        return None
    try:
        return Show.model_validate({k: v for k, v in raw.items() if k in Show.model_fields})
    except ValidationError:
        return None


# -- listener files made from the run when the mastering stage did not make them ---------


def vtt_text(cues: tuple[Cue, ...], language: str = "") -> str:
    """A WebVTT transcript with the speaker on each cue (``<v Name>``) and the show's
    language in its header, written by the mastering stage's own writer; turns the
    audio does not place are left out."""
    heard = [HeardCue(c.start_s, c.end_s, c.speaker, c.text) for c in cues if c.start_s >= 0]
    return webvtt(heard, language)


def chapters_json(marks: tuple[Mark, ...]) -> str:
    """Podcasting 2.0 JSON chapters (``application/json+chapters``, version 1.2.0)."""
    chapters = [{"startTime": round(m.start_s, 3), "title": m.title} for m in marks]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, indent=2) + "\n"


def missing_listener_files(view: EpisodeView, language: str = "") -> dict[str, tuple[str, str]]:
    """Role -> (file name, text) for the transcript and chapters files a feed item
    points at but the episode folder lacks, made from the script and the summary;
    ``language``, the show's tag, goes in the transcript's header."""
    made: dict[str, tuple[str, str]] = {}
    if "vtt" not in view.files and any(c.start_s >= 0 for c in view.cues):
        made["vtt"] = (FILES["vtt"], vtt_text(view.cues, language))
    if "chapters" not in view.files and view.chapters:
        made["chapters"] = (FILES["chapters"], chapters_json(view.chapters))
    return made


LISTENER_TYPES: dict[str, str] = {
    "vtt": MIME[".vtt"],
    "srt": MIME[".srt"],
    "transcript": MIME[".json"],
    "chapters": CHAPTERS_MIME,
}
"""The media type a feed gives each listener file."""
