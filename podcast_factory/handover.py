"""How a built-in stage's call and its files travel between the supervisor and an agent.

Most stages send their inputs and get their handoff back by value: they are small. The
episode's WAV (a megabyte or more) never passes through the supervisor's event loop:

- the audio agent answers ``run_stage_split`` with ``num_returns=2``, so the WAV is an
  object of its own in Ray's object store. Ray makes the caller the owner of a task's
  return objects, so the supervisor owns it: it outlives the audio agent (a restarted or
  killed agent loses nothing), and is freed when the episode drops its reference;
  Ray 2.60 no longer lets a ``ray.put`` name another owner (``_owner`` was removed in
  2.56), so an object the agent put itself would die with the agent;
- the supervisor fetches it in a worker thread and writes ``audio.wav`` before the
  manifest says the audio stage completed (``EpisodeBook.run_stage``), as before;
- the quality and mastering agents get the reference as a top-level argument of
  ``run_stage_given``: Ray fetches the bytes into their process before the call runs.

A resumed run that reused the audio stage puts ``audio.wav`` into the store from disk
(in a worker thread) the first time a stage reads it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import ray
from ray.exceptions import ObjectLostError

from podcast_factory.rundir import RunDir
from podcast_factory.stage_call import StageCall, StageResult
from podcast_factory.stages import BuiltinStage


class EpisodeFiles:
    """The reference to one episode's files in the object store (``audio.wav``)."""

    def __init__(self, rundir: RunDir, episode_id: str) -> None:
        self.rundir = rundir
        self.episode_id = episode_id
        self.ref: Any = None
        """``ObjectRef[dict[str, bytes]]``, owned by the supervisor; None until the audio
        stage ran or its WAV was put there from disk."""

    def forget(self) -> None:
        """Drop the reference (the stage that made it was reused from disk)."""
        self.ref = None

    async def reference(self) -> Any:
        """The reference, put from ``audio.wav`` on disk if the stage did not run here."""
        if self.ref is None:
            read = self.rundir.read_artifact
            eid = self.episode_id
            self.ref = await asyncio.to_thread(
                lambda: ray.put({"audio.wav": read(eid, "audio.wav")})
            )
        return self.ref


async def call_stage(
    agent: Any, stage: BuiltinStage, call: StageCall, files: EpisodeFiles
) -> StageResult:
    """Call a built-in stage's agent; its files by reference where the registry says."""
    if stage.by_reference:
        head, stored = agent.run_stage_split.options(num_returns=2).remote(call, stage.by_reference)
        result: StageResult = await head
        kept = await asyncio.to_thread(_fetch, stored)
        files.ref = stored
        return result.model_copy(update={"files": {**result.files, **kept}})
    if "wav" in stage.extras:
        try:
            given: StageResult = await agent.run_stage_given.remote(call, await files.reference())
        except ObjectLostError:  # the node that held it died: the WAV is on disk
            files.forget()
            given = await agent.run_stage_given.remote(call, await files.reference())
        return given
    plain: StageResult = await agent.run_stage.remote(call)
    return plain


def _fetch(ref: Any) -> dict[str, bytes]:
    """An object of the store, for a worker thread: waits on the reference's future
    (``ray.get`` warns inside an async actor whichever thread calls it)."""
    value: dict[str, bytes] = ref.future().result()
    return value
