"""The shape of a workflow: its stages, how they depend on each other, and the presets.

A workflow is a DAG of stages. Each stage names the stages whose outputs it reads
(``needs``), the stages it merely waits for (``after``), and optionally a condition on
another stage's output (``when: quality.passed``). Built-in stages run the project's
agents; any other stage runs a user agent given by import path.

This module holds the data (``StageSpec``, ``Workflow``, the tables of built-in stages
and ``PRESETS``) and the graph questions a workflow answers about itself (order, up- and
downstream, cycles). Checking a workflow is ``podcast_factory.workflow_checks``; building
one from a batch file or the Python API is ``podcast_factory.workflow_build``; callers
import all of it from ``podcast_factory.workflow``.

This module must not import ``podcast_factory.models`` at module level: models.py
imports ``Workflow`` (through ``podcast_factory.workflow``) to put it on ``BatchSpec``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol, overload

from pydantic import BaseModel, ConfigDict, Field, model_validator

from podcast_factory.conditions import Condition
from podcast_factory.errors import UserInputError
from podcast_factory.stages import IMPORTABLE as IMPORTABLE
from podcast_factory.stages import STAGE_NAMES, STAGES

BUILTIN_NEEDS: dict[str, tuple[str, ...]] = {name: s.needs for name, s in STAGES.items()}
"""What each built-in stage reads: the outputs its agent is handed (``podcast_factory.stages``)."""

BUILTIN_STAGES: tuple[str, ...] = STAGE_NAMES


def output_fields(stage: str) -> tuple[str, ...]:
    """The fields of a built-in stage's output a condition may read. Checked before the
    run so that a typo (``quality.pased``) is an error, not a stage that never runs."""
    return STAGES[stage].output_fields


RESERVED_NAMES = frozenset({"manifest", "batch", "ledger", "args"})
"""Names of the run directory's own files; a stage writes ``<name>.json``."""

STAGE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
MAX_STAGES = 50
MAX_REVISIONS = 5


def join_field(field: str, key: str) -> str:
    """``workflow`` + ``stages`` -> ``workflow.stages``: the field path an error names. The
    Python API's fields have no prefix (``field`` is ""), so errors say ``stages[1]``."""
    return f"{field}.{key}" if field else key


def listing(items: Iterable[str]) -> str:
    """Names for an error message, in one format across the workflow modules."""
    return ", ".join(items)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageSpec(_Frozen):
    """One stage: its name, the agent that runs it, and what it waits for.

    ``agent`` is the stage's own name for a built-in stage, else an import path
    (``package.module:Class`` or ``path/to/file.py:Class``). The loaded class rides
    along in ``agent_class`` but is not serialized: a manifest records the path, and a
    resumed run loads the class again."""

    name: str
    agent: str
    needs: tuple[str, ...] = ()
    """Stages whose outputs the agent is handed."""
    after: tuple[str, ...] = ()
    """Stages that must finish first although the agent does not read their output."""
    when: Condition | None = None
    """Run only if this holds of another stage's output; else the stage is skipped."""
    agent_class: Any = Field(default=None, exclude=True, repr=False)
    """The user agent's class (None for built-in stages)."""

    @property
    def builtin(self) -> bool:
        return self.name in BUILTIN_NEEDS and self.agent == self.name

    @property
    def deps(self) -> tuple[str, ...]:
        """Every stage this one waits for: needs, after and the condition's stage."""
        cond = (self.when.stage,) if self.when is not None else ()
        return tuple(dict.fromkeys((*self.needs, *self.after, *cond)))


class _PresetBuilder(Protocol):
    def __call__(
        self, name: str, revisions: int = 1, inputs_from: str | None = None
    ) -> Workflow: ...


