"""A Messages API answer as server-sent events, the way ``stream=True`` receives it.

Apart from ``messages.py`` because the event framing is a concern of its own: the SDK's
stream parser is what it exercises, whatever the answer says.
"""

from __future__ import annotations

import json
from typing import Any


def sse_events(message: dict[str, Any]) -> bytes:
    """A message as the Messages API streams it: ``message_start`` (usage without the
    output), ``ping``, per block ``content_block_start`` / ``_delta`` (``text_delta``,
    ``citations_delta``, ``input_json_delta``) / ``_stop``, then ``message_delta`` (stop
    reason and cumulative usage) and ``message_stop``."""
    out: list[str] = []

    def event(kind: str, data: dict[str, Any]) -> None:
        out.append(f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n")

    usage = message["usage"]
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**usage, "output_tokens": 1},
    }
    event("message_start", {"message": start})
    event("ping", {})
    for i, block in enumerate(message["content"]):
        if block["type"] == "text":
            empty = {"type": "text", "text": ""}
            event("content_block_start", {"index": i, "content_block": empty})
            for cite in block.get("citations") or []:
                delta = {"type": "citations_delta", "citation": cite}
                event("content_block_delta", {"index": i, "delta": delta})
            text = block["text"]
            for at in range(0, len(text), 400):
                delta = {"type": "text_delta", "text": text[at : at + 400]}
                event("content_block_delta", {"index": i, "delta": delta})
        elif block["type"] in ("server_tool_use", "tool_use"):
            event("content_block_start", {"index": i, "content_block": {**block, "input": {}}})
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
            event("content_block_delta", {"index": i, "delta": delta})
        else:
            event("content_block_start", {"index": i, "content_block": block})
        event("content_block_stop", {"index": i})
    final = {k: usage[k] for k in usage if k != "cache_creation" and k != "service_tier"}
    stop = {
        "stop_reason": message["stop_reason"],
        "stop_sequence": None,
        "stop_details": message.get("stop_details"),
    }
    event("message_delta", {"delta": stop, "usage": final})
    event("message_stop", {})
    return "".join(out).encode()
