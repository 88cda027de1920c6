"""Offline show notes and social posts, built from the episode's own material.

The summary is the show's framing plus the first facts; chapters group the factual
turns (three facts a chapter) and take their start times from the audio's segment
timings; posts are the title, the most relevant fact and hashtags from the topic, cut
to each platform's limit.
"""

from __future__ import annotations

import re

from podcast_factory.models import (
    PLATFORM_LIMITS,
    AudioAsset,
    Chapter,
    EpisodeSpec,
    Post,
    ResearchDoc,
    Script,
    ShowNotes,
    SocialPosts,
)
from podcast_factory.providers.text import tokenize
from podcast_factory.redact import redact_url

FACTS_PER_CHAPTER = 3
SUMMARY_CHARS = 600


def fit(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def hashtags(topic: str, count: int = 3) -> tuple[str, ...]:
    """Hashtags from the topic's content words, longest first."""
    words = sorted(
        {w for w in re.findall(r"[A-Za-z]{4,}", topic) if tokenize(w)}, key=lambda w: (-len(w), w)
    )
    return tuple(f"#{w.capitalize()}" for w in words[:count])


def chapter_title(text: str) -> str:
    words = text.rstrip(".!?").split()
    return " ".join(words[:7]) + ("…" if len(words) > 7 else "")


def show_notes(spec: EpisodeSpec, doc: ResearchDoc, script: Script, audio: AudioAsset) -> ShowNotes:
    a, b = (h.name for h in spec.show.hosts)
    facts = [f.text for f in doc.facts[:2]]
    summary = fit(
        f"{a} and {b} talk about {spec.topic.rstrip('.')}. " + " ".join(facts), SUMMARY_CHARS
    )
    starts = {seg.turn_index: seg.start_s for seg in audio.segments}
    chapters = [Chapter(start_s=0.0, title="Introduction")]
    factual = [i for i, t in enumerate(script.turns) if t.fact_refs]
    for n in range(0, len(factual), FACTS_PER_CHAPTER):
        first = factual[n]
        fact = doc.facts[script.turns[first].fact_refs[0]].text
        chapters.append(Chapter(start_s=starts.get(first, 0.0), title=chapter_title(fact)))
    closing = len(script.turns) - 1
    if factual and closing > factual[-1]:
        chapters.append(Chapter(start_s=starts.get(closing, 0.0), title="Wrap-up"))
    used = [s for s in doc.sources if not s.error]
    return ShowNotes(
        title=script.title, summary=summary, chapters=tuple(chapters), sources=tuple(used)
    )


def social_posts(spec: EpisodeSpec, doc: ResearchDoc, script: Script) -> SocialPosts:
    tags = hashtags(spec.topic)
    best = max(doc.facts, key=lambda f: f.score).text if doc.facts else ""
    show = spec.show.name
    posts = []
    for platform, limit in PLATFORM_LIMITS.items():
        tail = " " + " ".join(tags)
        if platform == "linkedin":
            body = (
                f"New on {show}: {script.title}. {best} "
                f"{spec.show.hosts[0].name} and {spec.show.hosts[1].name} unpack it in "
                f"{round(spec.minutes)} minutes."
            )
        else:
            body = f"New on {show}: {script.title}. {best}"
        posts.append(
            Post(platform=platform, text=fit(body, limit - len(tail)) + tail, hashtags=tags)
        )
    return SocialPosts(posts=tuple(posts))


def notes_markdown(notes: ShowNotes) -> str:
    """Show notes as Markdown: summary, chapters with m:ss timestamps, sources."""
    lines = [f"# {notes.title}", "", notes.summary, "", "## Chapters", ""]
    for c in notes.chapters:
        lines.append(f"- {int(c.start_s // 60)}:{int(c.start_s % 60):02d} {c.title}")
    lines += ["", "## Sources", ""]
    for s in notes.sources:
        url = redact_url(s.source)
        lines.append(f"- {s.title or url}: {url}")
    return "\n".join(lines) + "\n"
