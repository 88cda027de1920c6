"""A first run without surprises: the show of ``run``, the voices there are, prices
without keys, tables that fit a terminal, and times that mean something after a resume."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from podcast_factory.book import EpisodeBook
from podcast_factory.models import EpisodeState
from podcast_factory.rundir import RunDir
from podcast_factory.testing import ProviderSimulator
from podcast_factory.views import result_table
from tests.conftest import EXAMPLES
from tests.ledger_reader import PlainLedgerReader
from tests.test_cli import _main

TIDES = str(EXAMPLES / "sources" / "tides.md")


def _run(tmp_path: Path, *flags: str) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    done = _main("run", "Tides", "--source", TIDES, "--out", str(out), *flags, cwd=tmp_path)
    return done.returncode, done.stderr, out


@pytest.mark.parametrize(
    ("flags", "field", "hint"),
    [
        (["--voices", "en-gb+f2,en-us+m3"], "--voices", "did you mean en+f2?"),
        (["--voices", "en-us+f3"], "--voices", "two voices separated by a comma"),
        (["--voices", "en-us+f3,JBFqnCBsd6RMkjVDRZzb"], "--voices", "podcast-factory voices"),
        (["--tts", "elevenlabs", "--voices", "a b,c"], "--voices", "not an ElevenLabs voice id"),
        (["--hosts", "Nora"], "--hosts", 'like "Nora,Eli"'),
        (["--hosts", "Nora,Nora"], "--hosts", "different names"),
        (["--show", ""], "--show", "non-empty"),
        (["--show-file", "missing.yaml"], "--show-file", "not found"),
    ],
)
def test_bad_show_flags_are_named_and_nothing_is_written(
    tmp_path: Path, flags: list[str], field: str, hint: str
) -> None:
    """A bad --show/--hosts/--voices/--show-file: exit 2, the flag named, a hint, no files."""
    code, err, out = _run(tmp_path, *flags)
    assert code == 2, err
    assert field in err and hint in err, err
    assert not out.exists()


def test_a_bad_voice_in_a_show_file_names_the_file_and_field(tmp_path: Path) -> None:
    """A show file's mistake is reported with the file and the field inside it."""
    show = tmp_path / "show.yaml"
    show.write_text("name: Tidal\nhosts:\n  - {name: Nora, voice: en-gb+f2}\n  - Eli\n")
    code, err, out = _run(tmp_path, "--show-file", str(show))
    assert code == 2
    assert f"{show}: hosts[0].voice" in err and "podcast-factory voices" in err
    assert not out.exists()


def test_the_show_flags_and_file_make_the_show(tmp_path: Path) -> None:
    """--show-file (a batch file's show block) with --hosts and --voices laid over it."""
    from podcast_factory.cli_args import spec_from_args
    from podcast_factory.cli_parser import build_parser

    args = build_parser().parse_args(
        ["run", "Tides", "--source", TIDES, "--out", "o", "--show-file",
         str(EXAMPLES / "batch.yaml"), "--hosts", "Ada,Ben", "--voices", "en-us+f3,en+m3"]
    )  # fmt: skip
    spec = spec_from_args(args)
    show = spec.episodes[0].show
    assert show.name == "Everyday Marvels" and show.intro.startswith("Welcome to {show}")
    assert [(h.name, h.voices) for h in show.hosts] == [
        ("Ada", {"espeak": "en-us+f3"}),
        ("Ben", {"espeak": "en+m3"}),
    ]


def test_voices_lists_what_espeak_ng_offers() -> None:
    """`voices` lists the library's languages (under the names a host's voice takes)
    and its variants, each of which the voice check accepts."""
    from podcast_factory.providers.espeak import check_voice

    done = _main("voices", "--tts", "espeak", "--json", cwd=Path.cwd())
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)["espeak"]
    languages = {v["name"]: v for v in listed["languages"]}
    assert languages["en-us"]["description"] == "English (America)"
    assert "en-gb" in languages["en"]["details"]  # British English is the voice "en"
    variants = {v["name"] for v in listed["variants"]}
    assert {"f3", "m3", "klatt"} <= variants
    for name in ("en-us+f3", "en+m3", "fr+klatt"):
        check_voice(name)
    table = _main("voices", "--tts", "espeak", cwd=Path.cwd())
    assert "en-us+f3" in table.stdout and "English (America)" in table.stdout


