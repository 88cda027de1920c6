"""Typed, frozen handoffs between the agents, the supervisor and the run directory.

Every value that crosses an actor boundary is one of these models, never a dict: Ray
pickles them, the run directory stores them as JSON, and a resumed run loads them back.
Money is integer micro-USD everywhere; ``usd()`` turns it into a Decimal for people.

What the work is (shows, specs, research, scripts, audio, reports, posts, ledger lines)
is here; how far a run has got (stage records, drafts, episode states, the batch
result) is ``podcast_factory.state``, re-exported here so either import works.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_serializer, field_validator, model_validator

from podcast_factory.errors import UserInputError
from podcast_factory.handoff import FROZEN
from podcast_factory.handoff import MICRO as MICRO
from podcast_factory.handoff import usd as usd
from podcast_factory.language import normalise, supported
from podcast_factory.layout import reserved_problem
from podcast_factory.prompts import Prompts
from podcast_factory.redact import redact_text, redact_url
from podcast_factory.stages import STAGE_NAMES
from podcast_factory.state import BatchResult as BatchResult
from podcast_factory.state import Draft as Draft
from podcast_factory.state import EpisodeState as EpisodeState
from podcast_factory.state import EpisodeStatus as EpisodeStatus
from podcast_factory.state import ErrorInfo as ErrorInfo
from podcast_factory.state import StageRecord as StageRecord
from podcast_factory.state import StageStatus as StageStatus
from podcast_factory.style import Style
from podcast_factory.workflow import Workflow

EPISODE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
STAGES: tuple[str, ...] = STAGE_NAMES
"""Every stage of the full workflow, in order; summary and social run side by side."""


class _Frozen(BaseModel):
    model_config = FROZEN


class Host(_Frozen):
    """One of the two hosts."""

    name: str
    """Spoken name, used in the script ("ALEX: ...")."""
    voices: dict[str, str] = {}
    """Voice per speech provider: ``{"espeak": "en-us+m3", "elevenlabs": "<voice id>"}``.
    A provider missing here uses its default voice for this host's position."""


class Show(_Frozen):
    """The show an episode belongs to: its hosts and its voice."""

    name: str
    hosts: tuple[Host, Host]
    tagline: str = ""
    tone: str = "curious and friendly"
    intro: str = ""
    """Spoken at the start of every episode; ``{topic}`` and ``{show}`` are filled in."""
    outro: str = ""
    """Spoken at the end of every episode."""
    artwork: str | None = None
    """Square show artwork for the feed (Apple: JPEG or PNG, 1400-3000 px): an http(s)
    URL, or a path that ``publish`` joins to its ``--base-url``."""
    author: str = ""
    """Who makes the show (``itunes:author``, and the owner's name)."""
    category: str = ""
    """Apple Podcasts category, with an optional subcategory after a slash:
    ``Science`` or ``Science/Natural Sciences``."""
    language: str = "en"
    """The show's language, a BCP 47 tag (``en``, ``de``, ``es-MX``, ``pt-BR``): every
    stage writes, checks and speaks in it (``podcast_factory.language``)."""
    explicit: bool = False
    """Whether the show contains explicit content (``itunes:explicit``)."""
    email: str | None = None
    """The owner's address (``itunes:owner``), where Apple writes about the feed."""
    feed_url: str | None = None
    """Where the feed will be served (http/https): ``publish`` writes it as the feed's
    self link, and every social post links to it (without it a post carries
    ``{episode_link}`` for the user to replace)."""
    style: Style = Style()
    """The show's own voice (``podcast_factory.style``): voice guide, audience, phrases
    to avoid, sign-off, words a minute."""

    @field_validator("language")
    @classmethod
    def _bcp47(cls, value: str) -> str:
        try:
            return normalise(value)
        except UserInputError as exc:
            raise ValueError(exc.problem) from None

    @model_validator(mode="after")
    def _language_pace(self) -> Show:
        """A show that sets no pace speaks at its language's (words differ in length: a
        German script of English word count runs long)."""
        if "words_per_minute" not in self.style.model_fields_set:
            pace = supported(self.language).words_per_minute
            if pace != self.style.words_per_minute:
                style = self.style.model_copy(update={"words_per_minute": pace})
                object.__setattr__(self, "style", style)
        return self


