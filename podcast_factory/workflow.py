"""Workflows as data: which stages an episode runs, what each reads, and when.

A workflow is a DAG of stages. Each stage names the stages whose outputs it reads
(``needs``), the stages it merely waits for (``after``), and optionally a condition on
another stage's output (``when: quality.passed``). Built-in stages run the project's
agents; any other stage runs a user agent given by import path.

This module holds the shape of a workflow (``StageSpec``, ``Workflow``), the presets,
the checks of the stage graph and the builders from a batch file or the Python API.
Everything is checked here, before Ray starts or a file is written, and every mistake
is a ``UserInputError(field, problem)`` with the field's path in the batch file
(``workflow.stages[2].after``). Two parts live in modules of their own: the condition
language (``podcast_factory.conditions``) and the loading of user agents
(``podcast_factory.user_agents``); their public names are re-exported from here.

This module must not import ``podcast_factory.models`` at module level: models.py
imports ``Workflow`` from here to put it on ``BatchSpec``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol, overload

from pydantic import BaseModel, ConfigDict, Field, model_validator

# ``X as X``: re-exported, so that ``from podcast_factory.workflow import X`` keeps working.
from podcast_factory.conditions import Condition as Condition
from podcast_factory.errors import UserInputError
from podcast_factory.user_agents import FILE_MODULE_PREFIX as FILE_MODULE_PREFIX
from podcast_factory.user_agents import adopt_agent_class, canonical_agent_path
from podcast_factory.user_agents import agent_path_of as agent_path_of
from podcast_factory.user_agents import check_agent_class as check_agent_class
from podcast_factory.user_agents import load_agent_class as load_agent_class
from podcast_factory.user_agents import (
    user_agent_takes_agent_args as user_agent_takes_agent_args,
)

BUILTIN_NEEDS: dict[str, tuple[str, ...]] = {
    "research": (),
    "script": ("research",),
    "review": ("research", "script"),
    "audio": ("script",),
    "quality": ("research", "script", "audio"),
    "summary": ("research", "script", "audio"),
    "social": ("research", "script"),
}
"""What each built-in stage reads: the outputs its agent is handed."""

BUILTIN_STAGES: tuple[str, ...] = tuple(BUILTIN_NEEDS)

IMPORTABLE: tuple[str, ...] = ("research", "script")
"""Stages whose artifacts a workflow may import from a previous run (``inputs_from``)
instead of producing them: the rest are cheap to remake or depend on these."""

OUTPUT_FIELDS: dict[str, tuple[str, ...]] = {
    "research": ("facts", "sources"),
    "script": ("title", "turns", "target_words"),
    "review": ("passed", "scores", "checks", "suggestions"),
    "audio": ("duration_s", "sample_rate", "segments", "provider"),
    "quality": ("passed", "scores", "checks", "suggestions"),
    "summary": ("title", "summary", "chapters", "sources"),
    "social": ("posts",),
}
"""The fields of each built-in stage's output a condition may read. Checked before the
run so that a typo (``quality.pased``) is an error, not a stage that never runs."""

RESERVED_NAMES = frozenset({"manifest", "batch", "ledger", "args"})
"""Names of the run directory's own files; a stage writes ``<name>.json``."""

STAGE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
MAX_STAGES = 50
MAX_REVISIONS = 5


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _names(items: Iterable[str]) -> str:
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
                raise ValueError(f"workflow has a cycle: {_cycle_text(self) or '?'}")
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
    ),
    "script-only": (_builtin("research"), _builtin("script"), _builtin("review")),
    "revoice": (
        _builtin("audio"),
        _builtin("quality"),
        _builtin("summary", "quality.passed"),
        _builtin("social", "quality.passed"),
    ),
}
"""The stages of each preset. Two gates judge each draft: ``review`` reads the script
before any speech is bought, ``quality`` listens to the audio; a draft either rejects
goes back to the writer. ``revoice`` reads research and script from a previous run
(``inputs_from``) and makes new audio and what follows from it."""


