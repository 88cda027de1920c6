"""Text a user can publish as it is: lengths as each platform counts them, sentences
that stand on their own, the topic inside a sentence, durations, sources by name.

Shared by the offline notes and posts and by the Claude path (whose output is fitted
with the same rules), so both publish the same way: a post is shortened by leaving
sentences out, never by cutting one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import PurePath

from podcast_factory.language import primary
from podcast_factory.models import PLATFORM_LIMITS, SourceInfo
from podcast_factory.providers.lexicon import stop_words
from podcast_factory.providers.publish_words import listen as listen
from podcast_factory.providers.publish_words import question, words_for
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


def sentences_of(text: str, lang: str = "en") -> list[str]:
    """``text`` as whole sentences of its language, links and hashtags taken out (they
    are added back by the post's own rules)."""
    text = _LINK.sub("", text)
    text = re.sub(r"(?<!\w)#\w+", "", text)
    return [s for s in split_sentences(text, lang=lang) if len(s.split()) > 1]


def clock(seconds: float) -> str:
    """``76.0`` -> ``1:16``; an hour or more -> ``1:02:03``."""
    total = max(0, int(seconds + 0.5))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


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

_OPENERS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "de": (
        ("aber", "und", "denn", "doch"),
        r"es|er|sie|ihr|ihre|sein|seine|dies|diese|dieser|dieses|das|dort|hier|damals|"
        r"danach|dann|später|deshalb|daher|dabei|darauf|außerdem|trotzdem|allerdings|"
        r"zudem|jedoch|ebenso|auch|beide|solche|(jahrzehnte|jahre|monate|tage) (später|zuvor)",
        r"er|ihm|ihn|sein|seine|seinem|seinen|seiner|ihr|ihre|ihrem|ihren|ihrer",
    ),
    "es": (
        ("sin embargo", "además", "también", "por otro lado", "así", "en cambio", "incluso",
         "de hecho", "por último", "finalmente", "pero", "y"),
        r"esto|este|esta|estos|estas|eso|ese|esa|esos|esas|ello|él|ella|ellos|ellas|su|sus|"
        r"allí|ahí|entonces|después|luego|más tarde|el resultado|lo mismo|ambos|ambas|dicho|"
        r"dicha|(décadas|años|meses|días) (después|antes|más tarde)",
        r"él|ella|ellos|ellas|le|les",
    ),
    "fr": (
        ("cependant", "pourtant", "en outre", "de plus", "aussi", "par ailleurs", "en fait",
         "enfin", "mais", "et"),
        r"il|elle|ils|elles|ce|cela|ceci|ces|cette|cet|son|sa|ses|leur|leurs|là|alors|"
        r"ensuite|puis|plus tard|le résultat|les deux|(des décennies|des années) plus tard",
        r"il|elle|lui|ils|elles|leur",
    ),
    "pt": (
        ("no entanto", "contudo", "além disso", "também", "assim", "de facto", "de fato",
         "por fim", "finalmente", "mas", "e"),
        r"ele|ela|eles|elas|isso|isto|este|esta|estes|estas|esse|essa|esses|essas|seu|sua|"
        r"seus|suas|lá|ali|então|depois|mais tarde|o resultado|ambos|ambas|"
        r"(décadas|anos|meses|dias) (depois|antes|mais tarde)",
        r"ele|ela|eles|elas|lhe|lhes",
    ),
}  # fmt: skip
"""Per language: connectives dropped from the front (none that would move German's
verb), openers whose referent the reader has not seen, and personal pronouns that need
a name before them. Kept small and explicit like the English ones above."""


def _rules(lang: str) -> tuple[tuple[str, ...], re.Pattern[str], re.Pattern[str]]:
    code = primary(lang)
    if code not in _OPENERS:
        return CONNECTIVES, DANGLING, _PERSONAL
    connectives, dangling, personal = _OPENERS[code]
    return (
        connectives,
        re.compile(rf"^({dangling})\b", re.IGNORECASE),
        re.compile(rf"\b({personal})\b", re.IGNORECASE),
    )


