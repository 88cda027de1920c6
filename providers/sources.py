"""Turning a user's source (a local file or an http(s) URL) into text.

Sources are the user's input, so every way one can be unusable ends in a ``SourceError``
whose field is the source exactly as the user wrote it and whose problem says what is
wrong and what to do. Sizes are capped so one huge page cannot stall or bloat a batch.
"""

from __future__ import annotations

import asyncio
import codecs
import dataclasses
import functools
import hashlib
import json
import os
import re
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from podcast_factory.errors import SourceError
from podcast_factory.providers.netguard import AddressRefused, GuardedBackend, NetGuard, Resolver
from podcast_factory.providers.text import clean_inline, html_to_text
from podcast_factory.redact import redact_text, redact_url

MAX_SOURCE_BYTES = 2_000_000
MAX_REDIRECTS = 5
MAX_CONCURRENT_FETCHES = 4
"""URL fetches a run makes at once."""
LOCAL_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
TEXT_TYPES = ("text/html", "text/plain", "text/markdown", "application/xhtml+xml")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class SourceText:
    """A source's readable text. ``source`` is the path or URL as the user wrote it, a
    URL without its credentials (``redact_url``). Title and text hold no control
    characters but newlines and tabs."""

    source: str
    title: str
    text: str


def is_url(source: str) -> bool:
    """Whether ``source`` is a URL (any ``scheme://``) rather than a local path.

    Any scheme counts, so ``ftp://`` or ``file://`` reach ``fetch_url`` and get a clear
    "only http(s)" error instead of a confusing "no such file".
    """
    return bool(_URL_RE.match(source.strip()))


_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clears
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, links
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (NUL, BEL,
    ESC, C1...), newlines and tabs kept. Source text reaches scripts, posts and
    speech; none of them has a use for these."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def _first_heading(text: str) -> str:
    """The first markdown ``#`` heading, as plain text; empty if there is none."""
    match = re.search(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE)
    return clean_inline(match.group(1)) if match else ""


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def _decode(source: str, data: bytes, encoding: str, fix: str) -> str:
    """Bytes as text, or a SourceError (ending in ``fix``) if they are not text."""
    if b"\x00" in data:
        raise SourceError(source, f"is binary data, not text; {fix}")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            source, f"is not valid {encoding} text (bad byte at offset {exc.start}); {fix}"
        ) from None
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _to_source(source: str, raw: str, is_html: bool, fallback_title: str) -> SourceText:
    """Extract title and readable text; refuse a source with nothing to read."""
    raw = strip_controls(raw)
    if is_html:
        title, text = html_to_text(raw)
    else:
        title, text = _first_heading(raw), raw.strip()
    title, text = strip_controls(title), strip_controls(text).strip()  # entities: &#27;
    if not text.strip():
        raise SourceError(source, "has no readable text; check it is the right source")
    return SourceText(source=source, title=title or strip_controls(fallback_title), text=text)


def read_local(path: str) -> SourceText:
    """Read a local .md, .markdown, .txt, .html or .htm file as UTF-8 text.

    The title is the first markdown heading (``<title>`` or first heading for HTML),
    else the file name without its suffix.
    """
    given = Path(path).expanduser()
    file = given.resolve()  # checked as the file that will be read, whatever links lead to it
    if not file.exists():
        raise SourceError(
            path,
            "no such file; check the path (relative paths are resolved from the current directory)",
        )
    if file.is_dir():
        raise SourceError(path, "is a directory; give one file per source")
    if not file.is_file():
        raise SourceError(path, "is not a regular file (a device or a pipe?); give a text file")
    suffix = file.suffix.lower()
    if suffix not in LOCAL_SUFFIXES:
        raise SourceError(
            path,
            f"has unsupported type {suffix or '(no suffix)'}"
            f"{f' (it is a link to {file})' if file.name != given.name else ''}; "
            f"accepted types are {', '.join(LOCAL_SUFFIXES)}",
        )
    try:
        size = file.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(
                path,
                f"is {_size(size)}, larger than the {_size(MAX_SOURCE_BYTES)} limit; "
                "split it or keep only the relevant part",
            )
        data = file.read_bytes()
    except OSError as exc:
        raise SourceError(
            path, f"cannot be read ({exc.strerror or exc}); check its permissions"
        ) from None
    if not data.strip():
        raise SourceError(path, "is empty; add some text or remove it from the sources")
    raw = _decode(path, data, "utf-8", "save it as UTF-8 text and try again")
    return _to_source(path, raw, suffix in (".html", ".htm"), given.stem)


