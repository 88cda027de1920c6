"""The manifest is written at an episode's start, at each stage's end and at its end;
a stage starting is served from memory (progress), and a crash mid-stage resumes as
before: completed stages reused, the stage in flight run again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from podcast_factory.book import EpisodeBook
from podcast_factory.metering import StageContext
from podcast_factory.models import EpisodeSpec, EpisodeState
from podcast_factory.pool import Turn
from podcast_factory.rundir import RunDir
from tests.ledger_reader import PlainLedgerReader


class CountingRunDir(RunDir):
    """A run directory that keeps, for each manifest write, the stages' statuses."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.writes: list[dict[str, str]] = []

    def write_manifest(self, state: EpisodeState) -> None:
        self.writes.append({n: r.status for n, r in state.stages.items()})
        super().write_manifest(state)


class _Pool:
    """The agent pool as the book asks it: no agent ever crashed, so no retries."""

    def dispatch(self, stage: str) -> Turn:
        return Turn(0, 0)

    def done(self, stage: str, turn: Turn) -> None:
        pass

    async def should_retry(self, stage: str, exc: Exception, tries: int, turn: Turn) -> bool:
        return False


def _episode() -> EpisodeSpec:
    from podcast_factory.batchfile import single_episode

    tides = Path(__file__).resolve().parent.parent / "examples" / "sources" / "tides.md"
    return single_episode("How tides work", [str(tides)], 1.0, "tides").episodes[0]


def _book(root: Path, ep: EpisodeSpec) -> tuple[EpisodeBook, CountingRunDir]:
    rundir = CountingRunDir(root)
    return EpisodeBook((ep,), rundir, PlainLedgerReader()), rundir  # type: ignore[arg-type]


def _stage(book: EpisodeBook, ep: EpisodeSpec, stage: str, seen: list[Any]) -> Any:
    async def work(ctx: StageContext) -> tuple[str, dict[str, bytes], int]:
        _, states = book.progress()
        on_disk = book.rundir.load_manifest(ep.episode_id)
        seen.append((states[0].stages[stage].status, on_disk and on_disk.stages.get(stage)))
        return f"{stage} done", {f"{stage}.md": f"# {stage}\n".encode()}, 0

    return book.run_stage(ep, stage, f"fp-{stage}", lambda: f"{stage} loaded", work, _Pool())  # type: ignore[arg-type]


def test_one_manifest_write_per_stage_end_and_progress_from_memory(tmp_path: Path) -> None:
    """Start, two stages, end: four writes, none saying "running"; while a stage works,
    progress says it runs and the manifest on disk still shows the state before it."""
    ep = _episode()
    book, rundir = _book(tmp_path, ep)
    seen: list[Any] = []

    async def run() -> None:
        await book.begin(ep)
        await _stage(book, ep, "research", seen)
        await _stage(book, ep, "script", seen)
        await book.finish(ep.episode_id, "completed")

    asyncio.run(run())
    assert rundir.writes == [
        {},
        {"research": "completed"},
        {"research": "completed", "script": "completed"},
        {"research": "completed", "script": "completed"},
    ]
    assert [status for status, _ in seen] == ["running", "running"]
    assert [record for _, record in seen] == [None, None]  # not on disk while it runs
    final = rundir.load_manifest(ep.episode_id)
    assert final is not None and final.status == "completed"
    assert final.stages["script"].artifacts.keys() == {"script.md"}


def test_a_crash_mid_stage_resumes_with_the_completed_stages_reused(tmp_path: Path) -> None:
    """A run dies while its second stage works: the rerun reuses the first (its work is
    not called) and runs the second, as it did when "running" was written."""
    ep = _episode()
    book, _ = _book(tmp_path, ep)
    seen: list[Any] = []

    async def crashed_run() -> None:
        await book.begin(ep)
        await _stage(book, ep, "research", seen)
        started = asyncio.Event()

        async def never(ctx: StageContext) -> tuple[str, dict[str, bytes], int]:
            started.set()
            await asyncio.Event().wait()  # the process dies here
            raise AssertionError

        task = asyncio.ensure_future(
            book.run_stage(ep, "script", "fp-script", lambda: "", never, _Pool())  # type: ignore[arg-type]
        )
        await started.wait()
        task.cancel()  # nothing after this reaches the disk, as with kill -9

    asyncio.run(crashed_run())
    on_disk = RunDir(tmp_path).load_manifest(ep.episode_id)
    assert on_disk is not None and set(on_disk.stages) == {"research"}

    again, _ = _book(tmp_path, ep)
    rerun: list[Any] = []

    async def resumed() -> tuple[tuple[Any, bool], tuple[Any, bool]]:
        await again.begin(ep)
        first = await _stage(again, ep, "research", rerun)
        second = await _stage(again, ep, "script", rerun)
        await again.finish(ep.episode_id, "completed")
        return first, second

    first, second = asyncio.run(resumed())
    assert first == ("research loaded", False)  # reused
    assert second == ("script done", True)  # run again
    assert len(rerun) == 1  # only the script's work was called
    final = RunDir(tmp_path).load_manifest(ep.episode_id)
    assert final is not None and final.stages["research"].attempts == 1
    assert final.stages["script"].status == "completed"
