"""Sources at the edges (issue 11, items 7-9): no fetch of private addresses, no
credentials in what we write or print, no control characters in what we publish.

Every connection goes to loopback. Where a test needs a URL whose host is public or a
metadata address, an injected resolver answers for the name and an injected connector
records the address asked for: a refused address is refused before any connection
attempt, and an allowed one is connected to a loopback test server instead.
"""

from __future__ import annotations

import asyncio
import base64
import json
import pickle
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore
import pytest
import yaml

from podcast_factory.cli import main
from podcast_factory.errors import SourceError
from podcast_factory.models import EpisodeSpec, Fact, Host, Show, SourceInfo
from podcast_factory.providers.netguard import AddressRefused
from podcast_factory.providers.sources import SourceFetcher, fetch_url, read_local
from podcast_factory.redact import redact_text, redact_url

PUBLIC = "93.184.215.14"  # a global address; nothing is ever sent to it (see Connector)
PASSWORD, TOKEN = "hunter2pw", "SECRETTOKEN123"
NOTES = (
    "# Tide \x1b[31mtables\x1b[0m\n\nTides rise and fall twice a day on most coasts.\x07 "
    "The Moon pulls the oceans toward it.\x1b]0;pwned\x07 Spring tides come at new moon.\n"
)


class Site:
    """A loopback HTTP server that counts requests and remembers what it was sent."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.hosts: list[str] = []
        self.auth: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with site.lock:
                    site.hits[self.path] = site.hits.get(self.path, 0) + 1
                    site.hosts.append(self.headers.get("Host", ""))
                    site.auth.append(self.headers.get("Authorization", ""))
                    site.in_flight += 1
                    site.most_in_flight = max(site.most_in_flight, site.in_flight)
                try:
                    if path.startswith("/to/"):  # /to/<url>: a redirect to that URL
                        self.send_response(302)
                        self.send_header("Location", self.path[len("/to/") :])
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    if path.startswith("/slow"):
                        time.sleep(0.2)
                    body = NOTES.encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    with site.lock:
                        site.in_flight -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def site() -> Iterator[Site]:
    """A fresh counting loopback server per test."""
    s = Site()
    s.thread.start()
    try:
        yield s
    finally:
        s.server.shutdown()
        s.server.server_close()
        s.thread.join(5)


class Connector(httpcore.AsyncNetworkBackend):
    """Records every address a connection is asked for; connects to the loopback test
    server instead (or nowhere when there is none)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port
        self.attempts: list[tuple[str, int]] = []
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.attempts.append((host, port))
        if self.port is None:
            raise httpcore.ConnectError("the test connector connects nowhere")
        return await self.inner.connect_tcp("127.0.0.1", self.port, timeout=timeout)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no unix sockets")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def resolver_of(table: dict[str, list[str]], calls: list[str]) -> Any:
    """A resolver answering from ``table``, recording each name asked."""

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in table:
            raise OSError(f"unknown test name {host}")
        return table[host]

    return resolve


def refused(url: str, **kwargs: Any) -> str:
    """The message of the SourceError fetch_url raises for ``url``."""
    with pytest.raises(SourceError) as info:
        asyncio.run(fetch_url(url, timeout_s=5, **kwargs))
    return str(info.value)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
        ("http://0xA9FEA9FE/latest/meta-data/", "cloud metadata address"),
        ("http://2852039166/latest/meta-data/", "cloud metadata address"),
        ("http://0251.0376.0251.0376/", "not a valid URL"),  # httpx refuses octal itself
        ("http://[::ffff:169.254.169.254]/latest/", "cloud metadata address"),
        ("http://[::ffff:a9fe:a9fe]/latest/", "cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/", "cloud metadata address"),
        ("http://127.0.0.1:8080/admin", "loopback address"),
        ("http://127.1/admin", "loopback address"),
        ("http://[::1]/admin", "loopback address"),
        ("http://0.0.0.0/", "unspecified address"),
        ("http://10.0.0.7/wiki", "private network address"),
        ("https://192.168.1.1/", "private network address"),
        ("http://172.16.5.4/", "private network address"),
        ("http://169.254.10.10/", "link-local address"),
        ("http://100.64.1.1/", "non-public address"),
        ("http://[64:ff9b::a00:1]/", "private network address"),
    ],
)
def test_private_addresses_refused_before_any_connection(url: str, why: str) -> None:
    """Loopback, private, link-local and metadata addresses, however written, are
    refused by default with the opt-in named, and no connection is attempted."""
    connector, calls = Connector(), list[str]()
    message = refused(url, connector=connector, resolver=resolver_of({}, calls))
    assert why in message
    assert "--allow-private-sources" in message or why == "not a valid URL"
    assert connector.attempts == [] and calls == []


def test_a_name_is_refused_if_any_of_its_addresses_is_private() -> None:
    """A name resolving to a public and a private address is refused; nothing connects."""
    connector, calls = Connector(), list[str]()
    resolve = resolver_of({"intranet.example": [PUBLIC, "10.1.2.3"]}, calls)
    message = refused("http://intranet.example/wiki", connector=connector, resolver=resolve)
    assert "intranet.example (10.1.2.3) is a private network address" in message
    assert calls == ["intranet.example"] and connector.attempts == []