def _preset_workflow(name: str, revisions: int = 1, inputs_from: str | None = None) -> Workflow:
    """``Workflow.preset``: a preset by name, with ``inputs_from`` (relative to the
    working directory) checked if given. Without it, the revoice preset is returned as
    is, so a caller may add ``inputs_from`` later; ``validate`` then insists on it."""
    if name not in PRESETS:
        raise UserInputError("workflow", _unknown_preset(name))
    if inputs_from is not None:
        return _assemble(name, [], [], revisions, inputs_from, Path.cwd(), "workflow", "workflow")
    _check_revisions("revisions", revisions)
    return Workflow(stages=PRESETS[name], preset_name=name, revisions=revisions)


def _unknown_preset(name: object) -> str:
    return f"unknown preset {name!r}; presets are {_names(PRESETS)}"


# ---------------------------------------------------------------------------- validation


def validate(
    wf: Workflow, field: str = "workflow", where: Mapping[str, str] | None = None
) -> Workflow:
    """Check a workflow before anything runs; return it unchanged.

    ``where`` maps a stage name to its field path in the batch file; by default a stage
    is ``<field>.stages[<index>]``."""
    where = dict(where or {})
    for i, spec in enumerate(wf.stages):
        where.setdefault(spec.name, f"{_join(field, 'stages')}[{i}]")
    if wf.preset == "revoice" and wf.inputs_from is None and wf.external_inputs:
        raise UserInputError(
            _join(field, "inputs_from"),
            f"missing: the revoice preset imports {_names(wf.external_inputs)} from a previous "
            "run; set inputs_from to that run's output directory",
        )
    if not wf.stages:
        raise UserInputError(
            field or "stages", f"has no stages: name a preset ({_names(PRESETS)}) or list stages"
        )
    if len(wf.stages) > MAX_STAGES:
        raise UserInputError(
            field or "stages", f"has {len(wf.stages)} stages; at most {MAX_STAGES}"
        )
    seen: dict[str, int] = {}
    for i, spec in enumerate(wf.stages):
        at = where[spec.name]
        if spec.name in seen:
            raise UserInputError(
                f"{_join(field, 'stages')}[{i}].name",
                f"{spec.name!r} is already the name of stages[{seen[spec.name]}]",
            )
        seen[spec.name] = i
        _check_stage_name(at, spec)
    names = set(seen)
    for spec in wf.stages:
        _check_refs(wf, spec, where[spec.name], names)
    cycle = _cycle(wf)
    if cycle:
        first, second = cycle[0], cycle[1]
        raise UserInputError(
            f"{where[first]}.{_edge_kind(wf.stage(first), second)}",
            f"stages wait for each other in a cycle: {' -> '.join(cycle)}",
        )
    if wf.inputs_from is not None and not wf.external_inputs:
        raise UserInputError(
            _join(field, "inputs_from"),
            "nothing is imported from it: every stage's input is made by a stage of the "
            f"workflow; drop inputs_from, or skip the stages ({_names(IMPORTABLE)}) to import",
        )
    return wf


def _check_stage_name(at: str, spec: StageSpec) -> None:
    name, field = spec.name, f"{at}.name"
    if not STAGE_NAME_RE.match(name):
        raise UserInputError(
            field,
            f"{name!r} is not a stage name: use 1-40 letters, digits, '_' or '-', "
            "starting with a letter",
        )
    if name in RESERVED_NAMES:
        raise UserInputError(field, f"{name!r} is the name of a run-directory file; pick another")
    if name in BUILTIN_NEEDS:
        if spec.agent != name:
            raise UserInputError(
                f"{at}.agent",
                f"{name!r} is a built-in stage; give a stage of your own another name",
            )
        return
    if spec.agent == name or ":" not in spec.agent:
        raise UserInputError(
            field,
            f"unknown stage {name!r}: built-in stages are {_names(BUILTIN_STAGES)}; a stage "
            "of your own needs an agent (path/to/file.py:Class or package.module:Class)",
        )


