"""When a stage's earlier result may be reused: fingerprints of what shaped it.

A rerun into the same run directory skips a completed stage only if its fingerprint is
unchanged: the digests of the artifacts it read (and of the source files research
read: their contents, never their paths, so a moved project reuses everything), the
settings that shape its output (the model, the voices, the speaking rate...) and, for
a script, which draft it is. So a re-voice with another speech provider redoes the
audio and what depends on it, and reuses the research and the script it did not pay for
again; a revised script makes the audio, the verdict and the notes stale; a damaged or
altered artifact makes everything after it stale. Settings that only pace or bound the
run (limits, retries, cache paths) are left out on purpose: changing them must not throw
finished work away.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from podcast_factory.config import RunSettings
from podcast_factory.models import EpisodeSpec, StageRecord

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
"""A source with a scheme is a URL (as ``providers.sources.is_url`` decides)."""


def digest(record: StageRecord) -> str:
    """What a stage produced, as one hash of its artifacts' checksums."""
    return _hash(sorted(record.artifacts.items()))


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


def stage_config(stage: str, agent: str, ep: EpisodeSpec, settings: RunSettings) -> dict[str, Any]:
    """The episode fields and settings that shape one stage's output."""
    claude = settings.claude
    llm: dict[str, Any] = {"llm": settings.llm}
    if stage == "research":
        if settings.llm == "claude":
            llm |= {"model": claude.research_model, "searches": claude.web_searches}
            llm |= {"max_source_chars": claude.max_source_chars}
        return {
            **llm,
            "topic": ep.topic,
            "sources": [source_digest(source) for source in ep.sources],
            "minutes": ep.minutes,
            "fact_share": settings.fact_share,
        }
    if stage == "script":
        if settings.llm == "claude":
            llm["model"] = claude.script_model
        show = ep.show
        return {
            **llm,
            "minutes": ep.minutes,
            "hosts": [h.name for h in show.hosts],
            "show": [show.name, show.tagline, show.tone, show.intro, show.outro],
        }
    if stage == "audio":
        speech: dict[str, Any] = {"tts": settings.tts, "wpm": settings.wpm}
        speech |= {"pause_s": settings.pause_s}
        if settings.tts == "elevenlabs":
            speech["elevenlabs"] = settings.elevenlabs.model_dump(mode="json")
        speech["voices"] = [[h.name, h.voices.get(settings.tts, "")] for h in ep.show.hosts]
        return speech
    if stage in ("review", "quality"):
        if settings.llm == "claude":
            llm["model"] = claude.quality_model
        return {**llm, "minutes": ep.minutes, "bounds": settings.quality.model_dump(mode="json")}
    if stage in ("summary", "social"):
        if settings.llm == "claude":
            llm["model"] = claude.quality_model
        return {**llm, "show": ep.show.name}
    return {"agent": agent, "topic": ep.topic}  # a user's agent: its class and the episode


def fingerprint(
    stage: str,
    agent: str,
    ep: EpisodeSpec,
    settings: RunSettings,
    inputs: Mapping[str, StageRecord],
    draft: int = 0,
) -> str:
    """The fingerprint a stage's record must carry to be reused."""
    return _hash(
        {
            "stage": stage,
            "agent": agent,
            "config": stage_config(stage, agent, ep, settings),
            "inputs": {name: digest(r) for name, r in sorted(inputs.items())},
            "draft": draft,
        }
    )


def _hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
