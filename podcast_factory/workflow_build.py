"""Workflows built from what a user wrote: a batch file's ``workflow:`` value or the
arguments of the Python API.

Both go through ``assemble``: the preset's stages, then the listed ones (replacing preset
stages of the same name), minus the skipped ones, then ``validate``. Each item is checked
as it is read, so an error names the field it came from (``workflow.stages[1].agent``
in a batch file, ``stages[1].agent`` in Python); user agents are loaded here, once.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from podcast_factory.conditions import Condition
from podcast_factory.errors import UserInputError
from podcast_factory.user_agents import (
    adopt_agent_class,
    agent_path_of,
    canonical_agent_path,
    load_agent_class,
)
from podcast_factory.workflow_checks import validate
from podcast_factory.workflow_shape import (
    BUILTIN_NEEDS,
    BUILTIN_STAGES,
    IMPORTABLE,
    MAX_REVISIONS,
    PRESETS,
    StageSpec,
    Workflow,
    join_field,
    listing,
    unknown_preset,
)

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
            raise UserInputError(field, unknown_preset(data))
        return assemble(data, [], [], 1, None, base, field, f"{field}")
    if not isinstance(data, Mapping):
        raise UserInputError(
            field, f"must be a preset name ({listing(PRESETS)}) or a mapping with stages"
        )
    extra = sorted(set(data) - WORKFLOW_KEYS, key=str)
    if extra:
        raise UserInputError(
            join_field(field, str(extra[0])),
            f"unknown key; allowed keys are {listing(sorted(WORKFLOW_KEYS))}",
        )
    preset = data.get("preset")
    if preset is not None and (not isinstance(preset, str) or preset not in PRESETS):
        raise UserInputError(join_field(field, "preset"), unknown_preset(preset))
    stages = data.get("stages", [])
    if not isinstance(stages, list):
        raise UserInputError(join_field(field, "stages"), "must be a list of stages")
    if preset is None and "stages" not in data:
        preset = "full"
    return assemble(
        preset,
        stages,
        _name_list(join_field(field, "skip"), data.get("skip", [])),
        data.get("revisions", 1),
        data.get("inputs_from"),
        base,
        field,
        join_field(field, "preset") if "preset" in data else field,
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
        raise UserInputError("preset", unknown_preset(preset))
    if isinstance(stages, (str, Mapping)):
        raise UserInputError("stages", "must be a list of stages")
    if not stages and preset is None:
        preset = "full"
    if isinstance(skip, str):
        skip = [skip]
    return assemble(
        preset,
        list(stages),
        _name_list("skip", list(skip)),
        revisions,
        str(inputs_from) if isinstance(inputs_from, Path) else inputs_from,
        Path.cwd(),
        "",
        "preset",
    )


def assemble(
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
    check_revisions(join_field(field, "revisions"), revisions)
    imports = _inputs_dir(join_field(field, "inputs_from"), inputs_from, base)
    specs: dict[str, StageSpec] = {}
    where: dict[str, str] = {}
    for spec in PRESETS[preset] if preset else ():
        specs[spec.name] = spec
        where[spec.name] = preset_field
    listed: dict[str, int] = {}
    stages_field = join_field(field, "stages")
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
    skip_field = join_field(field, "skip")
    for i, name in enumerate(skip):
        if name not in specs:
            raise UserInputError(
                f"{skip_field}[{i}]",
                f"{name!r} is not a stage of this workflow ({listing(specs)})",
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


def check_revisions(field: str, revisions: Any) -> None:
    """Revisions a whole number in range: checked before pydantic, whose message would not
    name the batch file's field."""
    if isinstance(revisions, bool) or not isinstance(revisions, int):
        raise UserInputError(field, f"must be a whole number, got {revisions!r}")
    if not 0 <= revisions <= MAX_REVISIONS:
        raise UserInputError(field, f"must be from 0 to {MAX_REVISIONS}, got {revisions}")


def _inputs_dir(field: str, value: Any, base: Path) -> str | None:
    """``inputs_from`` resolved against ``base`` (the batch file's folder) and checked to be
    a directory now, so a typo fails before anything runs."""
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
                f"unknown stage {item!r}: built-in stages are {listing(BUILTIN_STAGES)}; a stage "
                "of your own is a mapping with name and agent",
            )
        return StageSpec(name=item, agent=item, needs=BUILTIN_NEEDS[item])
    if not isinstance(item, Mapping):
        raise UserInputError(at, "must be a stage name or a mapping with name and agent")
    extra = sorted(set(item) - STAGE_KEYS, key=str)
    if extra:
        raise UserInputError(
            f"{at}.{extra[0]}", f"unknown key; allowed keys are {listing(sorted(STAGE_KEYS))}"
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
                f"missing: {name!r} is not a built-in stage ({listing(BUILTIN_STAGES)}), so it "
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
