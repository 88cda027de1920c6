"""The built-in stages: one frozen description each, read by everything that knows them.

A stage's description says which agent runs it (by import path, so this contracts
module imports no actor), the Ray options of that agent, the stages whose outputs it
reads, the model it leaves in ``<stage>.json`` and the files it keeps, the episode
fields and settings that shape its output (its reuse fingerprint), what the episode
hands it beyond its inputs, and how its cost is estimated. Presets and validation
(``workflow_shape``/``workflow_checks``), the agent pool, the episode run, reuse,
imports from a previous run and the estimate all read ``STAGES``; adding a stage is an
entry here plus its agent (which implements ``run_stage``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # models imports the workflow, which reads this table
    from pydantic import BaseModel

    from podcast_factory.config import RunSettings
    from podcast_factory.models import EpisodeSpec

Extra = Literal["covered_facts", "feedback", "seconds_per_word", "wav", "judge_text"]
"""What the episode run hands an agent beyond its inputs (``StageCall.extras``):
facts other episodes of the series covered, the writer's feedback (lessons, the
rejected draft and its verdict), the show's measured pace, the episode's WAV, and
whether the audio gate also judges the text (a workflow without a script gate)."""


@dataclass(frozen=True)
class ClaudeCost:
    """A stage's expected Claude call, as ``podcast_factory.estimate`` prices it."""

    model: Literal["research_model", "script_model", "quality_model"]
    """The ``ClaudeSettings`` field naming the model the stage calls."""
    reads: Literal["sources", "facts", "script"]
    """The payload: the sources (research), the facts (the writer) or the script,
    sent after the show's style block as a prefix calls of the episode share."""
    writes: Literal["facts", "script", "verdict", "notes", "posts"]
    first_reader: bool = True
    """Writes the shared prefix to the cache (later readers of the script read it)."""
    web_search: bool = False
    """Also makes the configured web searches (a call of their own)."""
    only_without: str | None = None
    """Priced only when this stage is not in the workflow: the audio gate judges the
    text only when there is no script gate."""


@dataclass(frozen=True)
class SpeechCost:
    """A stage that buys speech for the script's characters."""


@dataclass(frozen=True)
class BuiltinStage:
    """Everything the application knows about one built-in stage."""

    name: str
    agent: str
    """The agent class, ``module:Class``; the pool imports it."""
    output: str
    """The class in ``podcast_factory.models`` of the handoff left in ``<name>.json``."""
    needs: tuple[str, ...]
    """Stages whose outputs the agent is handed."""
    artifacts: tuple[str, ...]
    """The files the stage keeps in the episode's folder."""
    config: Callable[[EpisodeSpec, RunSettings], dict[str, Any]]
    """The episode fields and settings that shape the output (its reuse fingerprint).
    Settings that only pace or bound a run are left out, so changing them reuses work."""
    actor_options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Ray actor options of the agent (I/O-bound agents are async with bounded
    concurrency)."""
    extras: tuple[Extra, ...] = ()
    cost: ClaudeCost | SpeechCost | None = None
    """How the estimate prices it with real providers (None: free)."""
    importable: bool = False
    """Its artifacts may be imported from a previous run (``inputs_from``) instead of
    made: the rest are cheap to remake or depend on these."""
    gate: bool = False
    """It judges a draft; a rejected draft goes back to the writer."""
    revised: bool = False
    """A revision makes it again (the writer, the gates, and the speech between them)."""
    offline_cpu_bound: bool = False
    """Its offline provider computes on the CPU: the agent asks Ray for a whole CPU."""
    by_reference: tuple[str, ...] = ()
    """Artifacts (the WAV) that travel through Ray's object store: the agent returns
    them as an object of their own, the supervisor writes them to disk from the
    reference and hands the reference, not the bytes, to the stages that read them."""

    @property
    def output_model(self) -> type[BaseModel]:
        import podcast_factory.models as models

        cls: type[BaseModel] = getattr(models, self.output)
        return cls

    @property
    def output_fields(self) -> tuple[str, ...]:
        """The fields of the output a condition (``when: quality.passed``) may read."""
        return tuple(self.output_model.model_fields)


_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
"""A source with a scheme is a URL (as ``providers.sources.is_url`` decides)."""


def source_digest(source: str) -> str:
    """What research reads from a source, not where it lives: a local file by its
    contents (rewrite it and the research is stale; move the project and it is not), a
    URL by its text (what it serves is not fetched again to decide)."""
    if _URL_RE.match(source.strip()):
        return "url:" + source.strip()
    sha = hashlib.sha256()
    try:
        with open(source, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                sha.update(block)
    except OSError as exc:  # research will say what is wrong; never reuse on it
        return f"unreadable:{type(exc).__name__}"
    return "sha256:" + sha.hexdigest()


def _language(ep: EpisodeSpec) -> dict[str, Any]:
    """The show's language shapes every stage's output; English, the default, is left out
    so the fingerprints of runs made before shows had a language stay as they were."""
    return {} if ep.show.language == "en" else {"language": ep.show.language}


def _llm(settings: RunSettings, model: str) -> dict[str, Any]:
    if settings.llm != "claude":
        return {"llm": settings.llm}
    return {"llm": settings.llm, "model": getattr(settings.claude, model)}


def _voice(
    stage: str, ep: EpisodeSpec, settings: RunSettings, offline: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The show's style and the edited prompt templates, as far as they shape ``stage``:
    with Claude every style field (the show's block carries them all) and the templates
    whose prompts the stage sends; offline only the ``offline`` style fields it honours.
    Empty when nothing is set, so the fingerprints of older runs stay as they were."""
    style = ep.show.style.changed()
    found: dict[str, Any] = {}
    if settings.llm == "claude":
        found = {"prompts": settings.prompts.shaping(stage)} if settings.prompts.edited else {}
        found = {k: v for k, v in found.items() if v}
    else:
        style = {k: v for k, v in style.items() if k in offline}
    return found | ({"style": style} if style else {})


