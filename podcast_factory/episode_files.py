"""The names of the files an episode folder may hold for listeners, in one place.

``publish`` and the run page read these: the mastered MP3 and its ``master.json``, the
transcripts and the JSON chapters when the mastering stage made them, otherwise the
WAV, the summary's chapters and the script's turns. A stage that writes one of these
files under another name changes it here, and every reader follows.
"""

from __future__ import annotations

FILES: dict[str, str] = {
    "master": "master.json",
    "mp3": "audio.mp3",
    "wav": "audio.wav",
    "audio": "audio.json",
    "script": "script.json",
    "summary": "summary.json",
    "social": "social.json",
    "quality": "quality.json",
    "review": "review.json",
    "vtt": "transcript.vtt",
    "srt": "transcript.srt",
    "transcript": "transcript.json",
    "chapters": "chapters.json",
}
"""Role -> file name inside ``<run dir>/<episode id>/``."""

MASTER_FILE_KEYS: tuple[str, ...] = ("mp3", "file", "path")
"""Where ``master.json`` may name its MP3 (the first present wins); absent, the MP3 is
``<episode id>.mp3`` or ``FILES["mp3"]``, whichever exists."""

MIME: dict[str, str] = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".json": "application/json",
}
"""Media types by extension, as the feed's enclosure and ``podcast:transcript`` give them."""

CHAPTERS_MIME = "application/json+chapters"
"""The Podcasting 2.0 type of a JSON chapters file."""