def _check_refs(wf: Workflow, spec: StageSpec, at: str, names: set[str]) -> None:
    """A stage's needs, after and when name stages that exist (or can be imported)."""
    if spec.builtin and set(spec.needs) != set(BUILTIN_NEEDS[spec.name]):
        raise UserInputError(
            f"{at}.needs",
            f"{spec.name} reads {_names(BUILTIN_NEEDS[spec.name]) or 'nothing'}; a built-in "
            "stage's needs cannot change (use after to make it wait for other stages)",
        )
    for dep in spec.needs:
        if dep in names:
            continue
        if wf.inputs_from is not None and dep in IMPORTABLE:
            continue
        problem = f"{spec.name} needs {dep}, which no stage produces: add {dep}"
        if dep in IMPORTABLE:
            problem += ", or run the revoice preset with inputs_from"
        elif wf.inputs_from is not None:
            problem += f" (only {_names(IMPORTABLE)} can be imported from inputs_from)"
        raise UserInputError(f"{at}.needs", problem)
    for dep in spec.after:
        if dep not in names:
            raise UserInputError(
                f"{at}.after",
                f"{spec.name} runs after {dep}, which is not a stage of this workflow "
                f"({_names(wf.names)})",
            )
    cond = spec.when
    if cond is None:
        return
    if cond.stage not in names:
        raise UserInputError(
            f"{at}.when",
            f"the condition {cond.text!r} reads {cond.stage}, which is not a stage of this "
            f"workflow ({_names(wf.names)})",
        )
    if cond.stage == spec.name:
        raise UserInputError(f"{at}.when", f"{spec.name}'s condition cannot read its own output")
    source = wf.stage(cond.stage)
    if source.builtin and cond.path[0] not in OUTPUT_FIELDS[cond.stage]:
        raise UserInputError(
            f"{at}.when",
            f"the condition {cond.text!r} reads {cond.stage}.{cond.path[0]}, but {cond.stage}'s "
            f"output has no field {cond.path[0]!r}; it has "
            f"{_names(OUTPUT_FIELDS[cond.stage])}",
        )


def _cycle(wf: Workflow) -> list[str]:
    """A circle of stages waiting on each other, as ``[a, b, a]``; [] if there is none."""
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


def _cycle_text(wf: Workflow) -> str:
    return " -> ".join(_cycle(wf))


def _edge_kind(spec: StageSpec, dep: str) -> str:
    if dep in spec.needs:
        return "needs"
    if dep in spec.after:
        return "after"
    return "when"


def load_agents(wf: Workflow, base: Path, field: str = "workflow") -> Workflow:
    """The workflow with the class of every user agent loaded.

    ``agent_class`` is not serialized, so a workflow read back from JSON (a resumed run's
    ``batch.json``) has only the import paths; this loads them again."""
    stages = tuple(
        s.model_copy(
            update={"agent_class": load_agent_class(s.agent, base, f"{field}.stages[{i}].agent")}
        )
        if not s.builtin and s.agent_class is None
        else s
        for i, s in enumerate(wf.stages)
    )
    return wf.model_copy(update={"stages": stages})


# ---------------------------------------------------------------------------- builders

STAGE_KEYS = {"name", "agent", "needs", "after", "when"}
WORKFLOW_KEYS = {"preset", "stages", "skip", "revisions", "inputs_from"}


def build_workflow(data: Any, base: Path, field: str = "workflow") -> Workflow:
    """A checked Workflow from a batch file's ``workflow:`` value.

    ``workflow: script-only`` names a preset. A mapping may give ``preset`` (default
    ``full`` when there are no ``stages``), ``stages`` (added to the preset's; one with
    a preset stage's name replaces it), ``skip``, ``revisions`` and ``inputs_from`` (a
    directory relative to ``base``). No value at all is the full preset."""
    if data is None:
        return Workflow.preset("full")
    if isinstance(data, str):
        if data not in PRESETS:
            raise UserInputError(field, _unknown_preset(data))
        return _assemble(data, [], [], 1, None, base, field, f"{field}")
    if not isinstance(data, Mapping):
        raise UserInputError(
            field, f"must be a preset name ({_names(PRESETS)}) or a mapping with stages"
        )
    extra = sorted(set(data) - WORKFLOW_KEYS, key=str)
    if extra:
        raise UserInputError(
            _join(field, str(extra[0])),
            f"unknown key; allowed keys are {_names(sorted(WORKFLOW_KEYS))}",
        )
    preset = data.get("preset")
    if preset is not None and (not isinstance(preset, str) or preset not in PRESETS):
        raise UserInputError(_join(field, "preset"), _unknown_preset(preset))
    stages = data.get("stages", [])
    if not isinstance(stages, list):
        raise UserInputError(_join(field, "stages"), "must be a list of stages")
    if preset is None and "stages" not in data:
        preset = "full"
    return _assemble(
        preset,
        stages,
        _name_list(_join(field, "skip"), data.get("skip", [])),
        data.get("revisions", 1),
        data.get("inputs_from"),
        base,
        field,
        _join(field, "preset") if "preset" in data else field,
    )


