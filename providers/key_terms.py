"""An episode's key terms: the noun phrases its topic and facts keep coming back to.

Hashtags and chapter titles are built from these, so they name things (``#SpringTide``,
``#AlexanderFleming``, "Tide tables and harmonic analysis") rather than whatever words
happen to be longest (``#Work``, ``#Produced``). There is no part-of-speech tagger in
the dependencies, and a small one is enough here: a phrase is a run of words that are
not stop words, common verbs, adverbs (-ly), participles (-ed, -ing, unless a known
noun) or numbers; leading adjectives from a short list are dropped; "of" joins two
capitalised words ("Bay of Fundy"). A term scores by how many facts say it, with a
bonus when the topic says it too.

Other languages find their phrases in ``providers.noun_phrases`` (German capitalises
its nouns, the Romance languages put an article before theirs) and compare words by
their Snowball stems; English keeps the rules above, unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from podcast_factory.providers import key_terms_lang
from podcast_factory.providers.term import Term as Term


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP = _words("""a about above after again against all almost along also although always am
    among an and another any anyone are around as at away back be because been before being
    below between both but by can cannot could did do does doing done down during each
    either else enough even ever every few for from further had has have having he her here
    hers herself him himself his how however i if in into is it its itself just least less
    like many may me might more most much must my myself near neither never no nor not now
    of off often on once one only onto or other others our ours out over own per perhaps
    quite rather same several she should since so some such than that the their theirs them
    themselves then there these they this those though through thus to today too toward
    towards under until up upon us very via was we well were what whatever when where
    whether which while who whom whose why will with within without would yet you your
    yours about""")
"""Function words: never part of a key term."""

VERBS = _words("""work works worked working make makes made making go goes went gone get gets
    got give gives gave given take takes took taken become becomes became come comes came
    keep keeps kept use uses used show shows showed shown find finds found say says said
    see sees saw seen know knows knew known think thinks thought tell tells told call calls
    called seem seems seemed leave leaves left put puts let lets begin begins began begun
    bring brings brought hold holds held turn turns stand stands stood run runs ran mean
    means meant help helps set sets need needs try tries want wants look looks happen
    happens happened rise rises rose fall falls fell grow grows grew grown reach reaches
    explain explains talk talks produce produces include includes including remain remains
    switch switches decide decides awarded gave completed determine determines kill kills
    behave behaves sees absorb absorbs rises breaks break broke linked shed sheds""")
"""Common verbs the suffix rules below do not catch; a verb is never a hashtag."""

ADJECTIVES = _words("""high higher highest low lower lowest large larger largest small smaller
    big bigger long longer short shorter new old first second third last main many much
    several single same different various further far own few other such whole great
    greater good better best early earlier late later strong weak warm warmer cold colder
    hot cool cooler open especially usually only certain common typical average regular
    total full half key major minor entire real true huge tiny little natural""")
"""Adjectives dropped from the front of a phrase ("higher high tides" -> "high tides"
is still an adjective, so both go: "tides")."""

GENERIC = _words("""result results way ways thing things part parts kind kinds lot lots number
    example examples point points time times year years day days people person someone
    something fact facts case cases place places basis effect effects level levels form
    forms type types contrast average side sides end start idea ideas story stories bit
    question questions answer answers reason reasons percent degrees metre metres meter
    meters hour hours minute minutes second seconds celsius fahrenheit kelvin principle
    principles method methods""")
"""Nouns too general to name an episode or a chapter on their own."""

NOUNS_ED_ING = _words("""spring springs king kings thing things ring rings wing wings string
    strings morning mornings evening evenings ceiling building buildings painting
    paintings meeting meetings feeling feelings beginning ending offspring swing seed seeds
    bed beds red speed hundred need sled bread breed breeds creed greed weed weeds
    reed pedigree heating cooling warming clothing farming mining shipping landing
    landings""")
"""Words ending in -ed or -ing that are nouns here."""

DETERMINERS = _words("""the a an its their his her this these those our every each some any
    no my your""")
"""A word between a noun and one of these is a verb ("the tide reinforces the motion")."""

QUESTION_WORDS = _words("how why when where what which who whether")

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]|\d[\d.,]*|[^\sA-Za-z\d]")


def content_word(word: str) -> bool:
    """Whether ``word`` may be part of a key term (a noun or an adjective before one)."""
    lower = word.lower().replace("’", "'")
    if lower.endswith("'s"):
        lower = lower[:-2]
    if not lower.isascii() or not re.fullmatch(r"[a-z][a-z'-]*", lower):
        return False
    if lower in STOP or lower in VERBS or lower in NOUNS_ED_ING:
        return lower in NOUNS_ED_ING
    if len(lower) < 3 and not word.isupper():
        return False
    return not (lower.endswith(("ed", "ing", "ly")) and len(lower) > 4)


@lru_cache(maxsize=65536)
def singular(word: str) -> str:
    """A light singular for comparing terms ("tides" ~ "tide"); display keeps the original."""
    w = word.lower()
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        return w[:-1]
    return w


def _trim(words: list[str]) -> list[str]:
    """A run of content words as a term: no trailing "of", no leading adjectives, no
    common noun in front of a name ("chemist Dorothy Hodgkin" -> "Dorothy Hodgkin")."""
    while words and words[-1].lower() == "of":
        words.pop()
    while len(words) > 1 and words[0].lower() in ADJECTIVES:
        words.pop(0)
    if words and words[0].lower() in ADJECTIVES:
        return []
    caps = [i for i, w in enumerate(words) if w[:1].isupper()]
    if caps and caps[0] > 0:
        words = words[caps[0] :]
    proper = bool(caps)
    return words[-(4 if proper else 3) :]


def _phrases(sentence: str, topic: bool = False) -> list[tuple[tuple[str, ...], bool]]:
    """Runs of content words in ``sentence``, each with whether it opens the sentence.

    In a topic that asks a question ("How honeybees heat and cool their hive") the word
    after the subject is its verb; in any sentence a word between a noun and a
    determiner is one ("the tide reinforces the motion")."""
    tokens = _TOKEN.findall(sentence)
    runs: list[tuple[tuple[str, ...], bool]] = []
    run: list[str] = []
    start_at = 0
    question = topic and bool(tokens) and tokens[0].lower() in QUESTION_WORDS

    def close(next_token: str | None) -> None:
        words = list(run)
        clause_end = next_token is None or next_token.lower() in ("and", "or", *DETERMINERS)
        if question and not runs and len(words) > 1 and clause_end:
            words.pop()  # the question's verb
        words = _trim(words)
        if words:
            runs.append((tuple(words), start_at == 0))
        run.clear()

    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        possessive = token.lower().endswith(("'s", "’s"))
        word = token[:-2] if possessive else token
        joins = token == "of" and run and run[-1][:1].isupper() and (nxt or "")[:1].isupper()
        verb = bool(run) and nxt is not None and nxt.lower() in DETERMINERS
        if (joins or content_word(word)) and not verb:
            if not run:
                start_at = i
            run.append(word)
            if possessive:
                close(None)
        elif run:
            close(token)
    if run:
        close(None)
    return runs


def key_terms(topic: str, texts: Sequence[str], lang: str = "en") -> list[Term]:
    """The key terms of ``texts`` (the facts), best first; ``topic`` adds a bonus."""
    if key_terms_lang.code(lang) != "en":
        return key_terms_lang.key_terms(topic, texts, key_terms_lang.code(lang))
    proper_words = {
        t.lower()
        for s in texts
        for t in _TOKEN.findall(s)[1:]
        if t[:1].isupper() and not t.isupper()
    }
    found: dict[tuple[str, ...], Term] = {}
    order = 0
    for source, sentences in (("topic", [topic]), ("facts", list(texts))):
        for sentence in sentences:
            for words, initial in _phrases(sentence, topic=source == "topic"):
                if initial and words[0].lower() not in proper_words and words[0][1:].islower():
                    words = (words[0].lower(), *words[1:])
                key = tuple(singular(w) for w in words)
                term = found.get(key)
                if term is None:
                    term = found[key] = Term(words=words, key=key, first=order)
                    order += 1
                term.forms.append(words)
                if source == "topic":
                    term.in_topic = True
    for term in found.values():
        term.count = sum(term.key in _grams(s, len(term.key)) for s in texts)
        term.proper = all(w[:1].isupper() for w in term.words if w.lower() != "of")
        if not term.in_topic:  # shown as the facts write it, not as the topic's title
            term.words = max(term.forms, key=term.forms.count)
    usable = [t for t in found.values() if t.count or t.in_topic]
    usable = [t for t in usable if not (len(t.key) == 1 and _generic(t.key[0]))]
    return sorted(usable, key=lambda t: (-t.score, t.first))


def _generic(word: str) -> bool:
    return word in GENERIC or singular(word) in {singular(g) for g in GENERIC}


def _overlaps(a: Term, b: Term) -> bool:
    return bool(set(a.key) & set(b.key))


def hashtags(terms: Iterable[Term], count: int = 3, max_chars: int = 24) -> tuple[str, ...]:
    """Up to ``count`` hashtags from the best terms, each adding a word the others lack
    (#Tides then #SpringTide, never #Tides then #Tide)."""
    chosen: list[Term] = []
    for term in terms:
        tag = term.hashtag
        if len(tag) > max_chars or len(tag) < 4 or any(set(term.key) <= set(c.key) for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == count:
            break
    return tuple(t.hashtag for t in chosen)


def nounish_tag(tag: str, lang: str = "en") -> bool:
    """Whether a hashtag (``#SpringTide``) is made of content words, none of them generic."""
    body = tag.strip().lstrip("#")
    if key_terms_lang.code(lang) != "en":
        return key_terms_lang.nounish_tag(body, key_terms_lang.code(lang))
    parts = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", body)
    if not body.isalnum() or not parts or parts[0].isdigit():
        return False
    if len(parts) == 1 and _generic(parts[0].lower()):
        return False
    return all(p.isdigit() or p.isupper() or content_word(p) for p in parts)


def chapter_titles(
    topic: str, chapters: Sequence[Sequence[str]], max_words: int = 6, lang: str = "en"
) -> list[str]:
    """A short noun-phrase title per chapter (its facts given), from its own key terms.

    A term that many chapters share (the topic's own word) names none of them; a term an
    earlier chapter's title used is not used again. Two short terms are joined with
    "and" ("Tide tables and harmonic analysis").
    """
    everything = [s for chapter in chapters for s in chapter]
    code = key_terms_lang.code(lang)
    terms = key_terms(topic, everything, code)
    spread = {t.key: sum(_has(t, c, code) for c in chapters) for t in terms}
    used: list[Term] = []
    titles = []
    for n, chapter in enumerate(chapters):
        mine = [
            t for t in terms if _has(t, chapter, code) and not any(t.key == u.key for u in used)
        ]

        def local(t: Term, facts: Sequence[str] = chapter) -> float:
            idf = math.log(1 + len(chapters) / max(1, spread[t.key]))
            score = _count(t, facts, code) + 0.6 * min(len(t.key) - 1, 2) + 0.3 * t.proper
            return score * idf

        mine.sort(key=lambda t: (-local(t), t.first))
        picked: list[Term] = []
        for t in mine:
            if len(t.words) > max_words or any(_overlaps(t, p) for p in picked):
                continue
            if picked and len(picked[0].words) + len(t.words) + 1 > max_words:
                continue
            picked.append(t)
            if len(picked) == 2 or len(picked[0].words) >= 3:
                break
        used += picked
        titles.append(
            _title(picked, n) if code == "en" else key_terms_lang.title(picked, n, code, max_words)
        )
    return titles


def _has(term: Term, sentences: Sequence[str], lang: str = "en") -> bool:
    return _count(term, sentences, lang) > 0


def _count(term: Term, sentences: Sequence[str], lang: str = "en") -> int:
    if lang != "en":
        return key_terms_lang.count(term, sentences, lang)
    n = len(term.key)
    return sum(term.key in _grams(s, n) for s in sentences)


@lru_cache(maxsize=16384)
def _grams(sentence: str, n: int) -> frozenset[tuple[str, ...]]:
    """The runs of ``n`` singular words of a sentence. Why cached: chapter titles ask,
    for every term, which of the same few dozen sentences say it; tokenizing each
    sentence once per term made the show notes the costliest step of a Claude episode
    after its requests (~70 ms an episode, ``docs/benchmarks.md``)."""
    k = [singular(t) for t in _TOKEN.findall(sentence) if t[:1].isalpha()]
    return frozenset(tuple(k[i : i + n]) for i in range(len(k) - n + 1))


def _title(picked: Sequence[Term], index: int) -> str:
    if not picked:
        return f"Part {index + 1}"
    text = " and ".join(t.text for t in picked)
    if len(text.split()) == 1:
        text = f"The {text}" if picked[0].proper else f"About {text}"
    return text[:1].upper() + text[1:]
