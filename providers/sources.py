"""Turning a user's source (a local file or an http(s) URL) into text.

Sources are the user's input, so every way one can be unusable ends in a ``SourceError``
whose field is the source exactly as the user wrote it and whose problem says what is
wrong and what to do. Sizes are capped so one huge page cannot stall or bloat a batch.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from podcast_factory.errors import SourceError
from providers.text import clean_inline, html_to_text

MAX_SOURCE_BYTES = 2_000_000
MAX_REDIRECTS = 5
LOCAL_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
TEXT_TYPES = ("text/html", "text/plain", "text/markdown", "application/xhtml+xml")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class SourceText:
    """A source's readable text. ``source`` is the path or URL as the user wrote it."""

    source: str
    title: str
    text: str


def is_url(source: str) -> bool:
    """Whether ``source`` is a URL (any ``scheme://``) rather than a local path.

    Any scheme counts, so ``ftp://`` or ``file://`` reach ``fetch_url`` and get a clear
    "only http(s)" error instead of a confusing "no such file".
    """
    return bool(_URL_RE.match(source.strip()))


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
    if is_html:
        title, text = html_to_text(raw)
    else:
        title, text = _first_heading(raw), raw.strip()
    if not text.strip():
        raise SourceError(source, "has no readable text; check it is the right source")
    return SourceText(source=source, title=title or fallback_title, text=text)


def read_local(path: str) -> SourceText:
    """Read a local .md, .markdown, .txt, .html or .htm file as UTF-8 text.

    The title is the first markdown heading (``<title>`` or first heading for HTML),
    else the file name without its suffix.
    """
    file = Path(path).expanduser()
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
            f"has unsupported type {suffix or '(no suffix)'}; accepted types are "
            f"{', '.join(LOCAL_SUFFIXES)}",
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
    return _to_source(path, raw, suffix in (".html", ".htm"), file.stem)


def _url_title(url: str) -> str:
    """A fallback title: the last path segment, else the host."""
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return last or parts.hostname or url


def _meta_charset(head: bytes) -> str:
    """The charset an HTML page declares in a <meta> tag, for servers that do not say."""
    match = re.search(rb"<meta[^>]*charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", head, re.I)
    return match.group(1).decode("ascii") if match else ""


async def _fetch(
    url: str, client: httpx.AsyncClient, timeout_s: float, max_bytes: int
) -> SourceText:
    async with client.stream("GET", url, follow_redirects=True, timeout=timeout_s) as resp:
        if len(resp.history) > MAX_REDIRECTS:
            raise SourceError(url, f"redirects more than {MAX_REDIRECTS} times; give the final URL")
        if not resp.is_success:
            raise SourceError(
                url,
                f"the server answered HTTP {resp.status_code} {resp.reason_phrase}; "
                "check that the URL is right and the page is public",
            )
        media_type = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type and media_type not in TEXT_TYPES:
            raise SourceError(
                url,
                f"has content type {media_type}, which cannot be read as text; accepted "
                f"types are {', '.join(TEXT_TYPES)}",
            )
        too_big = SourceError(
            url,
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
    raw = _decode(url, bytes(body), encoding, "link a web page or a plain text file")
    if not media_type:  # no Content-Type: sniff, as browsers do
        media_type = "text/html" if re.match(r"\s*<(!doctype|html)", raw, re.I) else ""
    return _to_source(url, raw, media_type in _HTML_TYPES, _url_title(url))


async def fetch_url(
    url: str,
    *,
    client: httpx.AsyncClient | None = None,
    timeout_s: float = 15.0,
    max_bytes: int = MAX_SOURCE_BYTES,
) -> SourceText:
    """Download an http(s) page and return its readable text.

    ``timeout_s`` bounds the whole fetch (connect, redirects and body), also with an
    injected ``client``, which is used as is and not closed. Redirects are followed
    (at most 5). The body is streamed and abandoned past ``max_bytes``.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise SourceError(url, f"is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise SourceError(
            url,
            f"only http:// and https:// URLs can be fetched, not {parts.scheme or 'this'}://; "
            "for a local file give its path instead",
        )
    if not host:
        raise SourceError(url, "is not a valid URL: it has no host name")
    unreachable = (
        f"is unreachable: it did not answer in full within {timeout_s:g} s; check the URL and "
        "your network, or try again later"
    )
    try:
        if client is not None:
            return await asyncio.wait_for(_fetch(url, client, timeout_s, max_bytes), timeout_s)
        async with httpx.AsyncClient(timeout=timeout_s, max_redirects=MAX_REDIRECTS) as own:
            return await asyncio.wait_for(_fetch(url, own, timeout_s, max_bytes), timeout_s)
    except (asyncio.TimeoutError, httpx.TimeoutException):
        raise SourceError(url, unreachable) from None
    except httpx.TooManyRedirects:
        raise SourceError(
            url, f"redirects more than {MAX_REDIRECTS} times; give the final URL"
        ) from None
    except httpx.InvalidURL as exc:
        raise SourceError(url, f"is not a valid URL ({exc})") from None
    except httpx.UnsupportedProtocol:
        raise SourceError(
            url, "redirects to a URL that is not http(s); give a web page URL"
        ) from None
    except httpx.TransportError as exc:
        raise SourceError(
            url,
            f"is unreachable ({type(exc).__name__}: {exc or 'no detail'}); "
            "check the URL and your network",
        ) from None
    except httpx.HTTPError as exc:  # e.g. a corrupt compressed body
        raise SourceError(url, f"could not be downloaded ({type(exc).__name__}: {exc})") from None