def _url_title(url: str) -> str:
    """A fallback title: the last path segment, else the host."""
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return last or parts.hostname or url


def _meta_charset(head: bytes) -> str:
    """The charset an HTML page declares in a <meta> tag, for servers that do not say."""
    match = re.search(rb"<meta[^>]*charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", head, re.I)
    return match.group(1).decode("ascii") if match else ""


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every fetch (building one costs tens of ms)."""
    return httpx.create_ssl_context(trust_env=False)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose connections go through a ``GuardedBackend``: every
    connection (every redirect hop) is checked and pinned to the checked address."""

    def __init__(self, backend: GuardedBackend) -> None:
        super().__init__(retries=0, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            network_backend=backend,
            http1=True,
            http2=False,
        )


async def _fetch(
    url: str, client: httpx.AsyncClient, max_bytes: int, where: list[str]
) -> SourceText:
    """GET ``url``, following at most MAX_REDIRECTS redirects one by one; ``where``
    holds the URL being fetched now (for messages about a redirect's target)."""
    shown = redact_url(url)
    request = client.build_request("GET", url)
    for hop in range(MAX_REDIRECTS + 1):
        resp = await client.send(request, stream=True, follow_redirects=False)
        try:
            if resp.has_redirect_location and resp.next_request is not None:
                if hop == MAX_REDIRECTS:
                    raise SourceError(
                        shown, f"redirects more than {MAX_REDIRECTS} times; give the final URL"
                    )
                request = resp.next_request
                if request.url.scheme not in ("http", "https"):
                    raise SourceError(
                        shown,
                        f"redirects to {redact_url(str(request.url))}, which is not http(s); "
                        "give a web page URL",
                    )
                where[0] = str(request.url)
                continue
            return await _read(shown, url, resp, max_bytes)
        finally:
            await resp.aclose()
    raise AssertionError("unreachable")  # pragma: no cover


async def _read(shown: str, url: str, resp: httpx.Response, max_bytes: int) -> SourceText:
    if not resp.is_success:
        raise SourceError(
            shown,
            f"the server answered HTTP {resp.status_code} {resp.reason_phrase}; "
            "check that the URL is right and the page is public",
        )
    media_type = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type and media_type not in TEXT_TYPES:
        raise SourceError(
            shown,
            f"has content type {clean_inline(media_type)[:100]}, which cannot be read as text; "
            f"accepted types are {', '.join(TEXT_TYPES)}",
        )
    too_big = SourceError(
        shown,
        f"is larger than the {_size(max_bytes)} limit; link a smaller page or save "
        "the relevant part as a local file",
    )
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    body = bytearray()
    async for chunk in resp.aiter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise too_big
    encoding = resp.charset_encoding or _meta_charset(bytes(body[:2048])) or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"  # an unknown charset label: UTF-8 is the web's default
    raw = _decode(shown, bytes(body), encoding, "link a web page or a plain text file")
    if not media_type:  # no Content-Type: sniff, as browsers do
        media_type = "text/html" if re.match(r"\s*<(!doctype|html)", raw, re.I) else ""
    return _to_source(shown, raw, media_type in _HTML_TYPES, _url_title(shown))


