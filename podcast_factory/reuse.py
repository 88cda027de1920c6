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
from collections.abc import Mapping
from typing import Any

from podcast_factory.config import RunSettings
from podcast_factory.models import EpisodeSpec, StageRecord
from podcast_factory.stages import STAGES


def digest(record: StageRecord) -> str:
    """What a stage produced, as one hash of its artifacts' checksums."""
    return _hash(sorted(record.artifacts.items()))


def stage_config(stage: str, agent: str, ep: EpisodeSpec, settings: RunSettings) -> dict[str, Any]:
    """The episode fields and settings that shape one stage's output: a built-in stage's
    from its registry entry; a user's agent by its class and the episode's topic."""
    if stage in STAGES and agent == stage:
        return STAGES[stage].config(ep, settings)
    return {"agent": agent, "topic": ep.topic}


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