def _research_config(ep: EpisodeSpec, settings: RunSettings) -> dict[str, Any]:
    llm = _llm(settings, "research_model")
    if settings.llm == "claude":
        llm |= {"searches": settings.claude.web_searches}
        llm |= {"max_source_chars": settings.claude.max_source_chars}
    return {
        **llm,
        "topic": ep.topic,
        "sources": [source_digest(source) for source in ep.sources],
        "minutes": ep.minutes,
        "fact_share": settings.fact_share,
        **_voice("research", ep, settings, ("words_per_minute",)),
        **_language(ep),
    }


def _script_config(ep: EpisodeSpec, settings: RunSettings) -> dict[str, Any]:
    show = ep.show
    return {
        **_llm(settings, "script_model"),
        "minutes": ep.minutes,
        "hosts": [h.name for h in show.hosts],
        "show": [show.name, show.tagline, show.tone, show.intro, show.outro],
        **_voice("script", ep, settings, ("avoid", "sign_off", "words_per_minute")),
        **_language(ep),
    }


def _audio_config(ep: EpisodeSpec, settings: RunSettings) -> dict[str, Any]:
    speech: dict[str, Any] = {"tts": settings.tts, "wpm": settings.wpm}
    speech |= {"pause_s": settings.pause_s}
    if settings.tts == "elevenlabs":
        speech["elevenlabs"] = settings.elevenlabs.model_dump(mode="json")
    speech["voices"] = [[h.name, h.voices.get(settings.tts, "")] for h in ep.show.hosts]
    return speech | _language(ep)


def _gate_config(ep: EpisodeSpec, settings: RunSettings) -> dict[str, Any]:
    bounds = settings.quality.model_dump(mode="json")
    gate = {**_llm(settings, "quality_model"), "minutes": ep.minutes, "bounds": bounds}
    return gate | _voice("review", ep, settings, ("avoid", "words_per_minute")) | _language(ep)


def _publish_config(ep: EpisodeSpec, settings: RunSettings) -> dict[str, Any]:
    show = ep.show
    publish = {**_llm(settings, "quality_model"), "show": show.name, "link": show.feed_url}
    return publish | _language(ep)


def _summary_config(ep: EpisodeSpec, settings: RunSettings) -> dict[str, Any]:
    return _publish_config(ep, settings) | _voice("summary", ep, settings)


def _social_config(ep: EpisodeSpec, settings: RunSettings) -> dict[str, Any]:
    return _publish_config(ep, settings) | _voice("social", ep, settings, ("avoid",))


