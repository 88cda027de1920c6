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
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from podcast_factory.models import Feedback, ResearchDoc, Script
from podcast_factory.providers.text import split_sentences, tokenize

ANAPHORIC = re.compile(
    r"^(?:it|its|it's|this|that|these|those|they|their|them|he|his|him|she|her|there|"
    r"such|both|so|thus|hence|however|instead|also|then|the results?|the same|as a result|"
    r"in contrast|in the same|by contrast|that is why|this is why|all (?:of )?this|"
    r"(?:each|one|both|some|many|none|all|most) of (?:these|those|them|this)|"
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|half|most|many|some|all|none|"
    r"each|both|several|few) of the|"
    r"(?:decades|years|months|weeks|days|a year|a decade|a week|a day|two \w+) later)\b",
    re.IGNORECASE,
)
"""First words of a sentence that point back at something said before it."""
PERSONAL = re.compile(
    r"^(?:it|its|they|their|them|he|his|him|she|her|these|those|the result)\b", re.IGNORECASE
)
"""Openers a host line may not start with either (a host's "So..." or "That's..." answers
the line before it; "It" or "He" needs a referent)."""
PRONOUN = re.compile(r"\b(he|him|his|she|her|himself|herself)\b", re.IGNORECASE)
EARLY_SHARE = 0.2
"""The opening share of the script in which the topic's key terms should be said."""
GENERIC = frozenset(tokenize("how why what work works history story thing things way make made"))
"""Topic words that name no subject ("How tides work": the subject is tides)."""
_ROLE = (
    r"(?:bacteriologist|biologist|chemist|biochemist|microbiologist|physicist|pathologist|"
    r"mathematician|scientist|engineer|inventor|researcher|researchers|astronomer|"
    r"colleague|assistant|patient|baker|physician|doctor|professor|philosopher|writer)"
)
_NAME = r"[A-Z][a-z]+(?:[- ](?:[A-Z][a-z]+|de|von|van))*"
_PERSON_AFTER_ROLE = re.compile(rf"\b{_ROLE}\s+({_NAME})")
_PERSON_BEFORE_ROLE = re.compile(rf"\b({_NAME}),\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,3}}{_ROLE}\b")
_FIRST_LAST = re.compile(r"\b([A-Z][a-z]+ (?:[A-Z]\. )?[A-Z][a-z]+)\b")
_THREE = re.compile(r"\b(?:to|by|with|and) ([A-Z][a-z]+), ([A-Z][a-z]+),? and ([A-Z][a-z]+)\b")
"""People named by surname in a list ("awarded jointly to Fleming, Florey and Chain")."""
_PLACEISH = frozenset(
    re.findall(
        r"\w+",
        """university hospital journal bay gulf sea ocean laboratory prize department school
    institute company coast basin head nobel september october november december january
    february march april may june july august the in on at of and new royal""",
    )
)


def norm(sentence: str) -> str:
    """A sentence reduced to its lowercase words: how lines are compared across episodes."""
    return " ".join(re.findall(r"[a-z0-9']+", sentence.lower()))


def _fact_tokens(doc: ResearchDoc) -> list[set[str]]:
    return [set(tokenize(f.text)) for f in doc.facts]


def _is_fact_sentence(sentence: str, refs: Iterable[int], facts: list[set[str]]) -> bool:
    """A sentence whose words are (almost) all those of a fact its turn cites."""
    words = set(tokenize(sentence))
    if not words:
        return False
    return any(r < len(facts) and len(words & facts[r]) / len(words) >= 0.8 for r in refs)


def host_sentences(script: Script, doc: ResearchDoc) -> list[str]:
    """The sentences of the script that are the hosts' own words, not research facts:
    what the series memory keeps to tell canned lines from fresh ones."""
    facts = _fact_tokens(doc)
    return [
        s
        for t in script.turns
        for s in split_sentences(t.text)
        if not _is_fact_sentence(s, t.fact_refs, facts)
    ]


def dangling_refs(script: Script, doc: ResearchDoc) -> list[str]:
    """Sentences that open by pointing back at something the listener has not heard.

    A fact sentence may lean on the sentence before it in the same turn (the writer kept
    it with its antecedent), or on the turn before when that turn said the fact's source
    context. A host sentence answers the fact before it ("It is simpler than it
    sounds."); before any fact has been said it may not open with "It", "He" or "The
    result" as if something had been named."""
    facts = _fact_tokens(doc)
    found: list[str] = []
    previous = ""
    heard_fact = False  # a host's "It is..." answers a fact; before any fact it has none
    for turn in script.turns:
        sentences = split_sentences(turn.text)
        for k, sentence in enumerate(sentences):
            is_fact = _is_fact_sentence(sentence, turn.fact_refs, facts)
            heard_fact = heard_fact or is_fact
            if not is_fact and heard_fact:
                continue
            lean = ANAPHORIC if is_fact else PERSONAL
            if lean.match(sentence):
                before = sentences[k - 1] if k else previous
                kept = k and is_fact and _is_fact_sentence(before, turn.fact_refs, facts)
                if not kept and not _context_said(before, turn.fact_refs, doc):
                    found.append(sentence)
        previous = turn.text
    return found


