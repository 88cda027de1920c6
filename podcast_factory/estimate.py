"""What a batch would cost with the configured providers, spending nothing.

The expected size of every call is derived from what the batch asks for: the source
text research reads, the words of facts it keeps, the words of the script (150 a
minute), the characters ElevenLabs speaks. These are expectations, not the upper
bounds the ledger reserves before each call; ``report`` puts them beside the actual
cost so the model can be checked against every run.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from podcast_factory.config import WORDS_PER_MINUTE, RunSettings
from podcast_factory.models import STAGES, BatchSpec, EpisodeSpec, usd
from podcast_factory.providers.claude_cache import expected_cache
from podcast_factory.providers.claude_writer import TOKENS_PER_WORD, show_system
from podcast_factory.providers.elevenlabs_dialogue import DIALOGUE_MODEL
from podcast_factory.providers.pricing import ClaudeUsage, PriceTable
from podcast_factory.providers.sources import is_url, read_local
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

    @property
    def total_micro_usd(self) -> int:
        return sum(e.total_micro_usd for e in self.episodes)

    @property
    def worst_micro_usd(self) -> int:
        return sum(e.worst_micro_usd for e in self.episodes)

    def summary(self) -> str:
        return f"${usd(self.total_micro_usd)} for {len(self.episodes)} episode(s)"


def _source_chars(ep: EpisodeSpec, cap: int) -> int:
    total = sum(URL_SOURCE_CHARS if is_url(s) else len(read_local(s).text) for s in ep.sources)
    return min(total, cap)


def _tokens(chars: float) -> int:
    return math.ceil(chars / CHARS_PER_TOKEN)


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
    words = round(ep.minutes * WORDS_PER_MINUTE)
    fact_words = round(words * settings.fact_share)
    stages = dict.fromkeys(STAGES, 0)
    if settings.llm == "claude":
        c = settings.claude
        style = _tokens(len(show_system(ep.show)))
        source = _tokens(_source_chars(ep, c.max_source_chars))
        fact_tokens = math.ceil(fact_words * TOKENS_PER_WORD)
        script_tokens = math.ceil(words * TOKENS_PER_WORD)

        def call(model: str, prefix: int, first: bool, **usage: int) -> int:
            shared = expected_cache(model, style + prefix, first)
            total = {k: usage.get(k, 0) + shared.get(k, 0) for k in {*usage, *shared}}
            return prices.claude_cost(model, ClaudeUsage(**total), batch=c.economy)

        stages["research"] = call(
            c.research_model,
            0,
            True,
            input_tokens=source + PROMPT_TOKENS,
            # each fact and the span it quotes, in its JSON object
            output_tokens=2 * fact_tokens
            + math.ceil(fact_words / WORDS_PER_FACT) * JSON_TOKENS_PER_FACT,
        )
        if c.web_searches:  # a plain search call of its own (citations need one)
            stages["research"] += call(
                c.research_model,
                0,
                True,
                input_tokens=PROMPT_TOKENS + c.web_searches * SEARCH_RESULT_TOKENS,
                output_tokens=SEARCH_OUTPUT_TOKENS,
                web_search_requests=c.web_searches,
            )
        stages["script"] = call(
            c.script_model,
            fact_tokens,
            True,
            input_tokens=PROMPT_TOKENS,
            output_tokens=script_tokens + math.ceil(words / WORDS_PER_TURN) * JSON_TOKENS_PER_TURN,
        )
        stages["review"] = call(
            c.quality_model,
            script_tokens,
            True,
            input_tokens=PROMPT_TOKENS,
            output_tokens=JUDGE_OUTPUT_TOKENS,
        )
        for stage, out in (("summary", NOTES_OUTPUT_TOKENS), ("social", SOCIAL_OUTPUT_TOKENS)):
            stages[stage] = call(
                c.quality_model, script_tokens, False, input_tokens=PROMPT_TOKENS, output_tokens=out
            )
    if settings.tts == "elevenlabs":
        chars = math.ceil(words * CHARS_PER_SPOKEN_WORD)
        el = settings.elevenlabs
        stages["audio"] = prices.tts_cost(DIALOGUE_MODEL if el.dialogue else el.model_id, chars)
    workflow = workflow or Workflow.preset("full")
    runs = {s.agent for s in workflow.stages if s.agent_class is None}
    if "review" not in runs:  # no script gate: the audio gate reads and judges the script
        stages["quality"] = stages["review"]
    stages = {name: cost if name in runs else 0 for name, cost in stages.items()}
    # A revision writes the script again and judges it; at worst it also gets as far as
    # being voiced and listened to again.
    revised = ("script", "review", "audio", "quality")
    loop = "script" in runs and bool({"review", "quality"} & runs)
    return EpisodeEstimate(
        episode_id=ep.episode_id,
        stages=stages,
        per_revision_micro_usd=sum(stages[s] for s in revised) if loop else 0,
        revisions=workflow.revisions if loop else 0,
    )


def estimate_batch(
    spec: BatchSpec, settings: RunSettings, prices: PriceTable | None = None
) -> BatchEstimate:
    table = prices or PriceTable.load()
    return BatchEstimate(
        llm=settings.llm,
        tts=settings.tts,
        prices_as_of=table.as_of,
        episodes=tuple(
            estimate_episode(ep, settings, table, workflow=spec.workflow) for ep in spec.episodes
        ),
    )
