"""The show's RSS 2.0 feed, with the iTunes and Podcasting 2.0 namespaces.

A feed is written from a show and its publishable episodes, merged into the feed that
is already there: an item is known by its ``guid`` (made from the show's name and the
episode id, so a rerun or a second publish finds it again), and every item of the old
feed that is not published again is kept as it was. Publishing twice never duplicates
an episode nor drops one.

The old feed is user input: it is parsed with ``defusedxml`` (no entity expansion, no
external entities), and a file that is not an RSS feed of this show is refused, naming
``--feed``. The tags each element carries, and why, are in ``docs/publishing.md``.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from podcast_factory.errors import UserInputError
from podcast_factory.language import rss_language
from podcast_factory.models import Show
from podcast_factory.published import LISTENER_TYPES, EpisodeView

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
NAMESPACES = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM, "content": CONTENT}
PODCAST_GUID_NS = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
"""The Podcasting 2.0 namespace's UUID for ``podcast:guid`` (a v5 UUID of the feed URL)."""
GUID_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/podcast-factory/episodes")
"""Our namespace for item guids: one per show name and episode id, never per run."""
GENERATOR = "podcast-factory"

for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)


def _it(tag: str) -> str:
    return f"{{{ITUNES}}}{tag}"


def _pc(tag: str) -> str:
    return f"{{{PODCAST}}}{tag}"


def item_guid(show: Show, episode_id: str) -> str:
    """The guid of an episode: the same for every run and every publish of it."""
    return str(uuid.uuid5(GUID_NS, f"{show.name}\n{episode_id}"))


def duration_text(seconds: float) -> str:
    """``itunes:duration`` as HH:MM:SS (whole seconds, rounded)."""
    total = round(seconds)
    return f"{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}"


@dataclass(frozen=True)
class Published:
    """One episode to put in the feed, and where its files are served."""

    view: EpisodeView
    url: str
    """The URL of the episode's folder (``<base-url>/<episode id>``), no trailing slash."""

    def file_url(self, name: str) -> str:
        return f"{self.url}/{quote(name)}"


def episode_url(base_url: str, episode_id: str) -> str:
    return f"{base_url.rstrip('/')}/{quote(episode_id)}"


DESCRIPTION_BYTES = 4000
"""Apple's limit for a description (show or episode), in bytes of UTF-8."""


def _fit(text: str, limit: int) -> str:
    """``text`` cut at a character boundary to at most ``limit`` UTF-8 bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore").rstrip() + "..."


def _sub(parent: ET.Element, tag: str, body: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if body is not None:
        el.text = body
    return el


def _item(show: Show, ep: Published, published_at: datetime) -> ET.Element:
    view = ep.view
    item = ET.Element("item")
    _sub(item, "title", view.title)
    description = _fit(view.summary or view.state.topic, DESCRIPTION_BYTES)
    _sub(item, "description", description)
    _sub(item, _it("summary"), description)
    _sub(item, "guid", item_guid(show, view.episode_id), isPermaLink="false")
    _sub(item, "pubDate", format_datetime(published_at))
    assert view.audio is not None  # only publishable episodes come here
    _sub(
        item,
        "enclosure",
        url=ep.file_url(view.audio),
        length=str(view.audio_bytes),
        type=view.audio_type,
    )
    if view.duration_s is not None:
        _sub(item, _it("duration"), duration_text(view.duration_s))
    _sub(item, _it("episodeType"), "full")
    _sub(item, _it("explicit"), "true" if show.explicit else "false")
    for role in ("vtt", "srt", "transcript"):
        if role in view.files:
            attrs = {"url": ep.file_url(view.files[role]), "type": LISTENER_TYPES[role]}
            attrs["language"] = rss_language(show.language)
            if role != "transcript":
                attrs["rel"] = "captions"
            _sub(item, _pc("transcript"), **attrs)
    if "chapters" in view.files:
        url = ep.file_url(view.files["chapters"])
        _sub(item, _pc("chapters"), url=url, type=LISTENER_TYPES["chapters"])
    return item


def _channel(show: Show, base_url: str, now: datetime) -> ET.Element:
    channel = ET.Element("channel")
    _sub(channel, "title", show.name)
    _sub(channel, "link", show.feed_url or base_url)
    description = show.tagline or show.name
    _sub(channel, "description", description)
    _sub(channel, "language", rss_language(show.language))
    _sub(channel, "generator", GENERATOR)
    _sub(channel, "lastBuildDate", format_datetime(now))
    if show.feed_url:
        _sub(channel, f"{{{ATOM}}}link", href=show.feed_url, rel="self", type="application/rss+xml")
        key = show.feed_url.split("://", 1)[-1].rstrip("/")
        _sub(channel, _pc("guid"), str(uuid.uuid5(PODCAST_GUID_NS, key)))
    _sub(channel, _it("summary"), description)
    if show.author:
        _sub(channel, _it("author"), show.author)
    if show.author or show.email:
        owner = _sub(channel, _it("owner"))
        _sub(owner, _it("name"), show.author or show.name)
        if show.email:
            _sub(owner, _it("email"), show.email)
    if show.artwork:
        art = show.artwork
        if "://" not in art:
            art = f"{base_url.rstrip('/')}/{quote(art.lstrip('/'))}"
        _sub(channel, _it("image"), href=art)
        image = _sub(channel, "image")
        _sub(image, "url", art)
        _sub(image, "title", show.name)
        _sub(image, "link", show.feed_url or base_url)
    if show.category:
        top, _, sub = show.category.partition("/")
        cat = _sub(channel, _it("category"), text=top)
        if sub:
            _sub(cat, _it("category"), text=sub)
    _sub(channel, _it("explicit"), "true" if show.explicit else "false")
    _sub(channel, _it("type"), "episodic")
    return channel


# -- the feed already there ---------------------------------------------------------------


@dataclass
class OldFeed:
    """The items of the feed being updated, in its order, and its show's title."""

    title: str | None
    items: list[ET.Element]


