"""What a batch would cost with the configured providers, spending nothing.

The expected size of every call is derived from what the batch asks for: the source
text research reads, the words of facts it keeps, the words of the script (150 a
minute), the characters ElevenLabs speaks. These are expectations, not the upper
bounds the ledger reserves before each call; ``report`` puts them beside the actual
cost so the model can be checked against every run. Given the show's recorded bills,
the estimate also carries the static figures calibrated on them
(``podcast_factory.calibration``): an expected cost per stage with a range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from podcast_factory.calibration import Calibration, calibrate, price_key
from podcast_factory.config import RunSettings
from podcast_factory.errors import SourceError
from podcast_factory.memory_file import BatchCost
from podcast_factory.models import BatchSpec, EpisodeSpec, usd
from podcast_factory.providers.claude_cache import expected_cache
from podcast_factory.providers.claude_writer import TOKENS_PER_WORD, show_system
from podcast_factory.providers.elevenlabs_dialogue import DIALOGUE_MODEL
from podcast_factory.providers.pricing import ClaudeUsage, PriceTable
from podcast_factory.providers.sources import is_url, read_local
from podcast_factory.stages import STAGE_NAMES, STAGES, ClaudeCost, SpeechCost
from podcast_factory.workflow import Workflow

CHARS_PER_TOKEN = 4.0
CHARS_PER_SPOKEN_WORD = 6.0
"""Average English word plus its space and punctuation, as speech is billed."""
URL_SOURCE_CHARS = 20_000
"""Assumed length of a URL source, which estimating does not fetch."""
PROMPT_TOKENS = 250
"""Instructions and framing around each prompt's payload."""
JUDGE_OUTPUT_TOKENS = 250
NOTES_OUTPUT_TOKENS = 200
SOCIAL_OUTPUT_TOKENS = 350
WORDS_PER_TURN = 13
"""A host's line runs about this long; each line is one JSON object of the script."""
JSON_TOKENS_PER_TURN = 16
"""Structured output's framing around each line (speaker, text, fact_refs keys)."""
WORDS_PER_FACT = 20
JSON_TOKENS_PER_FACT = 12
"""Framing around each research fact (text, source_index, quote keys)."""
SEARCH_RESULT_TOKENS = 8_000
"""Result pages the API adds to the input per web search."""
SEARCH_OUTPUT_TOKENS = 600


class EpisodeEstimate(BaseModel):
    model_config = ConfigDict(frozen=True)

    episode_id: str
    stages: dict[str, int]
    """Stage -> expected micro-USD (stages the workflow does not run cost 0)."""
    per_revision_micro_usd: int = 0
    """What one revision would add: the script written again, voiced and judged."""
    revisions: int = 0

    @property
    def total_micro_usd(self) -> int:
        return sum(self.stages.values())

    @property
    def worst_micro_usd(self) -> int:
        """The cost if every revision the workflow allows is used."""
        return self.total_micro_usd + self.revisions * self.per_revision_micro_usd


class BatchEstimate(BaseModel):
    model_config = ConfigDict(frozen=True)

    llm: str
    tts: str
    prices_as_of: str
    episodes: tuple[EpisodeEstimate, ...]
    calibration: Calibration | None = None
    """The static figures calibrated on the show's earlier bills (None: not asked for)."""

    @property
    def total_micro_usd(self) -> int:
        return sum(e.total_micro_usd for e in self.episodes)

    def stage_totals(self) -> dict[str, int]:
        """Stage -> the static micro-USD of every episode, in the stages' order."""
        return {s: sum(e.stages.get(s, 0) for e in self.episodes) for s in STAGE_NAMES}

    @property
    def worst_micro_usd(self) -> int:
        return sum(e.worst_micro_usd for e in self.episodes)

    def summary(self) -> str:
        return f"${usd(self.total_micro_usd)} for {len(self.episodes)} episode(s)"


def _source_chars(ep: EpisodeSpec, cap: int) -> int:
    return min(sum(_chars(s) for s in ep.sources), cap)


def _chars(source: str) -> int:
    """A source's length as research would read it; one that cannot be read now (it
    changed since the batch was loaded) counts as empty: the estimate never stops a
    batch, the research stage says what is wrong with the source."""
    if is_url(source):
        return URL_SOURCE_CHARS
    try:
        return len(read_local(source).text)
    except SourceError:
        return 0


def _tokens(chars: float) -> int:
    return math.ceil(chars / CHARS_PER_TOKEN)


class _Sizes:
    """The expected tokens of one episode's payloads and answers, in the terms a
    ``ClaudeCost`` declares (what a call reads, what it writes)."""

    def __init__(self, ep: EpisodeSpec, settings: RunSettings, words: int, fact_words: int):
        c = settings.claude
        self.style = _tokens(len(show_system(ep.show, settings.prompts, ep.topic)))
        fact_tokens = math.ceil(fact_words * TOKENS_PER_WORD)
        script_tokens = math.ceil(words * TOKENS_PER_WORD)
        self.source = _tokens(_source_chars(ep, c.max_source_chars))
        self.prefix = {"sources": 0, "facts": fact_tokens, "script": script_tokens}
        self.output = {
            # each fact and the span it quotes, in its JSON object
            "facts": 2 * fact_tokens
            + math.ceil(fact_words / WORDS_PER_FACT) * JSON_TOKENS_PER_FACT,
            "script": script_tokens + math.ceil(words / WORDS_PER_TURN) * JSON_TOKENS_PER_TURN,
            "verdict": JUDGE_OUTPUT_TOKENS,
            "notes": NOTES_OUTPUT_TOKENS,
            "posts": SOCIAL_OUTPUT_TOKENS,
        }


