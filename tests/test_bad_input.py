"""The bad-input table: each mistake exits 2 with a message naming it, and writes nothing.

Runs the CLI's ``main`` in this process (nothing here starts Ray) against a loopback
HTTP server for the URL cases.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from podcast_factory.cli import main

NOTES = "Tides rise and fall twice a day on most coasts, pulled by the Moon and the Sun.\n"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/huge.txt":
            body, kind = b"word " * 700_000, "text/plain"
        elif self.path == "/paper.pdf":
            body, kind = b"%PDF-1.7 " * 100, "application/pdf"
        else:
            body, kind = b"not here", "text/plain"
            self.send_response(404)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _batch(
    tmp: Path,
    episode: dict[str, object] | None = None,
    top: dict | None = None,
    host_voice: str = "en-us+f3",
    raw: str | None = None,
) -> Path:
    (tmp / "notes.md").write_text(NOTES)
    data: dict = {
        "show": {"name": "S", "hosts": [{"name": "A", "voice": host_voice}, "B"]},
        "episodes": [{"topic": "Tides", "sources": ["notes.md"], **(episode or {})}],
        **(top or {}),
    }
    path = tmp / "batch.yaml"
    path.write_text(raw if raw is not None else yaml.safe_dump(data))
    return path


def _binary(tmp: Path) -> str:
    (tmp / "blob.md").write_bytes(b"\x00\x01\x02 binary")
    return "blob.md"


def _latin1(tmp: Path) -> str:
    (tmp / "latin.txt").write_bytes("caf\xe9 au lait, tr\xe8s bien.".encode("latin-1"))
    return "latin.txt"


def _folder(tmp: Path) -> str:
    (tmp / "folder.md").mkdir()
    return "folder.md"


ALIAS_BOMB = (
    "show: {name: S, hosts: [A, B]}\n"
    "episodes:\n"
    "- topic: Tides\n"
    "  sources: [notes.md]\n"
    "  minutes: [&a [l,l,l,l,l,l,l,l,l], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a],\n"
    "    &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c],\n"
    "    &e [*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e],\n"
    "    &g [*f,*f,*f,*f,*f,*f,*f,*f,*f], &h [*g,*g,*g,*g,*g,*g,*g,*g,*g],\n"
    "    &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]]\n"
)
"""About 440 bytes that expand to 9**9 values: ``yaml.safe_load`` alone builds it at once
(aliases share one list), and the first message quoting ``minutes`` ran for minutes."""


def _batch_yaml(tmp: Path) -> str:
    """The text of the plain batch file (one episode, topic Tides)."""
    return _batch(tmp).read_text()


# case id -> (how to build argv in tmp, words the message must contain)
CASES: dict[str, tuple[object, str]] = {
    "empty topic": (
        lambda t, s: ["run", "", "--source", str(_batch(t).parent / "notes.md")],
        "topic: must be a non-empty text",
    ),
    "100 kB topic": (
        lambda t, s: ["run", "x" * 100_000, "--source", str(_batch(t).parent / "notes.md")],
        "topic: is 100000",
    ),
    "binary source": (
        lambda t, s: ["batch", str(_batch(t, {"sources": [_binary(t)]}))],
        "episodes[0].sources[0]",
    ),
    "non-UTF-8 source": (
        lambda t, s: ["batch", str(_batch(t, {"sources": [_latin1(t)]}))],
        "UTF-8",
    ),
    "missing file": (lambda t, s: ["batch", str(_batch(t, {"sources": ["gone.md"]}))], "gone.md"),
    "directory as source": (
        lambda t, s: ["batch", str(_batch(t, {"sources": [_folder(t)]}))],
        "folder.md",
    ),
    "unreachable URL": (
        lambda t, s: [
            "batch",
            str(_batch(t, {"sources": ["http://127.0.0.1:9/x.html"]})),
            "--allow-private-sources",
        ],
        "unreachable",
    ),
    "huge URL": (
        lambda t, s: [
            "batch",
            str(_batch(t, {"sources": [f"{s}/huge.txt"]})),
            "--allow-private-sources",
        ],
        "larger than",
    ),
    "non-text URL": (
        lambda t, s: [
            "batch",
            str(_batch(t, {"sources": [f"{s}/paper.pdf"]})),
            "--allow-private-sources",
        ],
        "application/pdf",
    ),
    "missing URL": (
        lambda t, s: [
            "batch",
            str(_batch(t, {"sources": [f"{s}/nope.html"]})),
            "--allow-private-sources",
        ],
        "404",
    ),
    "loopback URL, no opt-in": (
        lambda t, s: ["batch", str(_batch(t, {"sources": [f"{s}/notes.txt"]}))],
        "is a loopback address (this machine), refused as a source",
    ),
    "file:// scheme": (
        lambda t, s: ["batch", str(_batch(t, {"sources": ["file:///etc/hosts"]}))],
        "only http and https",
    ),
    "ftp:// scheme": (
        lambda t, s: ["batch", str(_batch(t, {"sources": ["ftp://x.org/a.txt"]}))],
        "only http and https",
    ),
    "malformed YAML": (
        lambda t, s: ["batch", str(_batch(t, raw="show: {name: [\n"))],
        "not valid YAML at line",
    ),
    "unknown top key": (
        lambda t, s: ["batch", str(_batch(t, top={"budgett": 3}))],
        "budgett: unknown key",
    ),
    "unknown episode key": (
        lambda t, s: ["batch", str(_batch(t, {"lenght": 3}))],
        "episodes[0].lenght: unknown key",
    ),
    "duplicate ids": (
        lambda t, s: [
            "batch",
            str(
                _batch(
                    t,
                    top={
                        "episodes": [
                            {"id": "a", "topic": "T", "sources": ["notes.md"]},
                            {"id": "a", "topic": "U", "sources": ["notes.md"]},
                        ]
                    },
                )
            ),
        ],
        "already the id",
    ),
    "id ../x": (lambda t, s: ["batch", str(_batch(t, {"id": "../x"}))], "safe directory name"),
    "absolute id": (
        lambda t, s: ["batch", str(_batch(t, {"id": "/etc/x"}))],
        "safe directory name",
    ),
    "negative budget": (
        lambda t, s: ["batch", str(_batch(t)), "--budget", "-1"],
        "--budget: must be more than 0",
    ),
    "zero budget": (
        lambda t, s: ["batch", str(_batch(t, top={"budget_usd": 0}))],
        "budget_usd: must be more than 0",
    ),
    "concurrency 0": (
        lambda t, s: ["batch", str(_batch(t)), "--concurrency", "0"],
        "--concurrency",
    ),
    "unknown voice": (
        lambda t, s: ["batch", str(_batch(t, host_voice="en-us+zz"))],
        "show.hosts[0].voice",
    ),
    "unknown Claude model": (
        lambda t, s: ["batch", str(_batch(t)), "--llm", "claude", "--script-model", "gpt-9"],
        "--script-model",
    ),
    "unknown ElevenLabs model": (
        lambda t, s: ["batch", str(_batch(t)), "--tts", "elevenlabs", "--tts-model", "eleven_v0"],
        "--tts-model",
    ),
    "minutes 0": (lambda t, s: ["batch", str(_batch(t, {"minutes": 0}))], "minutes"),
    "minutes 600": (lambda t, s: ["batch", str(_batch(t, {"minutes": 600}))], "minutes"),
    "Rich markup in a source path": (
        lambda t, s: ["run", "Tides", "--source", "gone[/].md"],
        "gone[/].md",
    ),
    "Rich style tags in a source path": (
        lambda t, s: ["run", "Tides", "--source", "[red]x[/red].md"],
        "[red]x[/red].md",
    ),
    "YAML alias bomb": (
        lambda t, s: ["batch", str(_batch(t, raw=ALIAS_BOMB))],
        "expanded; is it an alias bomb?",
    ),
    "duplicate budget_usd": (
        lambda t, s: [
            "batch",
            str(_batch(t, raw="budget_usd: 5\n" + _batch_yaml(t) + "budget_usd: 0.01\n")),
        ],
        "budget_usd: duplicate key (lines 1 and",
    ),
    "duplicate episode key": (
        lambda t, s: [
            "batch",
            str(_batch(t, raw=_batch_yaml(t).replace("topic: Tides", "topic: Tides\n  topic: X"))),
        ],
        "episodes[0].topic: duplicate key",
    ),
    "budget under a micro-dollar": (
        lambda t, s: ["batch", str(_batch(t)), "--budget", "0.0000009"],
        "--budget: '0.0000009' is less than one micro-dollar",
    ),
    "episode cap under a micro-dollar": (
        lambda t, s: ["batch", str(_batch(t)), "--episode-cap", "1e-7"],
        "--episode-cap: '1e-7' is less than one micro-dollar",
    ),
    "budget_usd under a micro-dollar": (
        lambda t, s: ["batch", str(_batch(t, top={"budget_usd": 0.0000001}))],
        "budget_usd: 1e-07 is less than one micro-dollar",
    ),
    "bad --max-concurrent": (
        lambda t, s: ["batch", str(_batch(t)), "--max-concurrent", "elevenlabs=0"],
        "--max-concurrent",
    ),
    "bad --replicas": (
        lambda t, s: ["batch", str(_batch(t)), "--replicas", "master=0"],
        "--replicas: 'master=0': give STAGE=N with N from 1 to 1024",
    ),
    "--replicas of no stage": (
        lambda t, s: ["batch", str(_batch(t)), "--replicas", "mastering=2"],
        "agent_replicas (--replicas): 'mastering' is not a stage of this batch",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_exits_2_names_the_problem_writes_nothing(
    case: str,
    tmp_path: Path,
    server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exit 2, the field and problem on stderr, no run directory, no stray files."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-FAKE")
    monkeypatch.setenv("ELEVENLABS_API_KEY", "el-test-FAKE")
    build, words = CASES[case]
    argv = build(tmp_path, server)  # type: ignore[operator]
    before = sorted(p for p in tmp_path.rglob("*"))
    out = tmp_path / "out"
    code = main([*argv, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, (case, err)
    assert words in " ".join(err.split()), (case, err)
    assert not out.exists()
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_the_table_has_at_least_twenty_cases() -> None:
    """The issue asks for twenty kinds of bad input, each a test."""
    assert len(CASES) >= 20


def test_out_under_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OUT that cannot be created (its parent is a file) is refused up front."""
    monkeypatch.chdir(tmp_path)
    batch = _batch(tmp_path)
    (tmp_path / "plain").write_text("a file")
    code = main(["batch", str(batch), "--out", str(tmp_path / "plain" / "out")])
    assert code == 2
    assert "is a file" in capsys.readouterr().err