class EpisodeSpec(_Frozen):
    """What to make: one episode of a show."""

    episode_id: str
    topic: str
    sources: tuple[str, ...]
    """Local paths (absolute after loading) or http(s) URLs."""
    minutes: float = 3.0
    """Target length of the spoken episode."""
    show: Show
    number: int | None = Field(default=None, ge=1)
    """The episode's number in its show (``number:`` in the batch file): tagged in the
    MP3 so apps order episodes; none when the batch file does not say."""

    @field_serializer("sources", when_used="json")
    def _written_sources(self, sources: tuple[str, ...]) -> tuple[str, ...]:
        """URLs are written without credentials (batch.json, manifests)."""
        return tuple(redact_url(s) for s in sources)

    @field_validator("episode_id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        if not EPISODE_ID_RE.match(value) or value in {".", ".."}:
            raise ValueError("must be 1-64 letters, digits, '.', '_' or '-', not starting with '.'")
        problem = reserved_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class BatchSpec(_Frozen):
    """A whole batch as the user asked for it."""

    show: Show
    episodes: tuple[EpisodeSpec, ...]
    budget_micro_usd: int | None = None
    """Batch budget; None means no limit."""
    episode_cap_micro_usd: int | None = None
    """Optional per-episode cap."""
    concurrency: int = Field(default=4, ge=1, le=1000)
    workflow: Workflow = Field(default_factory=lambda: Workflow.preset("full"))
    """The stages each episode goes through (the full episode unless the batch says)."""
    prompts: Prompts = Prompts()
    """The prompt templates of the batch file's ``prompts:`` folder (only the edited
    ones); ``prepare`` puts them in the run's settings, where the agents read them."""


class SourceInfo(_Frozen):
    """A source as the research agent saw it."""

    source: str
    title: str = ""
    chars: int = 0
    error: str | None = None
    """Why the source could not be used, if it could not."""

    @field_serializer("source", when_used="json")
    def _written_source(self, source: str) -> str:
        return redact_url(source)

    @field_serializer("error", when_used="json")
    def _written_error(self, error: str | None) -> str | None:
        return None if error is None else redact_text(error)


class Fact(_Frozen):
    """One key fact and where it came from."""

    text: str
    source: str
    source_title: str = ""
    score: float = 0.0
    """Relevance to the topic (BM25, offline); higher is more relevant."""
    quote: str = ""
    """The span of the source the fact rests on: the source sentences themselves offline,
    the model's verbatim span with Claude (research keeps a fact only if it is in the
    source), the search result's ``cited_text`` for a web fact."""
    context: str = ""
    """The source sentence just before the fact (offline research): what a pronoun in
    the fact pointed at, so a check can tell when the script makes it point elsewhere."""

    @field_serializer("source", when_used="json")
    def _written_source(self, source: str) -> str:
        return redact_url(source)


class ResearchDoc(_Frozen):
    episode_id: str
    topic: str
    facts: tuple[Fact, ...]
    sources: tuple[SourceInfo, ...]
    dropped_facts: int = 0
    """Facts the model returned that named no given source (dropped, not bought again)."""
    unverified_facts: int = 0
    """Facts left out because their quote is not in the source they name: never said."""
    unverified: tuple[Fact, ...] = ()
    """Those facts, with the quote that was not found, for the user to see."""


class Turn(_Frozen):
    """One line of the dialogue."""

    speaker: str
    text: str
    """Spoken text only: no markup, no URLs."""
    fact_refs: tuple[int, ...] = ()
    """Indexes into ``ResearchDoc.facts`` that this line states."""


class Script(_Frozen):
    episode_id: str
    title: str
    turns: tuple[Turn, ...]
    target_words: int
    known_lines: tuple[str, ...] = ()
    """Host lines the show had already said in two or more earlier episodes when this
    draft was written (from the series memory): the script gate refuses a draft that
    says them again."""

    @property
    def words(self) -> int:
        return sum(len(t.text.split()) for t in self.turns)


class Segment(_Frozen):
    """Where one turn sits in the audio."""

    turn_index: int
    speaker: str
    start_s: float
    end_s: float


class AudioAsset(_Frozen):
    path: str
    """File name inside the episode directory."""
    duration_s: float
    sample_rate: int
    segments: tuple[Segment, ...]
    provider: str = ""


class Synthesis(_Frozen):
    """What the audio agent returns: the asset description and the WAV bytes.

    The bytes travel back to the supervisor, which writes them, so artifacts end up on
    the supervisor's node whatever node synthesized them."""

    asset: AudioAsset
    wav: bytes


class Check(_Frozen):
    """One objective quality check."""

    name: str
    value: float
    threshold: str
    """Human-readable bound, e.g. ``<= 0.35``."""
    passed: bool


class QualityReport(_Frozen):
    passed: bool
    scores: dict[str, float]
    checks: tuple[Check, ...]
    suggestions: tuple[str, ...]

    @property
    def failed(self) -> dict[str, float]:
        """The failed checks by name, with their values."""
        return {c.name: c.value for c in self.checks if not c.passed}


class Feedback(_Frozen):
    """What a writer is told besides the research.

    Lessons come from the series memory (what failed in earlier episodes); a revision
    also carries the draft that was sent back and the verdict that sent it."""

    lessons: tuple[str, ...] = ()
    length_scale: float = 1.0
    """Multiplies the episode's word target: learned from earlier episodes whose audio
    ran long or short at this show's voices."""
    draft: Script | None = None
    report: QualityReport | None = None
    said_before: tuple[tuple[str, int], ...] = ()
    """Host lines (not facts) of the show's earlier episodes, each with the number of
    episodes that said it: a writer varies its openings, closings and reactions by it."""


class Chapter(_Frozen):
    start_s: float
    """Where the chapter starts in the audio, from the segment timings."""
    title: str


class ShowNotes(_Frozen):
    """What goes under the episode in a podcast app."""

    title: str
    summary: str
    chapters: tuple[Chapter, ...]
    sources: tuple[SourceInfo, ...]


class MasteredAudio(_Frozen):
    """The published episode: the mastered MP3 and the files timed to it.

    Every time here is in the MP3's own timeline: the WAV's time plus ``offset_s``, the
    silence the MP3 encoder puts in front that players do not skip."""

    path: str
    """The MP3's file name inside the episode directory."""
    duration_s: float
    """Length of the decoded MP3 (encoder delay and padding included)."""
    offset_s: float
    """How much later everything is heard in the MP3 than in the WAV."""
    sample_rate: int
    bitrate_kbps: int
    lufs: float
    """Integrated loudness (ITU-R BS.1770) measured on the decoded MP3."""
    true_peak_db: float
    """True peak (dBTP, 4x oversampled) measured on the decoded MP3."""
    gain_db: float
    """The gain applied to the WAV before the limiter."""
    limited: bool
    """Whether a limiter took peaks down to reach the loudness under the ceiling."""
    chapters: tuple[Chapter, ...]
    transcripts: dict[str, str]
    """Transcript and chapter files by type: ``text/vtt``, ``application/srt``,
    ``application/json`` and ``application/json+chapters`` -> file name."""


PLATFORM_LIMITS: dict[str, int] = {"x": 280, "linkedin": 3000, "mastodon": 500}
"""Characters a post may have on each platform."""


class Post(_Frozen):
    platform: str
    text: str
    """The whole post as it would be published, hashtags included."""
    hashtags: tuple[str, ...]


class SocialPosts(_Frozen):
    posts: tuple[Post, ...]


CostOp = Literal["reserve", "commit", "release"]


class CostEntry(_Frozen):
    """One line of ``ledger.jsonl``."""

    ts: float
    op: CostOp
    call_id: str
    episode_id: str
    stage: str
    provider: str
    micro_usd: int
    units: dict[str, int] = {}
    """Usage units: characters, tokens, seconds of audio. Recorded even when free."""
    run_id: str = ""
    """The supervisor run that made the entry: a restarted ledger keeps the open
    reservations of its own run (their calls may still commit) and releases the rest."""
