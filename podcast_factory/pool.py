"""The agent pool: the Ray actors of the workflow's stages, kept alive for the batch.

The pool spawns each stage's agent, recreates an agent that died for good (once per
death, however many calls saw it die, up to ``max_actor_recreations`` per stage, or
per set of stages sharing actors), and waits, bounded, for an agent Ray is restarting.
``should_retry`` is the whole retry policy of a stage: a stage is tried again only when
its agent crashed. Provider errors were already retried, once, in ``providers.retry``;
retrying them here too would multiply the attempts.

Stages whose built-in agent is the same class share its actors: the script gate
(``review``) and the audio gate (``quality``) are both the quality agent, so they are
one ``QualityEvaluator`` process, not two (each worker process is ~150-200 MiB and an
event loop of its own; ``docs/benchmarks.md`` section 4). The agent keeps no state by
stage, and it serves both gates' calls at the sum of their concurrencies. A crash of
the shared actor is one death: it is recreated once, for both stages.

A stage may have several actors (``RunSettings.agent_replicas``). Why: an actor is
one process, so a stage whose agent computes (mastering, stitching, the WAV analysis)
can use at most one core whatever the cluster's size (``docs/scaling.md``). With
``agent_replicas={"master": 4}`` the stage has four actors, spread over the nodes, and
each try of the stage goes to the one with the fewest calls in flight (``dispatch``).
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import ray
from ray.exceptions import ActorDiedError, ActorUnavailableError

from podcast_factory.actors.governor import GovernorClient
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.errors import BudgetExceeded
from podcast_factory.metering import ActorLedger
from podcast_factory.stages import STAGES
from podcast_factory.workflow import Workflow, user_agent_takes_agent_args

T = TypeVar("T")
log = logging.getLogger(__name__)

USER_AGENT_OPTIONS: dict[str, Any] = {"max_concurrency": 16}
STATS_WAIT_S = 5.0
"""How long the end of a batch waits for an agent's statistics (best effort)."""


def builtin_agent_class(path: str) -> type:
    """A built-in stage's agent class from its ``module:Class`` path in the registry."""
    module, _, name = path.partition(":")
    cls: type = getattr(importlib.import_module(module), name)
    return cls


class Turn(NamedTuple):
    """Which replica of a stage's agent serves one try, and its generation then: a
    death seen by many calls replaces that replica once."""

    replica: int
    generation: int


_CHOSEN: contextvars.ContextVar[tuple[tuple[str, int], ...]] = contextvars.ContextVar(
    "podcast_factory_replica", default=()
)
"""The replica each stage's try in this task was dispatched to (``AgentPool.dispatch``):
the episode's code asks ``pool[stage]`` and gets that one."""


