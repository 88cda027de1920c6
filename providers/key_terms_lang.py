"""Key terms, hashtags and chapter titles of a show not in English, compared by stems.

``providers.key_terms`` calls these for German, Spanish, French and Portuguese.

Terms are the noun phrases of ``providers.noun_phrases``, compared by their Snowball
stems without stop words (so "ciclo de las mareas" says the term "ciclo de mareas" and
"Gezeit" is "Gezeiten"), and scored as English terms are.
"""

from __future__ import annotations

from collections.abc import Sequence

from podcast_factory.language import primary
from podcast_factory.providers import noun_phrases
from podcast_factory.providers.lexicon import stem, stop_words
from podcast_factory.providers.publish_words import words_for
from podcast_factory.providers.term import Term


def code(lang: str) -> str:
    code = primary(lang)
    return code if code in noun_phrases.DETERMINERS else "en"


def key_terms(topic: str, texts: Sequence[str], lang: str) -> list[Term]:
    """``key_terms`` for a language other than English: noun phrases keyed by stems."""
    nouns = noun_phrases.Nouns.of([topic, *texts], lang)
    stops = stop_words(lang)
    found: dict[tuple[str, ...], Term] = {}
    for source, sentences in (("topic", [topic]), ("facts", list(texts))):
        for sentence in sentences:
            for words, initial in noun_phrases.phrases(sentence, nouns):
                named = len(words) > 1 and words[1][:1].isupper()  # "Dorothy Hodgkin"
                if initial and lang != "de" and not nouns.name(words[0]) and not named:
                    words = (words[0].lower(), *words[1:])
                key = tuple(stem(w, lang) for w in words if w.lower() not in stops)
                term = found.get(key)
                if term is None:
                    term = found[key] = Term(words=words, key=key, first=len(found))
                term.forms.append(words)
                term.in_topic |= source == "topic"
    keyed = [noun_phrases.content_keys(s, lang) for s in texts]
    for term in found.values():
        term.count = sum(_says(k, term.key) for k in keyed)
        term.words = max(term.forms, key=term.forms.count)
        term.article = nouns.article(term.words[0])
        term.proper = not term.article and all(
            w[:1].isupper() or w.lower() in stops for w in term.words
        )
    usable = [t for t in found.values() if t.count or t.in_topic]
    usable = [t for t in usable if not (len(t.key) == 1 and noun_phrases.generic(t.words[0], lang))]
    return sorted(usable, key=lambda t: (-t.score, t.first))


def _says(keys: Sequence[str], key: tuple[str, ...]) -> bool:
    n = len(key)
    return any(tuple(keys[i : i + n]) == key for i in range(len(keys) - n + 1))


def count(term: Term, sentences: Sequence[str], lang: str) -> int:
    """How many of ``sentences`` say ``term``."""
    return sum(_says(noun_phrases.content_keys(s, lang), term.key) for s in sentences)


def nounish_tag(body: str, lang: str) -> bool:
    """``nounish_tag`` in another language: each part of the CamelCase tag a word that
    is neither a stop word (a joiner between two parts aside) nor a verb's ending."""
    parts = camel_parts(body)
    if not body.isalnum() or not parts or parts[0].isdigit():
        return False
    stops = stop_words(lang)
    if len(parts) == 1 and noun_phrases.generic(parts[0], lang):
        return False
    ends = noun_phrases.VERB_ENDINGS.get(lang, ())
    inner = {p.lower() for p in parts[1:-1]} & noun_phrases.JOINERS.get(lang, frozenset())
    return all(
        p.isdigit()
        or p.lower() in inner
        or (p.lower() not in stops and not p.lower().endswith(ends))
        for p in parts
    )


def camel_parts(body: str) -> list[str]:
    """``GezeitenVonFundy`` -> ``Gezeiten``, ``Von``, ``Fundy``; a run of digits apart."""
    parts: list[str] = []
    for ch in body:
        new = (
            not parts
            or ch.isdigit() != parts[-1][-1].isdigit()
            or (ch.isupper() and not parts[-1][-1].isupper())
        )
        if new:
            parts.append(ch)
        else:
            parts[-1] += ch
    return parts


def title(picked: Sequence[Term], index: int, lang: str, max_words: int) -> str:
    """A chapter title in another language: its terms with the article the texts give
    them ("Die Gezeiten und der Mond", "La penicilina"), joined by the language's "and"."""
    said = words_for(lang)
    if not picked:
        return said.part.format(n=index + 1)
    shown = [f"{t.article} {t.text}" if t.article else t.text for t in picked]
    if sum(len(s.split()) for s in shown) + len(shown) - 1 > max_words:
        shown = [t.text for t in picked]
    text = said.and_.join(shown)
    if len(text.split()) == 1:
        text = (said.named if picked[0].proper else said.about).format(term=text)
    return text[:1].upper() + text[1:]
