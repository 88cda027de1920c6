"""The objective checks of the two quality gates, each with its bound and its advice:
what the script alone tells (length predicted, facts said, repeats, markup), what a
listener would notice (dangling references, worn lines, the topic late, a misheard
pronoun, avoided phrases, unsupported details) and what the sound tells (length,
silence, clipping, loudness). ``podcast_factory.actors.quality`` runs them.

The text checks read the script in the show's language (``show.language``): its
sentences, words, stems and the openers that point back are that language's."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from podcast_factory.config import QualityThresholds
from podcast_factory.models import Check, QualityReport, ResearchDoc, Script, Show
from podcast_factory.providers.details import unsupported_details
from podcast_factory.providers.script_checks import (
    canned_lines,
    dangling_refs,
    key_terms,
    misattributed,
    topic_early,
)
from podcast_factory.providers.text import split_sentences, tokenize
from podcast_factory.providers.wav import AudioStats
from podcast_factory.style import said_phrases

MARKUP = re.compile(r"https?://|www\.|[*_#`<>\[\]{}|~^\\]|&[a-z]+;")
COVERED = 0.8
"""Share of a fact's words a single turn must contain for the fact to count as said."""


def fact_coverage(doc: ResearchDoc, script: Script, *, lang: str = "en") -> float:
    """Share of research facts whose words are (almost all) in one turn of the script.

    Measured on the text, not on the script's fact references, so a script that cites
    a fact without saying it does not pass."""
    if not doc.facts:
        return 0.0
    turns = [set(tokenize(t.text, lang=lang)) for t in script.turns]
    said = 0
    for fact in doc.facts:
        words = set(tokenize(fact.text, lang=lang))
        if words and any(len(words & t) / len(words) >= COVERED for t in turns):
            said += 1
    return said / len(doc.facts)


def repeated_sentences(script: Script, *, lang: str = "en") -> int:
    """Sentences of four words or more spoken more than once."""
    counts = Counter(
        " ".join(re.findall(r"(?:[^\W_]|')+", s.casefold()))  # every word: stopwords count here
        for t in script.turns
        for s in split_sentences(t.text, lang=lang)
        if len(s.split()) >= 4
    )
    return sum(n - 1 for n in counts.values() if n > 1)


def markup_leaks(script: Script) -> int:
    return sum(len(MARKUP.findall(t.text)) for t in script.turns)


Advice = dict[str, str]


def text_checks(
    doc: ResearchDoc,
    script: Script,
    predicted_s: float,
    target_s: float,
    q: QualityThresholds,
    *,
    lang: str = "en",
) -> tuple[list[Check], Advice]:
    """What can be judged from the script alone: its length predicted from the word count
    and the show's pace, facts said, repeats, markup. The script gate runs these before
    any speech is bought. ``lang``: the show's language."""
    off = predicted_s / target_s - 1 if target_s else 0.0
    coverage = fact_coverage(doc, script, lang=lang)
    repeats = repeated_sentences(script, lang=lang)
    leaks = markup_leaks(script)
    checks = [
        Check(
            name="duration",
            value=round(off, 3),
            threshold=f"|x| <= {q.duration_tolerance} (predicted: {script.words} words)",
            passed=abs(off) <= q.duration_tolerance,
        ),
        Check(
            name="fact_coverage",
            value=round(coverage, 3),
            threshold=f">= {q.min_fact_coverage}",
            passed=coverage >= q.min_fact_coverage,
        ),
        Check(
            name="repeated_sentences",
            value=repeats,
            threshold=f"<= {q.max_repeated_sentences}",
            passed=repeats <= q.max_repeated_sentences,
        ),
        Check(
            name="markup_leaks",
            value=leaks,
            threshold=f"<= {q.max_markup_leaks}",
            passed=leaks <= q.max_markup_leaks,
        ),
    ]
    advice = {
        "duration": _length_advice("The script would run", predicted_s, target_s, off),
        "fact_coverage": f"Only {coverage:.0%} of the research facts are said: lengthen the "
        "episode or keep fewer facts.",
        "repeated_sentences": f"{repeats} sentence(s) are said twice: rewrite the repeats.",
        "markup_leaks": f"{leaks} markup character(s) or URL(s) would be read aloud: strip them.",
    }
    return checks, advice


