"""Posts announcing an episode: a different post for X, Mastodon and LinkedIn, each
within the platform's limit as the platform counts it, each with the episode's link.

A post is built from whole sentences: when it would not fit, a fact is left out (or a
shorter one chosen), never cut. The link is the show's ``feed_url`` when it has one,
else ``{episode_link}`` for the user to replace. The length said is the audio's own
("a 1-minute listen", "1:16"); without the audio at hand no length is claimed. Claude's
posts go through the same fitting (``finish_posts``), so both paths publish alike,
and neither says a phrase the show's style avoids (a sentence or fact saying one is left
out). The words around the facts, the hashtags and the length are in the show's
language ("Neu bei ...", "#Gezeiten", "1 Minute und 16 Sekunden").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from podcast_factory.language import primary
from podcast_factory.models import PLATFORM_LIMITS, EpisodeSpec, Post, ResearchDoc, Script
from podcast_factory.models import SocialPosts as SocialPosts
from podcast_factory.providers.key_terms import hashtags, key_terms, nounish_tag
from podcast_factory.providers.publish_text import (
    LINK_PLACEHOLDER,
    clock,
    fits,
    lead_sentence,
    listen,
    longest_prefix,
    sentences_of,
    standalone,
)
from podcast_factory.providers.publish_words import words_for
from podcast_factory.providers.text import split_sentences
from podcast_factory.redact import redact_url
from podcast_factory.style import says_any

TAGS_PER_PLATFORM = {"x": 2, "mastodon": 3, "linkedin": 3}
"""X posts are short: two hashtags; Mastodon and LinkedIn take three."""

LINKEDIN_FACTS = 5


def episode_link(spec: EpisodeSpec) -> str:
    """The show's feed URL (without credentials) or the placeholder a user replaces."""
    url = spec.show.feed_url
    return redact_url(url) if url else LINK_PLACEHOLDER


def leading_facts(
    doc: ResearchDoc, script: Script, avoid: Sequence[str] = (), lang: str = "en"
) -> list[str]:
    """The facts in the order the episode says them, each as it reads on its own; a
    fact that leans on one before it ("The result is..."), or says a phrase in
    ``avoid``, is left out."""
    order = [r for t in script.turns for r in t.fact_refs if 0 <= r < len(doc.facts)]
    order += [i for i in range(len(doc.facts)) if i not in order]
    out: list[str] = []
    for i in dict.fromkeys(order):
        text = standalone(doc.facts[i].text, lang)
        if text and text not in out and not says_any(avoid, text):
            out.append(text)
    return out


def episode_tags(spec: EpisodeSpec, doc: ResearchDoc) -> tuple[str, ...]:
    """Three hashtags from the episode's key terms (nouns the topic and facts share)."""
    return hashtags(key_terms(spec.topic, [f.text for f in doc.facts], spec.show.language), 3)


