"""Run settings: loaded once at the edge (CLI or Python API) and passed to every actor.

Actors never read the environment; whatever they need arrives here, frozen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from podcast_factory.errors import UserInputError
from podcast_factory.limits import ProviderLimits, default_limits
from podcast_factory.prompts import Prompts

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
    min_rubric_score: int = Field(3, ge=1, le=5)
    """Least score (1-5) of each rubric item when Claude judges the episode."""


class MasterSettings(BaseModel):
    """How the published MP3 is mastered and encoded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lufs: float = Field(-16.0, ge=-30.0, le=-9.0)
    """Integrated loudness target (ITU-R BS.1770): -16 LUFS is what podcast apps and
    hosts ask for; Apple normalises playback to about that."""
    true_peak_db: float = Field(-1.0, ge=-6.0, le=0.0)
    """True peak ceiling (dBTP, 4x oversampled), kept on the decoded MP3."""
    bitrate_kbps: Literal[64, 80, 96, 112, 128, 160, 192] = 128
    """Constant MP3 bitrate. Mono speech sounds clean from 64-96 kbps; 128 leaves
    headroom for music beds."""


class ClaudeSettings(BaseModel):
    """Which Claude model each agent uses, and what research may do."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    research_model: str = "claude-haiku-5-5"
    script_model: str = "claude-sonnet-5-5"
    quality_model: str = "claude-haiku-5-5"
    web_searches: int = Field(0, ge=0, le=20)
    """Web searches research may make per episode (0: sources only). $10 per 1,000."""
    max_source_chars: int = Field(60_000, ge=1_000)
    """Source text sent to research per episode; the rest is cut (and says so)."""
    economy: bool = False
    """Send requests through the Message Batches API: half the token price, slower."""
    batch_window_s: float = Field(0.5, ge=0.0, le=60.0)
    """Economy: how long a request waits for others to join its batch."""
    batch_max_requests: int = Field(100, ge=1, le=100_000)
    """Economy: a batch goes out at once when this many requests wait."""
    batch_poll_s: float = Field(1.0, gt=0.0, le=60.0)
    """Economy: the first pause between polls of a batch (it doubles up to 60 s)."""


class ElevenLabsSettings(BaseModel):
    """ElevenLabs model, output and chunking."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_id: str = "eleven_multilingual_v2"
    output_format: str = Field("pcm_24000", pattern=r"^pcm_(16000|22050|24000|44100|48000)$")
    """Raw PCM is stitched directly, so only pcm_* formats; 44.1 kHz needs a higher plan."""
    chunk_chars: int = Field(2_500, ge=100)
    """Characters per request (also capped by the model's own limit)."""
    dialogue: bool = False
    """Voice both hosts together through Text to Dialogue (eleven_v3, about 2,000
    characters a request, turn timings from its timestamps) instead of turn by turn
    with ``model_id``. See providers/elevenlabs_dialogue.py."""


class Credentials(BaseModel):
    """API keys and base URLs, read from the environment once, at the edge.

    Kept apart from ``RunSettings`` because settings are written to ``batch.json`` and
    keys must never be. ``SecretStr`` keeps them out of reprs and logs."""

    model_config = ConfigDict(frozen=True)

    anthropic_api_key: SecretStr | None = None
    elevenlabs_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    elevenlabs_base_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Credentials:
        def get(name: str) -> str | None:
            return env.get(name, "").strip() or None

        key_a, key_e = get("ANTHROPIC_API_KEY"), get("ELEVENLABS_API_KEY")
        return cls(
            anthropic_api_key=SecretStr(key_a) if key_a else None,
            elevenlabs_api_key=SecretStr(key_e) if key_e else None,
            anthropic_base_url=get("ANTHROPIC_BASE_URL"),
            elevenlabs_base_url=get("ELEVENLABS_BASE_URL"),
        )


