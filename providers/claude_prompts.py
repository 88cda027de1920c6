"""What Claude's prompt templates are filled with: the show's block, facts, script, sources.

The instructions around these payloads are templates (``podcast_factory.prompts``).

The show's block, then the facts (the script call) or the script (the judge, notes
and social calls) are system blocks, so the calls of an episode share a prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

from podcast_factory.models import ResearchDoc, Script, Show
from podcast_factory.prompts import Prompts, common_values, style_text
from podcast_factory.providers.text import split_sentences


def show_system(show: Show, prompts: Prompts | None = None, topic: str = "") -> str:
    """The show's block: the first system block of every call of a show, its style
    guide included (``system.txt``)."""
    values = common_values(show, topic)
    values |= {"tagline": show.tagline or "none", "style": style_text(show.style)}
    return (prompts or Prompts()).fill("system", values)


def facts_block(doc: ResearchDoc) -> str:
    """The research as a system block (shared by the script and its revisions)."""
    facts = "\n".join(f"[{i}] {f.text}" for i, f in enumerate(doc.facts))
    return f"Research facts of the episode, numbered:\n{facts}"


def script_block(script: Script) -> str:
    """The script as a system block (shared by the judge, the notes and the posts)."""
    lines = "\n".join(f"{t.speaker}: {t.text}" for t in script.turns)
    return f"Script of the episode '{script.title}':\n{lines}"


def clip(text: str, budget: int) -> str:
    """A source's sentences, up to ``budget`` characters, cut between sentences."""
    kept: list[str] = []
    used = 0
    for sentence in split_sentences(text):
        if used + len(sentence) > budget:
            break
        kept.append(sentence)
        used += len(sentence) + 1
    return " ".join(kept)


def lessons_text(lessons: Sequence[str]) -> str:
    """The script template's ``{lessons}``: the series memory's lessons, or nothing."""
    if not lessons:
        return ""
    return "\nLessons from earlier episodes of this show:\n- " + "\n- ".join(lessons)
