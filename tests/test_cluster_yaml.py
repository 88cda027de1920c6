"""cluster.yaml is a valid Ray cluster-launcher config, checked offline.

Two validation paths, both run:

1. ``jsonschema.validate`` against ``ray/autoscaler/ray-schema.json`` from the installed
   wheel: the public, stable contract.
2. Ray's own ``prepare_config`` + ``validate_config`` (private API in
   ``ray.autoscaler._private.util``, so it may move between Ray versions). For
   ``provider.type: aws``, ``prepare_config`` only merges the YAML with
   ``ray/autoscaler/aws/defaults.yaml`` read from disk, merges setup commands and fills
   per-node-type worker counts: it imports neither boto3 (not even installed here) nor
   the AWS node provider, and opens no connection. The network guard below makes the test
   fail if that ever changes. What does need credentials and network is ``ray up``'s
   bootstrap step (``bootstrap_aws``: IAM role, key pair, subnets, security group), which
   these tests never call. ``validate_config`` on the raw YAML is not enough on its own:
   it insists on ``cluster_synced_files``, which only the defaults merge supplies.
"""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import ray.autoscaler
import yaml
from ray.autoscaler._private.util import prepare_config, validate_config

CLUSTER_YAML = Path(__file__).resolve().parent.parent / "cluster.yaml"
SCHEMA_PATH = Path(ray.autoscaler.__file__).parent / "ray-schema.json"


@pytest.fixture
def config() -> dict[str, Any]:
    loaded = yaml.safe_load(CLUSTER_YAML.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("cluster config validation tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def _broken_max_workers(cfg: dict[str, Any]) -> None:
    cfg["max_workers"] = "many"


def _broken_node_type(cfg: dict[str, Any]) -> None:
    del cfg["available_node_types"]["synth"]["resources"]


def _broken_provider(cfg: dict[str, Any]) -> None:
    del cfg["provider"]["type"]


BROKEN = pytest.mark.parametrize(
    "breaker", [_broken_max_workers, _broken_node_type, _broken_provider]
)


def test_cluster_yaml_matches_ray_schema(config, schema):
    """cluster.yaml passes jsonschema validation against the wheel's ray-schema.json."""
    jsonschema.validate(config, schema)


def test_cluster_yaml_passes_ray_prepare_and_validate(config, no_network):
    """Ray's prepare_config + validate_config accept cluster.yaml without network or boto3."""
    prepared = prepare_config(copy.deepcopy(config))
    validate_config(prepared)
    assert prepared["head_node_type"] in prepared["available_node_types"]
    assert prepared["available_node_types"][prepared["head_node_type"]]["max_workers"] == 0
    assert any("offline" in cmd for cmd in prepared["worker_setup_commands"])


def test_cluster_yaml_keeps_dashboard_private(config):
    """No start command binds the dashboard to a public interface."""
    commands = config.get("head_start_ray_commands", [])
    assert commands, "head_start_ray_commands must be set, the AWS default binds 0.0.0.0"
    assert not any("0.0.0.0" in cmd for cmd in commands)
    extra_rules = config["provider"].get("security_group", {}).get("IpPermissions")
    assert not extra_rules, "extra inbound rules could open the dashboard port"


@BROKEN
def test_broken_config_rejected_by_schema(config, schema, breaker):
    """A config with a wrong type or a missing required key fails the schema check."""
    breaker(config)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(config, schema)


@BROKEN
def test_broken_config_rejected_by_ray(config, breaker, no_network):
    """Ray's own validation rejects the same broken configs."""
    breaker(config)
    with pytest.raises((jsonschema.ValidationError, KeyError, ValueError)):
        validate_config(prepare_config(config))


def test_unknown_head_node_type_rejected_by_ray(config):
    """validate_config catches a head_node_type that names no node type, beyond the schema."""
    config["head_node_type"] = "missing"
    with pytest.raises(ValueError, match="head_node_type"):
        validate_config(prepare_config(config))
