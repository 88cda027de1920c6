"""What the listening host says back: a reaction built from the fact just said.

A fixed rotation of fillers ("Huh, I never thought about it like that.") is what makes
an extractive script sound machine-made, and it repeats across every episode of a show.
Here each reaction is made from the fact's own words: a name the fact calls something
("So that's the tidal force."), a number or a year echoed as a question ("Wait, 1928?"),
a superlative ("The largest tidal range in the world?"), a contrast ("So not the
pull itself, but how it changes."), or a cause ("Because gravity weakens with
distance."). A fact that offers none of these gets no reaction, which is better than a
canned one. Openings and closings are built around the topic's subject and picked so an
episode does not reuse a frame the show's earlier episodes used.

Every language the offline writer speaks has its own patterns and lines
(``providers/langs``): a German host says "Echt, schon 1928?" and "Springflut heißt das
also.", a Spanish one "¿Ya en 1928? No tenía ni idea.", each written as that language's
podcasts talk, not translated word for word.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence

from podcast_factory.providers.langs import rules
from podcast_factory.providers.langs.en import LINES as _EN_LINES
from podcast_factory.providers.script_checks import generic, norm
from podcast_factory.providers.text import tokenize
from podcast_factory.style import says_any

OPENINGS = _EN_LINES.openings
CLOSINGS = _EN_LINES.closings
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")


def subject(topic: str, *, lang: str = "en") -> str:
    """The topic's subject as said in a sentence: its first word that names something
    ("How tides work" -> "tides", "Why the sky is blue" -> "the sky", "Cómo funcionan las
    mareas" -> "las mareas", "Wie die Gezeiten entstehen" -> "Gezeiten")."""
    said = rules(lang)
    lines = said.lines
    if said.code == "en":
        words = re.findall(r"[A-Za-z][A-Za-z'-]*", topic)
    else:
        words = re.findall(r"[^\W\d_][\w'’-]*", topic)
    for i, word in enumerate(words):
        stems = tokenize(word, lang=lang)
        if stems and stems[0] not in generic(lang):
            before = words[i - 1].lower() if i else ""
            article = before if lines.article_kept and before in lines.articles else ""
            shown = word.lower() if lines.lower_subject else word
            return f"{article} {shown}".strip()
    return topic.strip().lower() or "this"


def _frame(template: str) -> str:
    """The fixed words of a template: what two episodes that used it have in common."""
    return norm(re.sub(r"\{[a-zA-Z]+\}", " ", template))


def fresh_template(templates: Sequence[str], said_before: Sequence[str], key: str) -> str:
    """A template whose fixed words no earlier episode said, starting at a place that
    depends on ``key`` (the episode), so a batch written side by side varies too; the
    least used one when all have been said."""
    start = zlib.crc32(key.encode()) % len(templates)
    spoken = [norm(s) for s in said_before]
    ranked = [*templates[start:], *templates[:start]]

    def uses(t: str) -> int:
        frame = _frame(t)
        parts = [p for p in re.split(r"\s{2,}|\{", frame) if len(p.split()) >= 2] or [frame]
        return sum(1 for s in spoken if any(p.strip() and p.strip() in s for p in parts))

    best: str = min(ranked, key=lambda t: (uses(t), ranked.index(t)))
    return best


def fill(template: str, topic: str, a: str, term: str = "", *, lang: str = "en") -> str:
    """A template with the topic's subject, the host addressed and the memorable term,
    prepositions and articles contracted as the language says them ("de el" -> "del")."""
    what = subject(topic, lang=lang)
    text = template.format(subject=what, Subject=what[:1].upper() + what[1:], a=a, term=term)
    for joined, said in rules(lang).lines.contractions:
        text = text.replace(joined, said)
    return text


def memorable_term(facts: Sequence[str], *, lang: str = "en") -> str:
    """Something a fact names (a coined term, else a superlative) for the closing."""
    react = rules(lang).reactions
    patterns = [react.called] + ([react.superlative] if react.superlative else [])
    english = rules(lang).code == "en"
    for pattern in patterns:
        for fact in facts:
            match = pattern.search(fact)
            if match is None:
                continue
            found = next(g for g in match.groups() if g)
            if pattern is react.called:
                return react.named(found)
            if english:
                return "the " + found.strip()
            first, _, rest = found.strip().partition(" ")  # said mid-sentence: "das erste..."
            articles = rules(lang).lines.articles
            return (
                f"{first.lower()} {rest}" if rest and first.lower() in articles else found.strip()
            )
    return ""


def _options(
    fact: str, previous_year: int | None, lang: str, spent: Mapping[str, int] | None = None
) -> list[tuple[str, str]]:
    """Every reaction the fact offers, in order of preference: (kind, line). A template
    with alternatives ("A || B") says the next one each time its kind comes again."""
    react = rules(lang).reactions
    said = spent or {}
    say = {
        kind: (alts := template.split(" || "))[said.get(kind, 0) % len(alts)]
        for kind, template in react.templates.items()
    }
    options: list[tuple[str, str]] = []
    match = _YEAR.search(fact)
    if match and previous_year is not None and int(match.group(1)) > previous_year:
        gap = int(match.group(1)) - previous_year
        spoken = react.small[gap] if 1 < gap < len(react.small) else str(gap)
        options.append(("gap", say["gap"].format(gap=spoken, year=previous_year)))
    match = react.person.search(fact)
    if match:
        found = match.groupdict()
        article = (found.get("article") or "").strip()
        joint = "" if article.endswith("'") else " "
        the_role = f"{article}{joint}{found['role']}".strip()
        line = say["person"].format(name=found["name"], role=found["role"], the_role=the_role)
        options.append(("person", line))
    match = react.called.search(fact)
    if match:
        named = react.named(next(g for g in match.groups() if g))
        options.append(("name", say["name"].format(named=named)))
    match = react.superlative.search(fact) if react.superlative else None
    if match:
        options.append(("most", say["most"].format(most=react.most(match.group(1)))))
    match = react.contrast.search(fact)
    if match:
        options.append(("contrast", say["contrast"].format(a=match.group(1), b=match.group(2))))
    match = react.because.search(fact)
    if match:
        options.append(("cause", say["cause"].format(why=match.group(1))))
    match = react.number.search(fact)
    if match:
        options.append(
            (
                "number",
                say["number"].format(
                    number=react.quantity((match.group(1) or "") + match.group(2))
                ),
            )
        )
    match = _YEAR.search(fact)
    if match:
        options.append(("year", say["year"].format(year=match.group(1))))
    return options


def reaction(
    fact: str,
    previous_kind: str,
    used: set[str],
    previous_year: int | None = None,
    avoid: Sequence[str] = (),
    *,
    lang: str = "en",
    spent: Mapping[str, int] | None = None,
) -> tuple[str, str]:
    """(reaction line, its kind) for a fact, or ("", "") if the fact offers nothing to
    react to or only the kind just used. ``used``: lines already in the script;
    ``previous_year``: the year the story was at before this fact, if any; ``avoid``:
    phrases the show never says (a reaction saying one gives way to the next kind);
    ``spent``: how many reactions of each kind the script has (the language may cap it)."""
    limit = rules(lang).reactions.per_kind
    for kind, line in _options(fact, previous_year, lang, spent):
        fresh = kind != previous_kind and norm(line) not in used and len(line.split()) <= 22
        if limit is not None and spent is not None and spent.get(kind, 0) >= limit:
            continue
        if fresh and not says_any(avoid, line):
            return line, kind
    return "", ""
