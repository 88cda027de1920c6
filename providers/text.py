"""Plain-Python text tools for the offline (extractive) research and writing.

Offline, no model is involved: the facts of an episode are sentences taken from the
user's own sources and read aloud by the hosts. So splitting must yield clean,
spoken-ready sentences (no markup, no URLs), and ranking must pick the ones worth saying
about the topic. Everything is stdlib-only and deterministic, so the same sources give the
same episode every time.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from html import unescape
from html.parser import HTMLParser


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A period after these never ends a sentence (titles, Latin, references).
_NEVER_END = _words("""mr mrs ms dr prof st vs e.g i.e cf fig figs approx ca gen gov sen rep
    dept mt lt col capt sgt vol pp ed eds esp resp viz""")
# These may end a sentence too; split after them only when a typical opener follows.
_MAY_END = _words("etc inc ltd co corp jr sr al ph.d")
_OPENERS = _words("""the a an it its this that these those there they we he she i you our
    their his her in on at by for from with as if when while after before but and or so yet
    however also then today most many some all each one""")
_STOP = _words("""a about after again all also am an and any are as at be because been before
    being between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its just me
    more most my no nor not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would
    you your""")
_CLOSERS = "\"')]}’”»"
_OPENERS_CH = "\"'([{‘“«"

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


def _ends_sentence(word: str, nxt: str) -> bool:
    """Whether ``word`` (ending in . ! or ?) closes a sentence, given the next word."""
    core = word.rstrip(_CLOSERS)
    head = nxt.lstrip(_OPENERS_CH)
    if head[:1].islower():
        return False  # "e.g. the", "approx. three", "Yahoo! is"
    if core.endswith(("!", "?")) or core.endswith("..."):
        return True
    stem = core[:-1].lstrip(_OPENERS_CH).lower()
    if stem in _NEVER_END or (stem in ("no", "nos") and head[:1].isdigit()):
        return False
    if stem in _MAY_END or re.fullmatch(r"[a-z](?:\.[a-z])*", stem):
        return head.rstrip(",;:").lower() in _OPENERS  # "the U.S. Army" vs "the U.S. The"
    return True


def _finish(sentence: str) -> str:
    """Trim stray punctuation; make the sentence end in . ! or ?."""
    s = sentence.strip().lstrip("-–—•*#>:;, ").rstrip(",;:-–— ")
    if len(s) > 1 and s[-1] in _CLOSERS and s[-2] in ".!?":
        s = s[:-2] + s[-1] + s[-2]  # `He said "stop."` -> `He said "stop".`
    if s and s[-1] not in ".!?":
        s += "."
    return s


def split_sentences(text: str) -> list[str]:
    """Clean, spoken-ready sentences of English prose or markdown notes.

    Headings (and lone Title Case lines) are dropped: they label facts, they are not
    facts. A bullet is its own unit and gets a period if it has none.
    """
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
                word.rstrip(_CLOSERS)[-1:] in (".", "!", "?") and _ends_sentence(word, words[i + 1])
            ):
                sentence = _finish(" ".join(words[start : i + 1]))
                if any(c.isalpha() for c in sentence):
                    out.append(sentence)
                start = i + 1
    return out


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


def tokenize(text: str) -> list[str]:
    """Lowercase, stemmed word tokens without stopwords; numbers like 3.5 stay whole."""
    words = re.findall(r"\d+(?:[.,]\d+)*|[a-z]+(?:['’][a-z]+)*", text.lower())
    out = []
    for word in words:
        word = re.sub(r"['’]s$", "", word).replace("'", "").replace("’", "")
        if word and word not in _STOP:
            out.append(word if word[0].isdigit() else _stem(word))
    return out


class BM25:
    """Okapi BM25 over a fixed list of documents (here: the sentences of the sources)."""

    def __init__(self, docs: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._tfs = [Counter(tokenize(doc)) for doc in docs]
        self._lens = [sum(tf.values()) for tf in self._tfs]
        n = len(docs)
        self._avgdl = sum(self._lens) / n if n else 0.0
        df = Counter(term for tf in self._tfs for term in tf)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def scores(self, query: str) -> list[float]:
        """One score per document, in document order; 0.0 where no query term occurs."""
        terms = [t for t in dict.fromkeys(tokenize(query)) if t in self._idf]
        out = []
        for tf, length in zip(self._tfs, self._lens, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / (self._avgdl or 1.0))
            out.append(
                sum(self._idf[t] * tf[t] * (self.k1 + 1) / (tf[t] + norm) for t in terms if t in tf)
            )
        return out


def _factness(sentence: str) -> float:
    """0..1: does the sentence carry a number or date and proper nouns (a checkable fact)?"""
    proper = sum(
        1
        for w in sentence.split()[1:]
        if re.match(r"[A-Z][A-Za-z]", w.lstrip(_OPENERS_CH)) and w.lower() not in _STOP
    )
    return 0.5 * bool(re.search(r"\d", sentence)) + 0.25 * min(proper, 2)


def rank_sentences(topic: str, sentences: Sequence[str], limit: int) -> list[tuple[int, float]]:
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
    bm25 = BM25(sentences).scores(topic)
    scale = max((bm25[i] for i in eligible), default=0.0) or 1.0
    scored = sorted(
        ((bm25[i] + 0.25 * scale * _factness(sentences[i]), i) for i in eligible),
        key=lambda pair: (-pair[0], pair[1]),
    )
    chosen: list[tuple[int, float]] = []
    seen: list[set[str]] = []
    for score, i in scored:
        tokens = set(tokenize(sentences[i])) or {sentences[i].strip().lower()}
        if any(len(tokens & o) / len(tokens | o) > 0.7 for o in seen):
            continue
        chosen.append((i, score))
        seen.append(tokens)
        if len(chosen) == limit:
            break
    return chosen


_SKIP = _words("script style nav header footer aside noscript template svg form pre")
_MAIN = _words("main article")
_BLOCKS = _words("""p div section article main blockquote ul ol table tr dl dt dd figure
    figcaption address hr li h1 h2 h3 h4 h5 h6""")
# What a start tag writes: headings become "# " lines and list items "- " lines, so that
# split_sentences treats HTML and markdown the same.
_START = {"br": "\n", "li": "\n- ", **{f"h{n}": "\n\n# " for n in range(1, 7)}}


class _Reader(HTMLParser):
    """Collects the readable text of a page, and separately the text inside <main>/<article>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.parts: list[str] = []
        self.main_parts: list[str] = []
        self._skip = self._main = 0
        self._in_title = False

    def _emit(self, text: str) -> None:
        self.parts.append(text)
        if self._main:
            self.main_parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in _SKIP
        self._in_title = self._in_title or tag == "title"
        self._main += tag in _MAIN
        if tag in _BLOCKS or tag == "br":
            self._emit(_START.get(tag, "\n\n"))

    def handle_endtag(self, tag: str) -> None:
        self._skip = max(0, self._skip - (tag in _SKIP))
        self._in_title = self._in_title and tag != "title"
        if tag in _BLOCKS:
            self._emit("\n\n")
        self._main = max(0, self._main - (tag in _MAIN))

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._emit(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, str]:
    """(title, readable text) of an HTML page.

    Navigation, headers, footers, scripts, styles and code blocks are dropped; if the page
    marks its content with <main> or <article>, only that is kept. Paragraphs are separated by
    blank lines, headings come out as ``# Heading`` lines (so ``split_sentences`` drops
    them) and list items as ``- item``. The title is <title>, else the first heading.
    """
    reader = _Reader()
    # A "<" whose tag never closes before the next "<" is text; escaping it up front keeps
    # html.parser linear on malformed pages (it rescans unclosed tags to the end).
    reader.feed(re.sub(r"<(?=[^<>]*(?:<|$))", "&lt;", html))
    reader.close()
    main = "".join(reader.main_parts)
    raw = main if main.strip() else "".join(reader.parts)
    lines = [re.sub(r"[ \t\f\v\xa0]+", " ", line).strip() for line in raw.split("\n")]
    kept = "\n".join(line for line in lines if line not in ("#", "-"))
    text = re.sub(r"\n{3,}", "\n\n", kept).strip()
    title = re.sub(r"\s+", " ", reader.title).strip()
    if not title:
        heading = re.search(r"^# (.+)$", text, re.MULTILINE)
        title = heading.group(1).strip() if heading else ""
    return title, text