def workflow_from_python(
    stages: Sequence[str | StageSpec | Mapping[str, Any]],
    *,
    preset: str | None = None,
    skip: Sequence[str] = (),
    revisions: int = 1,
    inputs_from: str | Path | None = None,
) -> Workflow:
    """A checked Workflow for the Python API. Same rules as the batch file; a mapping's
    ``agent`` may also be the class itself, and paths are relative to the working
    directory. Errors name the arguments (``stages[1].when``)."""
    if preset is not None and preset not in PRESETS:
        raise UserInputError("preset", _unknown_preset(preset))
    if isinstance(stages, (str, Mapping)):
        raise UserInputError("stages", "must be a list of stages")
    if not stages and preset is None:
        preset = "full"
    if isinstance(skip, str):
        skip = [skip]
    return _assemble(
        preset,
        list(stages),
        _name_list("skip", list(skip)),
        revisions,
        str(inputs_from) if isinstance(inputs_from, Path) else inputs_from,
        Path.cwd(),
        "",
        "preset",
    )


def _assemble(
    preset: str | None,
    items: list[Any],
    skip: list[str],
    revisions: Any,
    inputs_from: Any,
    base: Path,
    field: str,
    preset_field: str,
) -> Workflow:
    """Preset stages, then listed stages (replacing preset stages of the same name),
    minus skipped ones; then the whole is validated."""
    _check_revisions(_join(field, "revisions"), revisions)
    imports = _inputs_dir(_join(field, "inputs_from"), inputs_from, base)
    specs: dict[str, StageSpec] = {}
    where: dict[str, str] = {}
    for spec in PRESETS[preset] if preset else ():
        specs[spec.name] = spec
        where[spec.name] = preset_field
    listed: dict[str, int] = {}
    stages_field = _join(field, "stages")
    for i, item in enumerate(items):
        at = f"{stages_field}[{i}]"
        spec = _stage(at, item, base)
        if spec.name in listed:
            raise UserInputError(
                f"{at}.name", f"{spec.name!r} is already the name of stages[{listed[spec.name]}]"
            )
        listed[spec.name] = i
        specs[spec.name] = spec
        where[spec.name] = at
    skip_field = _join(field, "skip")
    for i, name in enumerate(skip):
        if name not in specs:
            raise UserInputError(
                f"{skip_field}[{i}]",
                f"{name!r} is not a stage of this workflow ({_names(specs)})",
            )
    dropped = set(skip)
    kept = [s for n, s in specs.items() if n not in dropped]
    for i, name in enumerate(skip):
        for spec in kept:
            why = None
            if name in spec.needs and not (imports is not None and name in IMPORTABLE):
                why = "needs it"
                if name in IMPORTABLE:
                    why += f" (or set inputs_from to import {name} from a previous run)"
            elif spec.when is not None and spec.when.stage == name:
                why = f"runs only when {spec.when.text}"
            if why:
                raise UserInputError(
                    f"{skip_field}[{i}]",
                    f"cannot skip {name}: {spec.name} {why}; skip {spec.name} too",
                )
    # ``after`` only orders stages: waiting for a skipped stage is no wait at all.
    kept = [
        s.model_copy(update={"after": tuple(a for a in s.after if a not in dropped)})
        if dropped & set(s.after)
        else s
        for s in kept
    ]
    wf = Workflow(stages=tuple(kept), preset_name=preset, revisions=revisions, inputs_from=imports)
    return validate(wf, field, where)