def _context_said(before: str, refs: Iterable[int], doc: ResearchDoc) -> bool:
    """Whether the text just before says the source context one of ``refs`` leans on."""
    said = set(tokenize(before))
    for r in refs:
        context = set(tokenize(doc.facts[r].context)) if r < len(doc.facts) else set()
        if context and len(context & said) / len(context) >= 0.8:
            return True
    return False


def canned_lines(
    script: Script, doc: ResearchDoc, known: Sequence[str], exempt: str, show_name: str = ""
) -> list[str]:
    """Host sentences (four words or more) the show said in two or more earlier episodes.

    ``known``: such lines as the series memory gave them (normalized or not); ``exempt``:
    text the show itself asks for in every episode (its intro and outro). A sentence
    naming the show ("Thanks for listening to Everyday Marvels.") is its sign-on or
    sign-off, the same in every episode by design, so it is exempt too."""
    seen = {norm(k) for k in known}
    allowed = {norm(s) for s in split_sentences(exempt)} if exempt else set()
    name = norm(show_name)
    return [
        s
        for s in host_sentences(script, doc)
        if len(s.split()) >= 4
        and norm(s) in seen
        and norm(s) not in allowed
        and not (name and name in norm(s))
    ]


def key_terms(topic: str, doc: ResearchDoc) -> list[str]:
    """The topic's own words (stemmed), leaving out words that name no subject; only
    those the research's facts contain, since a writer can say only what it was given
    (all of them if the facts contain none)."""
    terms = [t for t in dict.fromkeys(tokenize(topic)) if t not in GENERIC]
    sayable = {t for f in doc.facts for t in tokenize(f.text)}
    return [t for t in terms if t in sayable] or terms


def topic_early(
    script: Script, doc: ResearchDoc, topic: str, intro: str = ""
) -> tuple[float, list[str]]:
    """(share of key terms said early, the terms missing). Early: the first
    ``EARLY_SHARE`` of the episode's own words, at least one whole sentence, not counting
    host sentences that restate the topic itself (an intro "Today: {topic}") nor the
    show's fixed ``intro`` (the same words every episode: a short episode's first fifth
    would be nothing else). The check passes when the first key term, the topic's
    subject ("tides", "penicillin"), is not among the missing: the other terms may well
    be the story's end ("mass-produced")."""
    terms = key_terms(topic, doc)
    if not terms:
        return 1.0, []
    whole = norm(topic)
    fixed = {norm(s) for s in split_sentences(intro)}
    facts = _fact_tokens(doc)
    sentences = [
        s
        for t in script.turns
        for s in split_sentences(t.text)
        if (whole not in norm(s) and norm(s) not in fixed)
        or _is_fact_sentence(s, t.fact_refs, facts)
    ]
    own = sum(len(s.split()) for s in sentences)
    budget = max(1, math.ceil(EARLY_SHARE * own))
    early: set[str] = set()
    used = 0
    for sentence in sentences:
        if used >= budget:
            break
        early.update(tokenize(sentence))
        used += len(sentence.split())
    missing = [t for t in terms if t not in early]
    return 1 - len(missing) / len(terms), missing


def people(text: str) -> list[str]:
    """Full names of people a text introduces ("the chemist Dorothy Hodgkin", "Anne
    Miller, a patient", "Martin Lindauer"), first mention first."""
    names: list[str] = []
    for pattern in (_PERSON_AFTER_ROLE, _PERSON_BEFORE_ROLE, _FIRST_LAST):
        for match in pattern.finditer(text):
            name = match.group(1)
            if not any(w.lower() in _PLACEISH for w in name.split()):
                names.append(name)
    for match in _THREE.finditer(text):
        names.extend(n for n in match.groups() if n.lower() not in _PLACEISH)
    return list(dict.fromkeys(names))


def _last_person(text: str, surnames: dict[str, str]) -> str | None:
    """The person (by surname) named last in ``text``, or None."""
    best: tuple[int, str] | None = None
    for surname in surnames:
        for match in re.finditer(rf"\b{re.escape(surname)}\b", text):
            if best is None or match.start() > best[0]:
                best = (match.start(), surname)
    return best[1] if best else None


def misattributed(script: Script, doc: ResearchDoc) -> list[str]:
    """Lines whose he/him/his/she/her would be heard as a different person than the
    source meant: the nearest person named before it in the script is not the nearest
    one before it in the source (the fact's context and its own words up to the pronoun).
    Only detectable where the source names someone; otherwise the line is not judged."""
    surnames: dict[str, str] = {}
    for fact in doc.facts:
        for name in people(f"{fact.context} {fact.text}"):
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
            match = PRONOUN.search(fact.text)
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


def worn_lines(feedback: Feedback) -> str:
    """The show's worn host lines, for the writer to avoid: the script gate rejects a
    line the show already said in ``WORN_AFTER`` earlier episodes (``canned_lines``)."""
    worn = [line for line, n in feedback.said_before if n >= WORN_AFTER][:WORN_SHOWN]
    if not worn:
        return ""
    return (
        "\nLines this show already said in earlier episodes; say none of them again:\n- "
        + "\n- ".join(worn)
    )
