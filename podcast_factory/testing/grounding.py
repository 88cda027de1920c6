"""What the simulated model quotes and what its judge finds unsupported.

Research asks Claude for each fact's source index and "the verbatim span it rests on";
the judge is asked for the script's claims that no fact supports. A schema filler alone
would quote the next sentence of the prompt and list four sentences as unsupported
claims, which no model does. So a structured answer is grounded here as a careful model
answers: a fact's quote is the sentence it states, from the source block that holds it,
typed the way a model types it (curly apostrophes, sometimes no final stop: what the
research's quote check must forgive), and the judge finds nothing unsupported in a
script made of the facts' own sentences.

A test plants the mistakes a real model makes (``ProviderSimulator.plant``): a fact
whose number was misremembered, quote and all (``misquote``: its quote is in no
source), a judgement listing an unsupported claim (``unsupported_claim``), or show
notes whose summary runs the chapter titles together and whose middle title is a line
of dialogue (``run_on_notes``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from podcast_factory.providers.story import leans_back
from podcast_factory.testing import tongues
from podcast_factory.testing.prose import PAD_LINES

PLANTS = ("misquote", "unsupported_claim", "run_on_notes")
"""Mistakes a test can plant in the next structured answer they fit."""

_SOURCE = re.compile(r"<source index=(\d+)[^>]*>(.*?)</source>", flags=re.DOTALL)
_SCRIPT_LINE = re.compile(r"^[A-Z][A-Za-z]{1,20}: (.+)$", flags=re.MULTILINE)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _facts(value: Any) -> list[dict[str, Any]]:
    """The research facts of a structured answer (objects with a quote and a source)."""
    facts = value.get("facts") if isinstance(value, dict) else None
    if not isinstance(facts, list):
        return []
    return [f for f in facts if isinstance(f, dict) and {"text", "quote", "source_index"} <= set(f)]


def ground(value: Any, prompt: str, lang: str = "en", context: str = "") -> None:
    """Fill a research answer's quotes and source indexes, a judgement's unsupported
    claims and show notes as a careful model does (in place). For a show in ``lang``
    other than English, a fact from a source in another language is written in ``lang``
    (``tongues.translated``) and its quote stays the source's sentence. ``context``: the
    request's system blocks (the script a notes request summarises)."""
    _notes(value, prompt, context, lang)
    sources = [(int(i), _flat(body)) for i, body in _SOURCE.findall(prompt)]
    for n, fact in enumerate(_facts(value)):
        text = str(fact["text"])
        holder = next((i for i, body in sources if text and text in body), None)
        if holder is not None:
            fact["source_index"] = holder
        quote = text.replace("'", "\u2019")
        fact["quote"] = quote[:-1] if n % 2 and quote.endswith(".") else quote
        source_lang = tongues.language_of(text) if lang != "en" else lang
        if tongues.writes(lang) and source_lang != lang:
            fact["text"] = tongues.translated(text, lang, n, source_lang)
    if isinstance(value, dict) and isinstance(value.get("unsupported_claims"), list):
        value["unsupported_claims"] = []


_WORKING_TITLE = re.compile(r"^\[\d+\]\s*(.+)$", flags=re.MULTILINE)
_STOP = re.compile(r"(?<=[.!?])\s+")
SUMMARY_WORDS = 40
"""About how long the simulated model's summary is: sentences are added until this many
words are written (the prompt asks for about 60 words), three at most."""


def _notes(value: Any, prompt: str, context: str, lang: str) -> None:
    """Show notes as a careful model writes them (a schema filler alone would run the
    chapters' working titles together as the summary and make filler lines titles):
    one title per chapter, its working title, and a summary of whole sentences about
    what the episode explains, the script's own sentences that state a fact (not its
    welcome and goodbye, questions, or the filler lines between facts)."""
    if not isinstance(value, dict) or not isinstance(value.get("chapter_titles"), list):
        return
    working = [w.strip() for w in _WORKING_TITLE.findall(prompt)]
    if working:
        value["chapter_titles"] = working
    spoken = _SCRIPT_LINE.findall(context)[1:-1]  # the first and last: welcome, goodbye
    filler = {_flat(p) for p in (PAD_LINES if lang == "en" else tongues.pad_pool(lang))}
    found: list[str] = []
    for line in spoken:
        for sentence in _STOP.split(_flat(line)):
            if (
                len(sentence.split()) >= 6
                and sentence.endswith(".")
                and sentence not in filler
                and not leans_back(sentence)
                and sentence not in found
            ):
                found.append(sentence)
    # the same script summarised from a differently worded prompt reads differently, as
    # a model's does: the summary starts at a fact the prompt's wording picks
    start = int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16) % max(1, len(found))
    said: list[str] = []
    for sentence in found[start:] + found[:start]:
        said.append(sentence)
        if len(said) == 3 or sum(len(s.split()) for s in said) >= SUMMARY_WORDS:
            break
    if said:
        value["summary"] = " ".join(said)


def plant(value: Any, kind: str, context: str) -> bool:
    """Put the mistake ``kind`` into ``value`` if it is an answer it fits; whether it did.
    ``context``: the request's system blocks (the judge reads the script there)."""
    if kind == "misquote":
        facts = _facts(value)
        if not facts:
            return False
        fact = next((f for f in facts if re.search(r"\d", str(f["text"]))), facts[0])
        wrong = _misremembered(str(fact["text"]))
        fact["text"], fact["quote"] = wrong, wrong
        return True
    if kind == "unsupported_claim":
        claims = value.get("unsupported_claims") if isinstance(value, dict) else None
        lines = _SCRIPT_LINE.findall(context)
        if not isinstance(claims, list) or not lines:
            return False
        said = lines[len(lines) // 2]
        claims.append(f'"{said}" states more than the facts say.')
        return True
    if kind == "run_on_notes":
        if not isinstance(value, dict) or not isinstance(value.get("chapter_titles"), list):
            return False
        titles = [str(t) for t in value["chapter_titles"]]
        value["summary"] = " ".join(titles)  # no sentence in it, no stop at its end
        if titles:
            titles[len(titles) // 2] = "Now here is the twist, really."
        value["chapter_titles"] = titles
        return True
    raise ValueError(f"kind must be one of {PLANTS}")


def _misremembered(text: str) -> str:
    """The fact with every digit one off (1928 -> 2039), or with a year it never had."""
    if re.search(r"\d", text):
        return re.sub(r"\d", lambda m: str((int(m[0]) + 1) % 10), text)
    return f"{text.rstrip('.')}, as first reported in 1911."