def read_feed(path: Path) -> OldFeed:
    """The feed at ``path`` (none: empty), parsed safely; ``UserInputError`` naming
    ``--feed`` when it is not an RSS feed."""
    if not path.exists():
        return OldFeed(None, [])
    if not path.is_file():
        raise UserInputError("--feed", f"{path} is not a file")
    try:
        data = path.read_bytes()
        for _event, (prefix, uri) in SafeET.iterparse(path, events=("start-ns",)):
            if prefix and prefix not in NAMESPACES and not prefix.startswith("ns"):
                ET.register_namespace(prefix, uri)  # keep the old feed's own prefixes
        root = SafeET.fromstring(data)
    except (ET.ParseError, DefusedXmlException, OSError, ValueError) as exc:
        raise UserInputError("--feed", f"{path} is not a readable RSS feed: {exc}") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise UserInputError("--feed", f"{path} is not an RSS feed (its root is <{root.tag}>)")
    return OldFeed(channel.findtext("title"), list(channel.findall("item")))


def _when(item: ET.Element) -> datetime:
    try:
        return parsedate_to_datetime(item.findtext("pubDate") or "")
    except (TypeError, ValueError):
        return datetime.fromtimestamp(0, timezone.utc)


def _enclosure(item: ET.Element) -> str | None:
    enc = item.find("enclosure")
    return enc.get("url") if enc is not None else None


@dataclass(frozen=True)
class Merge:
    """What a publish did to the feed."""

    feed: bytes
    added: tuple[str, ...]
    updated: tuple[str, ...]
    kept: int


def build_feed(
    show: Show, episodes: list[Published], old: OldFeed, base_url: str, now: datetime
) -> Merge:
    """The whole feed: the show's channel, this publish's items and every old item not
    published again, newest first. An episode published before keeps its pubDate."""
    old_by_guid = {(i.findtext("guid") or "").strip(): i for i in old.items}
    fresh: dict[str, ET.Element] = {}
    added: list[str] = []
    updated: list[str] = []
    for ep in episodes:
        guid = item_guid(show, ep.view.episode_id)
        before = old_by_guid.get(guid)
        ended = ep.view.state.ended_at
        at = _when(before) if before is not None else None
        if at is None:
            at = datetime.fromtimestamp(ended, timezone.utc) if ended else now
        fresh[guid] = _item(show, ep, at)
        (updated if before is not None else added).append(ep.view.episode_id)
    urls = {_enclosure(i) for i in fresh.values()}
    kept = [
        i
        for guid, i in old_by_guid.items()
        if guid not in fresh and (_enclosure(i) is None or _enclosure(i) not in urls)
    ]
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _channel(show, base_url, now)
    rss.append(channel)
    for item in sorted([*fresh.values(), *kept], key=_when, reverse=True):
        channel.append(item)
    ET.indent(rss)
    data = ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"
    return Merge(data, tuple(added), tuple(updated), len(kept))
