"""The simulator's Anthropic routes: Messages, token counting, models."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from podcast_factory.providers.claude_cache import max_output_tokens, min_cache_tokens
from podcast_factory.providers.lifecycle import retirement
from podcast_factory.providers.pricing import ClaudeUsage
from podcast_factory.testing import payloads as pay
from podcast_factory.testing.common import Bill, Reply, Request, SimState, priced


class AnthropicRoutes(SimState):
    """Answers requests that carry an ``anthropic-version`` header."""

    def route_anthropic(self, req: Request) -> Reply | None:
        """The reply to ``req``, or None when no Anthropic route matches."""
        where = (req.method, req.path)
        if where == ("POST", "/v1/messages"):
            return self._messages(req)
        if where == ("POST", "/v1/messages/count_tokens"):
            request = req.json()
            self._claude_model(req, request)
            return Reply(200, {"input_tokens": sum(p[0] for p in pay.prompt_pieces(request))})
        if where == ("GET", "/v1/models"):
            return Reply(200, pay.claude_models_page(self.served_claude_models()))
        if req.method == "GET" and req.path.startswith("/v1/models/"):
            model = req.path.removeprefix("/v1/models/")
            if not priced(self.served_claude_models(), model):
                raise req.error(404, f"model: {model}", "not_found_error")
            return Reply(200, pay.claude_models_page([model])["data"][0])
        return None

    def served_claude_models(self) -> list[str]:
        """The priced models not past their end of life: a retired model is not served."""
        today = dt.date.today()
        return [
            m
            for m in self.prices.claude_models()
            if (gone := retirement(m)) is None or gone.date > today
        ]

    def _claude_model(self, req: Request, body: dict[str, Any]) -> str:
        model = body.get("model")
        if not isinstance(model, str) or not priced(self.served_claude_models(), model):
            raise req.error(404, f"model: {model}")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise req.error(400, "messages: at least one message is required")
        if not all(
            isinstance(m, dict) and m.get("role") in ("user", "assistant") for m in messages
        ):
            raise req.error(400, "messages: each message needs a role of user or assistant")
        return model

    def _messages(self, req: Request) -> Reply:
        body = req.json()
        model = self._claude_model(req, body)
        max_tokens = body.get("max_tokens")
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            raise req.error(400, "max_tokens: must be an integer >= 1")
        total, marks = pay.cache_marks(body)
        problem = pay.refused(body, total, max_output_tokens(model))
        if problem is not None:
            raise req.error(400, problem)
        read, write_5m, write_1h = self._cache_use(model, marks)
        with self._lock:
            self._searches += 1
            search_no = self._searches
        content, output, stop_reason, searches, details = pay.answer(
            body, search_no, total, self.reply_scale, self.planted
        )
        fresh = total - read - write_5m - write_1h
        usage = ClaudeUsage(fresh, output, write_5m, write_1h, read, searches)
        cost = self.prices.claude_cost(model, usage)
        with self._lock:
            self._bills.append(Bill(req.request_id, "anthropic", model, usage.as_units(), cost))
            self._message_bodies.append(body)
        message = pay.message_body(model, content, stop_reason, usage, details)
        if body.get("stream"):
            headers = {"content-type": "text/event-stream"}
            return Reply(200, pay.sse_events(message), headers, chunked=True)
        return Reply(200, message)

    def _cache_use(
        self, model: str, marks: list[tuple[int, str, dict[str, Any] | None]]
    ) -> tuple[int, int, int]:
        """Tokens read from and written to the cache (5-minute, 1-hour) by a request.

        A breakpoint caches the whole prefix up to it, and only if that prefix reaches the
        model's minimum: a shorter one is neither written nor read (plain input). The
        longest cached prefix is read; the part after it, up to the last eligible
        breakpoint, is written. Reading or writing an entry renews its lifetime."""
        minimum = min_cache_tokens(model)
        eligible = [(n, key, c) for n, key, c in marks if c is not None and n >= minimum]
        now = time.monotonic()
        read = write_5m = write_1h = 0
        with self._lock:
            for n, key, _ in eligible:
                if self._cache.get((model, key), 0.0) > now:
                    read = max(read, n)
            done = read
            for n, key, cache in eligible:
                ttl = 3600.0 if cache is not None and cache.get("ttl") == "1h" else 300.0
                if n > done:
                    if ttl > 300.0:
                        write_1h += n - done
                    else:
                        write_5m += n - done
                    done = n
                self._cache[(model, key)] = max(self._cache.get((model, key), 0.0), now + ttl)
        return read, write_5m, write_1h
