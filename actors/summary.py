"""Summary agent: show notes with chapters timed from the audio, and the source list.

Offline, the notes are built from the research and script; with Claude, Claude writes
the summary and the chapter titles while the chapter times still come from the audio's
segment timings (a model cannot hear where a turn starts). Claude's text is held to the
offline rules: a summary is shortened by whole sentences, and a chapter title longer
than six words or cut off ("...") gives way to the offline one.
"""

from __future__ import annotations

from podcast_factory.actors.base import Agent
from podcast_factory.metering import StageContext
from podcast_factory.models import AudioAsset, Chapter, EpisodeSpec, ResearchDoc, Script, ShowNotes
from podcast_factory.providers.factory import claude_writer
from podcast_factory.providers.offline_notes import (
    fit_summary,
    good_summary,
    good_title,
    notes_markdown,
    show_notes,
)
from podcast_factory.stage_call import StageCall, StageResult


class SummaryAgent(Agent):
    name = "summary"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._claude = claude_writer(self.settings, self.creds, self.governor)

    async def notes(
        self,
        spec: EpisodeSpec,
        doc: ResearchDoc,
        script: Script,
        audio: AudioAsset,
        ctx: StageContext,
    ) -> ShowNotes:
        """Show notes for a finished episode."""
        return await self.served(self._notes(spec, doc, script, audio, ctx))

    async def run_stage(self, call: StageCall) -> StageResult:
        """The summary stage: the notes, and ``summary.md`` to publish."""
        doc, script = call.input("research", ResearchDoc), call.input("script", Script)
        audio = call.input("audio", AudioAsset)
        notes = await self.notes(call.episode, doc, script, audio, call.ctx)
        markdown = notes_markdown(notes, call.episode.show.language)
        return StageResult(output=notes, files={"summary.md": markdown.encode()})

    async def _notes(
        self,
        spec: EpisodeSpec,
        doc: ResearchDoc,
        script: Script,
        audio: AudioAsset,
        ctx: StageContext,
    ) -> ShowNotes:
        notes = show_notes(spec, doc, script, audio)
        if self._claude is None:
            return notes
        written = await self._claude.notes(
            self.meter(ctx), spec, script, [c.title for c in notes.chapters]
        )
        titles = [t.strip() for t in written.chapter_titles]
        chapters = tuple(
            Chapter(
                start_s=c.start_s,
                title=titles[i] if i < len(titles) and good_title(titles[i]) else c.title,
            )
            for i, c in enumerate(notes.chapters)
        )
        said = fit_summary(written.summary.strip())
        text = said if good_summary(said) else notes.summary
        return notes.model_copy(update={"summary": text, "chapters": chapters})
