"""The failure analyst: Claude's reading of a failed episode (``--analyse-failures``).

Not a stage: the supervisor makes it only when the flag is on and Claude is the LLM,
and asks it once per episode that did not complete. Its call is metered like any
stage's (reserved on the ledger under the episode, stage ``analysis``), so a spent cap
refuses it and the rules' analysis stands alone.
"""

from __future__ import annotations

from podcast_factory.actors.base import Agent
from podcast_factory.metering import StageContext
from podcast_factory.providers.claude_analysis import AnalysisOut, read_failure
from podcast_factory.providers.factory import claude_client


class FailureAnalyst(Agent):
    name = "analysis"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._client = claude_client(self.settings, self.creds, self.governor)

    async def read(self, show: str, evidence: str, ctx: StageContext) -> AnalysisOut | None:
        """Claude's reading of ``evidence``; None offline (no client)."""
        if self._client is None:
            return None
        model = self.settings.claude.quality_model
        return await self.served(read_failure(self._client, self.meter(ctx), model, show, evidence))
