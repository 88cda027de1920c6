"""Workflows as data: presets, the stage graph, conditions, user agents, and every way a
workflow can be wrong, each caught before anything runs with the field that is wrong."""

from __future__ import annotations

import asyncio
import pickle
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from podcast_factory.actors.base import Agent
from podcast_factory.conditions import Condition
from podcast_factory.errors import UserInputError
from podcast_factory.metering import StageContext
from podcast_factory.models import (
    STAGES,
    Check,
    EpisodeSpec,
    Host,
    QualityReport,
    Script,
    Show,
    Turn,
)
from podcast_factory.user_agents import load_agent_class, user_agent_takes_agent_args
from podcast_factory.workflow import (
    PRESETS,
    StageSpec,
    Workflow,
    build_workflow,
    load_agents,
    validate,
    workflow_from_python,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TITLE_PY = EXAMPLES / "agents" / "title.py"


def _title_agent() -> Any:
    """The example agent, loaded the way a batch file loads it (examples/ is no package)."""
    return load_agent_class(f"{TITLE_PY}:TitleAgent", EXAMPLES, "agent")


def _by_value() -> list[str]:
    """Names of the modules Ray's cloudpickle sends by value."""
    from ray import cloudpickle

    return list(cloudpickle.list_registry_pickle_by_value())  # type: ignore[no-untyped-call]


class InlineAgent:
    """A user agent in an importable module (this one), as the Python API gets it."""

    needs = ("script",)

    async def run(self, episode: Any, inputs: dict[str, Any], ctx: Any) -> dict[str, Any]:
        return {"turns": len(inputs["script"].turns)}


AGENTS_PY = '''
from pydantic import BaseModel


class Flag(BaseModel):
    flag: bool = True


class Echo:
    """A user agent that reads nothing."""

    output = Flag

    async def run(self, episode, inputs, ctx):
        return Flag()


class ReadsScript:
    needs = ("script",)

    def run(self, episode, inputs, ctx):
        return {"words": len(inputs["script"].turns)}


class NoRun:
    pass


class RunAttr:
    run = 3


class BadNeeds:
    needs = "script"

    def run(self, episode, inputs, ctx):
        return {}


def helper():
    return 1
'''


@pytest.fixture
def agents(tmp_path: Path) -> Path:
    """A folder with ``agents.py`` (see AGENTS_PY) as a batch file's folder would be."""
    (tmp_path / "agents.py").write_text(AGENTS_PY, encoding="utf-8")
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    return tmp_path


def _error(data: Any, base: Path) -> UserInputError:
    with pytest.raises(UserInputError) as info:
        build_workflow(data, base)
    return info.value


# ------------------------------------------------------------------------ presets, graph


def test_presets_are_valid_and_ordered(tmp_path: Path) -> None:
    full = Workflow.preset("full")
    assert full.order == STAGES
    assert full.preset == full.preset_name == "full"
    assert validate(full) is full
    assert full.external_inputs == ()
    assert Workflow.preset("script-only").order == ("research", "script", "review")
    revoice = Workflow.preset("revoice", inputs_from=str(tmp_path))
    assert revoice.order == ("audio", "quality", "summary", "social", "master")
    assert revoice.external_inputs == ("research", "script")
    assert revoice.inputs_from == str(tmp_path.resolve())
    assert build_workflow(None, tmp_path) == full
    assert build_workflow("full", tmp_path) == full
    assert build_workflow({}, tmp_path) == full
    assert set(PRESETS) == {"full", "script-only", "revoice"}


def test_revoice_waits_for_inputs_from_until_validated() -> None:
    """The CLI builds the preset first and adds --from after; validate insists on it."""
    revoice = Workflow.preset("revoice", revisions=0)
    assert revoice.preset == "revoice" and revoice.inputs_from is None
    with pytest.raises(UserInputError) as info:
        validate(revoice, "--workflow")
    assert info.value.field == "--workflow.inputs_from"
    assert "set inputs_from" in info.value.problem
    with pytest.raises(UserInputError) as info:
        Workflow.preset("fast")
    assert "unknown preset 'fast'; presets are full, script-only, revoice" in str(info.value)
    with pytest.raises(UserInputError) as info:
        Workflow.preset("full", revisions=9)
    assert info.value.field == "revisions"


def test_preset_is_the_builder_on_the_class_and_the_name_on_a_workflow() -> None:
    wf = Workflow.model_validate({"stages": PRESETS["script-only"], "preset": "script-only"})
    assert wf.preset == wf.preset_name == "script-only"
    assert wf == Workflow.preset("script-only")
    assert Workflow.model_validate_json(wf.model_dump_json()) == wf


def test_summary_and_social_run_side_by_side_after_the_quality_gate() -> None:
    wf = Workflow.preset("full")
    summary, social = wf.stage("summary"), wf.stage("social")
    assert summary.when == social.when == Condition.parse("quality.passed", "x")
    assert "social" not in wf.upstream("summary") | wf.downstream("summary")
    assert "summary" not in wf.upstream("social") | wf.downstream("social")
    assert (
        wf.upstream("summary")
        == wf.upstream("social")
        == {
            "research",
            "script",
            "review",
            "audio",
            "quality",
        }
    )
    assert wf.downstream("quality") == {"summary", "social", "master"}
    assert wf.upstream("master") == wf.upstream("summary") | {"summary"}
    assert wf.downstream("research") == set(STAGES) - {"research"}
    assert wf.downstream("social") == set()
    assert set(wf.stage("quality").deps) == {"research", "script", "audio"}


def test_order_is_topological_and_keeps_declared_order_on_ties(agents: Path) -> None:
    wf = build_workflow(
        {
            "stages": [
                {"name": "late", "agent": "agents.py:Echo", "after": ["script"]},
                "research",
                {"name": "early", "agent": "agents.py:Echo"},
                "script",
            ]
        },
        agents,
    )
    assert wf.order == ("research", "early", "script", "late")
    assert wf.names == ("late", "research", "early", "script")


def test_skip_drops_a_stage_and_the_waits_on_it(agents: Path) -> None:
    wf = build_workflow(
        {
            "preset": "full",
            "stages": [{"name": "extra", "agent": "agents.py:Echo", "after": ["social"]}],
            "skip": ["social"],
        },
        agents,
    )
    assert "social" not in wf
    assert wf.stage("extra").after == ()
    assert wf.preset_name == "full"


def test_full_without_research_and_script_imports_them(tmp_path: Path) -> None:
    (tmp_path / "prev").mkdir()
    wf = build_workflow(
        {"skip": ["research", "script"], "inputs_from": "prev", "revisions": 0}, tmp_path
    )
    # the imported script is still read by the script gate before it is voiced
    assert wf.order == ("review", "audio", "quality", "summary", "social", "master")
    assert wf.external_inputs == ("research", "script")
    assert wf.inputs_from == str((tmp_path / "prev").resolve())
    assert wf.revisions == 0


def test_a_listed_stage_replaces_the_preset_stage_of_its_name(tmp_path: Path) -> None:
    wf = build_workflow(
        {
            "preset": "full",
            "stages": [{"name": "summary", "when": "quality.scores.overall >= 0.8"}],
        },
        tmp_path,
    )
    assert wf.order == STAGES
    assert str(wf.stage("summary").when) == "quality.scores.overall >= 0.8"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ({"stages": []}, "workflow", "has no stages"),
        ({"stages": ["research", "research"]}, "workflow.stages[1].name", "already the name"),
        ({"stages": ["research", "titel"]}, "workflow.stages[1]", "unknown stage 'titel'"),
        ({"stages": [{"name": "titel"}]}, "workflow.stages[0].agent", "not a built-in stage"),
        (
            {"stages": ["research", {"name": "script", "after": ["audio"]}]},
            "workflow.stages[1].after",
            "script runs after audio, which is not a stage of this workflow",
        ),
        (
            {"stages": ["research", {"name": "script", "when": "quality.passed"}]},
            "workflow.stages[1].when",
            "reads quality, which is not a stage of this workflow",
        ),
        (
            {"stages": ["research", {"name": "script", "after": ["audio"]}, "audio"]},
            "workflow.stages[1].after",
            "in a cycle: script -> audio -> script",
        ),
        (
            {"stages": ["audio"]},
            "workflow.stages[0].needs",
            "audio needs script, which no stage produces: add script, or run the revoice "
            "preset with inputs_from",
        ),
        (
            {"stages": ["research", "script", "summary"]},
            "workflow.stages[2].needs",
            "summary needs audio, which no stage produces: add audio",
        ),
        ("revoice", "workflow.inputs_from", "the revoice preset imports research, script"),
        (
            {"preset": "full", "stages": [{"name": "summary", "when": "quality.pased"}]},
            "workflow.stages[0].when",
            "quality's output has no field 'pased'; it has passed, scores, checks, suggestions",
        ),
        (
            {"preset": "full", "stages": [{"name": "summary", "when": "script.words > 10"}]},
            "workflow.stages[0].when",
            "script's output has no field 'words'",
        ),
        ({"skip": ["script"]}, "workflow.skip[0]", "cannot skip script: review needs it"),
        (
            {"skip": ["quality"]},
            "workflow.skip[0]",
            "cannot skip quality: summary runs only when quality.passed",
        ),
        ({"skip": ["titles"]}, "workflow.skip[0]", "'titles' is not a stage"),
        ({"stage": ["research"]}, "workflow.stage", "unknown key"),
        ({"stages": [{"name": "research", "need": []}]}, "workflow.stages[0].need", "unknown key"),
        ("everything", "workflow", "unknown preset 'everything'"),
        ({"preset": "fast"}, "workflow.preset", "unknown preset 'fast'"),
        (42, "workflow", "must be a preset name"),
        ({"revisions": 6}, "workflow.revisions", "from 0 to 5"),
        ({"revisions": True}, "workflow.revisions", "whole number"),
        ({"inputs_from": "nowhere"}, "workflow.inputs_from", "no such directory"),
        ({"inputs_from": "."}, "workflow.inputs_from", "nothing is imported"),
        (
            {"stages": ["research", {"name": "script", "needs": []}]},
            "workflow.stages[1].needs",
            "a built-in stage's needs cannot change",
        ),
        (
            {"stages": [{"name": "script", "agent": "agents.py:Echo"}]},
            "workflow.stages[0].agent",
            "'script' is a built-in stage",
        ),
        (
            {"stages": [{"name": "manifest", "agent": "agents.py:Echo"}]},
            "workflow.stages[0].name",
            "run-directory file",
        ),
        (
            {"stages": [{"name": "two words", "agent": "agents.py:Echo"}]},
            "workflow.stages[0].name",
            "not a stage name",
        ),
        (
            {"stages": [{"name": "words", "agent": "agents.py:ReadsScript"}]},
            "workflow.stages[0].needs",
            "words needs script, which no stage produces",
        ),
        (
            {
                "stages": [
                    {"name": "a", "agent": "agents.py:Echo", "needs": ["b"]},
                    {"name": "b", "agent": "agents.py:Echo", "after": ["a"]},
                ]
            },
            "workflow.stages[0].needs",
            "a -> b -> a",
        ),
        (
            {"stages": [{"name": "a", "agent": "agents.py:Echo", "when": "a.flag"}]},
            "workflow.stages[0].when",
            "cannot read its own output",
        ),
    ],
)
def test_workflow_mistakes_name_the_field_and_the_problem(
    agents: Path, data: Any, field: str, problem: str
) -> None:
    err = _error(data, agents)
    assert err.field == field
    assert problem in err.problem, err.problem


