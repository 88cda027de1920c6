"""Plain-Python text tools for the offline (extractive) research and writing.

Offline, no model is involved: the facts of an episode are sentences taken from the
user's own sources and read aloud by the hosts. So splitting must yield clean,
spoken-ready sentences (no markup, no URLs), and ranking must pick the ones worth saying
about the topic. Deterministic, so the same sources give the same episode every time.

Per language (``lang``, the show's BCP 47 tag, English by default): which abbreviations
a period does not end, German ordinal dots ("am 3. Mai"), Spanish inverted punctuation
(``providers/langs``); words are Unicode letters, stems are Snowball's and stop words the
stop-words package's (``providers/lexicon``). English keeps its own hand-written stemmer
and stop list, so English shows rank as they always did.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from html import unescape

from podcast_factory.providers import lexicon
from podcast_factory.providers.html_text import html_to_text as html_to_text
from podcast_factory.providers.langs import rules
from podcast_factory.providers.langs.en import STOP as _STOP

_CLOSERS = "\"')]}’”»"
_OPENERS_CH = "\"'([{‘“«¿¡"

_FENCE = re.compile(r"(```|~~~)")
_HEADING = re.compile(r"#{1,6}(\s|$)")
_BULLET = re.compile(r"(?:[-*+•]|\d{1,3}[.)])\s+")
_RULE = re.compile(r"([-*_=])(?:\s*\1){2,}")
_INLINE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<!--.{0,2000}?-->"), ""),
    # Bracket spans never contain their own brackets, which keeps these regexes linear.
    (re.compile(r"!\[[^\[\]]*\]\([^()]*\)"), ""),  # images say nothing aloud
    (re.compile(r"\[([^\[\]]+)\]\([^()]*\)"), r"\1"),  # [text](url) -> text
    (re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]"), r"\1"),  # [text][ref] -> text
    (re.compile(r"\[\^[^\[\]]*\]"), ""),  # footnote markers
    (re.compile(r"<(?:https?://|mailto:)[^<>\s]*>"), "\0"),  # autolinks
    (re.compile(r"\b(?:https?://|www\.)\S+?(?=[.,;:!?)\]]*(?:\s|$))"), "\0"),  # bare URLs
    # A removed URL takes its lead-in along: "details at <url>." -> "details."
    (re.compile(r"(?:\s+(?:at|and|or|via|see|from|on|in|to|here)\b)?:?\s*\0", re.I), ""),
    (re.compile(r"</?[a-zA-Z][^<>]*>"), ""),  # inline HTML tags
    (re.compile(r"`+([^`]*)`+"), r"\1"),
    # Emphasis spans never contain their own marker, which keeps these regexes linear.
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?=[^\s_])([^_]+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"\*\*(?=\S)([^*]+?)(?<=\S)\*\*"), r"\1"),
    (re.compile(r"__(?=\S)([^_]+?)(?<=\S)__"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *a **b***
    (re.compile(r"~~([^~]+?)~~"), r"\1"),
    (re.compile(r"\(\s*\)|\[\s*\]"), ""),  # brackets left empty by removed URLs
)


def clean_inline(text: str) -> str:
    """One line of markdown as plain text: markup and URLs removed, whitespace collapsed."""
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    text = re.sub(r"\s+", " ", unescape(text)).strip()
    return re.sub(r"\s+([.,;:!?])", r"\1", text)


def _units(text: str) -> list[tuple[str, bool]]:
    """Markdown blocks as (text, is_bullet): paragraphs and list items; headings dropped."""
    units: list[tuple[str, bool]] = []
    buf: list[str] = []
    bullet = in_fence = False

    def flush() -> None:
        if buf:
            units.append((" ".join(buf), bullet))
            buf.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if _FENCE.match(line):  # code is not spoken
            in_fence = not in_fence
            flush()
            continue
        if in_fence:
            continue
        if not line or line.startswith("|") or _HEADING.match(line):
            flush()
            continue
        if _RULE.fullmatch(line):
            if line[0] in "=-" and len(buf) == 1 and not bullet:
                buf.clear()  # setext heading underline: the line above is a heading
            flush()
            continue
        if line.startswith(">"):  # a block quote starts a unit of its own
            flush()
            line = re.sub(r"^(?:>\s*)+", "", line)
        match = _BULLET.match(line)
        if match:
            flush()
            bullet = True
            line = line[match.end() :]
        elif not buf:
            bullet = False
        buf.append(line)
    flush()
    return units


def _looks_like_title(unit: str) -> bool:
    """A lone unpunctuated Title Case line, or a short lead-in ending in ':'."""
    words = unit.split()
    if unit.endswith(":"):
        return len(words) <= 6
    if unit[-1] in ".!?" or len(words) > 10:
        return False
    return all(w[0].isupper() or not w[0].isalpha() for w in words if len(w) > 3)


def _ends_sentence(word: str, nxt: str, lang: str = "en") -> bool:
    """Whether ``word`` (ending in . ! or ?) closes a sentence, given the next word."""
    core = word.rstrip(_CLOSERS)
    head = nxt.lstrip(_OPENERS_CH)
    if head[:1].islower():
        return False  # "e.g. the", "approx. three", "Yahoo! is"
    if core.endswith(("!", "?")) or core.endswith("..."):
        return True
    said = rules(lang)
    opener = head.rstrip(",;:").lower()
    opens = opener in said.sentences.openers or (
        bool(said.elisions) and opener.split("'")[0] in said.sentences.openers
    )
    stem = core[:-1].lstrip(_OPENERS_CH).lower()
    if stem in said.sentences.never_end:
        return False
    if stem in said.sentences.before_digits and head[:1].isdigit():
        return False
    if said.sentences.ordinal_dots and re.fullmatch(r"\d{1,2}", stem):
        return opens  # "am 3. Mai" vs "im Alter von 12. Danach"
    if stem in said.sentences.may_end or re.fullmatch(r"[^\W\d_](?:\.[^\W\d_])*", stem):
        return opens  # "the U.S. Army" vs "the U.S. The"
    return True


def _finish(sentence: str) -> str:
    """Trim stray punctuation; make the sentence end in . ! or ?."""
    s = sentence.strip().lstrip("-–—•*#>:;, ").rstrip(",;:-–— ")
    if len(s) > 1 and s[-1] in _CLOSERS and s[-2] in ".!?":
        s = s[:-2] + s[-1] + s[-2]  # `He said "stop."` -> `He said "stop".`
    if s and s[-1] not in ".!?":
        s += "."
    return s


def split_sentences(text: str, *, lang: str = "en") -> list[str]:
    """Clean, spoken-ready sentences of prose or markdown notes in the language ``lang``.

    Headings (and lone Title Case lines) are dropped: they label facts, they are not
    facts. A bullet is its own unit and gets a period if it has none.
    """
    return list(_split(text, lang))


@lru_cache(maxsize=512)  # a few sources and scripts at a time; keys hold the texts
def _split(text: str, lang: str) -> tuple[str, ...]:
    """``split_sentences``, kept: the agents and checks of one episode split the same
    sources, facts and turns again and again (~1,800 times for 60 episodes, ~30 ms of
    CPU an episode before this cache)."""
    out: list[str] = []
    for raw, bullet in _units(text):
        unit = clean_inline(raw)
        if not unit or (not bullet and _looks_like_title(unit)):
            continue
        words = unit.split(" ")
        start = 0
        for i, word in enumerate(words):
            last = i + 1 == len(words)
            if last or (
                word.rstrip(_CLOSERS)[-1:] in (".", "!", "?")
                and _ends_sentence(word, words[i + 1], lang)
            ):
                sentence = _finish(" ".join(words[start : i + 1]))
                if any(c.isalpha() for c in sentence):
                    out.append(sentence)
                start = i + 1
    return tuple(out)


def _stem(word: str) -> str:
    """A light suffix stemmer: plural s, -ing, -ed, final e ("batteries" ~ "battery")."""
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and re.search(r"[aeiouy]", base):
            if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # running -> run
            word = base
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]  # charge, charged, charging -> charg
    return word


_TOKENS = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*")


def tokenize(text: str, *, lang: str = "en") -> list[str]:
    """Lowercase, stemmed word tokens without stopwords; numbers like 3.5 stay whole."""
    code = rules(lang).code
    if code == "en":
        words = re.findall(r"\d+(?:[.,]\d+)*|[a-z]+(?:['’][a-z]+)*", text.lower())
        out = []
        for word in words:
            word = re.sub(r"['’]s$", "", word).replace("'", "").replace("’", "")
            if word and word not in _STOP:
                out.append(word if word[0].isdigit() else _stem(word))
        return out
    return _tokens(text, code)


@lru_cache(maxsize=4096)
def _tokens_cached(text: str, code: str) -> tuple[str, ...]:
    elisions = rules(code).elisions
    stops = lexicon.stop_words(code)
    out: list[str] = []
    for raw in _TOKENS.findall(text.lower().replace("’", "'")):
        word = raw
        if elisions and "'" in word and word.split("'", 1)[0] in elisions:
            word = word.split("'", 1)[1]  # l'eau -> eau, d'antibiotiques -> antibiotiques
        if word and word not in stops and word.replace("'", "") not in stops:
            out.append(word if word[0].isdigit() else lexicon.stem(word.replace("'", ""), code))
    return tuple(out)


def _tokens(text: str, code: str) -> list[str]:
    return list(_tokens_cached(text, code))


class BM25:
    """Okapi BM25 over a fixed list of documents (here: the sentences of the sources)."""

    def __init__(
        self, docs: Sequence[str], k1: float = 1.5, b: float = 0.75, *, lang: str = "en"
    ) -> None:
        self.k1, self.b = k1, b
        self.lang = lang
        self._tfs = [Counter(tokenize(doc, lang=lang)) for doc in docs]
        self._lens = [sum(tf.values()) for tf in self._tfs]
        n = len(docs)
        self._avgdl = sum(self._lens) / n if n else 0.0
        df = Counter(term for tf in self._tfs for term in tf)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def scores(self, query: str) -> list[float]:
        """One score per document, in document order; 0.0 where no query term occurs."""
        terms = [t for t in dict.fromkeys(tokenize(query, lang=self.lang)) if t in self._idf]
        out = []
        for tf, length in zip(self._tfs, self._lens, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / (self._avgdl or 1.0))
            out.append(
                sum(self._idf[t] * tf[t] * (self.k1 + 1) / (tf[t] + norm) for t in terms if t in tf)
            )
        return out


def _factness(sentence: str, lang: str = "en") -> float:
    """0..1: does the sentence carry a number or date and proper nouns (a checkable fact)?
    (German capitalises every noun, so there only a capital after a capital counts.)"""
    code = rules(lang).code
    if code == "en":
        proper = sum(
            1
            for w in sentence.split()[1:]
            if re.match(r"[A-Z][A-Za-z]", w.lstrip(_OPENERS_CH)) and w.lower() not in _STOP
        )
    else:
        stops = lexicon.stop_words(code)
        caps = [
            w[:1].isupper() and w[1:2].isalpha() and w.lower() not in stops
            for w in (x.lstrip(_OPENERS_CH) for x in sentence.split()[1:])
        ]
        pairs = code == "de"
        proper = sum(1 for i, c in enumerate(caps) if c and (not pairs or (i and caps[i - 1])))
    return 0.5 * bool(re.search(r"\d", sentence)) + 0.25 * min(proper, 2)


def rank_sentences(
    topic: str, sentences: Sequence[str], limit: int, *, lang: str = "en"
) -> list[tuple[int, float]]:
    """(index, score) of the best sentences for ``topic``, best first.

    Score is BM25 plus up to 25% of the top BM25 score for fact-like sentences. Sentences
    of 6-60 words only (unless none qualifies); near-duplicates (token Jaccard > 0.7) of a
    better sentence are dropped. If the topic matches nothing, the most fact-like
    sentences still come back: the user's own notes are relevant by definition.
    """
    if limit <= 0:
        return []
    lengths = [len(s.split()) for s in sentences]
    eligible = [i for i, n in enumerate(lengths) if 6 <= n <= 60]
    if not eligible:
        eligible = [i for i, n in enumerate(lengths) if n > 0]
    bm25 = BM25(sentences, lang=lang).scores(topic)
    scale = max((bm25[i] for i in eligible), default=0.0) or 1.0
    scored = sorted(
        ((bm25[i] + 0.25 * scale * _factness(sentences[i], lang), i) for i in eligible),
        key=lambda pair: (-pair[0], pair[1]),
    )
    chosen: list[tuple[int, float]] = []
    seen: list[set[str]] = []
    for score, i in scored:
        tokens = set(tokenize(sentences[i], lang=lang)) or {sentences[i].strip().lower()}
        if any(len(tokens & o) / len(tokens | o) > 0.7 for o in seen):
            continue
        chosen.append((i, score))
        seen.append(tokens)
        if len(chosen) == limit:
            break
    return chosen