class _Preset:
    """``Workflow.preset("full")`` builds a preset; ``workflow.preset`` is the name of the
    preset a workflow was built from (the field ``preset_name``). One word for both,
    because both read naturally and a class is never mistaken for an instance."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> _PresetBuilder: ...

    @overload
    def __get__(self, obj: Workflow, owner: type[Any]) -> str | None: ...

    def __get__(self, obj: Workflow | None, owner: type[Any]) -> _PresetBuilder | str | None:
        return _preset_workflow if obj is None else obj.preset_name


class Workflow(_Frozen):
    """The stages of every episode of a batch, and how they depend on each other."""

    stages: tuple[StageSpec, ...]
    preset_name: str | None = None
    """The preset it was built from, if any (for display); also ``workflow.preset``,
    and ``Workflow(preset=...)`` sets it."""
    revisions: int = Field(default=1, ge=0, le=MAX_REVISIONS)
    """How many times a script a gate rejects is rewritten (and, if it got that far,
    re-voiced): shared by the script gate and the audio gate."""
    inputs_from: str | None = None
    """A previous run's output directory that ``external_inputs`` are imported from."""

    preset: ClassVar[_Preset] = _Preset()

    @model_validator(mode="before")
    @classmethod
    def _preset_alias(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "preset" in data and "preset_name" not in data:
            data = dict(data)
            data["preset_name"] = data.pop("preset")
        return data

    @property
    def names(self) -> tuple[str, ...]:
        """Stage names in declared order."""
        return tuple(s.name for s in self.stages)

    def stage(self, name: str) -> StageSpec:
        for spec in self.stages:
            if spec.name == name:
                return spec
        raise KeyError(f"no stage {name!r} in this workflow")

    def __contains__(self, name: object) -> bool:
        return name in self.names

    @property
    def order(self) -> tuple[str, ...]:
        """A topological order of the stages; ties keep declared order, so the same
        workflow always runs (and lists) its stages the same way."""
        names = set(self.names)
        placed: list[str] = []
        done: set[str] = set()
        while len(placed) < len(self.stages):
            for spec in self.stages:
                if spec.name not in done and all(d in done or d not in names for d in spec.deps):
                    placed.append(spec.name)
                    done.add(spec.name)
                    break
            else:
                raise ValueError(f"workflow has a cycle: {cycle_text(self) or '?'}")
        return tuple(placed)

    @property
    def external_inputs(self) -> tuple[str, ...]:
        """Needs that no stage produces: imported from ``inputs_from``."""
        names = set(self.names)
        missing = dict.fromkeys(n for s in self.stages for n in s.needs if n not in names)
        rank = {n: i for i, n in enumerate(BUILTIN_STAGES)}
        return tuple(sorted(missing, key=lambda n: rank.get(n, len(rank))))

    def upstream(self, name: str) -> set[str]:
        """Every stage ``name`` waits for, directly or through others."""
        names = set(self.names)
        seen: set[str] = set()
        todo = [d for d in self.stage(name).deps if d in names]
        while todo:
            dep = todo.pop()
            if dep not in seen:
                seen.add(dep)
                todo.extend(d for d in self.stage(dep).deps if d in names)
        return seen

    def downstream(self, name: str) -> set[str]:
        """Every stage that waits for ``name``, directly or through others: what a
        failure of ``name`` stops."""
        self.stage(name)
        return {s.name for s in self.stages if name in self.upstream(s.name)}


def _builtin(name: str, when: str | None = None, after: tuple[str, ...] = ()) -> StageSpec:
    cond = Condition.parse(when, "preset") if when else None
    return StageSpec(name=name, agent=name, needs=BUILTIN_NEEDS[name], after=after, when=cond)


PRESETS: dict[str, tuple[StageSpec, ...]] = {
    "full": (
        _builtin("research"),
        _builtin("script"),
        _builtin("review"),
        _builtin("audio", after=("review",)),  # speech is bought only for a passed script
        _builtin("quality"),
        _builtin("summary", "quality.passed"),
        _builtin("social", "quality.passed"),
        _builtin("master", "quality.passed"),
    ),
    "script-only": (_builtin("research"), _builtin("script"), _builtin("review")),
    "revoice": (
        _builtin("audio"),
        _builtin("quality"),
        _builtin("summary", "quality.passed"),
        _builtin("social", "quality.passed"),
        _builtin("master", "quality.passed"),
    ),
}
"""The stages of each preset. Two gates judge each draft: ``review`` reads the script
before any speech is bought, ``quality`` listens to the audio; a draft either rejects
goes back to the writer. ``master`` makes the published MP3, transcripts and chapters
of an episode that passed. ``revoice`` reads research and script from a previous run
(``inputs_from``) and makes new audio and what follows from it."""


def _preset_workflow(name: str, revisions: int = 1, inputs_from: str | None = None) -> Workflow:
    """``Workflow.preset``: a preset by name, with ``inputs_from`` (relative to the
    working directory) checked if given. Without it, the revoice preset is returned as
    is, so a caller may add ``inputs_from`` later; ``validate`` then insists on it."""
    # Imported here: workflow_build imports this module for the shape it builds.
    from podcast_factory.workflow_build import assemble, check_revisions

    if name not in PRESETS:
        raise UserInputError("workflow", unknown_preset(name))
    if inputs_from is not None:
        return assemble(name, [], [], revisions, inputs_from, Path.cwd(), "workflow", "workflow")
    check_revisions("revisions", revisions)
    return Workflow(stages=PRESETS[name], preset_name=name, revisions=revisions)


def unknown_preset(name: object) -> str:
    """The one wording of an unknown preset, shared by ``Workflow.preset`` and builders."""
    return f"unknown preset {name!r}; presets are {listing(PRESETS)}"


def find_cycle(wf: Workflow) -> list[str]:
    """A circle of stages waiting on each other, as ``[a, b, a]``; [] if there is none.

    Here, beside the shape, because ``Workflow.order`` names the cycle it cannot order;
    ``validate`` reports the same cycle as an error on the field that closes it."""
    names = set(wf.names)
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(name: str) -> list[str]:
        state[name] = 1
        path.append(name)
        for dep in wf.stage(name).deps:
            if dep not in names:
                continue
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[name] = 2
        return []

    for name in wf.names:
        if name not in state:
            found = visit(name)
            if found:
                return found
    return []


def cycle_text(wf: Workflow) -> str:
    """The cycle as ``a -> b -> a`` for a message; "" if there is none."""
    return " -> ".join(find_cycle(wf))
