"""The manifest is written at an episode's start, at each stage's end and at its end;
a stage starting is served from memory (progress), and a crash mid-stage resumes as
before: completed stages reused, the stage in flight run again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from podcast_factory.book import EpisodeBook
from podcast_factory.exchange import Swaps
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


def test_rewriting_a_manifest_swaps_two_files_and_leaves_no_litter(tmp_path: Path) -> None:
    """Each rewrite is whole (read back, it is the last state written), and after the
    first the manifest only trades places with its kept sibling: two files, two inodes
    for any number of rewrites (on a journal-less ext4 every inode freed is a cost to
    every file created for 30 s), and no temporary file left behind. (The old file
    rests a few seconds under the sibling's name before it is written over; here no
    rest, as if the writes were seconds apart.)"""
    rundir = RunDir(tmp_path, swaps=Swaps(spare_age_s=0))
    inodes = set()
    for i in range(8):
        rundir.write_manifest(EpisodeState(episode_id="ep", topic=f"draft {i}"))
        loaded = rundir.load_manifest("ep")
        assert loaded is not None and loaded.topic == f"draft {i}"
        inodes.add((tmp_path / "ep" / "manifest.json").stat().st_ino)
    assert sorted(p.name for p in (tmp_path / "ep").iterdir()) == [
        ".manifest.json.swap",
        "manifest.json",
    ]
    assert len(inodes) == 2


def test_a_link_at_the_swap_name_is_not_written_through(tmp_path: Path) -> None:
    """Someone's link where the kept sibling goes: the manifest is written the usual
    way (a temporary file renamed over it) and the link's target is left as it was."""
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    rundir = RunDir(tmp_path / "out")
    rundir.write_manifest(EpisodeState(episode_id="ep", topic="first"))
    swap = tmp_path / "out" / "ep" / ".manifest.json.swap"
    swap.unlink(missing_ok=True)
    swap.symlink_to(target)
    rundir.write_manifest(EpisodeState(episode_id="ep", topic="second"))
    loaded = rundir.load_manifest("ep")
    assert loaded is not None and loaded.topic == "second"
    assert target.read_text() == "keep me"


def test_two_stage_ends_writing_at_once_never_show_a_torn_manifest(tmp_path: Path) -> None:
    """Summary and social end side by side and write the same manifest from two threads;
    a reader polling meanwhile (``report``, the run page) always reads a whole one."""
    import threading

    rundir = RunDir(tmp_path)
    rundir.write_manifest(EpisodeState(episode_id="ep", topic="start " * 400))
    done = threading.Event()
    torn: list[str] = []

    def read() -> None:
        while not done.is_set():
            if rundir.load_manifest("ep") is None:
                torn.append("unreadable")

    def write(who: str) -> None:
        for i in range(60):
            rundir.write_manifest(EpisodeState(episode_id="ep", topic=f"{who} {i} " * 400))

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(w,)) for w in ("summary", "social")]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    reader.join()
    assert torn == []
    assert sorted(p.name for p in (tmp_path / "ep").iterdir()) == [
        ".manifest.json.swap",
        "manifest.json",
    ]


def test_a_reader_holding_the_last_manifest_reads_it_whole_through_rewrites(
    tmp_path: Path,
) -> None:
    """A reader opened the manifest just before it was rewritten twice in a row (summary
    and social ending together): the file it holds is not written over under it."""
    rundir = RunDir(tmp_path)
    for i in range(2):
        rundir.write_manifest(EpisodeState(episode_id="ep", topic=f"v{i} " * 300))
    with (tmp_path / "ep" / "manifest.json").open("rb") as held:
        for i in range(2, 5):
            rundir.write_manifest(EpisodeState(episode_id="ep", topic=f"v{i} " * 300))
        got = EpisodeState.model_validate_json(held.read())
    assert got.topic == "v1 " * 300
    latest = rundir.load_manifest("ep")
    assert latest is not None and latest.topic == "v4 " * 300
