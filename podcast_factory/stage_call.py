"""The one call every built-in agent answers: ``run_stage(StageCall) -> StageResult``.

The episode run calls each built-in stage's agent the same way: the episode, the
outputs of the stages it needs, the call's context and the extras its registry entry
(``podcast_factory.stages``) asks for. The agent answers with its handoff and the files
to keep, so the episode run knows no agent's method or argument list.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from podcast_factory.metering import StageContext
from podcast_factory.models import EpisodeSpec, Feedback


class StageExtras(BaseModel):
    """What the episode run hands a stage beyond its inputs (``BuiltinStage.extras``)."""

    model_config = ConfigDict(frozen=True)

    covered_facts: tuple[str, ...] = ()
    """Facts other episodes of the show already covered (research leaves them out)."""
    feedback: Feedback | None = None
    """The writer's lessons, length scale and, for a revision, the draft and verdict."""
    seconds_per_word: float | None = None
    """The show's measured pace (the script gate predicts the length from it)."""
    wav: bytes = b""
    """The episode's audio (the audio gate listens to it). Filled in the agent's own
    process from Ray's object store (``Agent.run_stage_given``), never sent in the call."""
    judge_text: bool = True
    """The audio gate also reads and judges the script (no script gate ran)."""


class StageCall(BaseModel):
    """One call of a built-in stage."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    episode: EpisodeSpec
    inputs: dict[str, Any]
    """Need name -> that stage's output model."""
    ctx: StageContext
    extras: StageExtras = StageExtras()

    def input(self, name: str, cls: type[Any]) -> Any:
        """The output of needed stage ``name``, checked to be a ``cls``: a registry entry
        and its agent that disagree fail loudly, not with an attribute error later."""
        value = self.inputs.get(name)
        if not isinstance(value, cls):
            raise TypeError(
                f"stage {self.ctx.stage!r} needs {name!r} as {cls.__name__}, "
                f"got {type(value).__name__}"
            )
        return value


class StageResult(BaseModel):
    """An agent's answer: its handoff (``<stage>.json``) and every file it keeps."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    output: BaseModel
    files: dict[str, bytes]
    spent_micro_usd: int | None = None
    """What this call committed to the ledger, summed by the agent as its commits
    settled (``actors.base.settling``), so the supervisor records the stage's cost
    without asking the ledger; None when the agent cannot say (it metered another
    episode's or stage's calls too), and the supervisor then asks."""

    def split(self, names: tuple[str, ...]) -> tuple[StageResult, dict[str, bytes]]:
        """This result without the files ``names``, and those files."""
        kept = {n: d for n, d in self.files.items() if n not in names}
        return self.model_copy(update={"files": kept}), {n: self.files[n] for n in names}


def with_files(call: StageCall, files: dict[str, bytes]) -> StageCall:
    """``call`` with the files an agent was handed by reference put where the agent
    reads them (``audio.wav``: ``extras.wav``)."""
    if "audio.wav" not in files:
        return call
    extras = call.extras.model_copy(update={"wav": files["audio.wav"]})
    return call.model_copy(update={"extras": extras})