async def fetch_url(
    url: str,
    *,
    allow_private: bool = False,
    resolver: Resolver | None = None,
    connector: httpcore.AsyncNetworkBackend | None = None,
    timeout_s: float = 15.0,
    max_bytes: int = MAX_SOURCE_BYTES,
) -> SourceText:
    """Download an http(s) page and return its readable text.

    Only public addresses are contacted unless ``allow_private`` (see
    ``providers.netguard``): every address of every host, on every redirect hop, is
    checked before connecting, and the connection goes to the checked address.
    ``resolver`` and ``connector`` replace name resolution and the opening of TCP
    connections (tests). ``timeout_s`` bounds the whole fetch (connect, redirects and
    body). Redirects are followed one by one, at most 5. The body is streamed and
    abandoned past ``max_bytes``. The URL is used as given; the result and every error
    name it without credentials (``podcast_factory.redact``).
    """
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise SourceError(shown, f"is not a valid URL ({redact_text(str(exc))})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise SourceError(
            shown,
            f"only http:// and https:// URLs can be fetched, not {parts.scheme or 'this'}://; "
            "for a local file give its path instead",
        )
    if not host:
        raise SourceError(shown, "is not a valid URL: it has no host name")
    unreachable = (
        f"is unreachable: it did not answer in full within {timeout_s:g} s; check the URL and "
        "your network, or try again later"
    )
    guard = NetGuard(allow_private=allow_private, resolver=resolver)
    transport = _GuardedTransport(GuardedBackend(guard, connector))
    where = [url]
    try:
        async with httpx.AsyncClient(
            transport=transport, timeout=timeout_s, trust_env=False, follow_redirects=False
        ) as client:
            return await asyncio.wait_for(_fetch(url, client, max_bytes, where), timeout_s)
    except AddressRefused as exc:
        hop = "" if where[0] == url else f"redirects to {redact_url(where[0])}, where "
        raise SourceError(shown, hop + exc.problem) from None
    except (asyncio.TimeoutError, httpx.TimeoutException):
        raise SourceError(shown, unreachable) from None
    except httpx.InvalidURL as exc:
        raise SourceError(shown, f"is not a valid URL ({redact_text(str(exc))})") from None
    except httpx.UnsupportedProtocol:
        raise SourceError(
            shown, "redirects to a URL that is not http(s); give a web page URL"
        ) from None
    except httpx.TransportError as exc:
        raise SourceError(
            shown,
            f"is unreachable ({type(exc).__name__}: {redact_text(str(exc)) or 'no detail'}); "
            "check the URL and your network",
        ) from None
    except httpx.HTTPError as exc:  # e.g. a corrupt compressed body
        raise SourceError(
            shown, f"could not be downloaded ({type(exc).__name__}: {redact_text(str(exc))})"
        ) from None


class SourceFetcher:
    """Fetches for a whole run: each URL once, at most ``max_concurrent`` at a time.

    Episodes sharing a URL wait for the same fetch; a success is kept for the rest of
    the run (in memory, and in ``cache_dir`` when given, so another process of the same
    run, e.g. the research agent after the CLI's check, reads it instead of fetching
    again). A failure is shared by those waiting for it but not kept: a later attempt
    fetches again. Use one fetcher per event loop."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        max_concurrent: int = MAX_CONCURRENT_FETCHES,
        cache_dir: str | Path | None = None,
        resolver: Resolver | None = None,
        connector: httpcore.AsyncNetworkBackend | None = None,
        timeout_s: float = 15.0,
        max_bytes: int = MAX_SOURCE_BYTES,
    ) -> None:
        self.allow_private = allow_private
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._options: dict[str, Any] = {
            "allow_private": allow_private,
            "resolver": resolver,
            "connector": connector,
            "timeout_s": timeout_s,
            "max_bytes": max_bytes,
        }
        self._limit = asyncio.Semaphore(max_concurrent)
        self._done: dict[str, SourceText] = {}
        self._pending: dict[str, asyncio.Future[SourceText]] = {}
        self.fetches = 0
        """Network fetches started (cache hits do not count)."""

    def _path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (hashlib.sha256(url.encode()).hexdigest() + ".json")

    def _from_disk(self, url: str) -> SourceText | None:
        path = self._path(url)
        try:
            data = json.loads(path.read_text("utf-8")) if path is not None else None
            return SourceText(data["source"], data["title"], data["text"]) if data else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _to_disk(self, url: str, got: SourceText) -> None:
        path = self._path(url)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(dataclasses.asdict(got)), "utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs a second fetch

    async def fetch(self, url: str) -> SourceText:
        """The text of ``url``, fetched at most once per run."""
        if url in self._done:
            return self._done[url]
        if url in self._pending:
            return await asyncio.shield(self._pending[url])
        future: asyncio.Future[SourceText] = asyncio.get_running_loop().create_future()
        self._pending[url] = future
        try:
            got = await asyncio.to_thread(self._from_disk, url)
            if got is None:
                async with self._limit:
                    self.fetches += 1
                    got = await fetch_url(url, **self._options)
                await asyncio.to_thread(self._to_disk, url, got)
            self._done[url] = got
            future.set_result(got)
            return got
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when none waits
            raise
        finally:
            del self._pending[url]
