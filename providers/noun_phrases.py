"""Noun phrases in German, Spanish, French and Portuguese, found without a tagger.

They are what key terms (hashtags, chapter titles) are made of when a show is not in
English.

There is no part-of-speech tagger in the dependencies; each language gives away its
nouns another way, and that is enough to keep verbs and function words out:

- German capitalises every noun: a capitalised word that is not a stop word is a noun
  (at the start of a sentence only when the texts also capitalise it elsewhere).
- Spanish, French and Portuguese put a determiner before a noun ("la marea", "les
  marées", "as marés"): a word the texts write after one is a noun, unless it has a
  finite verb's or an adverb's ending (a clitic "la" before "descubrió"). A word they
  capitalise mid-sentence is a name.

A phrase is a run of names ("Alexander Fleming", "Bahía de Fundy") or a noun with an
optional "de" + noun ("ciclo de mareas"). The definite article the texts most often
put before a phrase is kept so a chapter title can read "Die Gezeiten" or "La
penicilina". Stop words and stems come from ``providers.lexicon`` (maintained lists and
Snowball stemmers).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from podcast_factory.providers.lexicon import stem, stop_words

TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d[\d.,]*|[^\w\s]")
"""A word (letters of any script, inner hyphens and apostrophes), a number, or a mark."""

_ELISION = re.compile(r"^(l|d|qu|n|s|j|c|m|t)['’](?=\w)", re.IGNORECASE)
"""French elided articles and pronouns, split from the word they lean on (l'océan)."""


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


DETERMINERS: dict[str, frozenset[str]] = {
    "de": _set("der die das den dem des ein eine einen einem einer eines"),
    "es": _set(
        "el la los las lo un una unos unas del al este esta estos estas ese esa esos "
        "esas su sus cada nuestro nuestra"
    ),
    "fr": _set("le la les l' un une des du au aux ce cet cette ces son sa ses leur leurs chaque"),
    "pt": _set(
        "o a os as um uma uns umas do da dos das no na nos nas ao aos à às este esta "
        "estes estas esse essa seu sua seus suas cada"
    ),
}
"""Words a noun follows."""

DEFINITE: dict[str, frozenset[str]] = {
    "de": frozenset({"der", "die", "das"}),
    "es": frozenset({"el", "la", "los", "las"}),
    "fr": frozenset({"le", "la", "les", "l'"}),
    "pt": frozenset({"o", "a", "os", "as"}),
}
"""The articles a chapter title may open with."""

JOINERS: dict[str, frozenset[str]] = {
    "de": frozenset(),  # German joins nouns into one word (Gezeitenkraft)
    "es": frozenset({"de"}),
    "fr": frozenset({"de", "d'"}),
    "pt": frozenset({"de"}),
}
"""What joins two nouns or two parts of a name ("Bahía de Fundy")."""

VERB_ENDINGS: dict[str, tuple[str, ...]] = {
    "de": (),
    "es": ("ó", "aron", "ieron", "aba", "aban", "ían", "ando", "iendo", "mente"),
    "fr": ("ait", "aient", "èrent", "irent", "ement"),
    "pt": ("ou", "aram", "eram", "iram", "ava", "avam", "iam", "ando", "endo", "indo", "mente"),
}
"""Endings of finite verbs, gerunds and adverbs: such a word is not a noun even after
a word that looks like an article (Spanish "la descubrió": "discovered it")."""

GENERIC: dict[str, frozenset[str]] = {
    "de": _set(
        "jahr jahre jahren zeit teil art beispiel prozent grad stunde stunden minute "
        "minuten sekunde sekunden tag tage tagen mal ende anfang fall weise frage "
        "antwort grund ergebnis zahl menge"
    ),
    "es": _set(
        "año años tiempo parte tipo ejemplo ejemplos por ciento grado grados hora horas "
        "minuto minutos segundo segundos día días vez veces final caso forma manera "
        "pregunta respuesta razón resultado número cantidad"
    ),
    "fr": _set(
        "an ans année années temps partie type exemple exemples pourcent degré degrés "
        "heure heures minute minutes seconde secondes jour jours fois fin cas forme "
        "manière question réponse raison résultat nombre"
    ),
    "pt": _set(
        "ano anos tempo parte tipo exemplo exemplos cento grau graus hora horas minuto "
        "minutos segundo segundos dia dias vez vezes fim caso forma maneira pergunta "
        "resposta razão resultado número quantidade"
    ),
}
"""Nouns too general to name an episode or a chapter on their own."""


def tokens(sentence: str, lang: str) -> list[str]:
    """The sentence's words, numbers and marks, French elisions split (``l'``, ``océan``)."""
    out: list[str] = []
    for token in TOKEN.findall(sentence):
        m = _ELISION.match(token) if lang == "fr" else None
        if m:
            out += [token[: m.end() - 1].lower() + "'", token[m.end() :]]
        else:
            out.append(token)
    return out


def _is_word(token: str) -> bool:
    return token[:1].isalpha()


def content_keys(sentence: str, lang: str) -> list[str]:
    """The stems of the sentence's content words, in order: what a term is counted by
    (so "ciclo de las mareas" says the term "ciclo de mareas")."""
    stops = stop_words(lang)
    return [
        stem(t, lang)
        for t in tokens(sentence, lang)
        if _is_word(t) and t.lower() not in stops and len(t) > 1
    ]


def generic(word: str, lang: str) -> bool:
    """Whether ``word`` is too general to be a term on its own ("Jahr", "ejemplo")."""
    lower = word.lower()
    words = GENERIC.get(lang, frozenset())
    return lower in words or stem(lower, lang) in {stem(g, lang) for g in words}


@dataclass
class Nouns:
    """What the texts show of each word: whether it is a noun or a name, and which
    definite article comes before it."""

    lang: str
    nouns: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    articles: dict[str, Counter[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, texts: Sequence[str], lang: str) -> Nouns:
        found = cls(lang)
        stops, dets = stop_words(lang), DETERMINERS.get(lang, frozenset())
        for text in texts:
            toks = tokens(text, lang)
            for i, tok in enumerate(toks):
                if not _is_word(tok) or tok.lower() in stops:
                    continue
                prev = toks[i - 1].lower() if i else ""
                if i and tok[:1].isupper() and _is_word(toks[i - 1]):
                    found.names.add(tok.lower())
                capital_noun = lang == "de" and tok[:1].isupper() and i > 0
                after_article = prev in dets and not tok.lower().endswith(VERB_ENDINGS[lang])
                if capital_noun or after_article:
                    found.nouns.add(tok.lower())
                if prev in DEFINITE[lang] and _nominative(toks, i - 1, lang, stops):
                    found.articles.setdefault(tok.lower(), Counter())[prev] += 1
        return found

    def noun(self, token: str, initial: bool, nxt: str = "") -> bool:
        """Whether ``token`` may be part of a key term (``nxt``: the token after it; a
        sentence that opens with two capitalised words opens with a name)."""
        lower = token.lower()
        if (
            initial
            and token[:1].isupper()
            and self.name(nxt)
            and lower not in stop_words(self.lang)
        ):
            return True
        if not _is_word(token) or lower in stop_words(self.lang) or len(lower) < 3:
            return False
        if self.lang == "de":
            return token[:1].isupper() and (not initial or lower in self.nouns)
        return lower in self.nouns or (token[:1].isupper() and lower in self.names)

    def name(self, token: str) -> bool:
        return token[:1].isupper() and token.lower() in self.names

    def article(self, word: str) -> str:
        """The definite article the texts most often put before ``word`` ("" if none)."""
        seen = self.articles.get(word.lower())
        return seen.most_common(1)[0][0] if seen else ""


def _nominative(toks: Sequence[str], at: int, lang: str, stops: frozenset[str]) -> bool:
    """Whether the article at ``toks[at]`` is the one a title would use: not after a
    preposition ("de la marea", "von der Flut"), and in German not "der" after a noun
    (a genitive: "die Seite der Erde") unless it opens the sentence."""
    if at == 0:
        return True
    before = toks[at - 1].lower()
    if before in stops:
        return False
    return not (lang == "de" and toks[at].lower() == "der")


def phrases(sentence: str, nouns: Nouns) -> list[tuple[tuple[str, ...], bool]]:
    """The noun phrases of ``sentence``, each with whether it opens the sentence."""
    toks = tokens(sentence, nouns.lang)
    joiners = JOINERS.get(nouns.lang, frozenset())
    found: list[tuple[tuple[str, ...], bool]] = []
    i = 0
    while i < len(toks):
        if not nouns.noun(toks[i], i == 0, toks[i + 1] if i + 1 < len(toks) else ""):
            i += 1
            continue
        start, run = i, [toks[i]]
        i += 1
        while i < len(toks):
            tok = toks[i]
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            proper = nouns.name(run[-1]) or (i == start + 1 == 1 and run[0][:1].isupper())
            if proper and nouns.name(tok):
                run.append(tok)
            elif tok.lower() in joiners and nxt and nouns.noun(nxt, False) and len(run) < 3:
                if not proper and any(j in joiners for j in (w.lower() for w in run)):
                    break
                run += [tok, nxt]
                i += 1
            else:
                break
            i += 1
        found.append((tuple(run[-4:]), start == 0))
    return found
