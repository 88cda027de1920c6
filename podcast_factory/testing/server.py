"""A loopback stand-in for the Anthropic Messages API and ElevenLabs text to speech.

The real ``anthropic`` and ``elevenlabs`` SDKs work against it unchanged (pass
``base_url=sim.url``), so provider clients can be tested end to end, faults included,
without a key or a network. Every successful call is billed from the same price table the
project's clients use, so a test can compare what a client recorded with what the
"provider" charged. What the answers contain is built in ``payloads.py``.

    python -m podcast_factory.testing.sim --port 8787 --fault-rate 0.2 --latency 0.3

Requests that carry an ``anthropic-version`` header are answered as Anthropic, all others
as ElevenLabs (both APIs have ``GET /v1/models``). Only 127.0.0.1 is ever bound, and no
header (so no API key) is ever logged or echoed.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import random
import socket
import sys
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from podcast_factory.providers.pricing import PriceTable
from podcast_factory.testing import payloads as pay
from podcast_factory.testing.anthropic import AnthropicRoutes
from podcast_factory.testing.batches import BatchRoutes
from podcast_factory.testing.common import Bill, Reply, Request, TtsCall
from podcast_factory.testing.elevenlabs import DEFAULT_VOICES, ElevenLabsRoutes

__all__ = ["FAULT_KINDS", "Bill", "ProviderSimulator", "TtsCall"]

log = logging.getLogger("provider_sim")

FAULT_KINDS = ("429", "529", "500", "timeout", "malformed")
_MALFORMED = b'{"type": "message", "content": [{"ty'


class ProviderSimulator(BatchRoutes, AnthropicRoutes, ElevenLabsRoutes):
    """Anthropic + ElevenLabs on one loopback port, served from a daemon thread.

    ``voices`` maps ElevenLabs voice ids to names (default: a few premade voices); an
    empty mapping accepts any voice id. ``port`` 0 picks a free port. ``reply_scale``
    makes the simulated Claude write that many times the words it writes by default (a
    wordier model than the one ``podcast_factory.estimate`` assumes); it bills what it
    wrote, so the cost follows the text.
    """

    def __init__(
        self,
        *,
        prices: PriceTable | None = None,
        api_key: str | None = None,
        latency_s: float = 0.0,
        tts_latency_per_1000_chars_s: float = 0.0,
        fault_rate: float = 0.0,
        faults: Sequence[str] = FAULT_KINDS,
        retry_after_s: float = 0.2,
        timeout_s: float = 5.0,
        seed: int = 0,
        voices: Mapping[str, str] | None = None,
        port: int = 0,
        reply_scale: float = 1.0,
    ) -> None:
        if not 0.1 <= reply_scale <= 10.0:
            raise ValueError(f"reply_scale must be between 0.1 and 10, not {reply_scale:g}")
        if any(f not in FAULT_KINDS for f in faults) or not 0.0 <= fault_rate <= 1.0:
            raise ValueError(f"faults must be among {FAULT_KINDS}; 0 <= fault_rate <= 1")
        if fault_rate and not faults:
            raise ValueError("fault_rate > 0 needs at least one fault kind")
        self.prices = prices or PriceTable.load()
        self._api_key = api_key
        self.latency_s = latency_s
        self.reply_scale = reply_scale
        self.tts_latency_per_1000_chars_s = tts_latency_per_1000_chars_s
        self.fault_rate, self.faults = fault_rate, tuple(faults)
        self.retry_after_s, self.timeout_s = retry_after_s, timeout_s
        self.voices: dict[str, str] = dict(DEFAULT_VOICES if voices is None else voices)
        self._port = port
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()
        self._stopping = threading.Event()
        self._queue: list[list[Any]] = []  # [kind, remaining, path_prefix]
        self._plants: list[list[Any]] = []  # [kind, remaining]: see plant()
        self._counts: Counter[str] = Counter()
        self._bills: list[Bill] = []
        self._tts_calls: list[TtsCall] = []
        self._message_bodies: list[dict[str, Any]] = []
        self._cache: dict[tuple[str, str], float] = {}  # (model, block text) -> expiry
        self._searches = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> ProviderSimulator:
        if self._server is None:
            self._stopping.clear()
            self._server = _Server(("127.0.0.1", self._port), self)
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="provider-sim", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes handlers waiting out latency or a "timeout" fault
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ProviderSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the base URL for both SDKs."""
        if self._server is None:
            raise RuntimeError("the simulator is not running: call start()")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- for tests -------------------------------------------------------------------------
    def inject(self, kind: str, count: int = 1, path_prefix: str = "") -> None:
        """Fail the next ``count`` requests whose path starts with ``path_prefix``."""
        if kind not in FAULT_KINDS or count < 1:
            raise ValueError(f"kind must be one of {FAULT_KINDS} and count >= 1")
        with self._lock:
            self._queue.append([kind, count, path_prefix])

    @property
    def bills(self) -> list[Bill]:
        with self._lock:
            return list(self._bills)

    def billed_micro_usd(self) -> int:
        with self._lock:
            return sum(b.micro_usd for b in self._bills)

    @property
    def requests(self) -> dict[str, int]:
        """Counts per request path (``/v1/messages``), ``fault:<kind>`` and ``status:<code>``."""
        with self._lock:
            return dict(self._counts)

    @property
    def tts_calls(self) -> list[TtsCall]:
        with self._lock:
            return list(self._tts_calls)

    @property
    def peak_concurrency(self) -> dict[str, int]:
        """Most requests each provider was answering at the same moment."""
        with self._lock:
            return dict(self._peak)

    @property
    def message_bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the ``/v1/messages`` requests that were answered."""
        with self._lock:
            return list(self._message_bodies)

    # -- serving ---------------------------------------------------------------------------
    def serve(self, handler: _Handler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        provider = "anthropic" if "anthropic-version" in headers else "elevenlabs"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        req = Request(method, parts.path, query, headers, raw, provider)
        with self._lock:
            self._counts[req.path] += 1
            self._in_flight[provider] += 1
            self._peak[provider] = max(self._peak[provider], self._in_flight[provider])
        try:
            self._answer(handler, method, req)
        finally:
            with self._lock:
                self._in_flight[provider] -= 1

    def _answer(self, handler: _Handler, method: str, req: Request) -> None:
        provider = req.provider
        try:
            self._check_key(req)
            fault = self._next_fault(req.path)
            if fault == "timeout":
                self._stopping.wait(self.timeout_s)
                handler.close_connection = True  # answer nothing at all
                return
            if fault:
                raise self._fault(req, fault)
            self._stopping.wait(self.latency_s)
            reply = self._route(req)
        except Reply as raised:
            reply = raised
        except Exception:  # a simulator bug must not look like a dropped connection
            log.exception("provider simulator: cannot answer %s %s", method, req.path)
            reply = req.error(500, "the simulator failed on this request; see its log")
        if reply.status >= 400 and isinstance(reply.body, dict) and provider == "anthropic":
            reply.body["request_id"] = req.request_id
        reply.headers.setdefault("request-id", req.request_id)
        if not isinstance(reply.body, bytes):
            reply.body = json.dumps(reply.body).encode()
            reply.headers.setdefault("content-type", "application/json")
        with self._lock:
            self._counts[f"status:{reply.status}"] += 1
        _write(handler, reply)

    def _check_key(self, req: Request) -> None:
        if self._api_key is None:
            return
        if req.provider == "anthropic":
            given = req.headers.get("x-api-key") or req.headers.get("authorization", "")
            given = given.removeprefix("Bearer ")
        else:
            given = req.headers.get("xi-api-key", "")
        if not hmac.compare_digest(given.encode(), self._api_key.encode()):
            anthropic = req.provider == "anthropic"
            raise req.error(401, "invalid x-api-key" if anthropic else "Invalid API key")

    def _next_fault(self, path: str) -> str | None:
        with self._lock:
            for entry in self._queue:
                if path.startswith(entry[2]):
                    kind: str = entry[0]
                    entry[1] -= 1
                    if entry[1] == 0:
                        self._queue.remove(entry)
                    break
            else:
                if not self.fault_rate or self._rng.random() >= self.fault_rate:
                    return None
                kind = self._rng.choice(self.faults)
            self._counts[f"fault:{kind}"] += 1
            return kind

    def _fault(self, req: Request, kind: str) -> Reply:
        if kind == "malformed":
            return Reply(200, _MALFORMED, {"content-type": "application/json"})
        if kind == "429":
            reply = req.error(429, "Rate limited (simulated)")
            reply.headers["retry-after"] = f"{self.retry_after_s:g}"
            if req.provider == "anthropic":
                reply.headers["retry-after-ms"] = str(round(self.retry_after_s * 1000))
            return reply
        if kind == "529":
            if req.provider == "anthropic":
                return req.error(529, "Overloaded (simulated)")
            return req.error(503, "The system is busy (simulated)")
        return req.error(500, "Internal server error (simulated)")

    def _route(self, req: Request) -> Reply:
        if req.provider == "anthropic":
            routed = self.route_batches(req) or self.route_anthropic(req)
        else:
            routed = self.route_elevenlabs(req)
        if routed is None:
            raise req.error(404, f"{req.method} {req.path}: not found", "not_found_error")
        return routed


def _write(handler: _Handler, reply: Reply) -> None:
    body: bytes = reply.body
    handler.send_response(reply.status)
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    if reply.chunked:
        handler.send_header("Transfer-Encoding", "chunked")
    else:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if not reply.chunked:
        handler.wfile.write(body)
        return
    for piece in pay.chunks(body):
        handler.wfile.write(f"{len(piece):X}\r\n".encode() + piece + b"\r\n")
    handler.wfile.write(b"0\r\n\r\n")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls
    server: _Server

    def do_GET(self) -> None:
        self.server.sim.serve(self, "GET")

    def do_POST(self) -> None:
        self.server.sim.serve(self, "POST")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.client_address[0], *args)  # request line + status only


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sim: ProviderSimulator) -> None:
        self.sim = sim
        self._open: set[Any] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Unblock the handler threads still waiting on idle keep-alive connections."""
        with self._open_lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        kind = sys.exc_info()[0]
        if kind is not None and issubclass(kind, (ConnectionError, TimeoutError)):
            log.debug("client went away: %s", kind.__name__)
        else:
            log.exception("provider simulator: error while serving a request")
