"""Human-readable renderings of handoffs: the research and the script as Markdown."""

from __future__ import annotations

import re
from pathlib import PurePath

from podcast_factory.models import Fact, ResearchDoc, Script
from podcast_factory.redact import redact_url


def script_markdown(script: Script, doc: ResearchDoc) -> str:
    """The script as a reader sees it: speaker lines with footnotes to their sources."""
    lines = [f"# {script.title}", "", f"_{script.words} words, target {script.target_words}_", ""]
    for turn in script.turns:
        refs = "".join(f"[^{i + 1}]" for i in turn.fact_refs)
        lines.append(f"**{turn.speaker}:** {turn.text}{refs}")
        lines.append("")
    cited = sorted({i for t in script.turns for i in t.fact_refs})
    if cited:
        lines.append("## Sources")
        lines.append("")
        for i in cited:
            fact = doc.facts[i]
            title = f"{fact.source_title}, " if fact.source_title else ""
            lines.append(f"[^{i + 1}]: {title}{source_label(fact.source)}")
    return "\n".join(lines) + "\n"


def source_label(source: str) -> str:
    """A source as a reader may see it: a URL without credentials, a local file by its
    name (a path on the producer's machine means nothing to a listener and says where
    their files live)."""
    if "://" in source:
        return redact_url(source)
    return PurePath(source).name


def research_markdown(doc: ResearchDoc) -> str:
    """The research as a reader checks it: each fact with the quote it rests on and its
    source, then the facts left out and why (a quote not in its source is never said),
    then the sources read."""
    kept, left = len(doc.facts), doc.unverified_facts
    lines = [f"# Research: {doc.topic}", "", _counts(kept, left, doc.dropped_facts), ""]
    lines += ["## Facts", ""]
    for i, fact in enumerate(doc.facts):
        lines.append(f"{i + 1}. {fact.text}")
        if _words(fact.quote) and _words(fact.quote) != _words(fact.text):  # said otherwise
            lines.append(f"   > {' '.join(fact.quote.split())}")
        lines.append(f"   ({_cited(fact)})")
    if doc.unverified:
        lines += ["", "## Left out: not found in their sources", ""]
        for fact in doc.unverified:
            why = "quote not found in source" if fact.quote.strip() else "no quote given"
            quote = f' Quote: "{" ".join(fact.quote.split())}".' if fact.quote.strip() else ""
            lines.append(f"- {fact.text}{quote} ({_cited(fact)}: {why})")
    lines += ["", "## Sources", ""]
    for info in doc.sources:
        title = f"{info.title}, " if info.title else ""
        state = f"not used: {info.error}" if info.error else f"{info.chars:,} characters"
        lines.append(f"- {title}{source_label(info.source)} ({state})")
    return "\n".join(lines) + "\n"


def _counts(kept: int, left: int, dropped: int) -> str:
    said = f"{kept} fact{'s' if kept != 1 else ''} kept"
    said += (
        f", {left} left out: quote not found in source" if left else ", each found in its source"
    )
    if dropped:
        said += f"; {dropped} named no given source and {'were' if dropped > 1 else 'was'} dropped"
    return said + "."


def _words(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def _cited(fact: Fact) -> str:
    title = f"{fact.source_title}, " if fact.source_title else ""
    return f"{title}{source_label(fact.source)}"