def _master_config(ep: EpisodeSpec, settings: RunSettings) -> dict[str, Any]:
    """Loudness, ceiling and bitrate, and the tags that are not in the stage's inputs."""
    tags = {"show": ep.show.name, "number": ep.number}
    return {**settings.master.model_dump(mode="json"), **tags, **_language(ep)}


def _io_bound(concurrency: int) -> Mapping[str, Any]:
    return MappingProxyType({"max_concurrency": concurrency})


STAGES: Mapping[str, BuiltinStage] = MappingProxyType(
    {
        s.name: s
        for s in (
            BuiltinStage(
                name="research",
                agent="podcast_factory.actors.research:ResearchAgent",
                output="ResearchDoc",
                needs=(),
                artifacts=("research.json", "research.md"),
                config=_research_config,
                actor_options=_io_bound(32),
                extras=("covered_facts",),
                cost=ClaudeCost("research_model", reads="sources", writes="facts", web_search=True),
                importable=True,
            ),
            BuiltinStage(
                name="script",
                agent="podcast_factory.actors.script:ScriptWriter",
                output="Script",
                needs=("research",),
                artifacts=("script.json", "script.md"),
                config=_script_config,
                actor_options=_io_bound(32),
                extras=("feedback",),
                cost=ClaudeCost("script_model", reads="facts", writes="script"),
                importable=True,
                revised=True,
            ),
            BuiltinStage(
                name="review",
                agent="podcast_factory.actors.quality:QualityEvaluator",
                output="QualityReport",
                needs=("research", "script"),
                artifacts=("review.json",),
                config=_gate_config,
                actor_options=_io_bound(8),
                extras=("seconds_per_word",),
                cost=ClaudeCost("quality_model", reads="script", writes="verdict"),
                gate=True,
                revised=True,
            ),
            BuiltinStage(
                name="audio",
                agent="podcast_factory.actors.audio:AudioSynthesizer",
                output="AudioAsset",
                needs=("script",),
                artifacts=("audio.json", "audio.wav"),
                config=_audio_config,
                actor_options=_io_bound(16),
                cost=SpeechCost(),
                revised=True,
                offline_cpu_bound=True,
                by_reference=("audio.wav",),
            ),
            BuiltinStage(
                name="quality",
                agent="podcast_factory.actors.quality:QualityEvaluator",
                output="QualityReport",
                needs=("research", "script", "audio"),
                artifacts=("quality.json",),
                config=_gate_config,
                actor_options=_io_bound(8),
                extras=("wav", "judge_text"),
                cost=ClaudeCost(
                    "quality_model", reads="script", writes="verdict", only_without="review"
                ),
                gate=True,
                revised=True,
            ),
            BuiltinStage(
                name="summary",
                agent="podcast_factory.actors.summary:SummaryAgent",
                output="ShowNotes",
                needs=("research", "script", "audio"),
                artifacts=("summary.json", "summary.md"),
                config=_summary_config,
                actor_options=_io_bound(32),
                cost=ClaudeCost(
                    "quality_model", reads="script", writes="notes", first_reader=False
                ),
            ),
            BuiltinStage(
                name="social",
                agent="podcast_factory.actors.social:SocialAgent",
                output="SocialPosts",
                needs=("research", "script", "audio"),
                artifacts=("social.json",),
                config=_social_config,
                actor_options=_io_bound(32),
                cost=ClaudeCost(
                    "quality_model", reads="script", writes="posts", first_reader=False
                ),
            ),
            BuiltinStage(
                name="master",
                agent="podcast_factory.actors.master:MasteringAgent",
                output="MasteredAudio",
                needs=("script", "audio", "summary"),
                artifacts=(
                    "master.json",
                    "audio.mp3",
                    "transcript.vtt",
                    "transcript.srt",
                    "transcript.json",
                    "chapters.json",
                ),
                config=_master_config,
                actor_options=_io_bound(4),  # the numpy work runs in threads
                extras=("wav",),
            ),
        )
    }
)
"""Every built-in stage, in the order of the full workflow (summary and social run side
by side; master follows summary, whose chapters and description it tags)."""

STAGE_NAMES: tuple[str, ...] = tuple(STAGES)
GATES: tuple[str, ...] = tuple(s.name for s in STAGES.values() if s.gate)
"""The script gate (before speech is bought) and the audio gate, in the order they judge."""
IMPORTABLE: tuple[str, ...] = tuple(s.name for s in STAGES.values() if s.importable)
