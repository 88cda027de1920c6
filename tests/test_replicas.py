"""``RunSettings.agent_replicas`` checked before a batch runs (the replicas themselves:
``test_replicas_ray.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from podcast_factory.api import load_batch_file, prepare
from podcast_factory.config import RunSettings
from podcast_factory.errors import UserInputError


def test_replicas_of_a_stage_the_batch_lacks_are_refused(example_dir: Path, tmp_path: Path) -> None:
    """A replica count for a stage not in the workflow is a user's typo: refused, named,
    before any run directory is made."""
    spec = load_batch_file(example_dir / "batch.yaml")
    out = tmp_path / "out"
    with pytest.raises(UserInputError) as caught:
        prepare(spec, out, RunSettings(agent_replicas={"mastering": 2}))
    assert caught.value.field == "agent_replicas (--replicas)"
    assert "'mastering' is not a stage" in str(caught.value)
    assert not out.exists()


@pytest.mark.parametrize("count", [0, -1, 1025])
def test_a_replica_count_out_of_range_is_refused(count: int) -> None:
    with pytest.raises(ValidationError, match=r"agent_replicas\.audio"):
        RunSettings(agent_replicas={"audio": count})


def test_submit_hands_replicas_on_to_the_batch_on_the_cluster() -> None:
    """``submit --replicas`` reaches the ``batch`` verb the job runs on the cluster, where
    the agents are spread over the nodes."""
    from podcast_factory.cli_jobs import _batch_options
    from podcast_factory.cli_parser import build_parser

    argv = ["submit", "b.yaml", "--address", "http://h:8265"]
    args = build_parser().parse_args([*argv, "--replicas", "master=4", "--replicas", "audio=2"])
    options = _batch_options(args)
    assert options[options.index("--replicas") :][:4] == [
        "--replicas", "master=4", "--replicas", "audio=2",
    ]  # fmt: skip
