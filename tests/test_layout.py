"""The repository's layout as the README draws it, and the stage registry it rests on."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel

from podcast_factory.config import RunSettings
from podcast_factory.models import EpisodeSpec, Host, Show
from podcast_factory.stages import GATES, IMPORTABLE, STAGES
from podcast_factory.workflow import PRESETS

ROOT = Path(__file__).resolve().parent.parent


def test_readme_layout_block_lists_every_module_in_its_layer() -> None:
    """The README's tree is what ``scripts/check_layers.py --tree`` prints: a module
    added, moved or re-described without the README following fails here."""
    printed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_layers.py"), "--tree"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    block = re.search(r"```\n(contracts:\n.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    assert block is not None, "README has no layout block"
    assert block.group(1) == printed, "run scripts/check_layers.py --tree and paste it"


def test_every_builtin_stage_is_described_whole() -> None:
    """Each registry entry names an agent that answers ``run_stage``, an output model
    of ``podcast_factory.models``, needs that come earlier, its own ``<name>.json``,
    and a fingerprint config that is plain JSON data."""
    show = Show(name="Sim Show", hosts=(Host(name="Nora"), Host(name="Eli")))
    source = str(ROOT / "examples" / "sources" / "tides.md")
    ep = EpisodeSpec(episode_id="e", topic="Tides", sources=(source,), show=show)
    seen: list[str] = []
    for name, stage in STAGES.items():
        module, _, cls_name = stage.agent.partition(":")
        agent = getattr(importlib.import_module(module), cls_name)
        assert callable(getattr(agent, "run_stage", None)), f"{name}: agent lacks run_stage"
        assert issubclass(stage.output_model, BaseModel)
        assert set(stage.needs) <= set(seen), f"{name} needs a later stage"
        assert f"{name}.json" in stage.artifacts
        config = stage.config(ep, RunSettings())
        assert config and all(isinstance(k, str) for k in config)
        seen.append(name)
    assert GATES == ("review", "quality") and IMPORTABLE == ("research", "script")


def test_presets_only_name_registered_stages() -> None:
    for preset, stages in PRESETS.items():
        for spec in stages:
            assert spec.name in STAGES, f"preset {preset} runs unknown stage {spec.name}"
            assert spec.needs == STAGES[spec.name].needs
