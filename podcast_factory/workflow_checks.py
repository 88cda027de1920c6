"""The checks of a workflow's stage graph, made before Ray starts or a file is written.

``validate`` takes a workflow however it was built (a preset, a batch file, the Python
API, the command line's flags) and raises the first mistake as a
``UserInputError(field, problem)`` whose field is the path in the batch file
(``workflow.stages[2].after``): names that are not stages, built-in stages given other
inputs, conditions on fields an output does not have, cycles. ``load_agents`` brings back
the user agents' classes a workflow read from JSON does not carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from podcast_factory.errors import UserInputError
from podcast_factory.user_agents import load_agent_class
from podcast_factory.workflow_shape import (
    BUILTIN_NEEDS,
    BUILTIN_STAGES,
    IMPORTABLE,
    MAX_STAGES,
    PRESETS,
    RESERVED_NAMES,
    STAGE_NAME_RE,
    StageSpec,
    Workflow,
    find_cycle,
    join_field,
    listing,
    output_fields,
)


def validate(
    wf: Workflow, field: str = "workflow", where: Mapping[str, str] | None = None
) -> Workflow:
    """Check a workflow before anything runs; return it unchanged.

    ``where`` maps a stage name to its field path in the batch file; by default a stage
    is ``<field>.stages[<index>]``."""
    where = dict(where or {})
    for i, spec in enumerate(wf.stages):
        where.setdefault(spec.name, f"{join_field(field, 'stages')}[{i}]")
    if wf.preset == "revoice" and wf.inputs_from is None and wf.external_inputs:
        raise UserInputError(
            join_field(field, "inputs_from"),
            f"missing: the revoice preset imports {listing(wf.external_inputs)} from a previous "
            "run; set inputs_from to that run's output directory",
        )
    if not wf.stages:
        raise UserInputError(
            field or "stages", f"has no stages: name a preset ({listing(PRESETS)}) or list stages"
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
                f"{join_field(field, 'stages')}[{i}].name",
                f"{spec.name!r} is already the name of stages[{seen[spec.name]}]",
            )
        seen[spec.name] = i
        _check_stage_name(at, spec)
    names = set(seen)
    for spec in wf.stages:
        _check_refs(wf, spec, where[spec.name], names)
    cycle = find_cycle(wf)
    if cycle:
        first, second = cycle[0], cycle[1]
        raise UserInputError(
            f"{where[first]}.{_edge_kind(wf.stage(first), second)}",
            f"stages wait for each other in a cycle: {' -> '.join(cycle)}",
        )
    if wf.inputs_from is not None and not wf.external_inputs:
        raise UserInputError(
            join_field(field, "inputs_from"),
            "nothing is imported from it: every stage's input is made by a stage of the "
            f"workflow; drop inputs_from, or skip the stages ({listing(IMPORTABLE)}) to import",
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
            f"unknown stage {name!r}: built-in stages are {listing(BUILTIN_STAGES)}; a stage "
            "of your own needs an agent (path/to/file.py:Class or package.module:Class)",
        )


def _check_refs(wf: Workflow, spec: StageSpec, at: str, names: set[str]) -> None:
    """A stage's needs, after and when name stages that exist (or can be imported)."""
    if spec.builtin and set(spec.needs) != set(BUILTIN_NEEDS[spec.name]):
        raise UserInputError(
            f"{at}.needs",
            f"{spec.name} reads {listing(BUILTIN_NEEDS[spec.name]) or 'nothing'}; a built-in "
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
            problem += f" (only {listing(IMPORTABLE)} can be imported from inputs_from)"
        raise UserInputError(f"{at}.needs", problem)
    for dep in spec.after:
        if dep not in names:
            raise UserInputError(
                f"{at}.after",
                f"{spec.name} runs after {dep}, which is not a stage of this workflow "
                f"({listing(wf.names)})",
            )
    cond = spec.when
    if cond is None:
        return
    if cond.stage not in names:
        raise UserInputError(
            f"{at}.when",
            f"the condition {cond.text!r} reads {cond.stage}, which is not a stage of this "
            f"workflow ({listing(wf.names)})",
        )
    if cond.stage == spec.name:
        raise UserInputError(f"{at}.when", f"{spec.name}'s condition cannot read its own output")
    source = wf.stage(cond.stage)
    if source.builtin and cond.path[0] not in output_fields(cond.stage):
        raise UserInputError(
            f"{at}.when",
            f"the condition {cond.text!r} reads {cond.stage}.{cond.path[0]}, but {cond.stage}'s "
            f"output has no field {cond.path[0]!r}; it has "
            f"{listing(output_fields(cond.stage))}",
        )


def _edge_kind(spec: StageSpec, dep: str) -> str:
    """Which of a stage's fields makes it wait for ``dep``: the field a cycle error names."""
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
