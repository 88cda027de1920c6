"""Edges of the command line: user text printed as typed, bounded YAML, tiny amounts.

Runs the CLI's ``main`` in this process; nothing here starts Ray.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rich.console import Console

from podcast_factory.batchfile import load_batch_file, parse_usd
from podcast_factory.cli import main
from podcast_factory.errors import UserInputError
from podcast_factory.models import EpisodeState
from podcast_factory.rundir import RunDir
from podcast_factory.safeyaml import MAX_VALUES, load_yaml, quote
from podcast_factory.views import result_table
from tests.test_bad_input import ALIAS_BOMB

NOTES = "Tides rise and fall twice a day on most coasts, pulled by the Moon and the Sun.\n"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("name", ["gone[/].md", "[red]x[/red].md", "[bold]"])
def test_a_source_path_with_markup_is_reported_as_typed(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--source 'gone[/].md'` exits 2 quoting the path literally, not 1 with MarkupError."""
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["run", "Tides", "--source", name, "--out", str(tmp_path / "o")], capsys)
    assert code == 2, err
    assert name in err
    assert "MarkupError" not in err


def test_report_prints_a_run_directory_with_brackets_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report` on `run[red]x[/red]` shows that path, brackets and all."""
    out = tmp_path / "run[red]x[/red]"
    RunDir(out).write_manifest(EpisodeState(episode_id="ep1", topic="[b]t[/b]", status="failed"))
    code, stdout, _ = _run(["report", str(out)], capsys)
    assert code == 1
    assert "run[red]x[/red]" in "".join(stdout.split())


def test_the_result_table_keeps_brackets_on_a_markup_console(tmp_path: Path) -> None:
    """A library user's console with markup on still shows the run directory as it is."""
    console = Console(record=True, width=200, markup=True)
    state = EpisodeState(episode_id="ep1", topic="t", status="completed")
    console.print(result_table([state], tmp_path / "[red]x[/red]"))
    assert "[red]x[/red]" in console.export_text()


def test_an_alias_bomb_is_refused_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The ~440-byte billion-laughs file exits 2 within seconds with a short message."""
    (tmp_path / "notes.md").write_text(NOTES)
    batch = tmp_path / "bomb.yaml"
    batch.write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB.encode()) < 500
    began = time.monotonic()
    code, _, err = _run(["batch", str(batch), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert time.monotonic() - began < 5
    assert f"more than {MAX_VALUES} values" in " ".join(err.split())
    assert len(err) < 1000


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    """An anchor that contains itself is a clear error, not a hang or a RecursionError."""
    with pytest.raises(UserInputError, match="refers to itself"):
        load_yaml("a: &x [1, *x]\n", "b.yaml")


def test_a_huge_value_is_quoted_short(tmp_path: Path) -> None:
    """A 10,000-item `minutes` list is named in a message of a few lines, not 50 kB."""
    (tmp_path / "notes.md").write_text(NOTES)
    batch = tmp_path / "b.yaml"
    batch.write_text(
        "show: {name: S, hosts: [A, B]}\nepisodes:\n- topic: T\n  sources: [notes.md]\n"
        f"  minutes: [{', '.join(['12345'] * 10_000)}]\n"
    )
    with pytest.raises(UserInputError) as caught:
        load_batch_file(batch)
    assert caught.value.field == "episodes[0].minutes"
    assert len(caught.value.message) < 300


def test_quote_bounds_long_strings_and_deep_values() -> None:
    """quote() keeps a short value whole and cuts a long or deep one."""
    assert quote("gone.md") == "'gone.md'"
    assert len(quote("x" * 100_000)) <= 120
    assert len(quote([[[[[[1]]]]]] * 1000)) <= 120


def test_duplicate_keys_name_the_key_its_path_and_both_lines(tmp_path: Path) -> None:
    """`budget_usd` given twice is refused, not silently the last; nested keys too."""
    with pytest.raises(UserInputError) as top:
        load_yaml("budget_usd: 5\nshow: {}\nbudget_usd: 0.01\n", "b.yaml")
    assert top.value.field == "budget_usd"
    assert "lines 1 and 3" in top.value.problem
    with pytest.raises(UserInputError) as nested:
        load_yaml("show:\n  hosts:\n  - {name: A, name: B}\n", "b.yaml")
    assert nested.value.field == "show.hosts[0].name"


def test_yaml_merge_keys_and_distinct_keys_still_load() -> None:
    """Ordinary anchors, merges and distinct keys read as before."""
    data = load_yaml("base: &b {minutes: 3}\nep: {<<: *b, topic: T}\n'1': a\n1: b\n", "b.yaml")
    assert data["ep"] == {"minutes": 3, "topic": "T"}
    assert data["1"] == "a" and data[1] == "b"


@pytest.mark.parametrize(
    ("value", "micro"), [("0.000001", 1), ("0.0000019", 1), ("2.5", 2_500_000), (3, 3_000_000)]
)
def test_amounts_of_a_micro_dollar_or_more_are_kept(value: object, micro: int) -> None:
    """One micro-dollar is the smallest budget; amounts are whole micro-dollars."""
    assert parse_usd("--budget", value) == micro


@pytest.mark.parametrize("value", ["0.0000009", "1e-7", 0.0000005])
def test_amounts_under_a_micro_dollar_are_refused(value: object) -> None:
    """A budget that would round to zero is refused, naming the flag."""
    with pytest.raises(UserInputError) as caught:
        parse_usd("--budget", value)
    assert caught.value.field == "--budget"
    assert "less than one micro-dollar" in caught.value.problem


@pytest.mark.parametrize("value", ["1e999999999", True, "NaN", [1, 2]])
def test_absurd_amounts_are_refused_quickly(value: object) -> None:
    """A huge exponent, a boolean, NaN or a list is refused at once with the field."""
    with pytest.raises(UserInputError) as caught:
        parse_usd("budget_usd", value)
    assert caught.value.field == "budget_usd"
