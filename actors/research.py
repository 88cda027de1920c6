"""Research coordinator: the episode's sources in, the key facts with their sources out.

Sources are read (local files) or fetched (http(s) URLs, bounded in time and size),
split into sentences, and ranked against the topic with BM25. One failed source does
not stop the episode while another is usable; none usable is a SourceError that says
how to give one. Facts the series memory says other episodes already covered are left
out, so a series does not repeat itself. Source texts are cached per agent, so a batch
whose episodes share notes reads each file once.
"""

from __future__ import annotations

import asyncio
import os

from podcast_factory.actors.base import Agent
from podcast_factory.actors.memory import is_repeat
from podcast_factory.errors import ProviderError, SourceError
from podcast_factory.metering import StageContext
from podcast_factory.models import EpisodeSpec, Fact, ResearchDoc, SourceInfo
from podcast_factory.providers.factory import claude_writer
from podcast_factory.providers.quotes import verify_facts
from podcast_factory.providers.sources import SourceFetcher, SourceText, is_url, read_local
from podcast_factory.providers.story import pick
from podcast_factory.providers.text import split_sentences
from podcast_factory.redact import redact_text, redact_url
from podcast_factory.render import research_markdown, source_label
from podcast_factory.stage_call import StageCall, StageResult


class ResearchAgent(Agent):
    name = "research"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._cache: dict[tuple[str, float], SourceText] = {}
        self._claude = claude_writer(self.settings, self.creds, self.governor)
        self._fetcher: SourceFetcher | None = None

    def _urls(self) -> SourceFetcher:
        """The run's URL fetcher (made on first use, in the actor's event loop): each
        URL fetched once, a few at a time, private addresses only if allowed."""
        if self._fetcher is None:
            self._fetcher = SourceFetcher(
                allow_private=self.settings.allow_private_sources,
                cache_dir=self.settings.source_cache_dir,
            )
        return self._fetcher

    async def _load(self, source: str) -> SourceText:
        if is_url(source):
            fetcher = self._urls()
            fetches = fetcher.fetches
            text = await fetcher.fetch(source)
            self.cache_hits += fetcher.fetches == fetches
            return text
        key = (source, os.stat(source).st_mtime)
        if key in self._cache:
            self.cache_hits += 1
            return self._cache[key]
        text = await asyncio.to_thread(read_local, source)
        self._cache[key] = text
        return text

    async def _try_load(self, source: str) -> SourceText | SourceInfo:
        try:
            return await self._load(source)
        except (SourceError, OSError) as exc:
            return SourceInfo(source=redact_url(source), error=redact_text(str(exc)))

    async def check_sources(self, sources: list[str]) -> list[SourceInfo]:
        """Read sources as research would, spending nothing: what a run asks before an
        episode whose source failed in an earlier run of the show costs anything."""
        loaded = await asyncio.gather(*(self._try_load(s) for s in sources))
        return [
            item
            if isinstance(item, SourceInfo)
            else SourceInfo(source=redact_url(item.source), title=item.title, chars=len(item.text))
            for item in loaded
        ]

    async def research(
        self, spec: EpisodeSpec, ctx: StageContext, avoid: tuple[str, ...] = ()
    ) -> ResearchDoc:
        """The key facts of the episode's sources, most relevant to its topic, leaving
        out the facts in ``avoid`` (covered by other episodes of the series)."""
        return await self.served(self._research(spec, ctx, avoid))

    async def run_stage(self, call: StageCall) -> StageResult:
        """The research stage (``podcast_factory.stages``)."""
        doc = await self.research(call.episode, call.ctx, call.extras.covered_facts)
        return StageResult(output=doc, files={"research.md": research_markdown(doc).encode()})

    async def _research(
        self, spec: EpisodeSpec, ctx: StageContext, avoid: tuple[str, ...]
    ) -> ResearchDoc:
        loaded = await asyncio.gather(*(self._try_load(s) for s in spec.sources))
        lang = spec.show.language
        infos: list[SourceInfo] = []
        texts: list[SourceText] = []
        sentences: list[tuple[str, int]] = []
        for item in loaded:
            if isinstance(item, SourceInfo):
                infos.append(item)
                continue
            sentences.extend((s, len(infos)) for s in split_sentences(item.text, lang=lang))
            texts.append(item)
            infos.append(SourceInfo(source=item.source, title=item.title, chars=len(item.text)))
        if not sentences:
            problems = "; ".join(i.error or f"{i.source}: no sentences" for i in infos)
            raise SourceError(
                "sources",
                f"no usable text in the {len(infos)} source(s) of episode {spec.episode_id} "
                f"({problems}). Give a .md, .txt or .html file or an http(s) URL with prose.",
            )
        if self._claude is not None:
            found = await self._claude.research(self.meter(ctx), spec, texts, infos, avoid)
            doc = verify_facts(found, texts, lang=lang)
            if found.facts and not doc.facts:
                first = doc.unverified[0]
                raise ProviderError(
                    "anthropic",
                    f"research for episode {spec.episode_id}: none of the {len(found.facts)} "
                    f"facts Claude returned quotes its source (e.g. {first.quote[:80]!r} is not "
                    f"in {source_label(first.source)}), so the episode has nothing it may say. "
                    "Run it again, or give sources with more prose on the topic.",
                )
            fresh = tuple(
                f for f in doc.facts if not is_repeat(f.text, avoid, lang=spec.show.language)
            )
            return doc.model_copy(update={"facts": fresh or doc.facts})
        budget = spec.minutes * spec.show.style.words_per_minute * self.settings.fact_share
        picked = pick(
            spec.topic,
            [s for s, _ in sentences],
            [src for _, src in sentences],
            budget,
            (lambda text: is_repeat(text, avoid, lang=lang)) if avoid else None,
            lang=lang,
        )
        facts = tuple(
            Fact(
                text=unit.text,
                source=infos[unit.source].source,
                source_title=infos[unit.source].title,
                score=round(score, 4),
                quote=" ".join(s for s, _ in sentences[unit.first : unit.last + 1]),
                context=unit.context,
            )
            for unit, score in picked
        )
        doc = ResearchDoc(
            episode_id=spec.episode_id, topic=spec.topic, facts=facts, sources=tuple(infos)
        )
        return verify_facts(doc, texts, lang=lang)  # verbatim sentences: always met