def listener_checks(
    doc: ResearchDoc, script: Script, show: Show | None
) -> tuple[list[Check], Advice]:
    """Whether each line makes sense where it is said (see ``script_checks``): no line
    pointing at something not said, no host line the show has worn out, the topic's
    subject said early, no he/she heard as someone else, no number, date or name that
    none of the facts give (``details``). Every one must be zero or pass."""
    lang = show.language if show is not None else "en"
    dangling = dangling_refs(doc=doc, script=script, lang=lang)
    exempt = " ".join(x for x in (show.intro, show.outro) if x) if show else ""
    name = show.name if show else ""
    canned = canned_lines(script, doc, script.known_lines, exempt, name, lang=lang)
    intro = show.intro.replace("{show}", show.name).replace("{topic}", doc.topic) if show else ""
    early, missing = topic_early(script, doc, doc.topic, intro, lang=lang)
    wrong = misattributed(script, doc, lang=lang)
    unsupported = unsupported_details(script, doc, show)
    checks = [
        Check(name="dangling_refs", value=len(dangling), threshold="<= 0", passed=not dangling),
        Check(name="canned_lines", value=len(canned), threshold="<= 0", passed=not canned),
        Check(
            name="topic_early",
            value=round(early, 3),
            threshold="> 0 (the topic's subject in the first fifth)",
            passed=not missing or missing[0] != key_terms(doc.topic, doc, lang=lang)[0],
        ),
        Check(name="misattributed", value=len(wrong), threshold="<= 0", passed=not wrong),
        Check(
            name="unsupported_details",
            value=len(unsupported),
            threshold="<= 0",
            passed=not unsupported,
        ),
    ]
    advice = {
        "dangling_refs": f"{len(dangling)} line(s) open by pointing at something not said "
        f"before, e.g. {_quote(dangling)}: say the referent, keep the sentence before it, "
        "or leave it out.",
        "canned_lines": f"{len(canned)} host line(s) were said in two or more earlier "
        f"episodes of the show, e.g. {_quote(canned)}: react to this episode's facts.",
        "topic_early": f"The topic's own terms ({', '.join(missing)}) are not said in the "
        "first fifth of the script: open with the topic's core story.",
        "misattributed": f"A pronoun would be heard as the wrong person: {_quote(wrong)}. "
        "Name the person, or keep the sentence that names them.",
        "unsupported_details": f"{len(unsupported)} line(s) state what none of the facts "
        f"say, e.g. {_details(unsupported)}: say only the research's numbers, dates and "
        "names, or leave the claim out.",
    }
    if show is not None and show.style.avoid:
        check, advice["avoided_phrases"] = avoided_phrases(script, show.style.avoid)
        checks.append(check)
    return checks, advice


def avoided_phrases(script: Script, avoid: Sequence[str]) -> tuple[Check, str]:
    """How many times the script says a phrase the show's style avoids (any case, any
    spacing or punctuation), and advice naming the phrases said. Only a show with
    phrases to avoid has the check."""
    said = [p for t in script.turns for p in said_phrases(avoid, t.text)]
    named = ", ".join(f'"{p}"' for p in dict.fromkeys(said))
    check = Check(name="avoided_phrases", value=len(said), threshold="<= 0", passed=not said)
    return check, f"The script says {named}, which the show never says: reword those lines."


def _quote(found: Sequence[str]) -> str:
    return f'"{found[0][:90]}"' if found else '""'


def _details(found: Sequence[tuple[str, list[str]]]) -> str:
    if not found:
        return '""'
    sentence, details = found[0]
    return f"{', '.join(details)} in {_quote([sentence])}"


def audio_checks(
    stats: AudioStats, target_s: float, q: QualityThresholds
) -> tuple[list[Check], Advice]:
    """What needs the sound itself: measured length, silence, clipping, loudness."""
    off = stats.duration_s / target_s - 1 if target_s else 0.0
    lo, hi = q.min_loudness_dbfs, q.max_loudness_dbfs
    checks = [
        Check(
            name="duration",
            value=round(off, 3),
            threshold=f"|x| <= {q.duration_tolerance}",
            passed=abs(off) <= q.duration_tolerance,
        ),
        Check(
            name="silence_share",
            value=round(stats.silence_share, 3),
            threshold=f"<= {q.max_silence_share}",
            passed=stats.silence_share <= q.max_silence_share,
        ),
        Check(
            name="clipping_share",
            value=round(stats.clipping_share, 5),
            threshold=f"<= {q.max_clipping_share}",
            passed=stats.clipping_share <= q.max_clipping_share,
        ),
        Check(
            name="loudness_dbfs",
            value=round(stats.rms_dbfs, 1),
            threshold=f"{lo}..{hi}",
            passed=lo <= stats.rms_dbfs <= hi,
        ),
    ]
    advice = {
        "duration": _length_advice("The audio runs", stats.duration_s, target_s, off),
        "silence_share": f"{stats.silence_share:.0%} of the audio is silence: shorten pauses.",
        "clipping_share": "The audio clips: lower the speech volume before mixing.",
        "loudness_dbfs": f"Loudness {stats.rms_dbfs:.1f} dBFS is outside {lo}..{hi}: "
        "normalize the audio.",
    }
    return checks, advice


def _length_advice(what: str, seconds: float, target_s: float, off: float) -> str:
    return f"{what} {seconds / 60:.1f} min against a {target_s / 60:.1f} min " + (
        "target: give more sources or lower 'minutes'."
        if off < 0
        else "target: raise 'minutes' or trim the script."
    )


def verdict(checks: Sequence[Check], advice: Advice) -> QualityReport:
    """The report of a set of checks: passed only if every check passed."""
    scores = {c.name: 1.0 if c.passed else 0.0 for c in checks}
    scores["overall"] = round(sum(scores.values()) / len(checks), 3)
    return QualityReport(
        passed=all(c.passed for c in checks),
        scores=scores,
        checks=tuple(checks),
        suggestions=tuple(advice[c.name] for c in checks if not c.passed),
    )
