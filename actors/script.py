"""Script writer: research facts in, a two-host dialogue sized to the episode out."""

from __future__ import annotations

from podcast_factory.actors.base import Agent
from podcast_factory.metering import StageContext
from podcast_factory.models import EpisodeSpec, Feedback, ResearchDoc, Script
from podcast_factory.providers.factory import claude_writer
from podcast_factory.providers.offline_writer import OfflineWriter
from podcast_factory.providers.script_checks import shown_worn
from podcast_factory.render import script_markdown
from podcast_factory.stage_call import StageCall, StageResult


class ScriptWriter(Agent):
    name = "script"
    offline_provider = "offline-writer"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._claude = claude_writer(self.settings, self.creds, self.governor)

    async def write(
        self,
        spec: EpisodeSpec,
        doc: ResearchDoc,
        ctx: StageContext,
        feedback: Feedback | None = None,
    ) -> Script:
        """A script whose factual lines keep their fact references. With feedback that
        carries a draft and its verdict, a revision of that draft."""
        return await self.served(self._write(spec, doc, ctx, feedback or Feedback()))

    async def run_stage(self, call: StageCall) -> StageResult:
        """The script stage: the script, and ``script.md`` to read it by."""
        doc = call.input("research", ResearchDoc)
        script = await self.write(call.episode, doc, call.ctx, call.extras.feedback)
        return StageResult(
            output=script, files={"script.md": script_markdown(script, doc).encode()}
        )

    async def _write(
        self, spec: EpisodeSpec, doc: ResearchDoc, ctx: StageContext, feedback: Feedback
    ) -> Script:
        script = await self._draft(spec, doc, ctx, feedback)
        # the series context the draft was written against, for the script gate to judge
        # (only the lines the writer was shown: a long series wears out more than it
        # lists, and a line the writer never saw cannot be held against it)
        worn = shown_worn(feedback)
        return script.model_copy(update={"known_lines": worn}) if worn else script

    async def _draft(
        self, spec: EpisodeSpec, doc: ResearchDoc, ctx: StageContext, feedback: Feedback
    ) -> Script:
        if self._claude is not None:
            return await self._claude.write(self.meter(ctx), spec, doc, feedback)
        facts_words = sum(len(f.text.split()) for f in doc.facts)
        meter = self.meter(ctx)
        async with meter.call(self.offline_provider, 0, {"input_words": facts_words}) as charge:
            script = OfflineWriter().write(spec, doc, feedback)
            charge.units["output_words"] = script.words
        return script