def standalone(sentence: str, lang: str = "en") -> str | None:
    """``sentence`` as it reads on its own (a leading "In contrast," dropped), or None
    when it leans on a sentence before it ("The result is...", "Its mould...", "gave
    him" with no one named before), by the openers of the sentence's language."""
    connectives, dangling, personal = _rules(lang)
    s = sentence.strip()
    for word in connectives:
        m = re.match(rf"{word}\b,?\s+", s, re.IGNORECASE)
        if m:
            s = s[m.end() :]
            s = s[:1].upper() + s[1:]
            break
    if not s or dangling.match(s):
        return None
    pronoun = personal.search(s)
    if pronoun and not _names_someone(s[: pronoun.start()], lang):
        return None
    return s


def _names_someone(before: str, lang: str) -> bool:
    """Whether ``before`` (the words before a he or she) names someone: a capitalised
    word after its first (any noun in German, so there the check rarely bites)."""
    if primary(lang) == "en":
        return bool(re.search(r"\s[A-Z][a-z]+", before))
    return any(w[:1].isupper() for w in before.split()[1:])


QUESTION = re.compile(r"^(how|why|what|when|where|which|who|whether)\b", re.IGNORECASE)
_INVERTED = re.compile(
    r"^\w+\s+(do|does|did|is|are|was|were|can|could|will|would|should|has|have|had)\b",
    re.IGNORECASE,
)


def in_sentence(topic: str, facts: Sequence[str], lang: str = "en") -> str:
    """The topic as it reads inside a sentence: "How tides work" -> "how tides work";
    a name the facts capitalise mid-sentence keeps its capital ("Penicillin" stays
    lower, "Alexander Fleming" does not); a Title Case topic loses its title case.
    German capitalises every noun, so there only a first word that is a function word
    ("Wie", "Die") is lowered."""
    words = topic.strip().rstrip(".!?").split()
    if primary(lang) == "de":
        first = words[0] if words else ""
        if first and first.lower() in stop_words("de") | set(words_for(lang).question_words):
            words[0] = first[:1].lower() + first[1:]
        return " ".join(words)
    proper = {
        w.strip(".,;:!?\"'()").lower()
        for f in facts
        for w in f.split()[1:]
        if w[:1].isupper() and not w.isupper()
    }
    title_case = len(words) > 2 and all(w[:1].isupper() for w in words if len(w) > 3)
    out = []
    for i, word in enumerate(words):
        bare = word.strip(".,;:!?\"'()").lower()
        lower_it = word[:1].isupper() and word[1:] == word[1:].lower() and bare not in proper
        out.append(word[:1].lower() + word[1:] if lower_it and (i == 0 or title_case) else word)
    return " ".join(out)


def _asks(topic: str, phrase: str, lang: str) -> bool:
    """Whether the topic is a direct question ("Why do cats purr?")."""
    if topic.strip().endswith("?") or topic.strip().startswith("¿"):
        return True
    return primary(lang) == "en" and bool(QUESTION.match(phrase) and _INVERTED.match(phrase))


def _explains(phrase: str, lang: str) -> bool:
    """Whether the topic is an indirect question ("how tides work", "wie Gezeiten
    entstehen"): the episode explains it."""
    if primary(lang) == "en":
        return bool(QUESTION.match(phrase))
    low = phrase.lower()
    return any(re.match(rf"{re.escape(w)}\b", low) for w in words_for(lang).question_words)


def lead_sentence(
    hosts: tuple[str, str], topic: str, facts: Sequence[str], length: str = "", lang: str = "en"
) -> str:
    """What the episode does, in one grammatical sentence of the show's language:
    "Nora and Eli explain how tides work." / "... look at the history of penicillin." /
    "... ask: why do cats purr?" (a question with its verb before the subject stays a
    question); "Nora und Eli erklären, wie Gezeiten entstehen." ``length`` ("a
    1-minute listen", "1 Minute und 16 Sekunden") is worked in when given."""
    a, b = hosts
    said = words_for(lang)
    phrase = in_sentence(topic, facts, lang)
    if _asks(topic, phrase, lang):
        asked = phrase[:1].upper() + phrase[1:] + "?" if primary(lang) == "en" else ""
        template = said.ask[1 if length else 0]
        return template.format(a=a, b=b, length=length, question=asked or question(topic, lang))
    if _explains(phrase, lang):
        template = said.explain[1 if length else 0]
    else:
        template = said.look[1 if length else 0]
        if primary(lang) == "de":  # after a colon, the topic as given
            phrase = topic.strip().rstrip(".!?")
    return template.format(a=a, b=b, length=length, topic=phrase)


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