def _end(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."


def _finish(platform: str, body: str, link: str, tags: Sequence[str]) -> str:
    tail = " ".join(tags)
    if platform == "x":
        return f"{body} {link}" + (f" {tail}" if tail else "")
    return f"{body}\n\n{link}" + (f"\n\n{tail}" if tail else "")


def _fits_with(platform: str, link: str, tags: Sequence[str]) -> Callable[[str], bool]:
    """Whether a body fits ``platform`` once the link and ``tags`` are added."""

    def ok(body: str) -> bool:
        return fits(platform, _finish(platform, body, link, tags))

    return ok


def _unsaid(body: str, avoid: Sequence[str]) -> str:
    """``body`` without the sentences that say a phrase in ``avoid``, line by line (a
    line or paragraph left empty goes too)."""
    if not says_any(avoid, body):
        return body
    paragraphs = []
    for paragraph in body.split("\n\n"):
        lines = [
            " ".join(s for s in split_sentences(line) if not says_any(avoid, s))
            for line in paragraph.split("\n")
        ]
        kept = "\n".join(line for line in lines if line.strip())
        if kept and not kept.endswith(":"):
            paragraphs.append(kept)
    return "\n\n".join(paragraphs)


def _first_fitting(
    platform: str, bodies: Iterable[str], link: str, tags: Sequence[str], avoid: Sequence[str]
) -> str:
    """The first body that fits with the link and hashtags (then with fewer hashtags),
    without its sentences that say a phrase in ``avoid``."""
    options = list(dict.fromkeys(u for b in bodies if b and (u := _unsaid(b, avoid))))
    for n in range(len(tags), -1, -1):
        for body in options:
            text = _finish(platform, body, link, tags[:n])
            if fits(platform, text):
                return text
    return link


def _bodies(
    platform: str, spec: EpisodeSpec, doc: ResearchDoc, script: Script, seconds: float | None
) -> list[str]:
    """Candidate bodies for ``platform``, richest first."""
    show, title, lang = spec.show, _end(script.title), spec.show.language
    words = words_for(lang)
    facts = leading_facts(doc, script, show.style.avoid, lang)
    hosts = (show.hosts[0].name, show.hosts[1].name)
    said = [f.text for f in doc.facts]
    new_on = words.new_on.format(show=show.name)
    if platform == "x":
        stamp = f" ({clock(seconds)})" if seconds else ""
        where = f"{new_on}{title[:-1]}{stamp}{title[-1]}"
        best = sorted(doc.facts, key=lambda f: -f.score)
        hooks = [s for f in best if (s := standalone(f.text, lang))]
        hooks = [s for s in hooks if not says_any(show.style.avoid, s)]
        ranked = sorted(hooks, key=lambda s: len(s.split()) < 10)  # a fact with some substance
        plain = new_on.rstrip(" :\u00a0") + "."
        return [f"{hook} {where}" for hook in ranked] + [where, plain]
    about = title.lower().rstrip(".!?") == spec.topic.lower().strip().rstrip(".!?")
    length = listen(seconds, lang) if seconds else ""
    lead = lead_sentence(hosts, spec.topic, said, length, lang)
    if platform == "mastodon":
        head = new_on if about else f"{new_on}{title}\n\n"
        return [head + " ".join([lead, *facts[:n]]) for n in (2, 1, 0)]
    tagline = f" {_end(show.tagline)}" if show.tagline.strip() else ""
    head = words.new_episode.format(show=show.name, title=title) + tagline
    # English puts the clock in too ("... in a 1-minute listen (1:16)."); the other
    # languages already say the exact length.
    stamp = f" ({clock(seconds)})" if seconds and primary(lang) == "en" else ""
    sources = "; ".join(s.title or s.source for s in doc.sources if not s.error and s.title)
    out = []
    for n in range(min(LINKEDIN_FACTS, len(facts)), -1, -1):
        said_how = words.explain_it.format(a=hosts[0], b=hosts[1], length=length) if seconds else ""
        said_how = said_how if about and said_how else lead
        parts = [head, said_how[:-1] + stamp + said_how[-1]]
        if n:
            parts.append(f"{words.learn}\n" + "\n".join(f"- {f}" for f in facts[:n]))
        if sources:
            parts.append(words.sources_line.format(sources=_end(sources)))
        out.append("\n\n".join(parts))
    return out


def social_posts(
    spec: EpisodeSpec, doc: ResearchDoc, script: Script, duration_s: float | None = None
) -> SocialPosts:
    """The offline posts: built from the title, the facts and the audio's length."""
    return finish_posts(spec, doc, script, {}, (), duration_s)


def finish_posts(
    spec: EpisodeSpec,
    doc: ResearchDoc,
    script: Script,
    written: Mapping[str, str],
    written_tags: Sequence[str],
    duration_s: float | None = None,
) -> SocialPosts:
    """Posts from ``written`` (Claude's text per platform; empty offline), fitted to each
    platform by whole sentences, with the link and hashtags added; a platform with no
    usable text, or whose text opens like another platform's, gets the offline post."""
    link = episode_link(spec)
    own = episode_tags(spec, doc)
    tags = [f"#{t.strip().lstrip('#')}" for t in written_tags if t.strip()]
    lang = spec.show.language
    tags = list(dict.fromkeys([t for t in tags if nounish_tag(t, lang)] + list(own)))[:3]
    posts: list[Post] = []
    seen: set[str] = set()
    for platform in PLATFORM_LIMITS:
        mine = tags[: TAGS_PER_PLATFORM[platform]]
        sentences = sentences_of(written.get(platform, ""), lang)
        sentences = [s for s in sentences if not says_any(spec.show.style.avoid, s)]
        body = longest_prefix(sentences, _fits_with(platform, link, mine))
        key = " ".join(sentences[0].split()) if body else ""
        if not body or key in seen:  # a post that opens like another's is the same post
            bodies = _bodies(platform, spec, doc, script, duration_s)
            text = _first_fitting(platform, bodies, link, mine, spec.show.style.avoid)
        else:
            text = _finish(platform, body, link, mine)
        seen.add(key)
        used = tuple(t for t in mine if t in text.split())
        posts.append(Post(platform=platform, text=text, hashtags=used))
    return SocialPosts(posts=tuple(posts))
