"""URLs as we may write or print them: no credentials.

A user's source URL can carry secrets: ``http://user:pw@host/...`` or a signed link
(``?token=...``, ``X-Amz-Signature=...``). The fetch uses the URL as given; everything
we write (scripts, show notes, ``research.json``, ``batch.json``, manifests) or print
(error messages) uses ``redact_url``: no userinfo, and the value of every query or
fragment parameter named like a secret replaced by ``REDACTED``. A URL with nothing to
hide comes back exactly as given.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

MASK = "REDACTED"

SECRET_WORDS = frozenset(
    {
        "token", "key", "apikey", "secret", "password", "passwd", "pwd", "pass", "sig",
        "signature", "auth", "authorization", "credential", "credentials", "session",
        "sessionid", "jwt", "bearer", "otp", "code", "sas", "hmac", "cookie",
    }
)  # fmt: skip
"""A parameter is a secret when one of the words of its name (split at ``-``, ``_``,
``.``) is one of these: ``api_key``, ``access_token``, ``X-Amz-Signature``, ``sig``."""

SECRET_PARTS = ("token", "secret", "passw", "signature", "apikey", "credential", "privatekey")
"""...or when its name contains one of these anywhere: ``accessToken``, ``clientSecret``."""

_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"'`]+")


def is_secret_name(name: str) -> bool:
    """Whether a query parameter called ``name`` probably holds a secret."""
    lowered = name.strip().lower()
    words = set(re.split(r"[-_.\s\[\]]+", lowered))
    squashed = re.sub(r"[-_.\s]", "", lowered)
    return bool(words & SECRET_WORDS) or any(part in squashed for part in SECRET_PARTS)


def _mask_params(text: str) -> str:
    """``a=1&token=x`` -> ``a=1&token=REDACTED``; other parameters as they were."""
    if "=" not in text:
        return text
    out = []
    for pair in re.split(r"([&;])", text):
        name, eq, _value = pair.partition("=")
        out.append(f"{name}={MASK}" if eq and is_secret_name(name) else pair)
    return "".join(out)


def redact_url(url: str) -> str:
    """``url`` without userinfo and with secret-looking parameters masked."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket: still drop what looks like userinfo
        return re.sub(r"(://)[^/?#@\s]*@", r"\1", url)
    netloc = parts.netloc.rpartition("@")[2]
    clean = SplitResult(
        parts.scheme, netloc, parts.path, _mask_params(parts.query), _mask_params(parts.fragment)
    )
    if clean == parts:
        return url
    return urlunsplit(clean)


def redact_text(text: str) -> str:
    """``text`` (an error message, a line of notes) with every URL in it redacted."""

    def one(match: re.Match[str]) -> str:
        url = match.group(0)
        core = url.rstrip(":,.;!?)]}")  # the sentence's punctuation, not the URL's
        return redact_url(core) + url[len(core) :]

    return _URL_IN_TEXT.sub(one, text)
