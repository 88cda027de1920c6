"""A JSON value that fits a JSON schema, its strings taken from the prompt.

The simulator answers structured-output requests and forced tool calls with it; the
tests use it directly to check what the project's schemas admit. Deterministic: the same
schema and prompt always give the same value.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

from podcast_factory.testing import tongues
from podcast_factory.testing.prose import PAD_LINES, content_sentences

MAX_FILLED_ITEMS = 3000
"""Items of an open-ended list the simulated model writes at most (a 60-minute script
has about 9,000 words: some 800 lines)."""

_HINTS = re.compile(r"\{([^{}]*)\}\s*$")
_HINT_KEYS = (
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
)
_FORMATS = {
    "date-time": "2026-11-01T12:00:00Z",
    "date": "2026-11-01",
    "time": "12:00:00",
    "duration": "PT1M",
    "email": "host@example.org",
    "hostname": "example.org",
    "uri": "https://example.org/sim",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
}


class SchemaFiller:
    """Builds a JSON value that validates against a JSON schema, strings from a prompt.

    Handles what ``anthropic`` sends: object/properties, array (minItems/maxItems, 4 items
    by default), string (enum, const, format, minLength/maxLength), integer/number
    (minimum/maximum), boolean, null, anyOf/oneOf/allOf (first non-null option) and
    ``$ref`` into ``$defs``. The SDK moves constraints the API does not enforce into the
    description as ``{maxLength: 80, minimum: 1}``; those hints are honoured too.
    Successive strings are successive sentences of the prompt, cycling; an enum cycles
    through its values per property, so a ``speaker`` enum alternates between hosts; a
    ``speaker`` string without an enum alternates between names written as ``ALEX:`` at
    the start of lines of the prompt or of ``context`` (the system prompt).
    """

    def _pad(self) -> str:
        """A connective line the prompt does not ask to avoid, saying no phrase the
        show's style guide (in the system prompt) forbids. A model's filler varies from
        episode to episode: each prompt starts at its own place in the pool."""
        pool = PAD_POOL if self.lang == "en" else tongues.pad_pool(self.lang)
        for _ in range(len(pool)):
            text = pool[(self.pad_start + self.padded) % len(pool)]
            self.padded += 1
            heard = f" {_plain(text)} "
            if _plain(text) not in self.avoid and not any(p in heard for p in self.phrases):
                return text
        return pool[self.padded % len(pool)]

    def __init__(
        self,
        schema: dict[str, Any],
        prompt: str,
        context: str = "",
        material: str = "",
        scale: float = 1.0,
        lang: str = "en",
    ) -> None:
        self.root = schema
        self.lang = lang if tongues.writes(lang) else "en"
        """The language the prompt asks for (``tongues``): its filler and opening lines."""
        found = content_sentences(material or prompt)
        self.avoid = _lines_to_avoid(prompt)
        self.sentences = _subject_first(found, prompt, self.lang, self.avoid)
        self.phrases = _phrases_to_avoid(context)
        self.pad_start = int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16)
        self.first_line = prompt.strip().splitlines()[0] if prompt.strip() else ""
        self.next_sentence = 0
        self.padded = 0
        self.seen: dict[str, int] = {}
        self.speakers = _speaker_names(f"{context}\n{prompt}")
        target = re.search(r"about (\d+) words", prompt)
        self.scale = scale
        """How wordy the simulated model is: 1.4 writes 40% more words than asked for
        (a target), or than its plain answers hold (strings run on into the next
        sentences)."""
        self.target_words = round(int(target[1]) * scale) if target else 0
        """Length the prompt asks for ("about 300 words"), times ``scale``: the simulated
        model follows it, filling its first open-ended list of objects or strings until
        that many words are written or every sentence of the prompt has been used once."""
        self.owed = 0.0
        self.words = 0
        self.filled = False

    def build(self) -> Any:
        return self.value(self.root, "", 0)

    def value(self, schema: dict[str, Any], name: str, depth: int) -> Any:
        schema = self.resolve(schema)
        turn = self.seen.get(name, 0)
        self.seen[name] = turn + 1
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][turn % len(schema["enum"])]
        for key in ("anyOf", "oneOf", "allOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                self.seen[name] = turn
                return self.value(_first_not_null(options, self.resolve), name, depth)
        kind = schema.get("type", "object" if "properties" in schema else "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        limits = {**_hints(schema), **{k: schema[k] for k in _HINT_KEYS if k in schema}}
        if kind == "object":
            props = schema.get("properties", {}) if depth < 12 else {}
            # Its first text field is an object's main content; only that counts toward
            # the length asked for (a fact's text counts, the quote it rests on does not).
            main = next(
                (k for k, sub in props.items() if self.resolve(sub).get("type") == "string"),
                None,
            )
            built = {}
            for key, sub in props.items():
                before = self.words
                built[key] = self.value(sub, key, depth + 1)
                if key != main:
                    self.words = before
            return built
        if kind == "array":
            low, high = int(limits.get("minItems", 0)), limits.get("maxItems")
            items = schema.get("items", {}) if depth < 12 else {}
            if (
                self.target_words
                and high is None
                and not self.filled
                and self.resolve(items).get("type", "object") in ("object", "string")
            ):
                self.filled = True
                out: list[Any] = []
                while len(out) < max(low, 1) or (
                    self.words < self.target_words and len(out) < MAX_FILLED_ITEMS
                ):
                    out.append(self.value(items, name, depth + 1))
                return out
            count = max(low, min(4, int(high)) if high is not None else 4)
            return [self.value(items, name, depth + 1) for _ in range(count)]
        if kind in ("integer", "number"):
            return _number(kind, limits, turn)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self.string(schema, name, limits, turn)

    def string(self, schema: dict[str, Any], name: str, limits: dict[str, Any], turn: int) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            digest = hashlib.sha256(f"{name}{turn}".encode()).hexdigest()
            return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
        if fmt in _FORMATS:
            return _FORMATS[fmt]
        if "speaker" in name.lower() and self.speakers:
            text = self.speakers[turn % len(self.speakers)]
        elif name.lower() == "title" and self.lang != "en":  # the topic, as the user wrote it
            topic = _SCRIPT_TOPIC.search(self.first_line)
            text = topic[1] if topic else " ".join(self.first_line.split()[:10])
        elif name.lower() == "title":  # a title names the subject; it says no fact
            text = " ".join(self.first_line.split()[:10]) or "Untitled"
        else:
            if self.next_sentence >= len(self.sentences) and self.filled:
                text = self._pad()
            else:
                text = self._wordier(self._sentence())
            self.words += len(text.split())
        high = limits.get("maxLength")
        if high is not None and len(text) > int(high):
            cut = text[: int(high)]
            text = cut.rsplit(" ", 1)[0] if " " in cut else cut
        return text.ljust(int(limits.get("minLength", 0)), ".")

    def _sentence(self) -> str:
        text = self.sentences[self.next_sentence % len(self.sentences)]
        self.next_sentence += 1
        return text

    def _wordier(self, text: str) -> str:
        """A string as a model ``scale`` times as wordy writes it, when no length was
        asked for: over 1 it runs on into the next sentences until the words it owes are
        said (over many strings, ``scale`` times the words); under 1 it is cut short."""
        words = text.split()
        if self.target_words or self.scale == 1.0 or not words:
            return text
        if self.scale < 1.0:
            return " ".join(words[: max(1, round(len(words) * self.scale))])
        self.owed += (self.scale - 1.0) * len(words)
        more: list[str] = []
        while self.owed > 0 and len(more) < len(self.sentences):
            more.append(self._sentence())
            self.owed -= len(more[-1].split())
        return " ".join([text, *more])

    def resolve(self, schema: Any) -> dict[str, Any]:
        """Follow ``$ref`` (``#/$defs/Name`` or any ``#/a/b`` pointer) from the root."""
        for _ in range(32):
            if not isinstance(schema, dict):
                return {}
            ref = schema.get("$ref")
            if not isinstance(ref, str) or not ref.startswith("#"):
                return schema
            target: Any = self.root
            for part in filter(None, ref[1:].split("/")):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            schema = target
        raise ValueError("$ref chain too deep")


def _first_not_null(options: list[Any], resolve: Any) -> dict[str, Any]:
    for option in options:
        if resolve(option).get("type") != "null":
            return dict(option)
    return dict(options[0])


def _hints(schema: dict[str, Any]) -> dict[str, Any]:
    """Constraints the SDK moved into the description: ``...{maxLength: 80, minimum: 1}``."""
    match = _HINTS.search(str(schema.get("description", "")))
    found: dict[str, Any] = {}
    for item in match[1].split(",") if match else []:
        key, _, raw = item.partition(":")
        if key.strip() in _HINT_KEYS:
            try:
                found[key.strip()] = float(raw.strip())
            except ValueError:
                continue
    return found


def _number(kind: str, limits: dict[str, Any], turn: int) -> int | float:
    """A number inside the limits. Bounded integers step down from the top (a simulated
    judge is pleased); open ones step up from the bottom (4 values)."""
    low, high = limits.get("minimum"), limits.get("maximum")
    low_open, high_open = low is None and "exclusiveMinimum" in limits, False
    if low_open:
        low = limits["exclusiveMinimum"]
    if high is None and "exclusiveMaximum" in limits:
        high, high_open = limits["exclusiveMaximum"], True
    if kind == "number":
        if low is not None and high is not None:
            return (float(low) + float(high)) / 2
        if low is not None:
            return float(low) + 0.5
        return float(high) - 0.5 if high is not None else 0.5
    start = 0 if low is None else math.floor(low) + 1 if low_open else math.ceil(low)
    if high is None:
        return start + turn % 4
    stop = math.ceil(high) - 1 if high_open else math.floor(high)
    return stop - turn % (stop - start + 1) if stop >= start else start


def _speaker_names(prompt: str) -> list[str]:
    """Capitalised names written as ``ALEX:`` at the start of lines, in order of appearance."""
    names: list[str] = []
    for match in re.finditer(r"^\s*([A-Z][A-Z]{1,20}):", prompt, flags=re.MULTILINE):
        if match[1] not in names:
            names.append(match[1])
    return names


_SCRIPT_TOPIC = re.compile(r"^Write the script of an episode on: (.+)$", re.MULTILINE)
_NO_SUBJECT = frozenset(
    [
        "how",
        "why",
        "what",
        "when",
        "where",
        "who",
        "which",
        "does",
        "did",
        "work",
        "works",
        "went",
        "from",
        "into",
        "with",
        "their",
        "about",
        "the",
        "and",
        "for",
        "its",
    ]
)


_SUBJECT_LEADS = (
    "Let's start with {}.",
    "First up: {}.",
    "Today it's all about {}.",
    "So, {}.",
    "Here's our subject: {}.",
    "On to {}.",
)


def _subject_first(
    found: list[str], prompt: str, lang: str = "en", avoid: frozenset[str] = frozenset()
) -> list[str]:
    """A script opens on its subject, as a model asked for an episode on a topic does:
    the first fact naming the topic's subject ("penicillin", "honeybees") moves to the
    front; when no fact names it (a second episode on a topic gets the facts the first
    did not cover), a short line naming it leads, worded as none of the lines the
    prompt asks not to say again (``avoid``: a model told the show wore "Let's start
    with honeybees." out says it another way). Other prompts keep their order. In
    another language the same, by the topic's stems (``tongues.subject_first``)."""
    topic = _SCRIPT_TOPIC.search(prompt)
    if topic is None:
        return found
    if lang != "en":
        return tongues.subject_first(found, topic[1], lang)
    words = [w for w in re.findall(r"[a-z]{4,}", topic[1].lower()) if w not in _NO_SUBJECT]
    if not words:
        return found
    subject = words[0]
    stem = subject[:-1] if subject.endswith("s") else subject
    for i, sentence in enumerate(found):
        if re.search(rf"\b{stem}(s|es)?\b", sentence.lower()):
            return [sentence, *found[:i], *found[i + 1 :]]
    leads = [lead.format(subject) for lead in _SUBJECT_LEADS]
    fresh = [lead for lead in leads if _plain(lead) not in avoid]
    return [(fresh or leads)[0], *found]


_TAILS = (
    "",
    ", honestly",
    ", I mean it",
    ", when you think about it",
    ", really",
    ", if you stay with me",
    ", no exaggeration",
    ", bear with me",
    ", seriously",
    ", hear me out",
    ", trust me",
    ", just saying",
)
PAD_POOL: tuple[str, ...] = tuple(p[:-1] + t + p[-1] for t in _TAILS for p in PAD_LINES)
"""Every connective line the simulated writer may use, more than a long series needs."""
_AVOID = re.compile(r"say none of them again:\n((?:- .*(?:\n|$))+)")


def _lines_to_avoid(prompt: str) -> frozenset[str]:
    """The lines a prompt asks the model not to say again (``worn_lines``)."""
    found = _AVOID.search(prompt)
    if found is None:
        return frozenset()
    lines = (line[2:] for line in found[1].splitlines() if line.startswith("- "))
    return frozenset(_plain(line) for line in lines)


_PHRASES = re.compile(r'Never say these phrases, in any form: ((?:"[^"]*"(?:, )?)+)')


def _phrases_to_avoid(system: str) -> tuple[str, ...]:
    """The phrases a show's style guide forbids (``prompts.style_text``), padded with
    spaces as ``_plain`` words so a phrase matches whole words only."""
    found = _PHRASES.search(system)
    if found is None:
        return ()
    return tuple(f" {_plain(p)} " for p in re.findall(r'"([^"]+)"', found[1]) if _plain(p))


def _plain(line: str) -> str:
    """A line as the canned-lines check compares it: words only, lower case."""
    return " ".join(re.findall(r"[a-z0-9']+", line.lower()))
