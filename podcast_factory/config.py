"""Run settings: loaded once at the edge (CLI or Python API) and passed to every actor.

Actors never read the environment; whatever they need arrives here, frozen.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

WORDS_PER_MINUTE = 150
"""Spoken words a minute a script is sized for (a typical conversational pace)."""


class QualityThresholds(BaseModel):
    """Bounds of the objective quality checks. A check outside its bound fails the episode."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    duration_tolerance: float = Field(0.35, gt=0)
    """Largest allowed |actual / target - 1| of the audio's length."""
    max_silence_share: float = Field(0.40, ge=0, le=1)
    """Largest share of 20 ms frames below -45 dBFS (pauses between turns count)."""
    max_clipping_share: float = Field(0.001, ge=0, le=1)
    min_loudness_dbfs: float = -32.0
    max_loudness_dbfs: float = -6.0
    min_fact_coverage: float = Field(0.6, ge=0, le=1)
    """Smallest share of the research's key facts that the script actually states."""
    max_repeated_sentences: int = Field(0, ge=0)
    max_markup_leaks: int = Field(0, ge=0)


class RunSettings(BaseModel):
    """How a batch runs: providers, retries, pacing of speech, quality bounds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    llm: Literal["offline"] = "offline"
    """Writer for research and scripts. ``offline``: extractive, no network."""
    tts: Literal["espeak"] = "espeak"
    """Speech. ``espeak``: espeak-ng from the espeakng-loader wheel, no network."""
    max_attempts: int = Field(3, ge=1, le=20)
    """Tries per stage for retryable failures (provider faults, an agent that died)."""
    backoff_base_s: float = Field(0.5, ge=0)
    backoff_max_s: float = Field(8.0, ge=0)
    max_actor_restarts: int = Field(3, ge=0)
    """Ray restarts of a crashed agent before the supervisor recreates it."""
    max_actor_recreations: int = Field(3, ge=0)
    """Recreations of a dead agent before the batch gives up on it."""
    wpm: int = Field(165, ge=80, le=400)
    """espeak-ng speaking rate; a little over WORDS_PER_MINUTE to allow for pauses."""
    pause_s: float = Field(0.35, ge=0, le=5)
    """Silence between two turns."""
    fact_share: float = Field(0.6, gt=0, le=1)
    """Share of an episode's spoken words the research's key facts should fill; the rest
    is intro, outro, lead-ins and replies. Sizes the research to the episode."""
    provider_latency_s: float = Field(0.0, ge=0)
    """Added delay per offline provider call: mimics a remote provider in tests and
    benchmarks. Zero for real work."""
    quality: QualityThresholds = QualityThresholds()