def test_a_user_agent_needs_what_its_class_says_unless_the_stage_says(agents: Path) -> None:
    wf = build_workflow(
        {
            "preset": "full",
            "stages": [
                {"name": "words", "agent": "agents.py:ReadsScript"},
                {"name": "more", "agent": "agents.py:ReadsScript", "needs": ["research", "words"]},
                {"name": "echo", "agent": "agents.py:Echo", "when": "words.words > 3"},
            ],
        },
        agents,
    )
    assert wf.stage("words").needs == ("script",)
    assert wf.stage("more").needs == ("research", "words")
    assert wf.stage("echo").needs == ()
    assert set(wf.stage("echo").deps) == {"words"}  # a user agent's fields are not checked
    assert wf.downstream("words") == {"more", "echo"}


@pytest.mark.parametrize(
    "text",
    [
        "quality",
        "quality.passed and summary.title",
        "quality.passed >= high",
        "quality.scores.overall >= true",
        'quality.scores.overall > "0.8"',
        "not quality.scores.overall >= 0.8",
        "title.lang == fr",
        "__import__('os').system('true')",
        "quality..passed",
        "quality.passed ==",
        "quality.scores.overall > 1e999",
        "",
    ],
)
def test_a_condition_that_is_not_one_of_the_forms_is_refused(tmp_path: Path, text: str) -> None:
    err = _error({"stages": [{"name": "summary", "when": text}]}, tmp_path)
    assert err.field == "workflow.stages[0].when"
    assert "cannot read condition" in err.problem


