"""Offline text tools: sentence splitting, tokens, BM25 ranking and HTML extraction."""

from __future__ import annotations

import pytest

from podcast_factory.providers.text import (
    BM25,
    clean_inline,
    html_to_text,
    rank_sentences,
    split_sentences,
    tokenize,
)


def test_abbreviations_do_not_end_sentences() -> None:
    """Titles, Latin abbreviations and initialisms stay inside their sentence."""
    text = (
        "Dr. Smith met Mr. Jones at the U.S. Department of Energy. Prices fell, e.g. in "
        "China, i.e. the biggest market. It was Smith vs. Jones all day."
    )
    assert split_sentences(text) == [
        "Dr. Smith met Mr. Jones at the U.S. Department of Energy.",
        "Prices fell, e.g. in China, i.e. the biggest market.",
        "It was Smith vs. Jones all day.",
    ]


def test_abbreviation_at_sentence_end_still_splits() -> None:
    """'etc.' or 'U.S.' followed by a typical sentence opener does end the sentence."""
    text = "They sell cells, packs, chargers etc. The margins are thin in the U.S. It shows."
    assert split_sentences(text) == [
        "They sell cells, packs, chargers etc.",
        "The margins are thin in the U.S.",
        "It shows.",
    ]


def test_decimals_and_question_marks() -> None:
    """Decimals are not sentence ends; ! and ? are."""
    assert split_sentences("Output rose 3.5% to 12.75 GW. Why? Demand grew!") == [
        "Output rose 3.5% to 12.75 GW.",
        "Why?",
        "Demand grew!",
    ]


def test_markdown_markup_is_stripped_and_headings_dropped() -> None:
    """Headings vanish; bold, italics, code, links and bare URLs become plain text."""
    notes = """# Battery notes

Some **bold** claim with _italics_ and `code` in it.
Read [the report](https://example.com/r?key=1) for details.
More at https://example.com/page.

## Key points
- Solid-state cells store more energy
* Recycling recovers 95% of cobalt.
1. Numbered items work too
"""
    assert split_sentences(notes) == [
        "Some bold claim with italics and code in it.",
        "Read the report for details.",
        "More.",
        "Solid-state cells store more energy.",
        "Recycling recovers 95% of cobalt.",
        "Numbered items work too.",
    ]


def test_paragraph_lines_are_joined_and_whitespace_collapsed() -> None:
    """A hard-wrapped paragraph is one flow of text; code blocks and tables are skipped."""
    notes = "The grid  needs\nmore   storage\nthis decade.\n\n```\nx = 1\n```\n| a | b |\n"
    assert split_sentences(notes) == ["The grid needs more storage this decade."]


def test_setext_heading_and_title_line_dropped() -> None:
    """A heading underlined with === and a lone Title Case line are labels, not facts."""
    notes = "Energy Storage Basics\n\nBattery Notes\n=============\n\nPumped hydro is old."
    assert split_sentences(notes) == ["Pumped hydro is old."]


def test_sentences_end_with_terminal_punctuation() -> None:
    """Every sentence ends in . ! or ?, including quoted endings and lead-ins."""
    sentences = split_sentences('He said "stop." Then he left (see above.) A list:\n- one; two')
    assert sentences == ['He said "stop".', "Then he left (see above).", "A list.", "one; two."]
    assert all(s[-1] in ".!?" for s in sentences)


def test_clean_inline_unescapes_entities() -> None:
    """HTML entities in markdown become characters."""
    assert clean_inline("R&amp;D  costs &lt; 5%") == "R&D costs < 5%"


def test_tokenize_drops_stopwords_and_stems() -> None:
    """Plurals, -ing and -ed share a token with the base word; stopwords vanish."""
    assert tokenize("The batteries") == tokenize("a battery")
    assert tokenize("charging") == tokenize("charged") == tokenize("charges")
    assert tokenize("Running 3.5 laps") == ["run", "3.5", "lap"]
    assert tokenize("the of and it") == []


