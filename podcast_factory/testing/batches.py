"""The simulator's Message Batches routes: create, retrieve, results (JSONL), cancel.

Each request in a batch is answered by the same code that answers ``POST /v1/messages``
(``AnthropicRoutes._messages``), then billed at the batch price (tokens at the price
table's ``batch_discount``; web searches at full price). As in the real API
(docs/providers.md, Message Batches), a batch is ``in_progress`` until the whole batch has ended,
``request_counts`` stay at ``processing`` until then, ``results_url`` appears only once
it has ended, and results come back in no particular order (match them by
``custom_id``). A batch ends ``batch_processing_s`` after it was created; a batch still
in progress after ``batch_expiry_s`` ends with its requests ``expired``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from podcast_factory.providers.pricing import ClaudeUsage
from podcast_factory.testing.anthropic import AnthropicRoutes
from podcast_factory.testing.common import Bill, Reply, Request

BATCHES = "/v1/messages/batches"
MAX_REQUESTS = 100_000
CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
BATCH_FAULTS = ("errored_api", "errored_invalid", "expired")
"""Per-request outcomes a test can force: an ``api_error``, an ``invalid_request_error``,
or an ``expired`` request."""
_PATH = re.compile(
    r"^/v1/messages/batches/(?P<id>msgbatch_[A-Za-z0-9]+)(?P<tail>/results|/cancel)?$"
)


@dataclass
class SimBatch:
    """One Message Batch as the simulator keeps it."""

    id: str
    requests: list[dict[str, Any]]
    headers: dict[str, str]
    created: float
    """Wall-clock time of creation (``time.time()``)."""
    ends_at: float
    expires_at: float
    cancel_initiated: float | None = None
    ended: float | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


def _rfc3339(t: float | None) -> str | None:
    if t is None:
        return None
    return dt.datetime.fromtimestamp(t, tz=dt.timezone.utc).isoformat().replace("+00:00", "Z")


class BatchRoutes(AnthropicRoutes):
    """Answers ``/v1/messages/batches`` requests (Anthropic requests only)."""

    batch_processing_s: float = 0.0
    """Seconds from creation until a batch has ended (the real API: minutes to hours)."""
    batch_expiry_s: float = 24 * 3600.0
    """A batch not ended this long after creation expires (the real API: 24 hours)."""
    _rng: random.Random

    # -- for tests -------------------------------------------------------------------------
    def fail_batch_requests(self, kind: str, count: int = 1) -> None:
        """Make the next ``count`` batched requests end as ``kind`` (see BATCH_FAULTS)."""
        if kind not in BATCH_FAULTS or count < 1:
            raise ValueError(f"kind must be one of {BATCH_FAULTS} and count >= 1")
        with self._lock:
            self._batch_store()[1].extend([kind] * count)

    @property
    def batches(self) -> list[SimBatch]:
        """Every batch created so far, oldest first."""
        with self._lock:
            return list(self._batch_store()[0].values())

    def _batch_store(self) -> tuple[dict[str, SimBatch], list[str]]:
        """The batches by id and the queue of forced outcomes (created on first use;
        call with ``_lock`` held)."""
        store = self.__dict__.get("_sim_batches")
        if store is None:
            store = ({}, [])
            self.__dict__["_sim_batches"] = store
        return store

    # -- routes ----------------------------------------------------------------------------
    def route_batches(self, req: Request) -> Reply | None:
        """The reply to ``req``, or None when it is not a batches path."""
        if req.path == BATCHES and req.method == "POST":
            return Reply(200, self._create_batch(req))
        match = _PATH.match(req.path)
        if match is None:
            return None
        with self._lock:
            batch = self._batch_store()[0].get(match["id"])
        if batch is None:
            raise req.error(404, f"message batch {match['id']} not found", "not_found_error")
        tail = match["tail"] or ""
        if (req.method, tail) == ("GET", ""):
            return Reply(200, self._batch_body(req, self._settle(batch)))
        if (req.method, tail) == ("POST", "/cancel"):
            with self._lock:
                if batch.ended is None and batch.cancel_initiated is None:
                    batch.cancel_initiated = time.time()
            return Reply(200, self._batch_body(req, self._settle(batch)))
        if (req.method, tail) == ("GET", "/results"):
            self._settle(batch)
            if not batch.results:
                raise req.error(400, f"message batch {batch.id} is still processing")
            with self._lock:
                lines = list(batch.results)
                self._rng.shuffle(lines)  # the real API promises no order either
            body = "".join(json.dumps(line) + "\n" for line in lines).encode()
            return Reply(200, body, {"content-type": "application/binary"})
        return None

    def _create_batch(self, req: Request) -> dict[str, Any]:
        body = req.json()
        requests = body.get("requests")
        if not isinstance(requests, list) or not 1 <= len(requests) <= MAX_REQUESTS:
            raise req.error(400, f"requests: between 1 and {MAX_REQUESTS} requests are required")
        seen: set[str] = set()
        for n, item in enumerate(requests):
            if not isinstance(item, dict) or not isinstance(item.get("params"), dict):
                raise req.error(400, f"requests.{n}: needs custom_id and params")
            custom_id = item.get("custom_id")
            if not isinstance(custom_id, str) or not CUSTOM_ID.match(custom_id):
                raise req.error(400, f"requests.{n}.custom_id: must match {CUSTOM_ID.pattern}")
            if custom_id in seen:
                raise req.error(400, f"requests.{n}.custom_id: {custom_id} is not unique")
            seen.add(custom_id)
        now = time.time()
        batch = SimBatch(
            id=f"msgbatch_{uuid.uuid4().hex[:24]}",
            requests=requests,
            headers={k: v for k, v in req.headers.items() if k.startswith("anthropic-")},
            created=now,
            ends_at=now + self.batch_processing_s,
            expires_at=now + self.batch_expiry_s,
        )
        with self._lock:
            self._batch_store()[0][batch.id] = batch
        return self._batch_body(req, batch)

    def _settle(self, batch: SimBatch) -> SimBatch:
        """End ``batch`` if its time has come (answering, canceling or expiring each
        request); once only, even when two polls arrive together."""
        now = time.time()
        with self._lock:
            if batch.ended is not None:
                return batch
            canceling = batch.cancel_initiated is not None
            expired = now >= batch.expires_at
            if not (canceling or expired or now >= batch.ends_at):
                return batch
            batch.ended = now  # claimed: a concurrent poll sees it ended (results pending)
            forced = self._batch_store()[1]
            fates = [forced.pop(0) if forced else "" for _ in batch.requests]
        results = []
        for item, fate in zip(batch.requests, fates, strict=True):
            if canceling:
                result: dict[str, Any] = {"type": "canceled"}
            elif expired or fate == "expired":
                result = {"type": "expired"}
            else:
                result = self._batched_answer(batch, item["params"], fate)
            results.append({"custom_id": item["custom_id"], "result": result})
        with self._lock:
            batch.results = results
        return batch

    def _batched_answer(self, batch: SimBatch, params: dict[str, Any], fate: str) -> dict[str, Any]:
        """One request of a batch, answered as ``POST /v1/messages`` would answer it."""
        sub = Request("POST", "/v1/messages", {}, dict(batch.headers), b"", "anthropic")
        if fate:
            kind = "api_error" if fate == "errored_api" else "invalid_request_error"
            return _errored(sub, 500 if fate == "errored_api" else 400, f"simulated {kind}", kind)
        if params.get("stream"):
            return _errored(sub, 400, "stream: not supported in a batch", "invalid_request_error")
        sub.raw = json.dumps(params).encode()
        try:
            answered: Any = self._messages(sub)
        except Reply as refused:
            answered = refused
        message = answered.body if isinstance(answered, Reply) else answered
        if isinstance(answered, Reply) and answered.status >= 400:
            error = message if isinstance(message, dict) else {}
            return {"type": "errored", "error": {**error, "request_id": sub.request_id}}
        with self._lock:  # the same bill, at batch prices
            for n, bill in enumerate(self._bills):
                if bill.request_id == sub.request_id:
                    usage = ClaudeUsage(**bill.units)
                    cost = self.prices.claude_cost(bill.model, usage, batch=True)
                    self._bills[n] = Bill(
                        bill.request_id, bill.provider, bill.model, bill.units, cost
                    )
                    break
        return {"type": "succeeded", "message": message}

    def _batch_body(self, req: Request, batch: SimBatch) -> dict[str, Any]:
        with self._lock:
            counts = dict.fromkeys(("processing", "succeeded", "errored", "canceled", "expired"), 0)
            if batch.results:
                for line in batch.results:
                    counts[line["result"]["type"]] += 1
            else:
                counts["processing"] = len(batch.requests)
            done = bool(batch.results)
            status = "ended" if done else "canceling" if batch.cancel_initiated else "in_progress"
        host = req.headers.get("host", "127.0.0.1")
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "created_at": _rfc3339(batch.created),
            "expires_at": _rfc3339(batch.created + 24 * 3600.0),
            "ended_at": _rfc3339(batch.ended) if done else None,
            "archived_at": None,
            "cancel_initiated_at": _rfc3339(batch.cancel_initiated),
            "results_url": f"http://{host}{BATCHES}/{batch.id}/results" if done else None,
        }


def _errored(sub: Request, status: int, message: str, kind: str) -> dict[str, Any]:
    error = sub.error(status, message, kind).body
    return {"type": "errored", "error": {**error, "request_id": sub.request_id}}