def test_a_condition_must_be_text(tmp_path: Path) -> None:
    err = _error({"stages": [{"name": "summary", "when": True}]}, tmp_path)
    assert err.field == "workflow.stages[0].when"
    assert "must be a condition text" in err.problem


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("agents.py", "is not an import path"),
        ("agents.py:", "is not an import path"),
        ("missing.py:Echo", "no such file"),
        ("no_such_module_pf_xyz:Echo", "no module named 'no_such_module_pf_xyz'"),
        ("agents.py:Nope", "has no class 'Nope'; it defines BadNeeds, Echo, Flag"),
        ("agents.py:NoRun", "NoRun has no run method"),
        ("agents.py:RunAttr", "RunAttr.run is not a method"),
        ("agents.py:helper", "helper is a function, not a class"),
        ("agents.py:BadNeeds", "BadNeeds.needs must be a tuple of stage names"),
        ("broken.py:Echo", "importing it failed: RuntimeError: boom"),
        ("json:JSONDecoder", "JSONDecoder has no run method"),
    ],
)
def test_a_bad_agent_path_is_refused_with_the_reason(agents: Path, path: str, problem: str) -> None:
    err = _error({"stages": ["research", {"name": "extra", "agent": path}]}, agents)
    assert err.field == "workflow.stages[1].agent"
    assert problem in err.problem, err.problem


