"""The show's own voice: how it speaks, to whom, what it never says, how it signs off.

A ``style:`` block on the show (``Show.style``) is read by everything that writes or
judges for the show: Claude hears it in the show's system block, the offline writer
drops the lines that would say an avoided phrase and ends on the sign-off, the offline
posts leave such phrases out, and the script gate counts the avoided phrases a script
still says (``avoided_phrases``). ``words_per_minute`` sizes the show's scripts (the
minutes asked for times the pace) and predicts their length before any speech is bought.

Phrases are compared as a listener hears them: words only, any case, any spacing or
punctuation between them ("So, THAT'S" says "so that's").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from podcast_factory.config import WORDS_PER_MINUTE

MIN_WPM, MAX_WPM = 100, 250
"""Bounds of a show's words a minute: slow and deliberate to brisk news-reading."""
MAX_AVOID = 50
"""Phrases to avoid a show may list."""


class Style(BaseModel):
    """A show's style guide. Every field is optional; the defaults change nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    voice_guide: str = ""
    """How the show sounds, in the user's words ("warm, precise, no hype")."""
    audience: str = ""
    """Who listens ("curious teenagers", "nurses on a night shift")."""
    avoid: tuple[str, ...] = ()
    """Phrases no host may say (compared by words, in any case)."""
    sign_off: str = ""
    """The show's last words in every episode, after the outro."""
    words_per_minute: int = Field(WORDS_PER_MINUTE, ge=MIN_WPM, le=MAX_WPM)
    """The pace the show's scripts are sized for: an episode of M minutes is written in
    about M times this many words."""

    def changed(self) -> dict[str, object]:
        """The fields set away from their defaults (what a fingerprint must see): empty
        for a show without a style, so old runs keep their fingerprints."""
        return {
            name: getattr(self, name)
            for name, field in type(self).model_fields.items()
            if getattr(self, name) != field.default
        }


def words(text: str) -> str:
    """Text as its lowercase words, single-spaced: how phrases are compared. Letters of
    any script count ("Größe", "canción"), so a German or Spanish show's avoided phrases
    are heard too."""
    return " ".join(re.findall(r"(?:[^\W_]|')+", text.lower().replace("\u2019", "'")))


def said_phrases(avoid: Iterable[str], text: str) -> list[str]:
    """The phrases of ``avoid`` that ``text`` says, whole words only, in list order."""
    heard = f" {words(text)} "
    return [p for p in avoid if words(p) and f" {words(p)} " in heard]


def says_any(avoid: Iterable[str], text: str) -> bool:
    return bool(said_phrases(avoid, text))


def ends_with(text: str, sign_off: str) -> bool:
    """Whether ``text`` ends with the sign-off (by words)."""
    tail = words(sign_off)
    return not tail or f" {words(text)}".endswith(f" {tail}")
