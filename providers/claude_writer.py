"""What the agents ask Claude: research, a script, a judgement.

Each task is a prompt plus a small output model that Claude fills through structured
output; the answer is turned into the project's handoffs here (fact indexes checked,
speakers matched to hosts, markup stripped from spoken text).

The prompts are templates (``podcast_factory.prompts``): the defaults, or a user's
edited copies from ``RunSettings.prompts``; this module only fills them in. They are
built so the calls of an episode share a prefix, as system blocks: the show's block
(its style included), then the research facts (the script call) or the script (the judge,
notes and social calls, which all use the quality model, so they share one cache). The
client puts a cache breakpoint on the last block only when the prefix reaches the
model's minimum (``providers.claude_cache``); shorter prefixes are sent uncached.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, create_model

from podcast_factory.config import ClaudeSettings
from podcast_factory.metering import Meter
from podcast_factory.models import (
    EpisodeSpec,
    Fact,
    Feedback,
    ResearchDoc,
    Script,
    SourceInfo,
    Turn,
)
from podcast_factory.prompts import Prompts, common_values
from podcast_factory.providers.claude_prompts import (
    clip,
    facts_block,
    language_rule,
    lessons_text,
    script_block,
)
from podcast_factory.providers.claude_prompts import show_system as show_system
from podcast_factory.providers.offline_writer import (
    MAX_SCALE,
    MIN_SCALE,
    revised_target,
    signed_off,
    spoken,
    title_for,
)
from podcast_factory.providers.publish_text import clock, listen
from podcast_factory.providers.script_checks import worn_lines
from podcast_factory.providers.sources import SourceText

if TYPE_CHECKING:  # the anthropic SDK takes seconds to import: only a Claude run needs it
    from podcast_factory.providers.claude import Citation, ClaudeClient

MAX_AVOID = 200
"""Covered facts listed in a research prompt at most (the newest ones matter most)."""
TOKENS_PER_WORD = 1.4
"""English prose with JSON framing; sizes max_tokens and estimates."""


class _FactOut(BaseModel):
    text: str = Field(description="One self-contained factual sentence, speakable aloud.")
    source_index: int = Field(description="Index of the source it comes from.")
    quote: str = Field(description="The span of the source it rests on, verbatim.")


class ResearchOut(BaseModel):
    facts: list[_FactOut]


@functools.cache
def research_output(sources: int) -> type[ResearchOut]:
    """ResearchOut whose source_index is bounded by the number of sources given, so the
    schema tells the model (and validation checks) which indexes exist."""
    fact = create_model(
        "FactOut",
        __base__=_FactOut,
        source_index=(int, Field(ge=0, le=sources - 1, description="Index of its source.")),
    )
    return create_model("ResearchOut", __base__=ResearchOut, facts=(list[fact], ...))


class _TurnOut(BaseModel):
    speaker: str = Field(description="Exactly one of the host names.")
    text: str = Field(description="What the host says: plain speech, no markup.")
    fact_refs: list[int] = Field(description="Indexes of the facts this line states.")


class ScriptOut(BaseModel):
    title: str
    turns: list[_TurnOut]


@functools.cache
def script_output(host_a: str, host_b: str) -> type[ScriptOut]:
    """ScriptOut whose speaker must be one of the two hosts (an enum in the schema)."""
    turn = create_model(
        "TurnOut",
        __base__=_TurnOut,
        speaker=(Literal[host_a, host_b], Field(description="Who speaks this line.")),  # type: ignore[arg-type]
    )
    return create_model("ScriptOut", __base__=ScriptOut, turns=(list[turn], ...))


class RubricOut(BaseModel):
    faithfulness: int = Field(ge=1, le=5, description="Every claim is supported by the facts.")
    engagement: int = Field(ge=1, le=5, description="A listener would keep listening.")
    clarity: int = Field(ge=1, le=5, description="Easy to follow by ear.")
    suggestions: list[str] = Field(description="Concrete changes that would raise the scores.")
    unsupported_claims: list[str] = Field(
        default_factory=list, description="Claims of the script that no fact supports, quoted."
    )


class _RubricLoose(BaseModel):
    """RubricOut without the 1-5 limits, which the API's schema cannot enforce: a score
    outside them is clamped, not bought again."""

    faithfulness: int
    engagement: int
    clarity: int
    suggestions: list[str]
    unsupported_claims: list[str] = []

    def clamped(self) -> RubricOut:
        fields = self.model_dump()
        scores = ("faithfulness", "engagement", "clarity")
        return RubricOut(**fields | {k: min(5, max(1, fields[k])) for k in scores})


class NotesOut(BaseModel):
    summary: str = Field(description="Two or three sentences a listener reads before playing.")
    chapter_titles: list[str] = Field(description="One short title per chapter, in order.")


class _PostOut(BaseModel):
    platform: str = Field(description="x, linkedin or mastodon.")
    text: str = Field(description="The post without hashtags, within the platform's limit.")


class SocialOut(BaseModel):
    posts: list[_PostOut]
    hashtags: list[str] = Field(description="Two or three hashtags without the # sign.")


def script_words(spec: EpisodeSpec) -> int:
    """The words an episode is written in: its minutes at the show's pace."""
    return round(spec.minutes * spec.show.style.words_per_minute)