def test_public_name_connects_to_the_checked_address_with_its_host_header(site: Site) -> None:
    """A public name is resolved once and connected to at the very address checked
    (no second lookup for DNS to answer differently); the Host header keeps the name."""
    connector, calls = Connector(site.port), list[str]()
    resolve = resolver_of({"news.example": [PUBLIC]}, calls)
    got = asyncio.run(fetch_url("http://news.example/notes", connector=connector, resolver=resolve))
    assert got.title == "Tide tables"
    assert calls == ["news.example"] and connector.attempts == [(PUBLIC, 80)]
    assert site.hosts == ["news.example"]


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata"),
        ("http://0x7f000001:22/", "0x7f000001 (127.0.0.1) is a loopback address"),
        ("http://metadata.example/computeMetadata/v1/", "metadata.example (169.254.169.254)"),
    ],
)
def test_every_redirect_hop_is_checked(site: Site, target: str, shown: str) -> None:
    """A public page redirecting to a private address is refused at that hop; the only
    connection made is the first one."""
    connector, calls = Connector(site.port), list[str]()
    resolve = resolver_of(
        {"news.example": [PUBLIC], "metadata.example": ["169.254.169.254"]}, calls
    )
    message = refused(f"http://news.example/to/{target}", connector=connector, resolver=resolve)
    assert f"redirects to {target}, where" in message and shown in message
    assert connector.attempts == [(PUBLIC, 80)]


def test_opt_in_fetches_from_a_private_address(site: Site) -> None:
    """With allow_private the user's own server (here loopback) is fetched."""
    got = asyncio.run(fetch_url(f"{site.url}/notes", allow_private=True))
    assert got.title == "Tide tables" and sum(site.hits.values()) == 1


def test_fetcher_fetches_a_shared_url_once(site: Site) -> None:
    """Many episodes asking for the same URL at once cause one request."""

    async def run() -> list[str]:
        fetcher = SourceFetcher(allow_private=True)
        got = await asyncio.gather(*(fetcher.fetch(f"{site.url}/slow") for _ in range(6)))
        again = await fetcher.fetch(f"{site.url}/slow")
        return [g.text for g in (*got, again)]

    texts = asyncio.run(run())
    assert len(set(texts)) == 1 and site.hits == {"/slow": 1}


def test_fetcher_bounds_concurrent_fetches(site: Site) -> None:
    """Eight different URLs with a bound of 2 never have more than 2 requests open."""

    async def run() -> None:
        fetcher = SourceFetcher(allow_private=True, max_concurrent=2)
        await asyncio.gather(*(fetcher.fetch(f"{site.url}/slow{i}") for i in range(8)))

    asyncio.run(run())
    assert len(site.hits) == 8 and site.most_in_flight == 2


def test_address_refused_pickles() -> None:
    """The refusal survives pickling (Ray hands it across processes)."""
    exc = AddressRefused("10.0.0.1", "10.0.0.1 is a private network address")
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is AddressRefused and back.field == exc.field and str(back) == str(exc)


@pytest.mark.parametrize(
    ("url", "written"),
    [
        ("http://user:pw@host/a.md", "http://host/a.md"),
        ("https://tok@host:8443/a?b=1", "https://host:8443/a?b=1"),
        ("https://h/a?token=t1&page=2", "https://h/a?token=REDACTED&page=2"),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=c&X-Amz-Signature=s&x=1",
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&x=1",
        ),
        (
            "https://h/?api_key=1&apiKey=2&key=3",
            "https://h/?api_key=REDACTED&apiKey=REDACTED&key=REDACTED",
        ),
        (
            "https://h/?sig=1&auth=2&password=3",
            "https://h/?sig=REDACTED&auth=REDACTED&password=REDACTED",
        ),
        ("https://h/cb#access_token=abc&state=1", "https://h/cb#access_token=REDACTED&state=1"),
        ("https://example.com/a?page=2#top", "https://example.com/a?page=2#top"),
    ],
)
def test_redact_url(url: str, written: str) -> None:
    """Userinfo goes and secret-looking parameters are masked; other URLs stay as given."""
    assert redact_url(url) == written


def test_redact_text_keeps_the_sentence() -> None:
    """URLs inside a message are redacted and the message around them kept."""
    assert (
        redact_text("http://u:pw@h/x?token=t: is unreachable (see http://h/y).")
        == "http://h/x?token=REDACTED: is unreachable (see http://h/y)."
    )


def test_models_write_urls_without_credentials() -> None:
    """batch.json, research.json and notes are written from JSON dumps without secrets;
    the URL in memory (the one fetched) is whole."""
    url = f"http://me:{PASSWORD}@h/n?token={TOKEN}"
    show = Show(name="S", hosts=(Host(name="A"), Host(name="B")))
    spec = EpisodeSpec(episode_id="e", topic="t", sources=(url,), show=show)
    info = SourceInfo(source=url, error=f"{url}: is unreachable")
    fact = Fact(text="x", source=url)
    written = spec.model_dump_json() + info.model_dump_json() + fact.model_dump_json()
    assert PASSWORD not in written and TOKEN not in written
    assert spec.sources == (url,)


