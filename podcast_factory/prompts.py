"""The prompts Claude is sent, as templates a user can edit: one text per prompt.

``podcast-factory prompts export DIR`` writes the defaults, one file each
(``script.txt``...); ``prompts: DIR`` in a batch file uses edited copies
(``prompt_files``). A template is text with ``{placeholder}`` fields from a fixed set
per template (``{{`` and ``}}`` for a literal brace); a field outside that set is
refused before the run. The defaults are the prompts as they were written in code, byte
for byte, so estimates and replies do not drift when nobody edits them.

``Prompts`` keeps only the templates that differ from their defaults: it travels to the
agents in ``RunSettings`` (it pickles), and an unedited copy is the same value as no
copy at all, so it changes no fingerprint. An edited template changes the fingerprint
of exactly the stages its prompt shapes (``Template.shapes``), and only with Claude.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, model_validator

from podcast_factory.language import lookup, primary

if TYPE_CHECKING:  # models imports this module (BatchSpec.prompts)
    from podcast_factory.models import Show
    from podcast_factory.style import Style

COMMON = (
    "show", "host_a", "host_b", "topic", "tone", "voice_guide", "audience", "sign_off", "language"
)  # fmt: skip
"""Placeholders every template may use: the show, its hosts, the episode's topic, the
show's style fields (``avoid`` as a quoted, comma-separated list too) and its language.

