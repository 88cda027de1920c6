"""Claude's reading of why an episode failed (``--analyse-failures``): from the same
evidence the rules read (errors and attempts, failed checks, spend), a summary, an
action and a batch-file change in the producer's terms. One budgeted, ledgered call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from podcast_factory.metering import Meter

if TYPE_CHECKING:  # the anthropic SDK takes seconds to import; the caller has a client
    from podcast_factory.providers.claude import ClaudeClient

ANALYSIS_MAX_TOKENS = 500
EVIDENCE_CHARS = 4000
"""Evidence beyond this is cut: a failure is told by its last errors, not all of them."""


class AnalysisOut(BaseModel):
    summary: str = Field(description="One sentence: what went wrong, for the show's producer.")
    action: str = Field(description="What to do about it, in one or two sentences.")
    batch_change: str = Field(
        default="",
        description="A change to the batch file that would help, as YAML such as "
        "'minutes: 4', or empty when none would.",
    )


async def read_failure(
    client: ClaudeClient, meter: Meter, model: str, show: str, evidence: str
) -> AnalysisOut:
    """Ask Claude what went wrong and what to do; ``evidence`` is the rules' analysis
    and the episode's errors, checks and spend as text (no secrets: manifests hold none)."""
    prompt = (
        f"An episode of the podcast {show} did not complete. From the evidence below, say "
        "in one sentence what went wrong, then what the producer should do (a command, "
        "a change to the batch file, or a fix to a source or account), and give the "
        "batch-file change if one would help. Do not invent causes the evidence does "
        f"not show.\n\nEvidence:\n{evidence[:EVIDENCE_CHARS]}"
    )
    result = await client.structured(
        meter,
        model=model,
        system="You help podcast producers understand failed episodes of an automated "
        "production pipeline. Answer only with the requested JSON.",
        prompt=prompt,
        output=AnalysisOut,
        max_tokens=ANALYSIS_MAX_TOKENS,
    )
    return result.output
