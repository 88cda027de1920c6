"""A changed prompt template, rerun into the same run directory, redoes only what it shapes.

One example episode, Claude through the real anthropic SDK against the loopback
simulator (speech offline), three runs into one ``--out``: with the exported templates,
then with an edited ``script.txt`` (the script and everything made from it again, the
research reused and not bought again), then with an edited ``notes.txt`` (only the show
notes, and the mastering that tags them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from podcast_factory.api import load_batch_file, run_batch
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.prompt_files import export_prompts
from podcast_factory.prompts import TEMPLATES
from podcast_factory.testing import ProviderSimulator

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]

KEY = "sk-ant-test-FAKEKEY-0123456789abcdef"
SETTINGS = RunSettings(llm="claude", tts="espeak", memory=False, backoff_base_s=0.05)
SCRIPT_NOTE = " Keep every line under thirty words."
NOTES_NOTE = " Name the show in the summary."


def _attempts(out: Path, eid: str) -> dict[str, int]:
    manifest = json.loads((out / eid / "manifest.json").read_text())
    return {name: s["attempts"] for name, s in manifest["stages"].items()}


def _run(batch: Path, out: Path) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Run the batch; the attempts of each stage and the Claude requests it made."""
    with ProviderSimulator(api_key=KEY, voices={}) as sim:
        creds = Credentials.model_validate(
            {"anthropic_api_key": KEY, "anthropic_base_url": sim.url}
        )
        result = run_batch(load_batch_file(batch), out, SETTINGS, creds=creds)
        bodies = sim.message_bodies
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    return _attempts(out, result.episodes[0].episode_id), bodies


def _asks(bodies: list[dict[str, Any]], start: str) -> list[str]:
    texts = [str(b["messages"][0]["content"]) for b in bodies]
    return [t for t in texts if t.startswith(start)]


def test_a_changed_template_redoes_only_the_stages_it_shapes(
    example_dir: Path, tmp_path: Path
) -> None:
    data = yaml.safe_load((example_dir / "batch.yaml").read_text())
    data["episodes"] = data["episodes"][:1]
    data["prompts"] = "prompts"
    batch = example_dir / "one.yaml"
    batch.write_text(yaml.safe_dump(data, sort_keys=False))
    folder = example_dir / "prompts"
    export_prompts(folder)
    out = tmp_path / "out"

    first, bodies = _run(batch, out)
    assert len(_asks(bodies, "Topic of the episode")) == 1

    script = TEMPLATES["script"].default.replace(
        "do not support.{lessons}", "do not support." + SCRIPT_NOTE + "{lessons}"
    )
    (folder / "script.txt").write_text(script + "\n")
    second, bodies = _run(batch, out)
    assert not _asks(bodies, "Topic of the episode")  # research reused, not bought again
    asked = _asks(bodies, "Write the script")
    assert asked and all(SCRIPT_NOTE in text for text in asked)
    assert second["research"] == first["research"]
    for stage in ("script", "review", "audio", "quality", "summary", "social", "master"):
        assert second[stage] > first[stage], (stage, first, second)

    notes = TEMPLATES["notes"].default + NOTES_NOTE
    (folder / "notes.txt").write_text(notes + "\n")
    third, bodies = _run(batch, out)
    assert [str(b["messages"][0]["content"]) for b in bodies] == _asks(bodies, "Write show notes")
    assert len(bodies) == 1 and NOTES_NOTE in str(bodies[0]["messages"][0]["content"])
    assert {s for s in third if third[s] != second[s]} == {"summary", "master"}
    for stage in ("summary", "master"):
        assert third[stage] == second[stage] + 1
