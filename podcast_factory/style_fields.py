"""The batch file's ``style:`` block of the ``show``, checked where the file is read.

Every mistake names its field (``show.style.avoid[1]``) and stops the batch with exit 2
before anything runs, including a style that contradicts itself: a phrase to avoid that
the show's own intro, outro or sign-off says could never be avoided.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podcast_factory.errors import UserInputError
from podcast_factory.feed_fields import Text
from podcast_factory.safeyaml import quote
from podcast_factory.style import MAX_AVOID, MAX_WPM, MIN_WPM, Style, said_phrases, words

STYLE_KEYS = frozenset({"voice_guide", "audience", "avoid", "sign_off", "words_per_minute"})


def build_style(data: Any, text: Text, spoken: Mapping[str, str]) -> Style:
    """The show's style from its ``style:`` value (None: no style). ``spoken``: the
    show's own lines by field (``show.intro``...), which no avoided phrase may be in."""
    if data is None:
        return Style()
    if not isinstance(data, Mapping):
        raise UserInputError(
            "show.style", f"must be a mapping with some of {', '.join(sorted(STYLE_KEYS))}"
        )
    extra = sorted(set(data) - STYLE_KEYS)
    if extra:
        raise UserInputError(
            f"show.style.{extra[0]}",
            f"unknown key; allowed keys are {', '.join(sorted(STYLE_KEYS))}",
        )
    avoid = _avoid(data.get("avoid"), text)
    style = Style(
        voice_guide=text("show.style.voice_guide", data.get("voice_guide"), limit=1000),
        audience=text("show.style.audience", data.get("audience"), limit=300),
        avoid=avoid,
        sign_off=text("show.style.sign_off", data.get("sign_off"), limit=300),
        words_per_minute=_wpm(data.get("words_per_minute", Style().words_per_minute)),
    )
    own = {**spoken, "show.style.sign_off": style.sign_off}
    for field, line in own.items():
        found = said_phrases(avoid, line)
        if found:
            i = avoid.index(found[0])
            raise UserInputError(
                f"show.style.avoid[{i}]",
                f"{quote(found[0])} is said by {field} itself; remove one or the other",
            )
    return style


def _avoid(value: Any, text: Text) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise UserInputError("show.style.avoid", "must be a list of phrases")
    if len(value) > MAX_AVOID:
        raise UserInputError("show.style.avoid", f"lists {len(value)} phrases; at most {MAX_AVOID}")
    phrases: list[str] = []
    for i, raw in enumerate(value):
        field = f"show.style.avoid[{i}]"
        phrase = text(field, raw, required=True, limit=100)
        if not words(phrase):
            raise UserInputError(field, f"{quote(phrase)} has no words to listen for")
        if words(phrase) in {words(p) for p in phrases}:
            raise UserInputError(field, f"{quote(phrase)} is listed twice")
        phrases.append(phrase)
    return tuple(phrases)


def _wpm(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_WPM <= value <= MAX_WPM:
        raise UserInputError(
            "show.style.words_per_minute",
            f"must be a whole number from {MIN_WPM} to {MAX_WPM}, got {quote(value)}",
        )
    return value
