"""Checks a listener would make of a script: does each line make sense where it is said?

A script can say every fact, at the right length, with no markup, and still be
unlistenable: a line that opens "Its mould..." about a cantaloupe nobody mentioned, the
same filler lines in every episode of a show, an episode on penicillin that gets to
penicillin after the halfway mark, or "him" said right after three other men were named.
These checks read the text only (stdlib, deterministic), so the script gate runs them
before any speech is bought, for every writer:

- ``dangling_refs``: fact sentences whose first words lean on something not said just
  before ("It", "This", "The result", "Decades later"...);
- ``canned_lines``: host lines (not facts) the show already said in two or more earlier
  episodes (the series memory knows them; the show's own intro and outro are exempt);
- ``topic_early``: share of the topic's key terms (those the research can say) spoken in
  the first fifth of the script, not counting lines that only restate the topic;
- ``misattributed``: a he/him/his/she/her whose nearest preceding person in the script is
  not the person it meant in the source (``Fact.context``: the source sentence before).

Each check reads the show's language (``lang``, its BCP 47 tag; English by default):
the first words that point back ("Es", "Esto", "Cela", "Isso"), the pronouns followed,
the words that name a person are its data in ``providers/langs``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from podcast_factory.models import Feedback, ResearchDoc, Script
from podcast_factory.providers.langs import LOWER, UPPER, rules
from podcast_factory.providers.langs.en import CHECKS as _EN
from podcast_factory.providers.text import split_sentences, tokenize

ANAPHORIC = _EN.anaphoric
"""First words of an English sentence that point back at something said before it
(every language's are ``rules(lang).checks.anaphoric``)."""
PERSONAL = _EN.personal
"""Openers a host line may not start with either (a host's "So..." or "That's..." answers
the line before it; "It" or "He" needs a referent)."""
PRONOUN = _EN.pronoun
EARLY_SHARE = 0.2
"""The opening share of the script in which the topic's key terms should be said."""
GENERIC = frozenset(tokenize(_EN.generic))
"""Topic words that name no subject ("How tides work": the subject is tides)."""


@lru_cache(maxsize=16)
def generic(lang: str = "en") -> frozenset[str]:
    """The stems of the language's topic words that name no subject ("wie", "cómo")."""
    return frozenset(tokenize(rules(lang).checks.generic, lang=lang))


@lru_cache(maxsize=16)
def _person_patterns(lang: str) -> tuple[re.Pattern[str], ...]:
    """(after a role, before a role, first and last name) for the language."""
    checks = rules(lang).checks
    if rules(lang).code == "en":
        name = r"[A-Z][a-z]+(?:[- ](?:[A-Z][a-z]+|de|von|van))*"
        first_last = r"\b([A-Z][a-z]+ (?:[A-Z]\. )?[A-Z][a-z]+)\b"
        article = "a|an|the"
    else:
        cap = f"[{UPPER}][{LOWER}]+"
        name = rf"{cap}(?:[- ](?:{cap}|de|von|van|da|do|del|du))*"
        first_last = (
            rf"(?=\b({cap} (?:[{UPPER}]\. )?{cap})\b)"  # overlapping: "Chemiker Ernst Chain"
        )
        article = {"de": "ein|eine|der|die", "es": "un|una|el|la", "pt": "um|uma|o|a"}.get(
            rules(lang).code, "un|une|le|la"
        )
    return (
        re.compile(rf"\b{checks.role}\s+({name})"),
        re.compile(rf"\b({name}),\s+(?:{article})\s+(?:[\w-]+\s+){{0,3}}{checks.role}\b"),
        re.compile(first_last),
    )


def norm(sentence: str) -> str:
    """A sentence reduced to its lowercase words: how lines are compared across episodes."""
    return " ".join(re.findall(r"(?:[^\W_]|')+", sentence.casefold()))


def _fact_tokens(doc: ResearchDoc, lang: str = "en") -> list[set[str]]:
    return [set(tokenize(f.text, lang=lang)) for f in doc.facts]


def _is_fact_sentence(
    sentence: str, refs: Iterable[int], facts: list[set[str]], lang: str = "en"
) -> bool:
    """A sentence whose words are (almost) all those of a fact its turn cites."""
    words = set(tokenize(sentence, lang=lang))
    if not words:
        return False
    return any(r < len(facts) and len(words & facts[r]) / len(words) >= 0.8 for r in refs)


def host_sentences(script: Script, doc: ResearchDoc, *, lang: str = "en") -> list[str]:
    """The sentences of the script that are the hosts' own words, not research facts:
    what the series memory keeps to tell canned lines from fresh ones."""
    facts = _fact_tokens(doc, lang)
    return [
        s
        for t in script.turns
        for s in split_sentences(t.text, lang=lang)
        if not _is_fact_sentence(s, t.fact_refs, facts, lang)
    ]


def dangling_refs(script: Script, doc: ResearchDoc, *, lang: str = "en") -> list[str]:
    """Sentences that open by pointing back at something the listener has not heard.

    A fact sentence may lean on the sentence before it in the same turn (the writer kept
    it with its antecedent), or on the turn before when that turn said the fact's source
    context. A host sentence answers the fact before it ("It is simpler than it
    sounds."); before any fact has been said it may not open with "It", "He" or "The
    result" as if something had been named."""
    facts = _fact_tokens(doc, lang)
    checks = rules(lang).checks
    found: list[str] = []
    previous = ""
    heard_fact = False  # a host's "It is..." answers a fact; before any fact it has none
    for turn in script.turns:
        sentences = split_sentences(turn.text, lang=lang)
        for k, sentence in enumerate(sentences):
            is_fact = _is_fact_sentence(sentence, turn.fact_refs, facts, lang)
            heard_fact = heard_fact or is_fact
            if not is_fact and heard_fact:
                continue
            lean = checks.anaphoric if is_fact else checks.personal
            if lean.match(sentence.lstrip("¿¡")):
                before = sentences[k - 1] if k else previous
                kept = k and is_fact and _is_fact_sentence(before, turn.fact_refs, facts, lang)
                if not kept and not _context_said(before, turn.fact_refs, doc, lang):
                    found.append(sentence)
        previous = turn.text
    return found


def _context_said(before: str, refs: Iterable[int], doc: ResearchDoc, lang: str = "en") -> bool:
    """Whether the text just before says the source context one of ``refs`` leans on."""
    said = set(tokenize(before, lang=lang))
    for r in refs:
        context = set(tokenize(doc.facts[r].context, lang=lang)) if r < len(doc.facts) else set()
        if context and len(context & said) / len(context) >= 0.8:
            return True
    return False


def canned_lines(
    script: Script,
    doc: ResearchDoc,
    known: Sequence[str],
    exempt: str,
    show_name: str = "",
    *,
    lang: str = "en",
) -> list[str]:
    """Host sentences (four words or more) the show said in two or more earlier episodes.

    ``known``: such lines as the series memory gave them (normalized or not); ``exempt``:
    text the show itself asks for in every episode (its intro and outro). A sentence
    naming the show ("Thanks for listening to Everyday Marvels.") is its sign-on or
    sign-off, the same in every episode by design, so it is exempt too."""
    seen = {norm(k) for k in known}
    allowed = {norm(s) for s in split_sentences(exempt, lang=lang)} if exempt else set()
    name = norm(show_name)
    return [
        s
        for s in host_sentences(script, doc, lang=lang)
        if len(s.split()) >= 4
        and norm(s) in seen
        and norm(s) not in allowed
        and not (name and name in norm(s))
    ]


def key_terms(topic: str, doc: ResearchDoc, *, lang: str = "en") -> list[str]:
    """The topic's own words (stemmed), leaving out words that name no subject; only
    those the research's facts contain, since a writer can say only what it was given
    (all of them if the facts contain none)."""
    terms = [t for t in dict.fromkeys(tokenize(topic, lang=lang)) if t not in generic(lang)]
    sayable = {t for f in doc.facts for t in tokenize(f.text, lang=lang)}
    return [t for t in terms if t in sayable] or terms


def topic_early(
    script: Script, doc: ResearchDoc, topic: str, intro: str = "", *, lang: str = "en"
) -> tuple[float, list[str]]:
    """(share of key terms said early, the terms missing). Early: the first
    ``EARLY_SHARE`` of the episode's own words, at least one whole sentence, not counting
    host sentences that restate the topic itself (an intro "Today: {topic}") nor the
    show's fixed ``intro`` (the same words every episode: a short episode's first fifth
    would be nothing else). The check passes when the first key term, the topic's
    subject ("tides", "penicillin"), is not among the missing: the other terms may well
    be the story's end ("mass-produced")."""
    terms = key_terms(topic, doc, lang=lang)
    if not terms:
        return 1.0, []
    whole = norm(topic)
    fixed = {norm(s) for s in split_sentences(intro, lang=lang)}
    facts = _fact_tokens(doc, lang)
    sentences = [
        s
        for t in script.turns
        for s in split_sentences(t.text, lang=lang)
        if (whole not in norm(s) and norm(s) not in fixed)
        or _is_fact_sentence(s, t.fact_refs, facts, lang)
    ]
    own = sum(len(s.split()) for s in sentences)
    budget = max(1, math.ceil(EARLY_SHARE * own))
    early: set[str] = set()
    used = 0
    for sentence in sentences:
        if used >= budget:
            break
        early.update(tokenize(sentence, lang=lang))
        used += len(sentence.split())
    missing = [t for t in terms if t not in early]
    return 1 - len(missing) / len(terms), missing


def people(text: str, *, lang: str = "en") -> list[str]:
    """Full names of people a text introduces ("the chemist Dorothy Hodgkin", "Anne
    Miller, a patient", "Martin Lindauer"), first mention first."""
    checks = rules(lang).checks
    role = re.compile(rf"^{checks.role}$")
    names: list[str] = []
    for pattern in _person_patterns(rules(lang).code):
        for match in pattern.finditer(text):
            name = match.group(1)
            words = name.split()
            if not any(w.lower() in checks.placeish or role.match(w) for w in words):
                names.append(name)
    for match in checks.three.finditer(text):
        names.extend(n for n in match.groups() if n.lower() not in checks.placeish)
    return list(dict.fromkeys(names))


def _last_person(text: str, surnames: dict[str, str]) -> str | None:
    """The person (by surname) named last in ``text``, or None."""
    best: tuple[int, str] | None = None
    for surname in surnames:
        for match in re.finditer(rf"\b{re.escape(surname)}\b", text):
            if best is None or match.start() > best[0]:
                best = (match.start(), surname)
    return best[1] if best else None


def misattributed(script: Script, doc: ResearchDoc, *, lang: str = "en") -> list[str]:
    """Lines whose he/him/his/she/her would be heard as a different person than the
    source meant: the nearest person named before it in the script is not the nearest
    one before it in the source (the fact's context and its own words up to the pronoun).
    Only detectable where the source names someone and the language's pronouns say a
    person (not French, whose il/elle as often mean a thing); otherwise not judged."""
    pronoun = rules(lang).checks.pronoun
    if pronoun is None:
        return []
    surnames: dict[str, str] = {}
    for fact in doc.facts:
        for name in people(f"{fact.context} {fact.text}", lang=lang):
            surnames.setdefault(name.split()[-1], name)
    if not surnames:
        return []
    found: list[str] = []
    spoken = ""
    for turn in script.turns:
        for r in turn.fact_refs:
            if r >= len(doc.facts):
                continue
            fact = doc.facts[r]
            match = pronoun.search(fact.text)
            at = turn.text.find(fact.text[:30])  # where the fact starts in the line
            if match is None or at < 0:
                continue
            source_side = f"{fact.context} {fact.text[: match.start()]}"
            meant = _last_person(source_side, surnames)
            heard = _last_person(spoken + " " + turn.text[: at + match.start()], surnames)
            if meant is not None and heard is not None and meant != heard:
                found.append(f"'{match.group(1)}' means {surnames[meant]}, heard as {heard}")
        spoken += " " + turn.text
    return found


WORN_AFTER = 2
"""Episodes a host line may be heard in before the script gate calls it canned."""
WORN_SHOWN = 40
"""At most this many worn lines go into a prompt (the most used first)."""


def shown_worn(feedback: Feedback) -> tuple[str, ...]:
    """The worn host lines a writer is shown, the most used first: the lines said in
    ``WORN_AFTER`` earlier episodes, at most ``WORN_SHOWN``. The script gate judges a
    draft against these and no others (``Script.known_lines``)."""
    return tuple(line for line, n in feedback.said_before if n >= WORN_AFTER)[:WORN_SHOWN]


def worn_lines(feedback: Feedback) -> str:
    """The show's worn host lines, for the writer to avoid: the script gate rejects a
    line the show already said in ``WORN_AFTER`` earlier episodes (``canned_lines``)."""
    worn = shown_worn(feedback)
    if not worn:
        return ""
    return (
        "\nLines this show already said in earlier episodes; say none of them again:\n- "
        + "\n- ".join(worn)
    )
