"""Fetching one http(s) source: guarded connections, redirects one by one, capped bodies.

Apart from ``sources.py`` (which reads local files and shares fetches across a run)
because reaching the network safely is a concern of its own: every connection goes
through ``providers.netguard``, and every error names the URL without its credentials.
"""

from __future__ import annotations

import asyncio
import codecs
import functools
import re
import ssl
from urllib.parse import urlsplit

import httpcore
import httpx

from podcast_factory.errors import SourceError
from podcast_factory.providers.netguard import AddressRefused, GuardedBackend, NetGuard, Resolver
from podcast_factory.providers.source_text import (
    MAX_SOURCE_BYTES,
    SourceText,
    decode,
    size_label,
    to_source,
)
from podcast_factory.providers.text import clean_inline
from podcast_factory.redact import redact_text, redact_url

MAX_REDIRECTS = 5
TEXT_TYPES = ("text/html", "text/plain", "text/markdown", "application/xhtml+xml")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


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
        f"is larger than the {size_label(max_bytes)} limit; link a smaller page or save "
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
    raw = decode(shown, bytes(body), encoding, "link a web page or a plain text file")
    if not media_type:  # no Content-Type: sniff, as browsers do
        media_type = "text/html" if re.match(r"\s*<(!doctype|html)", raw, re.I) else ""
    return to_source(shown, raw, media_type in _HTML_TYPES, _url_title(shown))


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