class RunSettings(BaseModel):
    """How a batch runs: providers, retries, pacing of speech, quality bounds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    llm: Literal["offline", "claude"] = "offline"
    """Research, scripts and judging. ``offline``: extractive, no network."""
    tts: Literal["espeak", "elevenlabs"] = "espeak"
    """Speech. ``espeak``: espeak-ng from the espeakng-loader wheel, no network."""
    claude: ClaudeSettings = ClaudeSettings()
    elevenlabs: ElevenLabsSettings = ElevenLabsSettings()
    provider_attempts: int = Field(4, ge=1, le=10)
    """Tries per provider request for 429, 529, 5xx, timeouts and malformed replies.
    This is the only layer that retries provider errors."""
    request_timeout_s: float = Field(120.0, gt=0)
    speech_cache_dir: str | None = None
    """Where paid speech is kept per turn, so a rerun after a crash does not buy it
    again. The supervisor sets it to ``OUT/.cache/speech``."""
    provider_limits: dict[str, ProviderLimits] = Field(default_factory=default_limits)
    """Concurrent requests and requests per minute per provider, shared by the whole
    batch (every episode, every node). ElevenLabs defaults to 2 concurrent, what its
    free tier allows; raise it with ``--max-concurrent elevenlabs=10``."""
    max_attempts: int = Field(5, ge=1, le=20)
    """Tries per stage when the agent running it crashed or is restarting; after that the
    episode fails, and its manifest says which stage gave up and why."""
    backoff_base_s: float = Field(0.5, ge=0)
    backoff_max_s: float = Field(8.0, ge=0)
    max_actor_restarts: int = Field(-1, ge=-1)
    """Ray restarts of a crashed agent (-1: as often as it crashes; the bound that
    matters is ``max_attempts`` per stage). A dead agent is recreated."""
    actor_ready_timeout_s: float = Field(120.0, gt=0)
    """How long a stage waits for Ray to restart its crashed agent before giving up."""
    max_actor_recreations: int = Field(3, ge=0)
    """Recreations of a dead agent before the batch gives up on it (per stage, however
    many replicas it has)."""
    agent_replicas: dict[str, Annotated[int, Field(ge=1, le=1024)]] = Field(default_factory=dict)
    """Actors per stage, by stage name (default 1 each): an actor uses at most one core,
    so a CPU-heavy stage (master, audio, quality) on a cluster gets several, each try
    going to the least busy (``docs/scaling.md``). Paces the run only: no fingerprint
    changes."""
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
    master: MasterSettings = MasterSettings()
    """Loudness, peak ceiling and bitrate of the published MP3 (the ``master`` stage)."""
    analyse_failures: bool = False
    """With Claude, ask it to read the evidence of every episode that did not complete
    and write the analysis's summary and action (one budgeted, ledgered call each);
    the rules' analysis is always written, with or without it."""
    memory: bool = True
    """Keep a series memory per show: research avoids facts other episodes covered,
    scripts hear the lessons of failed quality checks."""
    memory_dir: str | None = None
    """Where the series memory of each show is kept (one JSON file per show). When unset
    the CLI and Python API use PODCAST_FACTORY_MEMORY or ~/.podcast-factory/memory."""
    allow_private_sources: bool = False
    """Fetch source URLs on loopback, private, link-local and other non-public
    addresses (a user's own intranet). Off by default: a batch file must not make us
    reach this machine's services or a cloud metadata endpoint."""
    source_cache_dir: str | None = None
    """Where the CLI keeps the source URLs it fetched to check them, so the research
    agent reads them there instead of fetching each again (one fetch per URL per run)."""
    prompts: Prompts = Prompts()
    """The prompt templates Claude is sent (``podcast_factory.prompts``): the defaults,
    except those a batch file's ``prompts:`` folder edits."""


def choose_providers(
    llm: str | None, tts: str | None, creds: Credentials, *, need_keys: bool = True
) -> tuple[Literal["offline", "claude"], Literal["espeak", "elevenlabs"], list[str]]:
    """Explicit choices win; otherwise a key in the environment selects the real
    provider. Returns the choice and the notices a user should see. ``need_keys``
    False (pricing, which calls no API): a provider chosen without its key is fine."""
    notices: list[str] = []
    chosen_llm = llm or ("claude" if creds.anthropic_api_key else "offline")
    chosen_tts = tts or ("elevenlabs" if creds.elevenlabs_api_key else "espeak")
    if chosen_llm not in ("offline", "claude"):
        raise UserInputError("--llm", f"{chosen_llm!r} is not a provider; use offline or claude")
    if chosen_tts not in ("espeak", "elevenlabs"):
        raise UserInputError("--tts", f"{chosen_tts!r} is not a provider; use espeak or elevenlabs")
    if chosen_llm == "claude" and not creds.anthropic_api_key and need_keys:
        raise UserInputError("--llm", "claude needs ANTHROPIC_API_KEY in the environment")
    if chosen_tts == "elevenlabs" and not creds.elevenlabs_api_key and need_keys:
        raise UserInputError("--tts", "elevenlabs needs ELEVENLABS_API_KEY in the environment")
    if chosen_llm == "offline":
        notices.append(
            "writing offline (extractive, no API called): set ANTHROPIC_API_KEY "
            "or pass --llm claude for Claude"
        )
    if chosen_tts == "espeak":
        notices.append(
            "speaking offline with espeak-ng: set ELEVENLABS_API_KEY or pass "
            "--tts elevenlabs for ElevenLabs"
        )
    return chosen_llm, chosen_tts, notices  # type: ignore[return-value]