def _check_revisions(field: str, revisions: Any) -> None:
    if isinstance(revisions, bool) or not isinstance(revisions, int):
        raise UserInputError(field, f"must be a whole number, got {revisions!r}")
    if not 0 <= revisions <= MAX_REVISIONS:
        raise UserInputError(field, f"must be from 0 to {MAX_REVISIONS}, got {revisions}")


def _inputs_dir(field: str, value: Any, base: Path) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UserInputError(field, "must be the path of a previous run's output directory")
    path = Path(value.strip()).expanduser()
    if not path.is_absolute():
        path = base / path
    if not path.is_dir():
        shown = value if value == str(path) else f"{value} (read as {path})"
        problem = "is not a directory" if path.exists() else "no such directory"
        raise UserInputError(field, f"{shown}: {problem}")
    return str(path.resolve())


def _name_list(field: str, value: Any) -> list[str]:
    """``needs``, ``after`` or ``skip``: one stage name or a list of them."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise UserInputError(field, "must be a stage name or a list of stage names")
    for i, name in enumerate(value):
        if not isinstance(name, str) or not name:
            raise UserInputError(f"{field}[{i}]", f"must be a stage name, got {name!r}")
    if len(set(value)) != len(value):
        raise UserInputError(field, "names a stage twice")
    return list(value)


def _stage(at: str, item: Any, base: Path) -> StageSpec:
    """One ``stages`` item: a built-in name, a mapping, or (Python API) a StageSpec."""
    if isinstance(item, StageSpec):
        if item.agent_class is None and ":" in item.agent:
            loaded = load_agent_class(item.agent, base, f"{at}.agent")
            return item.model_copy(update={"agent_class": loaded})
        return item
    if isinstance(item, str):
        if item not in BUILTIN_NEEDS:
            raise UserInputError(
                at,
                f"unknown stage {item!r}: built-in stages are {_names(BUILTIN_STAGES)}; a stage "
                "of your own is a mapping with name and agent",
            )
        return StageSpec(name=item, agent=item, needs=BUILTIN_NEEDS[item])
    if not isinstance(item, Mapping):
        raise UserInputError(at, "must be a stage name or a mapping with name and agent")
    extra = sorted(set(item) - STAGE_KEYS, key=str)
    if extra:
        raise UserInputError(
            f"{at}.{extra[0]}", f"unknown key; allowed keys are {_names(sorted(STAGE_KEYS))}"
        )
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise UserInputError(f"{at}.name", "missing: every stage needs a name")
    name = name.strip()
    agent = item.get("agent")
    cls: type | None = None
    if agent is None:
        if name not in BUILTIN_NEEDS:
            raise UserInputError(
                f"{at}.agent",
                f"missing: {name!r} is not a built-in stage ({_names(BUILTIN_STAGES)}), so it "
                "needs an agent: path/to/file.py:Class or package.module:Class",
            )
        agent_path = name
    elif inspect.isclass(agent):
        cls = adopt_agent_class(agent, base, f"{at}.agent")
        agent_path = agent_path_of(cls)
    elif isinstance(agent, str) and agent.strip() == name and name in BUILTIN_NEEDS:
        agent_path = name
    else:
        if name in BUILTIN_NEEDS:
            raise UserInputError(
                f"{at}.agent",
                f"{name!r} is a built-in stage; give a stage of your own another name",
            )
        cls = load_agent_class(agent, base, f"{at}.agent")
        agent_path = canonical_agent_path(agent.strip(), base)
    if "needs" in item:
        needs = _name_list(f"{at}.needs", item["needs"])
    elif cls is not None:
        needs = list(getattr(cls, "needs", ()))
    else:
        needs = list(BUILTIN_NEEDS.get(name, ()))
    when = item.get("when")
    return StageSpec(
        name=name,
        agent=agent_path,
        needs=tuple(needs),
        after=tuple(_name_list(f"{at}.after", item.get("after"))),
        when=Condition.parse(when, f"{at}.when") if when is not None else None,
        agent_class=cls,
    )
