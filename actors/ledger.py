"""The cost ledger: every paid call is reserved here before it is made.

A plain class; the supervisor makes it a Ray actor. Being one actor, its methods run
one at a time, so "committed + reserved <= budget" holds whatever the concurrency of
the batch. Every reserve, commit and release is appended to ``ledger.jsonl`` before
the method returns, and the constructor replays that file, so a restarted ledger (or a
rerun into the same run directory) carries committed spend over.

Commits are idempotent by call id: a commit repeated after a retry or a re-dispatch
returns the first commit and is not charged again.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from podcast_factory.errors import BudgetExceeded, LedgerError, UserInputError
from podcast_factory.metering import LedgerOp
from podcast_factory.models import CostEntry, CostOp

log = logging.getLogger(__name__)

TORN_LINE_MAX_BYTES = 64 * 1024
"""No ledger line comes near this; a longer unterminated tail is not one torn line."""
_OPS = ("reserve", "commit", "release")


@dataclass(frozen=True)
class LedgerScan:
    """What ``scan_ledger`` read: every whole line, and what follows the last one."""

    entries: list[CostEntry]
    whole_bytes: int
    """Bytes of the whole lines, kept as they are."""
    tail: bytes = b""
    """A crash-torn last line (no newline, not an entry): moved aside on replay."""
    tail_entry: CostEntry | None = None
    """A whole entry that only lacks its newline: kept, the newline added on replay."""


def _torn_op(tail: bytes) -> str | None:
    """The operation of a line cut short as the ledger writes them
    (``{"ts":<n>,"op":"<op>",...``): an op, ``"?"`` when the cut came before the op is
    legible (it could be a commit), or None when the bytes are not such a line."""
    if len(tail) > TORN_LINE_MAX_BYTES:
        return None
    try:
        text = tail.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(tail) - 3:  # only a character cut at the very end is torn
            return None
        text = tail[: exc.start].decode("utf-8")
    head = '{"ts":'
    if len(text) <= len(head):
        return "?" if head.startswith(text) else None
    number = re.match(r'\{"ts":[0-9.eE+-]+', text)
    if not text.startswith(head) or number is None:
        return None
    rest, key = text[number.end() :], ',"op":"'
    if len(rest) <= len(key):
        return "?" if key.startswith(rest) else None
    if not rest.startswith(key):
        return None
    op, closed, _ = rest[len(key) :].partition('"')
    could_be = [o for o in _OPS if (o == op if closed else o.startswith(op))]
    if not could_be:
        return None
    return "commit" if "commit" in could_be else could_be[0]


def scan_ledger(path: Path, run_id: str = "") -> LedgerScan:
    """Read ``ledger.jsonl`` without changing it, or refuse it.

    What a replay keeps and refuses:

    - every whole line (one ending in a newline) must be a ledger entry. One that is not
      could record spend, so the ledger refuses to run (``UserInputError`` naming the
      file and the line's byte offset): a budget counted without it could be overrun;
    - an unterminated last line that is a whole entry is kept (only its newline was lost);
    - an unterminated last line that is the start of a ``reserve`` or ``release`` line is
      a *crash-torn last line*: the process died while writing it, so the method never
      returned and its reservation was never granted (nor its release acknowledged).
      It is moved aside on replay and the run goes on;
    - any other unterminated tail (garbage, or a torn line that is or could be a
      ``commit``) could hold spend, so the ledger refuses to run, unless this is a
      restart under the live run that wrote the file (``run_id`` matches a line): then
      the torn method is still awaited and will be sent again, and the tail is moved
      aside as well.
    """
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    entries: list[CostEntry] = []
    offset = 0
    for number, raw in enumerate(data[:end].split(b"\n")[:-1], start=1):
        if raw.strip():
            try:
                entries.append(CostEntry.model_validate_json(raw))
            except ValueError:
                raise UserInputError(
                    str(path),
                    f"line {number} (byte offset {offset}) is not a ledger entry; it could "
                    "record spend, so the budget cannot be counted without it: repair or "
                    "remove that line (nothing was run)",
                ) from None
        offset += len(raw) + 1
    tail = data[end:]
    if not tail:
        return LedgerScan(entries, end)
    try:
        return LedgerScan(entries, end, tail_entry=CostEntry.model_validate_json(tail))
    except ValueError:
        pass
    op = _torn_op(tail)
    if op in ("reserve", "release") or not tail.strip():
        return LedgerScan(entries, end, tail=tail)
    if run_id and any(e.run_id == run_id for e in entries):
        return LedgerScan(entries, end, tail=tail)  # a restart under the live run
    what = (
        "are a line cut short that is, or could be, a commit"
        if op is not None
        else "are not a ledger line"
    )
    raise UserInputError(
        str(path),
        f"the last {len(tail)} bytes, from byte offset {end}, {what}: they could record "
        "spend the ledger cannot read; compare the provider's bill, then move those bytes "
        f"out of the file (keep its first {end} bytes) to go on (nothing was run)",
    )


def check_ledger(out_dir: str | os.PathLike[str]) -> None:
    """Refuse, before anything is run or paid, a run directory whose ledger cannot be
    replayed safely (see ``scan_ledger``). Raises ``UserInputError``; changes nothing."""
    from podcast_factory.rundir import RunDir

    path = RunDir(out_dir).ledger_path
    if path.is_file():
        scan_ledger(path)


def read_ledger(path: Path, run_id: str = "") -> list[CostEntry]:
    """The entries of ``ledger.jsonl`` for a replay, after ``scan_ledger``'s checks. A
    crash-torn last line is moved to ``ledger.jsonl.damaged-<time>`` (never deleted)
    and cut from the file, so the next entry starts a line of its own."""
    scan = scan_ledger(path, run_id)
    if scan.tail_entry is not None:
        with path.open("ab") as fh:
            fh.write(b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        return [*scan.entries, scan.tail_entry]
    if scan.tail:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for n in range(1000):
            aside = path.with_name(f"{path.name}.damaged-{stamp}" + (f"-{n}" if n else ""))
            try:
                with aside.open("xb") as fh:
                    fh.write(scan.tail)
                    fh.flush()
                    os.fsync(fh.fileno())
                break
            except FileExistsError:
                continue
        with path.open("r+b") as fh:
            fh.truncate(scan.whole_bytes)
            fh.flush()
            os.fsync(fh.fileno())
        log.warning(
            "%s: a line cut short by a crash (%d bytes) moved to %s",
            path,
            len(scan.tail),
            aside.name,
        )
    return scan.entries


class Spend(BaseModel):
    """Spend of a batch: committed and still reserved, broken down three ways."""

    model_config = ConfigDict(frozen=True)

    committed_micro_usd: int
    reserved_micro_usd: int
    budget_micro_usd: int | None
    by_episode: dict[str, int]
    by_stage: dict[str, int]
    by_provider: dict[str, int]
    units: dict[str, int]
    """Usage units summed over every commit (characters, words, seconds of audio)."""


class CostLedger:
    """Reserve before a paid call, commit the actual cost after, release on failure."""

    def __init__(
        self,
        path: str | None,
        budget_micro_usd: int | None = None,
        episode_cap_micro_usd: int | None = None,
        run_id: str = "",
    ) -> None:
        self._path = Path(path) if path else None
        self._run_id = run_id
        self._budget = budget_micro_usd
        self._cap = episode_cap_micro_usd
        self._reserved: dict[str, CostEntry] = {}
        self._batch: list[str] | None = None  # lines of an ``apply`` not yet written
        self._committed: dict[str, CostEntry] = {}
        self._known: dict[str, CostEntry] = {}  # first reservation of every call id
        self._total = 0  # committed + reserved, micro-USD
        self._per_episode: defaultdict[str, int] = defaultdict(int)
        # committed totals kept as commits arrive: spent_by_stage() is asked as every
        # episode begins (spent() after a failed attempt), and a scan of every commit
        # would grow with the batch
        self._spent_stage: defaultdict[str, dict[str, int]] = defaultdict(dict)  # ep: stage
        self._spent_episode: defaultdict[str, int] = defaultdict(int)
        if self._path is not None and self._path.exists():
            self._replay(self._path)

    def _replay(self, path: Path) -> None:
        """Rebuild state from disk (see ``read_ledger``). A torn last line is moved
        aside. Reservations left open by an earlier run are released, since nothing will
        commit them; those of this run (the ledger was restarted under a live
        supervisor) stay held, as their calls may commit."""
        entries = read_ledger(path, self._run_id)
        for entry in entries:
            self._apply(entry)
        for call_id, held in list(self._reserved.items()):
            if not self._run_id or held.run_id != self._run_id:
                self.release(call_id)

    def _apply(self, entry: CostEntry) -> None:
        """Update the in-memory state (and the running totals) for one entry."""
        call_id = entry.call_id
        if entry.op == "reserve":
            self._known.setdefault(call_id, entry)
            if call_id in self._committed or call_id in self._reserved:
                return
            self._reserved[call_id] = entry
            self._hold(entry, +1)
        elif entry.op == "commit":
            self._known.setdefault(call_id, entry)
            if call_id in self._committed:
                return
            held = self._reserved.pop(call_id, None)
            if held is not None:
                self._hold(held, -1)
            self._committed[call_id] = entry
            self._hold(entry, +1)
            stages = self._spent_stage[entry.episode_id]
            stages[entry.stage] = stages.get(entry.stage, 0) + entry.micro_usd
            self._spent_episode[entry.episode_id] += entry.micro_usd
        else:
            held = self._reserved.pop(call_id, None)
            if held is not None:
                self._hold(held, -1)

    def _hold(self, entry: CostEntry, sign: int) -> None:
        self._total += sign * entry.micro_usd
        self._per_episode[entry.episode_id] += sign * entry.micro_usd

    def _append(self, entry: CostEntry) -> None:
        self._apply(entry)
        if self._path is None:
            return
        if self._batch is not None:  # written with the rest of the batch (``apply``)
            self._batch.append(entry.model_dump_json() + "\n")
            return
        self._write([entry.model_dump_json() + "\n"])

    def _write(self, lines: list[str]) -> None:
        assert self._path is not None
        with self._path.open("a", encoding="utf-8") as fh:
            fh.write("".join(lines))
            fh.flush()
            os.fsync(fh.fileno())

    def apply(self, ops: list[LedgerOp]) -> list[CostEntry | Exception | None]:
        """Run many requests' reserves, commits and releases in one call, in order,
        with one write and one fsync for all of them before any is answered. Each gets
        what its own method returns, or the exception it raised (BudgetExceeded,
        LedgerError): one refusal does not fail the others. What the governor forwards
        for its callers (``actors.ledger_batch``)."""
        out: list[CostEntry | Exception | None] = []
        self._batch = []
        try:
            for op in ops:
                try:
                    out.append(getattr(self, op.op)(*op.args))
                except (BudgetExceeded, LedgerError) as exc:
                    out.append(exc)
        finally:  # what was applied is written, whatever stopped the batch
            lines, self._batch = self._batch, None
            if lines:
                self._write(lines)
        return out

    def reserve(
        self,
        call_id: str,
        episode_id: str,
        stage: str,
        provider: str,
        micro_usd: int,
        units: dict[str, int] | None = None,
    ) -> CostEntry:
        """Hold ``micro_usd`` for a call about to be made, or raise BudgetExceeded."""
        if micro_usd < 0:
            raise LedgerError(f"call {call_id}: a reservation cannot be negative")
        held = self._reserved.get(call_id)
        if held is not None:  # Ray retried this very reserve: it was granted once
            asked = (episode_id, stage, provider, micro_usd, units or {})
            if (held.episode_id, held.stage, held.provider, held.micro_usd, held.units) != asked:
                raise LedgerError(f"call {call_id}: reserved already, for another call")
            return held
        if call_id in self._known:
            done = "committed" if call_id in self._committed else "released"
            raise LedgerError(
                f"call {call_id}: already {done}; a paid call needs a fresh reservation"
            )
        for scope, limit, used in (
            ("batch", self._budget, self._total),
            ("episode", self._cap, self._per_episode[episode_id]),
        ):
            if limit is not None and used + micro_usd > limit:
                raise BudgetExceeded(episode_id, scope, micro_usd, max(0, limit - used))
        entry = self._entry("reserve", call_id, episode_id, stage, provider, micro_usd, units)
        self._append(entry)
        return entry

    def commit(
        self, call_id: str, micro_usd: int, units: dict[str, int] | None = None
    ) -> CostEntry:
        """Record what a reserved call actually cost. Repeating a commit changes nothing."""
        if call_id in self._committed:
            return self._committed[call_id]
        first = self._known.get(call_id)
        if first is None:
            raise LedgerError(f"call {call_id}: commit without a reservation")
        entry = self._entry(
            "commit", call_id, first.episode_id, first.stage, first.provider, micro_usd, units
        )
        self._append(entry)
        return entry

    def release(self, call_id: str) -> None:
        """Give back a reservation whose call failed before it cost anything."""
        held = self._reserved.get(call_id)
        if held is None:
            return
        self._append(
            self._entry("release", call_id, held.episode_id, held.stage, held.provider, 0, None)
        )

    def spent(self, episode_id: str, stage: str | tuple[str, ...] | None = None) -> int:
        """Committed micro-USD of an episode, of one of its stages, or of several
        together (one call where a verdict sums the stages of its draft)."""
        if stage is None:
            return self._spent_episode.get(episode_id, 0)
        stages = self._spent_stage.get(episode_id, {})
        if isinstance(stage, tuple):
            return sum(stages.get(s, 0) for s in stage)
        return stages.get(stage, 0)

    def spent_by_stage(self, episode_id: str) -> dict[str, int]:
        """Committed micro-USD of each stage of an episode (those with any): what the
        supervisor starts an episode's tally from (``EpisodeBook.begin``)."""
        return {s: micro for s, micro in self._spent_stage.get(episode_id, {}).items() if micro}

    def spend(self) -> Spend:
        by: dict[str, dict[str, int]] = {k: defaultdict(int) for k in ("ep", "st", "pr", "u")}
        for e in self._committed.values():
            by["ep"][e.episode_id] += e.micro_usd
            by["st"][e.stage] += e.micro_usd
            by["pr"][e.provider] += e.micro_usd
            for unit, n in e.units.items():
                by["u"][unit] += n
        return Spend(
            committed_micro_usd=sum(e.micro_usd for e in self._committed.values()),
            reserved_micro_usd=sum(e.micro_usd for e in self._reserved.values()),
            budget_micro_usd=self._budget,
            by_episode=dict(by["ep"]),
            by_stage=dict(by["st"]),
            by_provider=dict(by["pr"]),
            units=dict(by["u"]),
        )

    def _entry(
        self,
        op: CostOp,
        call_id: str,
        episode_id: str,
        stage: str,
        provider: str,
        micro_usd: int,
        units: dict[str, int] | None,
    ) -> CostEntry:
        return CostEntry(
            ts=time.time(),
            op=op,
            call_id=call_id,
            episode_id=episode_id,
            stage=stage,
            provider=provider,
            micro_usd=micro_usd,
            units=units or {},
            run_id=self._run_id,
        )