def test_bm25_prefers_documents_with_rarer_query_terms() -> None:
    """A document with the query term scores above ones without it."""
    bm25 = BM25(["solar panels on roofs", "wind turbines at sea", "roofs and gutters"])
    scores = bm25.scores("solar roofs")
    assert scores[0] > scores[2] > scores[1] == 0.0
    assert BM25([]).scores("anything") == []


CORPUS = [
    "Lithium-ion batteries lose about 2% of their capacity per year in storage.",
    "The cafeteria serves pasta every Tuesday at noon for the staff.",
    "Battery recycling plants in Nevada recover 95% of the cobalt they process.",
    "My cat likes sleeping on the warm windowsill all afternoon long.",
    "Battery recycling plants in Nevada recover 95% of all the cobalt they process!",
    "Short battery note.",
    "Solid-state batteries could double energy density by 2030, says Toyota.",
]


def test_rank_puts_on_topic_sentences_first() -> None:
    """Sentences about the topic outrank unrelated ones, best first."""
    ranked = rank_sentences("battery recycling", CORPUS, 3)
    assert ranked[0][0] == 2
    assert {i for i, _ in ranked} == {0, 2, 6}
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


def test_rank_drops_near_duplicates_and_short_sentences() -> None:
    """A near-copy of a chosen sentence and a 3-word sentence never come back."""
    chosen = {i for i, _ in rank_sentences("battery recycling", CORPUS, 10)}
    assert 4 not in chosen and 5 not in chosen
    assert chosen == {0, 1, 2, 3, 6}


def test_rank_without_topic_overlap_returns_fact_like_sentences() -> None:
    """When the topic matches no word, the most fact-like sentences still come back."""
    ranked = rank_sentences("quantum gravity", CORPUS, 2)
    assert [i for i, _ in ranked] == [2, 6]


@pytest.mark.parametrize("limit", [0, -1])
def test_rank_limit_zero_is_empty(limit: int) -> None:
    """A non-positive limit asks for nothing."""
    assert rank_sentences("battery", CORPUS, limit) == []


def test_rank_falls_back_when_all_sentences_are_short() -> None:
    """Only short sentences: they are returned rather than nothing."""
    assert [i for i, _ in rank_sentences("x", ["Tiny note.", "Two words."], 5)] == [0, 1]


PAGE = """<!doctype html><html><head><title>Solar &amp; Wind  News</title>
<style>p { color: red }</style><script>var tracking = "noise";</script></head>
<body><nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<header>Site banner</header>
<p>Teaser outside the article.</p>
<article><h1>Power today</h1>
<p>Solar output rose 20% in 2024.
It beat coal&nbsp;in Texas &amp; Ohio.</p>
<ul><li>Wind grew</li><li>Hydro stayed flat.</li></ul>
<pre>print("code")</pre></article>
<aside>Related links</aside><footer>Copyright 2024</footer></body></html>"""


def test_html_to_text_keeps_article_and_drops_chrome() -> None:
    """Title and readable article text come out; nav, scripts, styles, footer do not."""
    title, text = html_to_text(PAGE)
    assert title == "Solar & Wind News"
    assert text == (
        "# Power today\n\nSolar output rose 20% in 2024. It beat coal in Texas & Ohio.\n\n"
        "- Wind grew\n\n- Hydro stayed flat."
    )
    assert split_sentences(text) == [
        "Solar output rose 20% in 2024.",
        "It beat coal in Texas & Ohio.",
        "Wind grew.",
        "Hydro stayed flat.",
    ]


def test_html_to_text_without_title_or_article() -> None:
    """Without <title> the first heading is the title; without <article> the body is kept."""
    title, text = html_to_text("<h2>Notes</h2><p>One.</p><div>Two<br>Three</div>")
    assert title == "Notes"
    assert text == "# Notes\n\nOne.\n\nTwo\nThree"
