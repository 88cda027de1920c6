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

import os
import time
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from podcast_factory.errors import BudgetExceeded, LedgerError
from podcast_factory.models import CostEntry, CostOp


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
        self._committed: dict[str, CostEntry] = {}
        self._known: dict[str, CostEntry] = {}  # first reservation of every call id
        self._total = 0  # committed + reserved, micro-USD
        self._per_episode: defaultdict[str, int] = defaultdict(int)
        # committed totals kept as commits arrive: spent() is asked at every stage end,
        # and a scan of every commit would grow with the batch
        self._spent_stage: defaultdict[tuple[str, str], int] = defaultdict(int)
        self._spent_episode: defaultdict[str, int] = defaultdict(int)
        if self._path is not None and self._path.exists():
            self._replay(self._path)

    def _replay(self, path: Path) -> None:
        """Rebuild state from disk. A last line cut short by a crash is cut off (so the
        next entry starts on a line of its own). Reservations left open by an earlier
        run are released, since nothing will commit them; those of this run (the ledger
        was restarted under a live supervisor) stay held, as their calls may commit."""
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            data = data[: data.rfind(b"\n") + 1]
            with path.open("r+b") as fh:
                fh.truncate(len(data))
        for line in data.decode("utf-8", errors="replace").splitlines():
            try:
                self._apply(CostEntry.model_validate_json(line))
            except ValueError:
                continue  # not a ledger line; the call it described was not committed
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
            if call_id in self._committed:
                return
            held = self._reserved.pop(call_id, None)
            if held is not None:
                self._hold(held, -1)
            self._committed[call_id] = entry
            self._hold(entry, +1)
            self._spent_stage[(entry.episode_id, entry.stage)] += entry.micro_usd
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
        with self._path.open("a", encoding="utf-8") as fh:
            fh.write(entry.model_dump_json() + "\n")
            fh.flush()
            os.fsync(fh.fileno())

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
        if call_id in self._reserved:
            return self._reserved[call_id]
        if call_id in self._committed:
            return self._committed[call_id]
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

    def spent(self, episode_id: str, stage: str | None = None) -> int:
        """Committed micro-USD of an episode, or of one of its stages."""
        if stage is None:
            return self._spent_episode.get(episode_id, 0)
        return self._spent_stage.get((episode_id, stage), 0)

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
