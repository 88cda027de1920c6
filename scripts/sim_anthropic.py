"""The simulator's Anthropic routes: Messages, token counting, models."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import sim_payloads as pay
from sim_common import Bill, Reply, Request, SimState, priced

from providers.lifecycle import retirement
from providers.pricing import ClaudeUsage


class AnthropicRoutes(SimState):
    """Answers requests that carry an ``anthropic-version`` header."""

    def route_anthropic(self, req: Request) -> Reply | None:
        """The reply to ``req``, or None when no Anthropic route matches."""
        where = (req.method, req.path)
        if where == ("POST", "/v1/messages"):
            return Reply(200, self._messages(req))
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

    def _messages(self, req: Request) -> dict[str, Any]:
        body = req.json()
        model = self._claude_model(req, body)
        max_tokens = body.get("max_tokens")
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            raise req.error(400, "max_tokens: must be an integer >= 1")
        if body.get("stream"):
            raise req.error(400, "stream: this simulator does not stream; call without stream")
        fresh = write_5m = write_1h = read = 0
        now = time.monotonic()
        with self._lock:
            for count, text, cache_control in pay.prompt_pieces(body):
                if cache_control is None:
                    fresh += count
                    continue
                ttl = 3600.0 if cache_control.get("ttl") == "1h" else 300.0
                expiry = self._cache.get((model, text), 0.0)
                if expiry > now:
                    read += count
                elif ttl > 300.0:
                    write_1h += count
                else:
                    write_5m += count
                self._cache[(model, text)] = max(expiry, now + ttl)
            self._searches += 1
            search_no = self._searches
        content, output, stop_reason, searches = pay.answer(body, search_no)
        usage = ClaudeUsage(fresh, output, write_5m, write_1h, read, searches)
        cost = self.prices.claude_cost(model, usage)
        with self._lock:
            self._bills.append(Bill(req.request_id, "anthropic", model, usage.as_units(), cost))
            self._message_bodies.append(body)
        return pay.message_body(model, content, stop_reason, usage)
