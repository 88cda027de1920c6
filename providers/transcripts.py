"""Transcript and chapter files for podcast apps, all from one list of timed turns.

- WebVTT (``text/vtt``): ``WEBVTT`` and a ``Language: de`` header line (the show's
  BCP 47 tag), then one cue per turn with the speaker as a voice span,
  ``<v Nora>...``; text escaped (``&``, ``<``, ``>``) so that a fact quoting markup
  cannot end the cue or open a tag.
- SRT (``application/srt``): numbered cues, ``HH:MM:SS,mmm``, the speaker as
  ``Nora: ...`` (SRT has no voice markup).
- Podcasting 2.0 JSON transcript (``application/json``): ``{"version": "1.0.0",
  "segments": [{"speaker", "startTime", "endTime", "body"}]}``, times in seconds.
- Podcasting 2.0 JSON chapters (``application/json+chapters``), version 1.2.0:
  ``{"version": "1.2.0", "chapters": [{"startTime", "endTime", "title"}]}``.

Neither JSON format has a field for the language (the feed's ``podcast:transcript``
carries it, and ``<language>`` for the whole show).

Both Podcasting 2.0 formats are from the podcast namespace repository
(https://github.com/Podcastindex-org/podcast-namespace, ``transcripts/transcripts.md``
and ``chapters/jsonChapters.md``); docs/publishing.md says what was used.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from podcast_factory.providers.id3 import ChapterMark


@dataclass(frozen=True)
class Cue:
    """One turn, where it is heard in the published audio."""

    start_s: float
    end_s: float
    speaker: str
    text: str


def _clock(seconds: float, sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{ms:03d}"


def _one_line(text: str) -> str:
    """Cue text on one line: a blank line would end a cue early in both formats."""
    return " ".join(text.split())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: Sequence[Cue], language: str = "") -> str:
    """The cues as a WebVTT file, each spoken by its host (``<v Nora>``), with a
    ``Language:`` header line when ``language`` (a BCP 47 tag) is given: the header
    block WebVTT parsers read past and YouTube, HLS and webvtt-py read as metadata."""
    lines = ["WEBVTT", *([f"Language: {_one_line(language)}"] if language else []), ""]
    for i, cue in enumerate(cues, 1):
        speaker = _escape(_one_line(cue.speaker))
        lines += [
            str(i),
            f"{_clock(cue.start_s, '.')} --> {_clock(cue.end_s, '.')}",
            f"<v {speaker}>{_escape(_one_line(cue.text))}</v>",
            "",
        ]
    return "\n".join(lines)


def srt(cues: Sequence[Cue]) -> str:
    """The cues as a SubRip file, each line led by its speaker's name."""
    lines: list[str] = []
    for i, cue in enumerate(cues, 1):
        lines += [
            str(i),
            f"{_clock(cue.start_s, ',')} --> {_clock(cue.end_s, ',')}",
            f"{_one_line(cue.speaker)}: {_one_line(cue.text)}",
            "",
        ]
    return "\n".join(lines)


def json_transcript(cues: Sequence[Cue]) -> str:
    """The cues as a Podcasting 2.0 JSON transcript (version 1.0.0)."""
    segments = [
        {
            "speaker": cue.speaker,
            "startTime": round(cue.start_s, 3),
            "endTime": round(cue.end_s, 3),
            "body": _one_line(cue.text),
        }
        for cue in cues
    ]
    return json.dumps({"version": "1.0.0", "segments": segments}, indent=2, ensure_ascii=False)


def json_chapters(
    chapters: Sequence[ChapterMark], title: str = "", podcast_name: str = "", file_name: str = ""
) -> str:
    """The chapters as a Podcasting 2.0 JSON chapters file (version 1.2.0)."""
    doc: dict[str, object] = {"version": "1.2.0"}
    doc |= {k: v for k, v in (("title", title), ("podcastName", podcast_name)) if v}
    if file_name:
        doc["fileName"] = file_name
    doc["chapters"] = [
        {"startTime": round(c.start_s, 3), "endTime": round(c.end_s, 3), "title": c.title}
        for c in chapters
    ]
    return json.dumps(doc, indent=2, ensure_ascii=False)
