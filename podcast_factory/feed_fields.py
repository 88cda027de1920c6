"""The batch file's feed fields of the ``show`` block, checked where the file is read.

``artwork``, ``author``, ``category``, ``language``, ``explicit``, ``email`` and
``feed_url`` only matter to ``publish``, but a mistake in them is found with the rest
of the batch file (exit 2, naming ``show.<key>``), not after the batch has been paid for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from podcast_factory.errors import UserInputError
from podcast_factory.language import normalise
from podcast_factory.safeyaml import quote

FEED_KEYS = frozenset(
    {"artwork", "author", "category", "language", "explicit", "email", "feed_url"}
)
"""The ``show`` keys that describe the show to podcast apps."""

EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
URL_RE = re.compile(r"^https?://[^/\s]+\S*$", re.IGNORECASE)

Text = Callable[..., str]
"""``batchfile._text``: a field's text, checked for type, length and control characters."""


def check_url(field: str, value: str) -> str:
    """An absolute http(s) URL, or ``UserInputError`` naming ``field``."""
    if not URL_RE.match(value):
        raise UserInputError(field, f"{quote(value)} is not an http(s) URL")
    return value


def feed_fields(data: Mapping[str, Any], text: Text) -> dict[str, Any]:
    """The feed fields present in a ``show`` block, checked, as ``Show`` keywords."""
    found: dict[str, Any] = {}
    for key in ("artwork", "author", "category", "email", "feed_url"):
        if data.get(key) is not None:
            found[key] = text(f"show.{key}", data[key], required=True, limit=500)
    if "artwork" in found and not found["artwork"].lower().endswith((".png", ".jpg", ".jpeg")):
        raise UserInputError("show.artwork", "must be a .png or .jpg image (Apple Podcasts)")
    if "category" in found:
        parts = [p.strip() for p in found["category"].split("/")]
        if len(parts) > 2 or not all(parts):
            raise UserInputError(
                "show.category", "give a category, or category/subcategory: Science/Chemistry"
            )
        found["category"] = "/".join(parts)
    if "email" in found and not EMAIL_RE.match(found["email"]):
        raise UserInputError("show.email", f"{quote(found['email'])} is not an email address")
    if "feed_url" in found:
        check_url("show.feed_url", found["feed_url"])
    if data.get("language") is not None:
        language = text("show.language", data["language"], required=True, limit=35)
        found["language"] = normalise(language, "show.language")
    if data.get("explicit") is not None:
        if not isinstance(data["explicit"], bool):
            raise UserInputError("show.explicit", "must be true or false")
        found["explicit"] = data["explicit"]
    return found