def test_local_source_loses_control_characters(tmp_path: Path) -> None:
    """ESC sequences, BEL and other controls are stripped from a source; newlines stay."""
    path = tmp_path / "notes.md"
    path.write_text(NOTES + "Tab\there.\r\n", "utf-8")
    got = read_local(str(path))
    assert got.title == "Tide tables"
    assert "\x1b" not in got.text and "\x07" not in got.text and "pwned" not in got.text
    assert "twice a day on most coasts. The Moon" in got.text and "Tab\there." in got.text


def test_html_page_loses_control_characters(tmp_path: Path) -> None:
    """Controls in an HTML page's title and text (raw or as entities) are stripped."""
    path = tmp_path / "page.html"
    path.write_text("<title>A\x07B&#7;</title><p>Waves\x1b[2J roll&#27; in.</p>", "utf-8")
    got = read_local(str(path))
    assert (got.title, got.text) == ("AB", "Waves roll in.")


def _batch_file(tmp_path: Path, sources: list[str], **changes: Any) -> Path:
    data: dict[str, Any] = {
        "show": {"name": "Tides Weekly", "hosts": ["Alex", "Sam"]},
        "episodes": [
            {"id": "ep1", "topic": "Why tides rise", "sources": sources, "minutes": 0.5},
            {"id": "ep2", "topic": "Spring tides", "sources": sources, "minutes": 0.5},
        ],
    }
    for key, value in changes.items():
        if key in ("topic", "name"):
            target = data["episodes"][0] if key == "topic" else data["show"]
            target[key] = value
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [({"topic": "Tides\x1b[2J"}, "episodes[0].topic"), ({"name": "Ti\x07des"}, "show.name")],
)
def test_control_characters_in_the_batch_file_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str], field: str
) -> None:
    """A topic or show field with ESC or BEL is refused: exit 2, naming the field."""
    (tmp_path / "notes.md").write_text("Tides rise twice a day.\n", "utf-8")
    batch = _batch_file(tmp_path, ["notes.md"], **change)
    code = main(["batch", str(batch), "--out", str(tmp_path / "out")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and f"{field}: contains the control character" in err
    assert not (tmp_path / "out").exists()


def test_run_topic_with_escape_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run verb's TOPIC with an ESC sequence is refused naming ``topic``."""
    (tmp_path / "notes.md").write_text("Tides rise twice a day.\n", "utf-8")
    argv = ["run", "Tides\x1b]0;x\x07", "--source", str(tmp_path / "notes.md")]
    code = main([*argv, "--out", str(tmp_path / "out")])
    assert code == 2 and "topic: contains the control character U+001B" in capsys.readouterr().err


def test_error_about_a_url_does_not_print_its_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unreachable URL with a password and a token is reported without either."""
    url = f"http://me:{PASSWORD}@127.0.0.1:9/notes.txt?token={TOKEN}&page=2"
    for extra in ([], ["--allow-private-sources"]):
        code = main(
            ["batch", str(_batch_file(tmp_path, [url])), "--out", str(tmp_path / "o"), *extra]
        )
        err = capsys.readouterr().err
        assert code == 2 and "http://127.0.0.1:9/notes.txt?token=REDACTED&page=2" in err
        assert PASSWORD not in err and TOKEN not in err


@pytest.mark.ray
@pytest.mark.usefixtures("ray_session")
def test_batch_with_a_credentialed_url_writes_no_secret_and_fetches_once(
    tmp_path: Path, site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two episodes share a URL with a password and a token on the user's own server:
    the batch completes, the URL is fetched once for the whole run with its
    credentials, and no file of the run directory holds the password, the token or a
    control character of the source."""
    port = site.port
    url = f"http://reader:{PASSWORD}@127.0.0.1:{port}/notes.txt?token={TOKEN}&page=2"
    out = tmp_path / "out"
    code = main(["batch", str(_batch_file(tmp_path, [url])), "--out", str(out),
                 "--allow-private-sources", "--json"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert sum(site.hits.values()) == 1
    assert site.auth == ["Basic " + base64.b64encode(f"reader:{PASSWORD}".encode()).decode()]
    assert f"token={TOKEN}" in next(iter(site.hits))
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {"script.md", "research.json", "summary.md", "social.json"} <= {p.name for p in files}
    for path in files:
        data = path.read_bytes()
        assert PASSWORD.encode() not in data and TOKEN.encode() not in data, path
        if path.suffix in (".md", ".json", ".jsonl"):
            text = data.decode()
            assert "\x1b" not in text and "\x07" not in text, path
            assert "\\u001b" not in text and "\\u0007" not in text, path
    assert PASSWORD not in captured.out + captured.err and TOKEN not in captured.out
    research = json.loads((out / "ep1" / "research.json").read_text())
    assert research["sources"][0]["source"].startswith(f"http://127.0.0.1:{port}/notes.txt?")
    assert "token=REDACTED" in (out / "ep1" / "script.md").read_text()
