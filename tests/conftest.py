"""Test suite guard rails: no API keys, no remote addresses, one Ray instance a session.

Keys are stripped from the environment before any test runs, and provider base URLs
point at a closed loopback port, so no test can reach a paid API or the internet even
by mistake.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from podcast_factory.testing import ProviderSimulator

for _key in [k for k in os.environ if k.endswith(("_API_KEY", "_AUTH_TOKEN"))]:
    del os.environ[_key]
os.environ.pop("RAY_ADDRESS", None)
os.environ["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9"
os.environ["ELEVENLABS_BASE_URL"] = "http://127.0.0.1:9"

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def ray_session() -> Iterator[None]:
    """One small local Ray instance for every test that needs it."""
    import ray

    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=200 * 1024 * 1024,
        logging_level=logging.WARNING,
    )
    yield
    ray.shutdown()


@pytest.fixture
def ray_address(ray_session: None) -> str:
    """The session's Ray instance as ``--address`` takes it: a command line run in a
    child process joins it instead of starting a Ray of its own (10-30 s on 2 cores)."""
    import ray

    address: str = ray.get_runtime_context().gcs_address
    return address


@pytest.fixture
def provider_simulator() -> Iterator[ProviderSimulator]:
    """The provider simulator (``podcast_factory.testing``) on a free loopback port,
    accepting any key and any voice; stopped when the test ends."""
    with ProviderSimulator(voices={}) as sim:
        yield sim


@pytest.fixture(autouse=True)
def memory_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own series memory, so what one test's episodes covered or
    learned never changes another test's scripts (and nothing is written to ~)."""
    path = tmp_path_factory.mktemp("memory")
    monkeypatch.setenv("PODCAST_FACTORY_MEMORY", str(path))
    return path


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    """A private copy of examples/ so a test may edit the batch file."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the session's Ray instance is a ``ray`` test, marked or not, so
    ``scripts/test --quick`` (``-m "not ray and not subprocess and not slow"``) never
    starts Ray."""
    for item in items:
        if "ray_session" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.ray)