class ClaudeWriter:
    """Research, writing and judging with Claude; models per agent from settings."""

    def __init__(
        self,
        client: ClaudeClient,
        settings: ClaudeSettings,
        fact_share: float,
        prompts: Prompts | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._fact_share = fact_share
        self._prompts = prompts or Prompts()

    def _system(self, spec: EpisodeSpec, *more: str) -> list[str]:
        return [show_system(spec.show, self._prompts, spec.topic), *more]

    def _prompt(self, name: str, spec: EpisodeSpec, task: str = "", **values: str) -> str:
        """Template ``name`` filled, then the show's language rule for ``task`` (none for
        an English show, nor for a template that is part of another prompt)."""
        filled = self._prompts.fill(name, common_values(spec.show, spec.topic) | values)
        return filled + (language_rule(spec.show.language, task) if task else "")

    async def research(
        self,
        meter: Meter,
        spec: EpisodeSpec,
        texts: list[SourceText],
        infos: list[SourceInfo],
        avoid: tuple[str, ...] = (),
    ) -> ResearchDoc:
        fact_words = round(script_words(spec) * self._fact_share)
        budget = self._settings.max_source_chars // max(1, len(texts))
        blocks = [  # clean sentences, not raw markup: fewer tokens, nothing to misread
            f"<source index={i} title={t.title!r}>\n{clip(t.text, budget)}\n</source>"
            for i, t in enumerate(texts)
        ]
        covered = (
            " Earlier episodes of the show already covered these facts; do not repeat "
            "them:\n- " + "\n- ".join(avoid[-MAX_AVOID:]) + "\n"
            if avoid
            else ""
        )
        prompt = self._prompt(
            "research",
            spec,
            "research",
            sources="\n\n".join(blocks),
            minutes=f"{spec.minutes:g}",
            fact_words=str(fact_words),
            covered=covered,
        )
        result = await self._client.structured(
            meter,
            model=self._settings.research_model,
            system=self._system(spec),
            prompt=prompt,
            output=ResearchOut,
            schema_from=research_output(len(texts)),
            max_tokens=math.ceil(fact_words * TOKENS_PER_WORD * 2.5) + 300,
        )
        # transform_schema moves the index limits into descriptions, so decoding does not
        # enforce them: a fact pointing past the sources is dropped and counted, not re-bought
        facts = [
            Fact(
                text=spoken(f.text),
                source=texts[f.source_index].source,
                source_title=texts[f.source_index].title,
                quote=f.quote,
            )
            for f in result.output.facts
            if 0 <= f.source_index < len(texts) and f.text.strip()
        ]
        dropped = sum(1 for f in result.output.facts if not 0 <= f.source_index < len(texts))
        searches = self._settings.web_searches
        if searches:
            facts += [
                Fact(
                    text=spoken(c.cited_text),
                    source=c.url,
                    source_title=c.title,
                    quote=c.cited_text,
                )
                for c in await self._web_facts(meter, spec, searches)
                if c.cited_text.strip()
            ]
        return ResearchDoc(
            episode_id=spec.episode_id,
            topic=spec.topic,
            facts=tuple(facts),
            sources=tuple(infos),
            dropped_facts=dropped,
        )

    async def _web_facts(self, meter: Meter, spec: EpisodeSpec, searches: int) -> list[Citation]:
        """Facts from the web: a plain call with the search tool, whose citations carry
        each fact's URL, title and quoted span. Citations cannot be combined with
        structured output (the API answers 400), hence a call of its own."""
        result = await self._client.search(
            meter,
            model=self._settings.research_model,
            system=self._system(spec),
            prompt=self._prompt("search", spec, "search"),
            max_searches=searches,
            max_tokens=1500,
        )
        return list(result.citations)

    async def write(
        self, meter: Meter, spec: EpisodeSpec, doc: ResearchDoc, feedback: Feedback | None = None
    ) -> Script:
        a, b = (h.name for h in spec.show.hosts)
        feedback = feedback or Feedback()
        nominal = script_words(spec)
        words = round(nominal * min(MAX_SCALE, max(MIN_SCALE, feedback.length_scale)))
        show = spec.show
        revision = ""
        if feedback.draft is not None and feedback.report is not None:
            failed = feedback.report.failed
            if "duration" in failed:
                words = revised_target(feedback.draft, failed["duration"])
            lines = "\n".join(f"{t.speaker}: {t.text}" for t in feedback.draft.turns)
            revision = "\n\n" + self._prompt(
                "revision",
                spec,
                suggestions="\n- ".join(feedback.report.suggestions or ("improve it",)),
                draft_words=str(feedback.draft.words),
                draft=lines,
            )
        prompt = self._prompt(
            "script",
            spec,
            "script",
            intro=show.intro or "a short welcome naming the show and topic",
            outro=show.outro or "a short thank-you",
            words=str(words),
            lessons=lessons_text(feedback.lessons),
            worn_lines=worn_lines(feedback),
            revision=revision,
        )
        result = await self._client.structured(
            meter,
            model=self._settings.script_model,
            system=self._system(spec, facts_block(doc)),
            prompt=prompt,
            output=script_output(a, b),
            max_tokens=math.ceil(words * TOKENS_PER_WORD * 2) + 500,
        )
        hosts = {h.name.lower(): h.name for h in show.hosts}
        turns = []
        for i, t in enumerate(result.output.turns):
            speaker = hosts.get(t.speaker.strip().lower(), (a, b)[i % 2])
            refs = tuple(r for r in t.fact_refs if 0 <= r < len(doc.facts))
            text = spoken(t.text)
            if text:
                turns.append(Turn(speaker=speaker, text=text, fact_refs=refs))
        return Script(
            episode_id=spec.episode_id,
            title=spoken(result.output.title) or title_for(spec.topic),
            turns=tuple(signed_off(turns, show.style.sign_off)),
            target_words=nominal,
        )

    async def judge(
        self, meter: Meter, spec: EpisodeSpec, doc: ResearchDoc, script: Script
    ) -> RubricOut:
        facts = "\n".join(f"[{i}] {f.text}" for i, f in enumerate(doc.facts))
        prompt = self._prompt("judge", spec, "judge", facts=facts)
        result = await self._client.structured(
            meter,
            model=self._settings.quality_model,
            system=self._system(spec, script_block(script)),
            prompt=prompt,
            output=_RubricLoose,
            schema_from=RubricOut,
            max_tokens=600,
        )
        return result.output.clamped()

    async def notes(
        self, meter: Meter, spec: EpisodeSpec, script: Script, chapters: list[str]
    ) -> NotesOut:
        """A summary, and a title for each chapter (given by its working title)."""
        openings = "\n".join(f"[{i}] {c}" for i, c in enumerate(chapters))
        prompt = self._prompt(
            "notes",
            spec,
            "notes",
            title=script.title,
            chapter_count=str(len(chapters)),
            chapters=openings,
        )
        result = await self._client.structured(
            meter,
            model=self._settings.quality_model,
            system=self._system(spec, script_block(script)),
            prompt=prompt,
            output=NotesOut,
            max_tokens=800 + 60 * len(chapters),  # a title per chapter: long episodes have many
        )
        return result.output

    async def social(
        self, meter: Meter, spec: EpisodeSpec, script: Script, seconds: float | None = None
    ) -> SocialOut:
        """One post per platform, hashtags and link apart so the limits can be enforced."""
        length = (
            f" The episode runs {clock(seconds)} ({listen(seconds, spec.show.language)}); "
            "say so in those words "
            "or not at all."
            if seconds
            else " Do not state the episode's length."
        )
        prompt = self._prompt("social", spec, "social", title=script.title, length=length)
        result = await self._client.structured(
            meter,
            model=self._settings.quality_model,
            system=self._system(spec, script_block(script)),
            prompt=prompt,
            output=SocialOut,
            max_tokens=900,
        )
        return result.output
