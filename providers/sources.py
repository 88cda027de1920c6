"""Turning a user's source (a local file or an http(s) URL) into text.

Sources are the user's input, so every way one can be unusable ends in a ``SourceError``
whose field is the source exactly as the user wrote it and whose problem says what is
wrong and what to do. Sizes are capped so one huge page cannot stall or bloat a batch.

Local files are read here, and a run's URL fetches shared here (``SourceFetcher``);
fetching one URL is ``source_fetch``'s job, and the text both give is ``source_text``'s.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import httpcore

from podcast_factory.errors import SourceError
from podcast_factory.providers.netguard import Resolver
from podcast_factory.providers.source_fetch import MAX_REDIRECTS as MAX_REDIRECTS
from podcast_factory.providers.source_fetch import TEXT_TYPES as TEXT_TYPES
from podcast_factory.providers.source_fetch import fetch_url as fetch_url
from podcast_factory.providers.source_text import MAX_SOURCE_BYTES as MAX_SOURCE_BYTES
from podcast_factory.providers.source_text import SourceText as SourceText
from podcast_factory.providers.source_text import decode, size_label, to_source
from podcast_factory.providers.source_text import strip_controls as strip_controls

MAX_CONCURRENT_FETCHES = 4
"""URL fetches a run makes at once."""
LOCAL_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(source: str) -> bool:
    """Whether ``source`` is a URL (any ``scheme://``) rather than a local path.

    Any scheme counts, so ``ftp://`` or ``file://`` reach ``fetch_url`` and get a clear
    "only http(s)" error instead of a confusing "no such file".
    """
    return bool(_URL_RE.match(source.strip()))


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
                f"is {size_label(size)}, larger than the {size_label(MAX_SOURCE_BYTES)} limit; "
                "split it or keep only the relevant part",
            )
        data = file.read_bytes()
    except OSError as exc:
        raise SourceError(
            path, f"cannot be read ({exc.strerror or exc}); check its permissions"
        ) from None
    if not data.strip():
        raise SourceError(path, "is empty; add some text or remove it from the sources")
    raw = decode(path, data, "utf-8", "save it as UTF-8 text and try again")
    return to_source(path, raw, suffix in (".html", ".htm"), given.stem)


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

    def cached(self, url: str) -> SourceText | None:
        """The text of ``url`` if this run already fetched it (in memory or in
        ``cache_dir``), else None; never fetches."""
        return self._done.get(url) or self._from_disk(url)

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
