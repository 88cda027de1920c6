"""Text a user can publish as it is: lengths as each platform counts them, sentences
that stand on their own, the topic inside a sentence, durations, sources by name.

Shared by the offline notes and posts and by the Claude path (whose output is fitted
with the same rules), so both publish the same way: a post is shortened by leaving
sentences out, never by cutting one.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import PurePath

from podcast_factory.models import PLATFORM_LIMITS, SourceInfo
from podcast_factory.providers.sources import is_url
from podcast_factory.providers.text import split_sentences
from podcast_factory.redact import redact_url

URL_CHARS = 23
"""What a link counts for on X (every URL is wrapped as a t.co link) and on Mastodon
(any URL, however long): docs.x.com/fundamentals/counting-characters,
docs.joinmastodon.org/user/posting/."""

LINK_PLACEHOLDER = "{episode_link}"
"""Stands where the episode's link goes when the show has no ``feed_url``."""

PLACEHOLDER_CHARS_LINKEDIN = 100
"""LinkedIn counts a URL as written; a placeholder is budgeted as a long link."""

_LINK = re.compile(r"https?://[^\s<>\"']+|" + re.escape(LINK_PLACEHOLDER))

_X_NARROW = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
"""Code points X counts once (twitter-text's configuration); every other counts twice."""


def post_length(platform: str, text: str) -> int:
    """Characters of ``text`` as ``platform`` counts them against its limit."""
    links = _LINK.findall(text)
    rest = _LINK.sub("", text)
    if platform == "x":
        rest = unicodedata.normalize("NFC", rest)
        narrow = sum(any(lo <= ord(c) <= hi for lo, hi in _X_NARROW) for c in rest)
        return narrow + 2 * (len(rest) - narrow) + URL_CHARS * len(links)
    if platform == "mastodon":
        return len(rest) + URL_CHARS * len(links)
    return len(rest) + sum(
        PLACEHOLDER_CHARS_LINKEDIN if link == LINK_PLACEHOLDER else len(link) for link in links
    )


def fits(platform: str, text: str) -> bool:
    return post_length(platform, text) <= PLATFORM_LIMITS[platform]


def longest_prefix(sentences: Sequence[str], ok: Callable[[str], bool], sep: str = " ") -> str:
    """The most leading sentences whose joined text ``ok`` accepts ("" if none)."""
    best = ""
    for n in range(1, len(sentences) + 1):
        text = sep.join(sentences[:n])
        if not ok(text):
            break
        best = text
    return best


def sentences_of(text: str) -> list[str]:
    """``text`` as whole sentences, links and hashtags taken out (they are added back
    by the post's own rules)."""
    text = _LINK.sub("", text)
    text = re.sub(r"(?<!\w)#\w+", "", text)
    return [s for s in split_sentences(text) if len(s.split()) > 1]


def clock(seconds: float) -> str:
    """``76.0`` -> ``1:16``; an hour or more -> ``1:02:03``."""
    total = max(0, int(seconds + 0.5))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def listen(seconds: float) -> str:
    """The length as a listener hears it said: ``a 1-minute listen`` for 1:16 (rounded
    to the nearest minute), ``a 45-second listen`` under a minute."""
    if seconds < 59.5:
        return f"a {max(1, int(seconds + 0.5))}-second listen"
    return f"a {max(1, math.floor(seconds / 60 + 0.5))}-minute listen"


CONNECTIVES = (
    "however", "in contrast", "by contrast", "also", "meanwhile", "still", "indeed",
    "moreover", "furthermore", "in addition", "similarly", "likewise", "instead", "then",
    "finally", "in fact", "even so", "but", "and", "so",
)  # fmt: skip
"""Openers that lean on the sentence before but can be dropped without changing it."""

