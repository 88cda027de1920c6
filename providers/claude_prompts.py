"""What Claude's prompt templates are filled with: the show's block, facts, script, sources.

The instructions around these payloads are templates (``podcast_factory.prompts``).

The show's block, then the facts (the script call) or the script (the judge, notes
and social calls) are system blocks, so the calls of an episode share a prefix.

A show not in English gets its language in every call: a paragraph at the end of the
show's block, and a sentence at the end of each prompt saying what that task writes in
it (``language_rule``). Research translates: each fact in the show's language, its quote
verbatim in the source's own language (the quote check keeps working on the quote). An
English show sends neither, so it sends what it sent before shows had a language.
"""

from __future__ import annotations

from collections.abc import Sequence

from podcast_factory.language import primary
from podcast_factory.models import ResearchDoc, Script, Show
from podcast_factory.prompts import Prompts, common_values, language_name, style_text
from podcast_factory.providers.text import split_sentences

_RULES = {
    "system": "\n\nLanguage: the show is in {name} (language tag {tag}). Write every word a "
    "listener hears or reads in {name}, whatever the language of the sources and of these "
    "instructions.",
    "research": "\n\nWrite each fact in {name} ({tag}), translating it when its source is in "
    "another language; keep each quote verbatim in its source's own language, exactly as "
    "the source writes it, untranslated.",
    "search": " Answer in {name} ({tag}).",
    "script": "\n\nWrite the title and every line in {name} ({tag}).",
    "judge": "\n\nThe script is in {name} ({tag}): judge it as {name}. Write the suggestions "
    "in {name}; quote unsupported claims verbatim from the script.",
    "notes": "\n\nWrite the summary and every chapter title in {name} ({tag}).",
    "social": "\n\nWrite every post and hashtag in {name} ({tag}).",
}


def language_rule(tag: str, task: str) -> str:
    """What a call of ``task`` (``system``, ``research``, ``search``, ``script``,
    ``judge``, ``notes``, ``social``) is told about a show in ``tag``: nothing for
    English, else the language it writes in (and, for research, that quotes stay in the
    source's language)."""
    if primary(tag) == "en":
        return ""
    return _RULES[task].format(name=language_name(tag), tag=tag)


def show_system(show: Show, prompts: Prompts | None = None, topic: str = "") -> str:
    """The show's block: the first system block of every call of a show, its style
    guide included (``system.txt``), and its language when it is not English."""
    values = common_values(show, topic)
    values |= {"tagline": show.tagline or "none", "style": style_text(show.style)}
    filled = (prompts or Prompts()).fill("system", values)
    return filled + language_rule(show.language, "system")


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
