"""Human-readable renderings of handoffs: the script as Markdown."""

from __future__ import annotations

from pathlib import PurePath

from podcast_factory.models import ResearchDoc, Script
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