DANGLING = re.compile(
    r"^(it|its|it's|this|these|that|those|they|their|them|he|his|him|she|her|such|both|"
    r"there|here|all of this|all this|all of these|each of these|the result|the same|"
    r"as a result|the latter|the former|the other|"
    r"(decades|years|months|days|weeks) (later|earlier|before|after)|later|afterwards|"
    r"at that time|at the time|then)\b",
    re.IGNORECASE,
)
"""Openers whose referent is in a sentence the reader has not seen."""

_PERSONAL = re.compile(r"\b(he|him|his|she|her|hers)\b", re.IGNORECASE)


def standalone(sentence: str) -> str | None:
    """``sentence`` as it reads on its own (a leading "In contrast," dropped), or None
    when it leans on a sentence before it ("The result is...", "Its mould...", "gave
    him" with no one named before)."""
    s = sentence.strip()
    for word in CONNECTIVES:
        m = re.match(rf"{word}\b,?\s+", s, re.IGNORECASE)
        if m:
            s = s[m.end() :]
            s = s[:1].upper() + s[1:]
            break
    if not s or DANGLING.match(s):
        return None
    pronoun = _PERSONAL.search(s)
    if pronoun and not re.search(r"\s[A-Z][a-z]+", s[: pronoun.start()]):
        return None
    return s


QUESTION = re.compile(r"^(how|why|what|when|where|which|who|whether)\b", re.IGNORECASE)
_INVERTED = re.compile(
    r"^\w+\s+(do|does|did|is|are|was|were|can|could|will|would|should|has|have|had)\b",
    re.IGNORECASE,
)


def in_sentence(topic: str, facts: Sequence[str]) -> str:
    """The topic as it reads inside a sentence: "How tides work" -> "how tides work";
    a name the facts capitalise mid-sentence keeps its capital ("Penicillin" stays
    lower, "Alexander Fleming" does not); a Title Case topic loses its title case."""
    proper = {
        w.strip(".,;:!?\"'()").lower()
        for f in facts
        for w in f.split()[1:]
        if w[:1].isupper() and not w.isupper()
    }
    words = topic.strip().rstrip(".!?").split()
    title_case = len(words) > 2 and all(w[:1].isupper() for w in words if len(w) > 3)
    out = []
    for i, word in enumerate(words):
        bare = word.strip(".,;:!?\"'()").lower()
        lower_it = word[:1].isupper() and word[1:] == word[1:].lower() and bare not in proper
        out.append(word[:1].lower() + word[1:] if lower_it and (i == 0 or title_case) else word)
    return " ".join(out)


def lead_sentence(
    hosts: tuple[str, str], topic: str, facts: Sequence[str], length: str = ""
) -> str:
    """What the episode does, in one grammatical sentence: "Nora and Eli explain how
    tides work." / "... look at the history of penicillin." / "... ask: why do cats
    purr?" (a question with its verb before the subject stays a question). ``length``
    ("a 1-minute listen") is worked in when given."""
    a, b = hosts
    phrase = in_sentence(topic, facts)
    if topic.strip().endswith("?") or (QUESTION.match(phrase) and _INVERTED.match(phrase)):
        within = f", in {length}" if length else ""
        return f"{a} and {b} ask{within}: {phrase[:1].upper() + phrase[1:]}?"
    verb = "explain" if QUESTION.match(phrase) else "look at"
    return f"{a} and {b} {verb} {phrase}" + (f" in {length}." if length else ".")


def public_source(info: SourceInfo) -> SourceInfo:
    """A source as it may be published: a URL without credentials, a local file by its
    name (``penicillin.md``), never the path on the machine that made the episode."""
    shown = redact_url(info.source) if is_url(info.source) else PurePath(info.source).name
    return SourceInfo(source=shown, title=info.title.strip() or shown, chars=info.chars)


def source_line(info: SourceInfo) -> str:
    """One line of the notes' source list: "Title: URL", or "Title (file.md)"."""
    if is_url(info.source):
        return f"{info.title}: {info.source}" if info.title != info.source else info.source
    stem = PurePath(info.source).stem
    return info.source if info.title in ("", stem, info.source) else f"{info.title} ({info.source})"