def _claude_cost(cost: ClaudeCost, sizes: _Sizes, settings: RunSettings, prices: PriceTable) -> int:
    """One stage's Claude calls as ``providers.claude_writer`` sends them: the show's
    style block and the payload as a shared prefix, cached where it reaches the model's
    minimum; research reads its sources uncached, and its web searches are a call of
    their own."""
    c = settings.claude
    model = getattr(c, cost.model)

    def call(prefix: int, first: bool, **usage: int) -> int:
        shared = expected_cache(model, sizes.style + prefix, first)
        total = {k: usage.get(k, 0) + shared.get(k, 0) for k in {*usage, *shared}}
        return prices.claude_cost(model, ClaudeUsage(**total), batch=c.economy)

    prompt = PROMPT_TOKENS + (sizes.source if cost.reads == "sources" else 0)
    total = call(
        sizes.prefix[cost.reads],
        cost.first_reader,
        input_tokens=prompt,
        output_tokens=sizes.output[cost.writes],
    )
    if cost.web_search and c.web_searches:
        total += call(
            0,
            True,
            input_tokens=PROMPT_TOKENS + c.web_searches * SEARCH_RESULT_TOKENS,
            output_tokens=SEARCH_OUTPUT_TOKENS,
            web_search_requests=c.web_searches,
        )
    return total


def estimate_episode(
    ep: EpisodeSpec,
    settings: RunSettings,
    prices: PriceTable,
    workflow: Workflow | None = None,
) -> EpisodeEstimate:
    """Expected cost per stage of one episode. Only the built-in stages the workflow
    runs are priced (a user's agent meters its own calls, which no table can foresee).

    Claude calls are priced the way ``providers.claude_writer`` sends them: the show's
    style block, then the facts (script) or the script (judge, notes, posts) as a shared
    prefix, cached only where it reaches the model's minimum (``expected_cache``): the
    judge writes the script's prefix, the notes and posts read it. In economy mode the
    tokens are at the Message Batches discount (web searches are not discounted)."""
    words = round(ep.minutes * ep.show.style.words_per_minute)
    fact_words = round(words * settings.fact_share)
    workflow = workflow or Workflow.preset("full")
    runs = {s.agent for s in workflow.stages if s.agent_class is None}
    sizes = _Sizes(ep, settings, words, fact_words) if settings.llm == "claude" else None
    stages = dict.fromkeys(STAGE_NAMES, 0)
    for name in runs:
        cost = STAGES[name].cost
        if isinstance(cost, ClaudeCost) and sizes is not None:
            if cost.only_without is None or cost.only_without not in runs:
                stages[name] = _claude_cost(cost, sizes, settings, prices)
        elif isinstance(cost, SpeechCost) and settings.tts == "elevenlabs":
            el = settings.elevenlabs
            chars = math.ceil(words * CHARS_PER_SPOKEN_WORD)
            stages[name] = prices.tts_cost(DIALOGUE_MODEL if el.dialogue else el.model_id, chars)
    # A revision writes the script again and judges it; at worst it also gets as far as
    # being voiced and listened to again.
    revised = [name for name in runs if STAGES[name].revised]
    loop = "script" in runs and any(STAGES[name].gate for name in runs)
    return EpisodeEstimate(
        episode_id=ep.episode_id,
        stages=stages,
        per_revision_micro_usd=sum(stages[s] for s in revised) if loop else 0,
        revisions=workflow.revisions if loop else 0,
    )


def estimate_batch(
    spec: BatchSpec,
    settings: RunSettings,
    prices: PriceTable | None = None,
    history: Sequence[BatchCost] | None = None,
) -> BatchEstimate:
    """The static estimate of every episode; with ``history`` (the show's recorded batch
    costs, ``calibration.cost_history``) also the estimate calibrated on them."""
    table = prices or PriceTable.load()
    if spec.prompts.edited:  # the batch file's templates, as the run would send them
        settings = settings.model_copy(update={"prompts": spec.prompts})
    static = BatchEstimate(
        llm=settings.llm,
        tts=settings.tts,
        prices_as_of=table.as_of,
        episodes=tuple(
            estimate_episode(ep, settings, table, workflow=spec.workflow) for ep in spec.episodes
        ),
    )
    if history is None:
        return static
    keys = {stage: price_key(stage, settings) for stage in STAGE_NAMES}
    calibrated = calibrate(spec.show.name, static.stage_totals(), keys, history)
    return static.model_copy(update={"calibration": calibrated})
