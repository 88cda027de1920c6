"""Model lifecycle: a retired model is refused before anything runs, and with a key every
configured model is confirmed with the provider's (free) models endpoint first.

The CLI runs in this process (nothing here starts Ray: every case stops before it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from podcast_factory.cli import main
from podcast_factory.config import ClaudeSettings
from podcast_factory.errors import UserInputError
from podcast_factory.providers.lifecycle import check_lifecycle, retirement
from podcast_factory.providers.pricing import DEFAULT_PRICES, PriceTable
from podcast_factory.testing import server as provider_sim

KEY = "sk-ant-test-FAKEKEY-0123456789abcdef"


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch):
    """A simulator that wants KEY, and the environment a user with keys would have."""

    def start(prices: PriceTable | None = None) -> provider_sim.ProviderSimulator:
        sim = provider_sim.ProviderSimulator(api_key=KEY, voices={}, prices=prices).start()
        for name in ("ANTHROPIC_API_KEY", "ELEVENLABS_API_KEY"):
            monkeypatch.setenv(name, KEY)
        for name in ("ANTHROPIC_BASE_URL", "ELEVENLABS_BASE_URL"):
            monkeypatch.setenv(name, sim.url)
        return sim

    sims: list[provider_sim.ProviderSimulator] = []

    def started(prices: PriceTable | None = None) -> provider_sim.ProviderSimulator:
        sims.append(start(prices))
        return sims[-1]

    yield started
    for sim in sims:
        sim.stop()


def _paid(sim: provider_sim.ProviderSimulator) -> int:
    """Requests that could have cost money (anything but the models and plan endpoints)."""
    free = ("/v1/models", "/v1/user/subscription")
    return sum(
        n
        for path, n in sim.requests.items()
        if path.startswith("/v1/") and not path.startswith(free)
    )


def test_defaults_are_current_models() -> None:
    """No default Claude model is retired or retiring within the lifecycle notice window."""
    c = ClaudeSettings()
    models = [("r", c.research_model), ("s", c.script_model), ("q", c.quality_model)]
    assert check_lifecycle(models) == []
    assert all(retirement(m) is None for _, m in models)


def test_sdk_and_price_table_dates_are_both_read() -> None:
    """claude-sonnet-4-5 retires by our table; claude-opus-4-5's date is the SDK's too."""
    sonnet = retirement("claude-sonnet-4-5-20250929")
    assert sonnet is not None and sonnet.date == dt.date(2026, 11, 30)
    assert sonnet.successor == "claude-sonnet-4-6"
    opus = retirement("claude-opus-4-5")
    assert opus is not None and opus.date == dt.date(2027, 1, 22)


def test_a_retired_model_is_refused_and_one_retiring_soon_is_a_notice() -> None:
    """On its date a model is refused naming its successor; 30 days before, a notice."""
    with pytest.raises(UserInputError) as err:
        check_lifecycle([("--script-model", "claude-sonnet-4-5")], today=dt.date(2026, 12, 1))
    assert err.value.field == "--script-model"
    assert "2026-11-30" in err.value.problem and "claude-sonnet-4-6" in err.value.problem
    notices = check_lifecycle([("--script-model", "claude-opus-4-5")], dt.date(2026, 12, 23))
    assert len(notices) == 1 and "2027-01-22" in notices[0]
    assert check_lifecycle([("x", "claude-opus-4-5")], dt.date(2026, 6, 1)) == []


def test_a_bad_retires_date_names_the_file_and_field(tmp_path: Path) -> None:
    """A price file whose retires column is not a date is a clear error."""
    raw = yaml.safe_load(DEFAULT_PRICES.read_text())
    raw["anthropic"]["models"]["claude-haiku-4-5"]["retires"] = "soon"
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(UserInputError) as err:
        check_lifecycle([("--research-model", "claude-haiku-4-5")], prices_path=path)
    assert "claude-haiku-4-5.retires" in err.value.field


def test_batch_with_a_retired_model_exits_2_before_any_request(
    keyed, example_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`batch --script-model claude-sonnet-4-5` exits 2 naming the model and its successor,
    with no request made and no run directory written."""
    sim = keyed()
    out = tmp_path / "out"
    code = main(
        [
            "batch",
            str(example_dir / "batch.yaml"),
            "--out",
            str(out),
            "--llm",
            "claude",
            "--tts",
            "elevenlabs",
            "--script-model",
            "claude-sonnet-4-5",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "--script-model" in err and "claude-sonnet-4-5" in err and "claude-sonnet-4-6" in err
    assert sim.requests == {}
    assert not out.exists()


def test_a_model_the_endpoint_does_not_know_stops_the_batch_before_any_paid_call(
    keyed, example_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A priced model that the key's models endpoint answers 404 for: exit 2, only the
    free models endpoint was asked, nothing written."""
    raw = yaml.safe_load(DEFAULT_PRICES.read_text())
    del raw["anthropic"]["models"]["claude-opus-4-8"]  # the "provider" does not serve it
    path = tmp_path / "served.yaml"
    path.write_text(yaml.safe_dump(raw))
    sim = keyed(PriceTable.load(path))
    out = tmp_path / "out"
    code = main(
        [
            "batch",
            str(example_dir / "batch.yaml"),
            "--out",
            str(out),
            "--llm",
            "claude",
            "--tts",
            "elevenlabs",
            "--quality-model",
            "claude-opus-4-8",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "--quality-model" in err and "claude-opus-4-8" in err and "404" in err
    assert _paid(sim) == 0
    assert sim.requests.get("/v1/models/claude-opus-4-8") == 1
    assert not out.exists()


def test_estimate_with_keys_confirms_models_and_spends_nothing(
    keyed, example_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`estimate` with keys asks the models endpoints once per model and nothing else."""
    sim = keyed()
    code = main(["estimate", str(example_dir / "batch.yaml"), "--llm", "claude"])
    assert code == 0, capsys.readouterr().err
    asked = {p: n for p, n in sim.requests.items() if p.startswith("/v1/models")}
    c = ClaudeSettings()
    assert set(asked) == {f"/v1/models/{m}" for m in {c.research_model, c.script_model}} | {
        "/v1/models"
    }
    assert _paid(sim) == 0
    assert sim.bills == []


def test_an_unknown_speech_model_is_refused_by_the_models_list(
    keyed, example_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ElevenLabs' models list decides: a model it does not list stops the run (exit 2)."""
    raw = yaml.safe_load(DEFAULT_PRICES.read_text())
    del raw["elevenlabs"]["models"]["eleven_turbo_v2_5"]
    path = tmp_path / "served.yaml"
    path.write_text(yaml.safe_dump(raw))
    sim = keyed(PriceTable.load(path))
    code = main(
        [
            "estimate",
            str(example_dir / "batch.yaml"),
            "--llm",
            "offline",
            "--tts",
            "elevenlabs",
            "--tts-model",
            "eleven_turbo_v2_5",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--tts-model" in err and "eleven_turbo_v2_5" in err
    assert _paid(sim) == 0
