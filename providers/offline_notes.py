"""Offline show notes, built from the episode's own material, publishable as they are.

The summary says what the episode explains ("Nora and Eli explain how tides work.")
followed by its leading facts, each one that reads on its own; chapters group the
factual turns (three facts a chapter), take their start times from the audio's segment
timings and a short title from their own key terms; sources are listed by title and URL,
or by file name, never by a path on the machine that made the episode. The posts are in
``providers.posts``. Everything the notes say around the facts (the lead sentence, the
headings, the first and last chapters' names) is in the show's language
(``providers.publish_words``).
"""

from __future__ import annotations

from podcast_factory.models import AudioAsset, Chapter, EpisodeSpec, ResearchDoc, Script, ShowNotes
from podcast_factory.providers.key_terms import chapter_titles
from podcast_factory.providers.posts import leading_facts
from podcast_factory.providers.posts import social_posts as social_posts
from podcast_factory.providers.publish_text import (
    lead_sentence,
    longest_prefix,
    public_source,
    sentences_of,
    source_line,
)
from podcast_factory.providers.publish_words import words_for

FACTS_PER_CHAPTER = 3
SUMMARY_CHARS = 600
SUMMARY_FACTS = 2
MAX_TITLE_WORDS = 6


def fit_summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` shortened to ``limit`` characters by leaving out its last sentences."""
    if len(text) <= limit:
        return text
    return longest_prefix(sentences_of(text), lambda s: len(s) <= limit) or text[:0]


def summary(spec: EpisodeSpec, doc: ResearchDoc, script: Script) -> str:
    """What the episode explains, then its first facts that stand on their own."""
    hosts = (spec.show.hosts[0].name, spec.show.hosts[1].name)
    lang = spec.show.language
    lead = lead_sentence(hosts, spec.topic, [f.text for f in doc.facts], lang=lang)
    facts = leading_facts(doc, script, lang=lang)[:SUMMARY_FACTS]
    return longest_prefix([lead, *facts], lambda s: len(s) <= SUMMARY_CHARS) or lead


def good_title(title: str) -> bool:
    """A chapter title a podcast app can show: 1-6 words, not a cut sentence, and not a
    sentence at all (a full stop ends a line of dialogue, "Now here is the twist.", which
    a model sometimes hands back as a title)."""
    words = title.split()
    return (
        0 < len(words) <= MAX_TITLE_WORDS
        and not title.rstrip().endswith(("...", "…", ",", ";", ":", "-", "."))
        and words[-1].lower() not in {"a", "an", "the", "of", "and", "or", "to", "with", "in"}
    )


def good_summary(text: str) -> bool:
    """A summary a listener can read: whole sentences, so it ends as a sentence ends.
    A model's summary that does not (cut off, or chapter titles run together with no
    stop) is not published; the notes keep the summary made from the facts."""
    return bool(text) and text.rstrip("\"'”’»)").endswith((".", "!", "?", "…"))


def show_notes(spec: EpisodeSpec, doc: ResearchDoc, script: Script, audio: AudioAsset) -> ShowNotes:
    starts = {seg.turn_index: seg.start_s for seg in audio.segments}
    factual = [i for i, t in enumerate(script.turns) if t.fact_refs]
    groups = [factual[n : n + FACTS_PER_CHAPTER] for n in range(0, len(factual), FACTS_PER_CHAPTER)]
    texts = [
        [doc.facts[r].text for i in group for r in script.turns[i].fact_refs if r < len(doc.facts)]
        for group in groups
    ]
    said = words_for(spec.show.language)
    titles = chapter_titles(spec.topic, texts, MAX_TITLE_WORDS, lang=spec.show.language)
    chapters = [Chapter(start_s=0.0, title=said.intro)]
    for group, title in zip(groups, titles, strict=True):
        chapters.append(Chapter(start_s=starts.get(group[0], 0.0), title=title))
    closing = len(script.turns) - 1
    if factual and closing > factual[-1]:
        chapters.append(Chapter(start_s=starts.get(closing, 0.0), title=said.closing))
    used = [public_source(s) for s in doc.sources if not s.error]
    return ShowNotes(
        title=script.title,
        summary=summary(spec, doc, script),
        chapters=tuple(chapters),
        sources=tuple(used),
    )


def notes_markdown(notes: ShowNotes, lang: str = "en") -> str:
    """Show notes as Markdown: summary, chapters with m:ss timestamps, sources; the
    headings in the show's language ("## Kapitel", "## Fuentes")."""
    said = words_for(lang)
    lines = [f"# {notes.title}", "", notes.summary, "", f"## {said.chapters}", ""]
    for c in notes.chapters:
        lines.append(f"- {int(c.start_s // 60)}:{int(c.start_s % 60):02d} {c.title}")
    lines += ["", f"## {said.sources}", ""]
    lines += [f"- {source_line(public_source(s))}" for s in notes.sources]
    return "\n".join(lines) + "\n"