def test_validate_refuses_a_stage_without_agent_built_by_hand() -> None:
    wf = Workflow(stages=(StageSpec(name="titles", agent="titles"),))
    with pytest.raises(UserInputError) as info:
        validate(wf)
    assert info.value.field == "workflow.stages[0].name"
    assert "unknown stage 'titles'" in info.value.problem


# ------------------------------------------------------------------------ conditions


def _report(passed: bool, overall: float) -> QualityReport:
    return QualityReport(
        passed=passed,
        scores={"overall": overall},
        checks=(Check(name="duration", value=1.0, threshold="<= 2", passed=passed),),
        suggestions=(),
    )


@pytest.mark.parametrize(
    ("text", "output", "expected"),
    [
        ("quality.passed", _report(True, 0.9), True),
        ("quality.passed", _report(False, 0.9), False),
        ("not quality.passed", _report(False, 0.9), True),
        ("quality.scores.overall >= 0.8", _report(True, 0.8), True),
        ("quality.scores.overall > 0.8", _report(True, 0.8), False),
        ("quality.scores.overall < 0.8", _report(True, 0.5), True),
        ("quality.scores.overall <= -1", _report(True, 0.5), False),
        ("quality.checks.0.passed", _report(True, 0.5), True),
        ("quality.checks.3.passed", _report(True, 0.5), False),
        ("quality.passed", None, False),
        ("not quality.passed", None, True),
        ('title.lang == "fr"', {"lang": "fr"}, True),
        ("title.lang == 'fr'", {"lang": "en"}, False),
        ('title.lang != "fr"', {"lang": "en"}, True),
        ('title.lang != "fr"', {}, False),
        ("title.lang", {}, False),
        ("not title.lang", {}, True),
        ("title.lang == null", {"lang": None}, True),
        ("title.lang == null", {}, False),
        ("x.flag == true", {"flag": True}, True),
        ("x.flag == 1", {"flag": True}, False),
        ("x.count == 1", {"count": 1}, True),
        ("x.count >= 2", {"count": "3"}, False),
        ("x.meta.depth > 2", {"meta": {"depth": 3}}, True),
        ("x.items.1", {"items": [0, 5]}, True),
    ],
)
def test_conditions_hold_on_models_and_dicts(text: str, output: Any, expected: bool) -> None:
    assert Condition.parse(text, "when").holds(output) is expected


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("quality.passed", "quality.passed"),
        ("  not   quality.passed ", "not quality.passed"),
        ("quality.scores.overall>=0.80", "quality.scores.overall >= 0.8"),
        ("x.flag == TRUE", "x.flag == true"),
        ("title.lang == 'fr'", 'title.lang == "fr"'),
        ("x.n < -1e3", "x.n < -1000"),
        ("x.v != None", "x.v == null".replace("==", "!=")),
    ],
)
def test_a_condition_gives_back_its_source_form(text: str, canonical: str) -> None:
    cond = Condition.parse(text, "when")
    assert cond.text == str(cond) == canonical
    assert Condition.parse(cond.text, "when") == cond


