"""What every agent shares: its own counters and the simulated provider latency.

Each agent is a plain class (tested without Ray); the supervisor makes it a Ray actor.
An agent's state is what it has served, what failed and what it cached; ``stats()``
reports it. That state is in memory only: a restarted agent starts counting again,
which is fine because nothing the batch needs lives there.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from podcast_factory.actors.governor import GovernorClient
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.metering import LedgerClient, Meter, StageContext
from podcast_factory.stage_call import StageCall, StageResult, with_files

T = TypeVar("T")
log = logging.getLogger(__name__)

_METERS: contextvars.ContextVar[list[Meter] | None] = contextvars.ContextVar(
    "podcast_factory_meters", default=None
)
"""The meters made during the agent method now running (each Ray call is a task of its
own, so concurrent stages of one agent never share the list)."""


def settling(
    method: Callable[..., Coroutine[Any, Any, T]],
) -> Callable[..., Coroutine[Any, Any, T]]:
    """Wrap an agent's async method so that it returns (or raises) only once every
    commit and release of the requests it metered is in the ledger: the requests did
    not wait for them (``Meter.call``), the stage's manifest must not say completed
    before its spend is durable. ``Agent`` applies it to every public async method of
    its subclasses, a user's agents included."""
    if getattr(method, "_settling", False):
        return method

    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        meters: list[Meter] = []
        outer = _METERS.get()  # a wrapped method calling another: the caller's meters
        token = _METERS.set(meters)
        try:
            result = await method(*args, **kwargs)
        except BaseException:
            _METERS.reset(token)
            try:
                await _settle(meters)
            except Exception:  # the stage failed already; its own error is the news
                log.warning("a failed stage's commits did not all settle", exc_info=True)
            if outer is not None:
                outer.extend(meters)
            raise
        _METERS.reset(token)
        await _settle(meters)
        if outer is not None:  # settled here; the caller still counts what they cost
            outer.extend(meters)
        return _with_spend(result, meters, args)

    wrapper._settling = True  # type: ignore[attr-defined]
    return wrapper


async def _settle(meters: list[Meter]) -> None:
    for meter in meters:
        await meter.settle()


def _with_spend(result: T, meters: list[Meter], args: tuple[Any, ...]) -> T:
    """A stage's answer (a ``StageResult``, alone or first of a tuple) with what its
    settled commits cost, so the supervisor need not ask the ledger for it at every
    stage end; left unsaid unless every meter was of the call's own stage attempt."""
    head = result[0] if isinstance(result, tuple) and result else result
    call = next((a for a in args if isinstance(a, StageCall)), None)
    if not isinstance(head, StageResult) or call is None:
        return result
    if any(m.context != call.ctx for m in meters):
        return result
    spent = sum(m.committed_micro_usd for m in meters)  # the wrapped methods it called too
    head = head.model_copy(update={"spent_micro_usd": spent})
    if isinstance(result, tuple):
        return (head, *result[1:])  # type: ignore[return-value]
    return head  # type: ignore[return-value]


class AgentStats(BaseModel):
    model_config = ConfigDict(frozen=True)

    agent: str
    pid: int
    node_id: str
    calls: int
    failures: int
    cache_hits: int


class Agent:
    """Base of the agents: counts calls and failures, paces simulated latency."""

    name = "agent"
    takes_agent_args: ClassVar[bool] = True
    """Built with (settings, ledger, credentials, governor); a user's agent that is not
    an ``Agent`` is built with no arguments."""

    def __init__(
        self,
        settings: RunSettings,
        ledger: LedgerClient,
        creds: Credentials | None = None,
        governor: GovernorClient | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.creds = creds or Credentials()
        self.governor = governor
        if governor is not None:
            governor.reclaim_own_tickets()
        self.calls = 0
        self.failures = 0
        self.cache_hits = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and inspect.iscoroutinefunction(value):
                setattr(cls, name, settling(value))

    async def run_stage(self, call: StageCall) -> StageResult:
        """The stage this agent makes (each built-in agent answers it)."""
        raise NotImplementedError(f"{type(self).__name__} makes no built-in stage")

    async def run_stage_split(
        self, call: StageCall, by_reference: tuple[str, ...]
    ) -> tuple[StageResult, dict[str, bytes]]:
        """``run_stage`` with the files ``by_reference`` (the WAV) returned apart. The
        supervisor calls it with ``num_returns=2``: the second return is an object of its
        own in Ray's object store, owned by the caller (the supervisor), so it outlives
        this agent, and the supervisor receives only its reference."""
        return (await self.run_stage(call)).split(by_reference)

    async def run_stage_given(self, call: StageCall, files: dict[str, bytes]) -> StageResult:
        """``run_stage`` with files handed by reference: the supervisor passes the
        reference as this call's argument, and Ray fetches the bytes into this process."""
        return await self.run_stage(with_files(call, files))

    def meter(self, ctx: StageContext) -> Meter:
        """A meter for one stage attempt's requests; the agent method running now
        settles it before it returns (see ``settling``)."""
        meter = Meter(self.ledger, ctx)
        made = _METERS.get()
        if made is not None:
            made.append(meter)
        return meter

    async def served(self, work: Awaitable[T]) -> T:
        """Run one request, counting it, after the configured provider latency."""
        self.calls += 1
        try:
            if self.settings.provider_latency_s:
                await asyncio.sleep(self.settings.provider_latency_s)
            return await work
        except BaseException:
            self.failures += 1
            raise

    def stats(self) -> AgentStats:
        return AgentStats(
            agent=self.name,
            pid=os.getpid(),
            node_id=_node_id(),
            calls=self.calls,
            failures=self.failures,
            cache_hits=self.cached(),
        )

    def cached(self) -> int:
        """Requests answered from this agent's cache so far."""
        return self.cache_hits


def _node_id() -> str:
    """The Ray node this agent runs on, or "local" outside Ray."""
    try:
        import ray

        if ray.is_initialized():
            return str(ray.get_runtime_context().get_node_id())
    except Exception:  # outside a worker the runtime context may not exist
        pass
    return "local"
