"""Reading the user's sources: local files and http(s) URLs from a loopback server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from podcast_factory.errors import SourceError, UserInputError
from podcast_factory.providers.sources import (
    MAX_SOURCE_BYTES,
    SourceText,
    fetch_url,
    is_url,
    read_local,
)

HTML = (
    b"<html><head><title>Grid &amp; Storage</title></head><body><nav>Menu</nav>"
    b"<p>Batteries smooth the evening peak.</p><footer>(c) 2024</footer></body></html>"
)
HUGE = 3_000_000
STOP = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    """Routes of the test site; each one is something a user might link."""

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _send(self, status: int, ctype: str | None, body: bytes, length: bool = True) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client may stop reading past the size limit
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/page":
            self._send(200, "text/html; charset=utf-8", HTML)
        elif path == "/notes.txt":
            self._send(200, "text/plain", b"# Field notes\n\nWind is cheap. Storage is not.\n")
        elif path == "/latin1":
            self._send(200, "text/plain; charset=iso-8859-1", "Café prices rose.".encode("latin-1"))
        elif path == "/cp1252":
            page = '<html><meta charset="windows-1252"><p>Caf\u00e9 \u201cnews\u201d.</p></html>'
            self._send(200, "text/html", page.encode("cp1252"))
        elif path == "/bad-utf8":
            self._send(200, "text/plain; charset=utf-8", b"caf\xe9 \xff\xfe broken")
        elif path == "/nul":
            self._send(200, "text/plain", b"abc\x00def")
        elif path == "/untyped":
            self._send(200, None, b"<!doctype html><title>Bare</title><p>No header.</p>")
        elif path == "/empty":
            self._send(200, "text/html", b"<html><script>x()</script></html>")
        elif path == "/report.pdf":
            self._send(200, "application/pdf", b"%PDF-1.4 fake")
        elif path == "/huge":
            self._send(200, "text/plain", b"a" * HUGE)
        elif path == "/huge-stream":  # no Content-Length: only streaming can stop it
            self._send(200, "text/plain", b"a" * HUGE, length=False)
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/page")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", f"/loop{len(path)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/slow":
            STOP.wait(5)
            self._send(200, "text/plain", b"Too late.")
        else:
            self._send(404, "text/plain", b"not here")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1; yields its base URL."""
    STOP.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        STOP.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def fetch(url: str, **kwargs: Any) -> SourceText:
    """Run fetch_url to completion (there is no pytest-asyncio). The test site is on
    loopback, which is refused by default: these tests opt in, as a user would for
    their own network."""
    kwargs.setdefault("allow_private", True)
    return asyncio.run(fetch_url(url, **kwargs))


def fetch_error(url: str, **kwargs: Any) -> str:
    """The message of the SourceError fetch_url raises; it must name the URL."""
    with pytest.raises(SourceError) as info:
        fetch(url, **kwargs)
    assert info.value.field == url
    assert str(info.value).startswith(f"{url}: ")
    return str(info.value)


def test_is_url() -> None:
    """Anything with scheme:// is a URL (so ftp:// gets a clear error); paths are not."""
    assert is_url("https://example.com/a") and is_url("HTTP://x") and is_url("ftp://x/y")
    assert not is_url("notes/a.md") and not is_url("/abs/path.txt") and not is_url("C:\\a.md")


def test_fetch_html_page(site: str) -> None:
    """An HTML page gives its <title> and readable text without navigation."""
    got = fetch(f"{site}/page")
    assert got == SourceText(f"{site}/page", "Grid & Storage", "Batteries smooth the evening peak.")


def test_fetch_plain_text(site: str) -> None:
    """A text page keeps its text; its markdown heading is the title."""
    got = fetch(f"{site}/notes.txt")
    assert got.title == "Field notes"
    assert got.text == "# Field notes\n\nWind is cheap. Storage is not."


def test_fetch_uses_declared_charset(site: str) -> None:
    """A latin-1 page decodes with its declared charset."""
    got = fetch(f"{site}/latin1")
    assert got.text == "Café prices rose."
    assert got.title == "latin1"  # no heading: the last path segment


def test_fetch_uses_meta_charset(site: str) -> None:
    """Without a charset header, the page's <meta charset> decides the decoding."""
    assert fetch(f"{site}/cp1252").text == "Café “news”."


def test_fetch_sniffs_html_without_content_type(site: str) -> None:
    """A page without Content-Type that starts like HTML is read as HTML."""
    assert fetch(f"{site}/untyped") == SourceText(f"{site}/untyped", "Bare", "No header.")


def test_fetch_follows_redirect(site: str) -> None:
    """A redirect leads to the page; the source stays the URL the user gave."""
    got = fetch(f"{site}/redirect")
    assert got.source == f"{site}/redirect" and got.title == "Grid & Storage"


def test_fetch_redirect_loop(site: str) -> None:
    """Endless redirects stop after 5 with a clear message."""
    assert "redirects more than 5 times" in fetch_error(f"{site}/loop")


def test_fetch_404(site: str) -> None:
    """A missing page reports the HTTP status."""
    message = fetch_error(f"{site}/missing")
    assert "HTTP 404 Not Found" in message and "check that the URL is right" in message


def test_fetch_pdf_refused(site: str) -> None:
    """A PDF is refused, naming its content type and the accepted ones."""
    message = fetch_error(f"{site}/report.pdf")
    assert "application/pdf" in message and "text/html" in message