def test_condition_parts() -> None:
    cond = Condition.parse("quality.scores.overall >= 0.8", "when")
    assert (cond.stage, cond.path, cond.op, cond.value) == (
        "quality",
        ("scores", "overall"),
        ">=",
        0.8,
    )
    assert Condition.parse("x.flag == true", "when").value is True


# ------------------------------------------------------------------------ user agents


def test_load_agent_class_by_file_path_travels_by_value(agents: Path) -> None:

    cls = load_agent_class("agents.py:Echo", agents, "f")
    assert cls.__name__ == "Echo"
    assert load_agent_class(str(agents / "agents.py") + ":Echo", Path("/"), "f") is cls
    assert cls.__module__ in _by_value()
    out = asyncio.run(cls().run(None, {}, None))
    assert out.flag is True


def test_load_agent_class_by_module_path_from_the_batch_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ray import cloudpickle

    monkeypatch.setattr(sys, "path", list(sys.path))  # undo what the loader adds
    package = f"pf_test_agents_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / package / "mine.py").write_text(AGENTS_PY, encoding="utf-8")
    try:
        cls: Any = load_agent_class(f"{package}.mine:ReadsScript", tmp_path, "f")
        assert cls.needs == ("script",)
        assert f"{package}.mine" in _by_value()
        wf = build_workflow(
            {
                "preset": "script-only",
                "stages": [{"name": "count", "agent": f"{package}.mine:ReadsScript"}],
            },
            tmp_path,
        )
        assert wf.stage("count").agent == f"{package}.mine:ReadsScript"
        assert wf.stage("count").needs == ("script",)
        assert wf.order == ("research", "script", "review", "count")
    finally:
        for name in [n for n in sys.modules if n.startswith(package)]:
            if name in _by_value():
                cloudpickle.unregister_pickle_by_value(sys.modules[name])  # type: ignore[no-untyped-call]
            del sys.modules[name]