class AgentPool:
    """The agents of one batch, by stage name: ``replicas[stage]`` holds the stage's
    actors (one unless ``settings.agent_replicas`` asks for more)."""

    def __init__(
        self,
        workflow: Workflow,
        settings: RunSettings,
        creds: Credentials,
        ledger_name: str,
        governor_name: str,
    ) -> None:
        self.workflow = workflow
        self.settings = settings
        self.creds = creds
        self.ledger_name = ledger_name
        self.governor_name = governor_name
        names = [s.name for s in workflow.stages]
        count = {n: self._fit(n, settings.agent_replicas.get(n, 1)) for n in names}
        self.owner = _owners(names, {n: self._share_key(n, count[n]) for n in names})
        """Each stage's owner: the first stage whose actors it shares (itself if none).
        Every per-replica list below is one object for the stages of one owner."""
        self.replicas = self._per_owner(lambda o: [self._spawn(o) for _ in range(count[o])])
        self.recreated = dict.fromkeys(self.owner.values(), 0)
        """Recreations so far, by owner (a shared actor's death counts once)."""
        self.generation = self._per_owner(lambda o: [0] * count[o])
        self.busy = self._per_owner(lambda o: [0] * count[o])
        """Calls in flight per replica."""
        self.served = self._per_owner(lambda o: [0] * count[o])
        """Tries dispatched per replica so far (ties of ``busy`` go to the least served)."""

    def _per_owner(self, make: Callable[[str], list[T]]) -> dict[str, list[T]]:
        """One list per owner, ``make(owner)``, under the name of every stage it serves:
        a change made through one stage's name is the other sharers' too."""
        made = {o: make(o) for o in dict.fromkeys(self.owner.values())}
        return {n: made[o] for n, o in self.owner.items()}

    @property
    def agents(self) -> dict[str, Any]:
        """Every agent by name: a stage's first replica under the stage's name, the others
        as ``stage/2``, ``stage/3``..."""
        return {
            n if i == 0 else f"{n}/{i + 1}": a
            for n, reps in self.replicas.items()
            for i, a in enumerate(reps)
        }

    def __getitem__(self, name: str) -> Any:
        """The stage's agent serving the try running in this task (``dispatch``), else
        its first replica."""
        reps = self.replicas[name]
        return reps[dict(_CHOSEN.get()).get(name, 0) % len(reps)]

    def dispatch(self, name: str) -> Turn:
        """Choose the replica of ``name``'s agent for one try of the stage: the one with
        the fewest calls in flight. ``pool[name]`` answers it from now on in this task;
        ``done`` must follow when the try ends."""
        busy, served = self.busy[name], self.served[name]
        i = min(range(len(busy)), key=lambda k: (busy[k], served[k]))
        busy[i] += 1
        served[i] += 1
        _CHOSEN.set((*((k, v) for k, v in _CHOSEN.get() if k != name), (name, i)))
        return Turn(i, self.generation[name][i])

    def done(self, name: str, turn: Turn) -> None:
        """The try dispatched as ``turn`` has ended."""
        self.busy[name][turn.replica] -= 1

    def _fit(self, name: str, wanted: int) -> int:
        """``wanted`` replicas, or as many as the cluster has CPUs for a stage whose
        agent holds a whole CPU (offline speech): one more could never be placed, and
        the episodes sent to it would wait for ever."""
        if wanted == 1 or not self._holds_cpu(name):
            return wanted
        found: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
        cpus = max(1, int(found.get("CPU", 1)))
        if wanted > cpus:
            log.warning("%s: %d replicas hold a CPU each; the cluster has %d", name, wanted, cpus)
        return min(wanted, cpus)

    def _share_key(self, name: str, count: int) -> tuple[str, int, bool] | None:
        """What two stages must have in common to share actors: the same built-in agent
        class, as many replicas, the same CPU holding. A user's agent is never shared."""
        spec = self.workflow.stage(name)
        if spec.agent_class is not None:
            return None
        return (STAGES[spec.agent].agent, count, self._holds_cpu(name))

    def _holds_cpu(self, name: str) -> bool:
        spec = self.workflow.stage(name)
        return (
            spec.agent_class is None
            and STAGES[spec.agent].offline_cpu_bound
            and self.settings.tts == "espeak"
        )

    def _spawn(self, name: str) -> Any:
        spec = self.workflow.stage(name)
        args: tuple[Any, ...] = (
            self.settings,
            ActorLedger(self.ledger_name),
            self.creds,
            GovernorClient(self.governor_name, self.settings.provider_limits),
        )
        if spec.agent_class is not None:  # a user's agent, by import path or class
            cls = spec.agent_class
            options = dict(USER_AGENT_OPTIONS)
            if not user_agent_takes_agent_args(cls):
                args = ()
        else:
            stage = STAGES[spec.agent]
            cls, options = builtin_agent_class(stage.agent), dict(stage.actor_options)
            sharing = [n for n, o in self.owner.items() if o == name]
            if len(sharing) > 1:  # each stage keeps its own share of the calls at once
                wants = (STAGES[self.workflow.stage(n).agent].actor_options for n in sharing)
                options["max_concurrency"] = sum(w.get("max_concurrency", 1) for w in wants)
            if self._holds_cpu(name):
                options["num_cpus"] = 1
        return (
            ray.remote(cls)
            .options(
                max_restarts=self.settings.max_actor_restarts,
                scheduling_strategy="SPREAD",  # on a cluster, agents use every node
                **options,
            )
            .remote(*args)
        )

    async def stats(self) -> list[Any]:
        """Counters of the built-in agents (user agents need not keep any), best effort:
        an agent that is restarting, dead or slower than ``STATS_WAIT_S`` is left out."""
        built_in = [
            (n, a)
            for n, reps in self.replicas.items()
            if self.workflow.stage(n).agent_class is None and self.owner[n] == n
            for a in reps
        ]
        got = await asyncio.gather(*(_stats_of(n, a) for n, a in built_in))
        return [g for g in got if g is not None]

    async def should_retry(self, stage: str, exc: Exception, tries: int, turn: Turn) -> bool:
        """Whether a stage whose call raised ``exc`` (sent to the replica and generation
        of ``turn``, on try ``tries``) goes again: only when its agent crashed, after
        waiting for Ray to restart it or recreating it if it is dead for good. Each crash
        costs the stage one try."""
        if isinstance(exc, BudgetExceeded) or tries >= self.settings.max_attempts:
            return False
        if isinstance(exc, ActorDiedError):
            return self._recreate(stage, turn)
        if isinstance(exc, ActorUnavailableError):
            return await self._await_ready(stage, turn.replica)
        return False

    def _recreate(self, name: str, turn: Turn) -> bool:
        """Replace a dead replica, once per death however many calls saw it die."""
        i = turn.replica
        if self.generation[name][i] != turn.generation:
            return True  # another episode already replaced it
        owner = self.owner[name]
        if self.recreated[owner] >= self.settings.max_actor_recreations:
            return False
        self.recreated[owner] += 1
        self.generation[name][i] += 1
        self.replicas[name][i] = self._spawn(owner)  # the list every sharer reads
        return True

    async def _await_ready(self, name: str, i: int) -> bool:
        """Wait (bounded) until a restarting replica answers again. Calls made while Ray
        restarts an actor fail at once, so retrying without waiting burns the tries."""
        deadline = time.monotonic() + self.settings.actor_ready_timeout_s
        pause = self.settings.backoff_base_s / 2
        while time.monotonic() < deadline:
            turn = Turn(i, self.generation[name][i])
            try:
                await self.replicas[name][i].__ray_ready__.remote()
                return True
            except ActorUnavailableError:
                await asyncio.sleep(pause * (0.5 + random.random()))
                pause = min(self.settings.backoff_max_s, pause * 2)
            except ActorDiedError:
                return self._recreate(name, turn)
        return False


def _owners(names: list[str], keys: dict[str, Any]) -> dict[str, str]:
    """Each stage's owner: the first stage (in workflow order) with its share key, or
    itself when its key is None (never shared)."""
    first: dict[Any, str] = {}
    return {n: n if keys[n] is None else first.setdefault(keys[n], n) for n in names}


async def _stats_of(name: str, agent: Any) -> Any:
    try:
        return await asyncio.wait_for(agent.stats.remote(), STATS_WAIT_S)
    except Exception as exc:  # statistics never fail a batch
        log.warning("agent %s gave no statistics: %s", name, type(exc).__name__)
        return None