The defaults do not use ``{language}``: a show not in English gets its language
instruction appended to each prompt by the writer (``providers.claude_prompts``), so an
English show sends what it always sent and an edited template still gets it."""


@dataclass(frozen=True)
class Template:
    """One prompt: its file, what it may say, what it shapes, and its default text."""

    name: str
    about: str
    """When it is sent."""
    placeholders: tuple[str, ...]
    """Its own placeholders (besides ``COMMON`` and ``avoid``), each described in
    ``PLACEHOLDERS``."""
    shapes: tuple[str, ...]
    """The stages whose output its prompt shapes: an edit redoes these (with Claude)."""
    default: str

    @property
    def file(self) -> str:
        return f"{self.name}.txt"

    @property
    def allowed(self) -> tuple[str, ...]:
        return (*COMMON, "avoid", *self.placeholders)


PLACEHOLDERS: Mapping[str, str] = MappingProxyType(
    {
        "show": "the show's name",
        "host_a": "the host who opens and closes",
        "host_b": "the co-host",
        "topic": "the episode's topic",
        "tone": "the show's tone",
        "voice_guide": "style.voice_guide (empty when unset)",
        "audience": "style.audience (empty when unset)",
        "sign_off": "style.sign_off (empty when unset)",
        "avoid": 'style.avoid as "a", "b" (empty when unset)',
        "language": "the show's language in English words (Spanish, German, English)",
        "tagline": "the show's tagline, or 'none'",
        "style": "the style block: a paragraph saying each style field that is set, or nothing",
        "sources": "every source as <source index=N title='...'>text</source>",
        "minutes": "the episode's minutes (1.5)",
        "fact_words": "words of facts to pick in all",
        "covered": "the facts earlier episodes covered, as a sentence and a list (or nothing)",
        "intro": "the show's intro, or a request for a short welcome",
        "outro": "the show's outro, or a request for a short thank-you",
        "words": "the words the script should have",
        "lessons": "lessons from earlier episodes, on lines of their own (or nothing)",
        "worn_lines": "host lines the show has worn out, on lines of their own (or nothing)",
        "revision": "the revision request (revision.txt, filled), or nothing for a first draft",
        "suggestions": "the rejecting gate's suggestions, one a line after '- '",
        "draft_words": "the words of the rejected draft",
        "draft": "the rejected draft, one 'SPEAKER: text' line a turn",
        "facts": "the research facts, one '[N] fact' line each",
        "title": "the episode's title",
        "chapter_count": "how many chapters",
        "chapters": "the chapters' working titles, one '[N] title' line each",
        "length": "a sentence giving the audio's length, or asking not to state it",
    }
)

_ALL = ("research", "script", "review", "quality", "summary", "social")

TEMPLATES: Mapping[str, Template] = MappingProxyType(
    {
        t.name: t
        for t in (
            Template(
                "system",
                "the first system block of every call: the show and its style",
                ("tagline", "style"),
                _ALL,
                "You work on {show}, a podcast with two hosts, {host_a} and {host_b}. "
                "Tagline: {tagline}. Tone: {tone}. "
                "Everything you write is read aloud by a speech engine: plain sentences, no "
                "markdown, no lists, no URLs, no stage directions. Never state a fact that the "
                "research does not support. Answer only with the requested JSON.{style}",
            ),
            Template(
                "research",
                "research: picking the key facts from the sources",
                ("sources", "minutes", "fact_words", "covered"),
                ("research",),
                "Topic of the episode: {topic}\n\n{sources}\n\n"
                "Pick the key facts for a {minutes}-minute episode on the topic: about "
                "{fact_words} words of facts in all, in the order a listener should hear them. "
                "Each fact is one sentence in your words, with the index of its source and the "
                "verbatim span it rests on.{covered}",
            ),
            Template(
                "search",
                "research with --web-searches: the web search call",
                (),
                ("research",),
                "Search the web for recent, well-sourced facts on: {topic}. Answer in "
                "plain sentences, each one stating a single fact from a search result.",
            ),
            Template(
                "script",
                "the script, first draft and revisions",
                ("intro", "outro", "words", "lessons", "worn_lines", "revision"),
                ("script",),
                "Write the script of an episode on: {topic}\n"
                "Hosts: {host_a} opens and closes, {host_b} is the co-host; they alternate "
                "naturally.\n"
                "Intro to say first: {intro}\n"
                "Outro to say last: {outro}\n"
                "Length: about {words} words in all.\n"
                "Use every research fact, cite each line's facts by index in fact_refs, add "
                "nothing the facts do not support.{lessons}{worn_lines}{revision}",
            ),
            Template(
                "revision",
                "a revision: what the script prompt's {revision} says",
                ("suggestions", "draft_words", "draft"),
                ("script",),
                "This is a revision. The draft below was sent back by the quality check "
                "with these suggestions:\n- {suggestions}\n\nDraft ({draft_words} words):\n"
                "{draft}",
            ),
            Template(
                "judge",
                "the judge's rubric, at the script gate (or the audio gate without one)",
                ("facts",),
                ("review", "quality"),
                "Judge the episode script against its research. Score faithfulness (claims "
                "supported by the facts), engagement and clarity from 1 to 5, give at most "
                "three concrete suggestions, and quote every claim of the script (a number, "
                "date, name or event) that none of the facts supports.\n\nFacts:\n{facts}",
            ),
            Template(
                "notes",
                "the show notes: summary and chapter titles",
                ("title", "chapter_count", "chapters"),
                ("summary",),
                "Write show notes for the episode '{title}': about 60 words of summary "
                "in whole sentences saying what the episode explains (not 'the hosts talk "
                "about'), and a title of two to six words, a noun phrase, for each of the "
                "{chapter_count} chapters, whose working titles are:\n{chapters}",
            ),
            Template(
                "social",
                "the posts for X, Mastodon and LinkedIn",
                ("title", "length"),
                ("social",),
                "Write posts announcing the episode '{title}' of {show}, each "
                "with the title and a striking fact, in whole sentences, different for each "
                "platform: x (under 200 characters, one hook), mastodon (under 400, a little "
                "more context), linkedin (under 1200, explains what a listener learns). No links "
                "and no hashtags in the text: the link and hashtags are added after. Give two "
                "or three hashtags, nouns from the episode such as names or key terms, without "
                "the # sign.{length}",
            ),
        )
    }
)
"""Every template, by name (its file is ``<name>.txt``)."""


def fields(text: str) -> list[str]:
    """The placeholders a template's text uses, in order; ``ValueError`` for a brace
    that is not a placeholder (``{`` alone) or a placeholder with a format or an
    attribute (``{topic!r}``, ``{topic.upper}``): only bare names are filled."""
    found = []
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ValueError(f"{{{shown}}} is not a placeholder: write a bare name like {{topic}}")
        found.append(name)
    return found


def render(text: str, values: Mapping[str, str]) -> str:
    """A template's text with its placeholders filled (checked by ``fields`` first)."""
    out = []
    for literal, name, _, _ in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values[name])
    return "".join(out)