@pytest.mark.subprocess
def test_a_class_from_a_file_unpickles_where_the_file_is_not(agents: Path) -> None:
    """What a Ray worker on another node sees: the class arrives by value."""
    from ray import cloudpickle

    cls = load_agent_class("agents.py:Echo", agents, "f")
    blob = cloudpickle.dumps(cls)  # type: ignore[no-untyped-call]
    code = (
        "import asyncio, sys; from ray import cloudpickle; "
        "cls = cloudpickle.loads(sys.stdin.buffer.read()); "
        "print(cls.__name__, asyncio.run(cls().run(None, {}, None)).flag)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=blob, capture_output=True, cwd="/", timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["Echo", "True"]


def test_an_installed_module_is_not_sent_by_value(tmp_path: Path) -> None:

    with pytest.raises(UserInputError):
        load_agent_class("json:JSONDecoder", tmp_path, "f")  # a class, but no run
    assert "json" not in _by_value()


def test_user_agents_built_like_the_project_agents_subclass_agent() -> None:
    class Paid(Agent):
        async def run(self, episode: Any, inputs: Any, ctx: Any) -> dict[str, Any]:
            return {}

    assert user_agent_takes_agent_args(Paid)
    assert not user_agent_takes_agent_args(_title_agent())
    assert not user_agent_takes_agent_args(InlineAgent)


# ------------------------------------------------------------------ Python API, pickling


def test_workflow_from_python_takes_classes_and_names_arguments(tmp_path: Path) -> None:
    title_agent = _title_agent()
    wf = workflow_from_python(
        [{"name": "title", "agent": title_agent, "after": ["quality"], "when": "quality.passed"}],
        preset="full",
        skip=["social"],
        revisions=2,
    )
    title = wf.stage("title")
    assert title.agent == f"{TITLE_PY}:TitleAgent"  # loads again from any directory
    assert title.agent_class is title_agent
    assert title.needs == ("script",)
    order = ("research", "script", "review", "audio", "quality", "summary", "master", "title")
    assert wf.order == order
    assert wf.revisions == 2

    assert workflow_from_python(["research", "script"]).order == ("research", "script")
    assert workflow_from_python([]) == Workflow.preset("full")
    spec = StageSpec(name="research", agent="research")
    assert workflow_from_python([spec]).stages == (spec,)

    with pytest.raises(UserInputError) as info:
        workflow_from_python(["research", {"name": "x", "agent": InlineAgent}])
    assert info.value.field == "stages[1].needs"
    with pytest.raises(UserInputError) as info:
        workflow_from_python(["research", {"name": "x", "agent": Host}])
    assert info.value.field == "stages[1].agent"
    assert "has no run method" in info.value.problem
    with pytest.raises(UserInputError) as info:
        workflow_from_python([], skip=["script"])
    assert info.value.field == "skip[0]"
    with pytest.raises(UserInputError) as info:
        workflow_from_python([], preset="revoice")
    assert info.value.field == "inputs_from"


def test_workflows_pickle_with_their_agent_classes() -> None:
    wf = workflow_from_python([{"name": "count", "agent": InlineAgent}], preset="script-only")
    assert wf.stage("count").agent == "tests.test_workflow:InlineAgent"
    back = pickle.loads(pickle.dumps(wf))
    assert back == wf
    assert back.stage("count").agent_class is InlineAgent
    title = workflow_from_python([{"name": "title", "agent": _title_agent()}], preset="full")
    assert pickle.loads(pickle.dumps(title)) == title  # in this process, by sys.modules
    full = Workflow.preset("full")
    assert pickle.loads(pickle.dumps(full)) == full


def test_json_drops_the_agent_class_and_load_agents_brings_it_back(agents: Path) -> None:
    wf = build_workflow(
        {
            "preset": "full",
            "stages": [{"name": "flag", "agent": "agents.py:Echo", "after": ["quality"]}],
        },
        agents,
    )
    dumped = wf.model_dump()
    assert "agent_class" not in dumped["stages"][-1]
    assert dumped["stages"][-1]["agent"] == f"{(agents / 'agents.py').resolve()}:Echo"
    back = Workflow.model_validate_json(wf.model_dump_json())
    assert back.stage("flag").agent_class is None
    loaded = load_agents(back, Path("/"))
    assert loaded == wf
    assert loaded.stage("flag").agent_class is wf.stage("flag").agent_class


# ---------------------------------------------------------------- the example agent


def _episode() -> EpisodeSpec:
    return EpisodeSpec(
        episode_id="tides",
        topic="How tides work",
        sources=("notes.md",),
        show=Show(name="Everyday Marvels", hosts=(Host(name="Nora"), Host(name="Eli"))),
    )


def _script() -> Script:
    lines = [
        "Welcome to Everyday Marvels, Eli. Today the Moon lifts the oceans.",
        "Right, Nora. The Moon's gravity raises a bulge of ocean water.",
        "And the Sun adds its own gravity, so spring tides happen at new Moon.",
        "Neap tides come when the Sun and the Moon stand at right angles.",
        "The ocean basins shape every tide too.",
    ]
    turns = tuple(Turn(speaker=("Nora", "Eli")[i % 2], text=text) for i, text in enumerate(lines))
    return Script(episode_id="tides", title="How tides work", turns=turns, target_words=60)


def test_title_agent_suggests_titles_from_the_script_words() -> None:
    title_agent = _title_agent()
    ctx = StageContext(episode_id="tides", stage="title")
    ideas = asyncio.run(title_agent().run(_episode(), {"script": _script()}, ctx))
    assert isinstance(ideas, title_agent.output)
    assert ideas.keywords[:3] == ("moon", "ocean", "tides")
    assert "nora" not in ideas.keywords and "marvels" not in ideas.keywords
    assert len(ideas.titles) == 3
    assert ideas.titles[0] == "How tides work: Moon and Ocean"
    assert len(set(ideas.titles)) == 3
    as_dict = asyncio.run(
        title_agent().run(_episode(), {"script": _script().model_dump(mode="json")}, ctx)
    )
    assert as_dict == ideas  # deterministic, and a reloaded script is just as good
    assert title_agent.needs == ("script",)
    assert title_agent.output.__name__ == "TitleIdeas"


def test_example_workflow_file_builds(tmp_path: Path) -> None:
    data = yaml.safe_load((EXAMPLES / "workflow.yaml").read_text(encoding="utf-8"))
    wf = build_workflow(data["workflow"], EXAMPLES)
    order = ("research", "script", "review", "audio", "quality", "summary", "master", "title")
    assert wf.order == order
    title = wf.stage("title")
    assert title.needs == ("script",) and title.after == ("quality",)
    assert str(title.when) == "quality.passed"
    assert title.agent_class is not None and title.agent_class.__name__ == "TitleAgent"
    assert not user_agent_takes_agent_args(title.agent_class)
    for episode in data["episodes"]:
        assert all((EXAMPLES / source).is_file() for source in episode["sources"])