@pytest.mark.parametrize("path", ["/huge", "/huge-stream"])
def test_fetch_huge_body_refused(site: str, path: str) -> None:
    """A body over the limit is refused, whether or not it declares its length."""
    assert "larger than the 2.0 MB limit" in fetch_error(f"{site}{path}")


def test_fetch_custom_size_limit(site: str) -> None:
    """max_bytes lowers the limit."""
    assert "larger than the 10 bytes limit" in fetch_error(f"{site}/notes.txt", max_bytes=10)


def test_fetch_slow_server_times_out(site: str) -> None:
    """A server that does not answer in time is reported unreachable, quickly."""
    start = time.monotonic()
    message = fetch_error(f"{site}/slow", timeout_s=0.3)
    assert "unreachable" in message and "0.3 s" in message
    assert time.monotonic() - start < 3


def test_fetch_connection_refused() -> None:
    """Nothing listening on the port: unreachable, with the reason."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    message = fetch_error(f"http://127.0.0.1:{port}/x", timeout_s=2)
    assert "is unreachable (ConnectError" in message


@pytest.mark.parametrize(
    ("path", "problem"),
    [("/nul", "binary data, not text"), ("/bad-utf8", "not valid utf-8 text")],
)
def test_fetch_non_text_body(site: str, path: str, problem: str) -> None:
    """Binary or mis-encoded bodies are refused."""
    assert problem in fetch_error(f"{site}{path}")


def test_fetch_page_without_text(site: str) -> None:
    """A page with only scripts has nothing to read."""
    assert "has no readable text" in fetch_error(f"{site}/empty")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("file:///etc/passwd", "only http:// and https:// URLs can be fetched, not file://"),
        ("ftp://example.com/a.txt", "only http:// and https:// URLs can be fetched, not ftp://"),
        ("http://", "is not a valid URL: it has no host name"),
        ("https://[bad/x", "is not a valid URL"),
    ],
)
def test_fetch_refuses_invalid_urls(url: str, problem: str) -> None:
    """Only well-formed http(s) URLs are fetched; nothing is contacted otherwise."""
    assert problem in fetch_error(url)


def test_source_error_is_user_input_error() -> None:
    """Callers can treat every source problem as the user's input error (exit code 2)."""
    assert issubclass(SourceError, UserInputError)


def local_error(path: Path | str) -> str:
    """The message of the SourceError read_local raises; it must name the path."""
    with pytest.raises(SourceError) as info:
        read_local(str(path))
    assert info.value.field == str(path)
    return str(info.value)


def test_read_markdown(tmp_path: Path) -> None:
    """A markdown file gives its first heading as title and its text as is."""
    path = tmp_path / "notes.md"
    path.write_text("\ufeffIntro line.\r\n\r\n## The **Grid**\r\n\r\nIt hums.\r\n", "utf-8")
    got = read_local(str(path))
    assert got == SourceText(str(path), "The Grid", "Intro line.\n\n## The **Grid**\n\nIt hums.")


def test_read_text_title_falls_back_to_stem(tmp_path: Path) -> None:
    """A text file without heading is titled by its file name."""
    path = tmp_path / "wind-facts.txt"
    path.write_text("Wind is cheap.\n", "utf-8")
    assert read_local(str(path)).title == "wind-facts"


def test_read_html(tmp_path: Path) -> None:
    """A local HTML file is reduced to its readable text."""
    path = tmp_path / "saved.HTM"
    path.write_bytes(HTML)
    got = read_local(str(path))
    assert (got.title, got.text) == ("Grid & Storage", "Batteries smooth the evening peak.")


def test_read_local_missing_and_directory(tmp_path: Path) -> None:
    """A missing path and a directory are refused with what to do."""
    assert "no such file" in local_error(tmp_path / "nope.md")
    assert "is a directory" in local_error(tmp_path)


def test_read_local_not_a_regular_file(tmp_path: Path) -> None:
    """A named pipe is refused instead of blocking forever."""
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    assert "is not a regular file" in local_error(path)


def test_read_local_wrong_suffix(tmp_path: Path) -> None:
    """Other file types are refused, naming the accepted ones."""
    path = tmp_path / "paper.pdf"
    path.write_bytes(b"%PDF")
    message = local_error(path)
    assert "unsupported type .pdf" in message and ".md, .markdown, .txt, .html, .htm" in message


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "is empty"),
        (b"  \n\t\n", "is empty"),
        (b"abc\x00def", "binary data, not text"),
        (b"caf\xe9", "not valid utf-8 text"),
        (b"<html><script>1</script></html>", "has no readable text"),
    ],
)
def test_read_local_unusable_content(tmp_path: Path, data: bytes, problem: str) -> None:
    """Empty, binary, non-UTF-8 or text-less files are refused."""
    path = tmp_path / ("page.html" if data.startswith(b"<") else "notes.txt")
    path.write_bytes(data)
    assert problem in local_error(path)


def test_read_local_too_large(tmp_path: Path) -> None:
    """A file over the size limit is refused before it is read."""
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * (MAX_SOURCE_BYTES + 1))
    assert "larger than the 2.0 MB limit" in local_error(path)


def test_read_local_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the OS refuses to read (e.g. no permission) is reported unreadable."""
    path = tmp_path / "secret.md"
    path.write_text("Hidden.", "utf-8")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    message = local_error(path)
    assert "cannot be read (Permission denied)" in message and "permissions" in message