def test_voices_lists_elevenlabs_voices_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a key, `voices` asks ElevenLabs (the simulator, with its premade voices) for
    the account's voices."""
    with ProviderSimulator() as sim:
        monkeypatch.setenv("ELEVENLABS_API_KEY", "sim-key")
        monkeypatch.setenv("ELEVENLABS_BASE_URL", sim.url)
        done = _main("voices", "--tts", "elevenlabs", cwd=Path.cwd())
    assert done.returncode == 0, done.stderr
    assert "21m00Tcm4TlvDq8ikWAM" in done.stdout and "Rachel" in done.stdout
    assert "female" in done.stdout


def test_voices_without_a_key_says_what_is_needed() -> None:
    done = _main("voices", "--tts", "elevenlabs", cwd=Path.cwd())
    assert done.returncode == 1
    assert "ELEVENLABS_API_KEY" in done.stderr


def test_estimate_prices_claude_and_elevenlabs_without_keys_in_80_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No key is needed to see the price, and no line is wider than 80 columns."""
    batch = str(EXAMPLES / "batch.yaml")
    monkeypatch.setenv("COLUMNS", "80")
    done = _main("estimate", batch, "--llm", "claude", "--tts", "elevenlabs", cwd=Path.cwd())
    os.environ["COLUMNS"] = "80"  # _main sets 160; print at 80 as a terminal would
    narrow = _estimate_at(80, batch)
    assert done.returncode == 0, done.stderr
    assert "…" not in narrow and max(len(line) for line in narrow.splitlines()) <= 80
    assert "audio" in narrow and "penicillin" in narrow and "total" in narrow


def _estimate_at(width: int, batch: str) -> str:
    from podcast_factory.api import load_batch_file
    from podcast_factory.config import RunSettings
    from podcast_factory.estimate import estimate_batch
    from podcast_factory.views import estimate_tables

    estimate = estimate_batch(load_batch_file(batch), RunSettings(llm="claude", tts="elevenlabs"))
    console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    for table in estimate_tables(estimate, width):
        console.print(table)
    return console.export_text()


def test_a_resumed_episode_shows_this_runs_time_and_the_total(tmp_path: Path) -> None:
    """After a resume the table says this run's time, and all runs' together."""
    from podcast_factory.batchfile import single_episode

    spec = single_episode("Tides", [TIDES], 1.0, "tides")
    rundir = RunDir(tmp_path)
    first_run = EpisodeState(
        episode_id="tides",
        topic="Tides",
        status="interrupted",
        started_at=1000.0,
        run_started_at=1000.0,
        ended_at=1030.0,  # 30 s in the first run
    )
    rundir.write_manifest(first_run)
    book = EpisodeBook(spec.episodes, rundir, PlainLedgerReader())  # type: ignore[arg-type]

    async def second_run() -> EpisodeState:
        await book.begin(spec.episodes[0])
        await book.finish("tides", "completed")
        return book.states["tides"]

    state = asyncio.run(second_run())
    assert state.earlier_s == pytest.approx(30.0)
    assert state.run_s is not None and state.run_s < 60  # not "since 1000.0"
    console = Console(width=120, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(result_table([state], tmp_path))
    text = console.export_text()
    assert f"{state.run_s:.1f} (total {30 + state.run_s:.1f})" in text
    reloaded = rundir.load_manifest("tides")
    assert reloaded is not None and reloaded.earlier_s == pytest.approx(30.0)


def test_a_crashed_run_counts_up_to_its_last_manifest_write() -> None:
    """A run that died without an end counts until the last time it wrote its manifest."""
    crashed = EpisodeState(
        episode_id="e", topic="t", status="running", started_at=100.0, active_at=112.5
    )
    assert crashed.resumed(500.0) == {"run_started_at": 500.0, "earlier_s": 12.5}
