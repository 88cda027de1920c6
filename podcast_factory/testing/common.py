"""What the simulator's provider modules share: the billing record, requests and replies."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from podcast_factory.providers.pricing import PriceTable
from podcast_factory.testing import payloads as pay
from podcast_factory.testing.grounding import PLANTS
from podcast_factory.testing.grounding import plant as plant_in


@dataclass(frozen=True)
class Bill:
    """What the simulated provider charged for one successful call."""

    request_id: str
    provider: str
    """``"anthropic"`` or ``"elevenlabs"``."""
    model: str
    units: dict[str, int]
    micro_usd: int


@dataclass(frozen=True)
class TtsCall:
    """One text-to-speech request that was answered, to check request stitching."""

    request_id: str
    voice_id: str
    model_id: str
    output_format: str
    characters: int
    previous_request_ids: tuple[str, ...]
    next_request_ids: tuple[str, ...]
    stream: bool
    language_code: str | None = None
    """The ``language_code`` the request sent (None: none)."""


class Reply(Exception):
    """An HTTP answer; raised from anywhere in a handler, or returned by a route."""

    def __init__(
        self,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
        chunked: bool = False,
    ) -> None:
        super().__init__(status)
        self.status, self.body, self.headers, self.chunked = (
            status,
            body,
            dict(headers or {}),
            chunked,
        )


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    provider: str
    request_id: str = field(default_factory=lambda: f"req_sim_{uuid.uuid4().hex[:24]}")

    def json(self) -> dict[str, Any]:
        try:
            body = json.loads(self.raw or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise self.error(400, "the request body must be a JSON object")
        return body

    def error(self, status: int, message: str, kind: str = "") -> Reply:
        return Reply(status, pay.error_body(self.provider, status, message, kind))


def priced(models: list[str], model: str) -> bool:
    """A priced model id, or a dated id (``...-20251001``) of one."""
    return model in models or re.sub(r"-\d{8}$", "", model) in models


class SimState:
    """The attributes the provider route mixins read and write (set by ProviderSimulator)."""

    prices: PriceTable
    voices: dict[str, str]
    tts_latency_per_1000_chars_s: float
    reply_scale: float
    _lock: threading.Lock
    _stopping: threading.Event
    _bills: list[Bill]
    _tts_calls: list[TtsCall]
    _message_bodies: list[dict[str, Any]]
    _cache: dict[tuple[str, str], float]
    _searches: int
    _counts: Counter[str]

    _plants: list[list[Any]]

    def plant(self, kind: str, count: int = 1) -> None:
        """Make the next ``count`` structured answers that ``kind`` fits make a model's
        mistake (``grounding.PLANTS``): ``misquote``, a research fact whose quote is in
        no source; ``unsupported_claim``, a judgement listing a claim of the script;
        ``run_on_notes``, notes whose summary is the chapter titles run together and
        whose middle chapter title is a line of dialogue."""
        if kind not in PLANTS or count < 1:
            raise ValueError(f"kind must be one of {PLANTS} and count >= 1")
        with self._lock:
            self._plants.append([kind, count])

    def planted(self, value: Any, context: str) -> None:
        """Give a structured answer the next planted mistake that fits it."""
        with self._lock:
            for entry in self._plants:
                if plant_in(value, entry[0], context):
                    entry[1] -= 1
                    if entry[1] == 0:
                        self._plants.remove(entry)
                    self._counts[f"plant:{entry[0]}"] += 1
                    return