class Prompts(BaseModel):
    """The templates in use: only those that differ from their defaults are kept."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    edited: dict[str, str] = {}
    """Template name -> its edited text."""

    @model_validator(mode="after")
    def _checked(self) -> Prompts:
        for name, text in self.edited.items():
            if name not in TEMPLATES:
                raise ValueError(f"{name!r} is not a prompt template")
            unknown = [f for f in fields(text) if f not in TEMPLATES[name].allowed]
            if unknown:
                raise ValueError(f"{name}: unknown placeholder {{{unknown[0]}}}")
        return self

    @classmethod
    def of(cls, texts: Mapping[str, str]) -> Prompts:
        """Prompts from template texts, dropping those equal to their defaults."""
        return cls(edited={n: t for n, t in texts.items() if t != TEMPLATES[n].default})

    def text(self, name: str) -> str:
        return self.edited.get(name, TEMPLATES[name].default)

    def fill(self, name: str, values: Mapping[str, str]) -> str:
        """The prompt of template ``name`` with ``values`` (every allowed placeholder)."""
        return render(self.text(name), values)

    def shaping(self, stage: str) -> dict[str, str]:
        """Digest of each edited template that shapes ``stage``: part of its fingerprint
        with Claude (empty when none is edited, so old runs keep reusing)."""
        return {
            name: hashlib.sha256(text.encode()).hexdigest()[:16]
            for name, text in sorted(self.edited.items())
            if stage in TEMPLATES[name].shapes
        }


def quoted(phrases: Sequence[str]) -> str:
    """Phrases as a prompt lists them: ``"a", "b"``."""
    return ", ".join(f'"{p}"' for p in phrases)


def style_text(style: Style) -> str:
    """The system template's ``{style}``: a paragraph saying each style field that is
    set, or nothing (a show without a style sends today's system block unchanged)."""
    lines = []
    if style.voice_guide:
        lines.append(f"Voice: {style.voice_guide}")
    if style.audience:
        lines.append(f"Audience: {style.audience}")
    if style.avoid:
        lines.append(f"Never say these phrases, in any form: {quoted(style.avoid)}.")
    if style.sign_off:
        lines.append(
            "End every episode with the sign-off, after the outro, word for word: "
            f'"{style.sign_off}"'
        )
    return "\n\nThe show's style guide:\n" + "\n".join(lines) if lines else ""


def language_name(tag: str) -> str:
    """The English name of the language of a BCP 47 ``tag``: ``es-MX`` -> ``Spanish``
    (babel's names, for a tag ``podcast_factory.language`` does not know too)."""
    known = lookup(tag)
    if known is not None:
        return known.name
    try:  # babel's locale data loads on first use; most shows never need it
        from babel import Locale, UnknownLocaleError

        name = Locale.parse(primary(tag)).get_display_name("en")
    except (ImportError, ValueError, UnknownLocaleError):
        name = None
    return str(name) if name else tag


def common_values(show: Show, topic: str) -> dict[str, str]:
    """The placeholders every template may use (``COMMON`` and ``avoid``)."""
    style = show.style
    return {
        "language": language_name(show.language),
        "show": show.name,
        "host_a": show.hosts[0].name,
        "host_b": show.hosts[1].name,
        "topic": topic,
        "tone": show.tone,
        "voice_guide": style.voice_guide,
        "audience": style.audience,
        "sign_off": style.sign_off,
        "avoid": quoted(style.avoid),
    }
