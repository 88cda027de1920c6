"""Anthropic's Messages API as the simulator speaks it: reading a request, answering it.

What a request asks for (its prompt, cache breakpoints, test triggers), whether the real
API would refuse it, and the content, usage and stop reason of the answer. Streaming the
answer is ``sse.py``'s job; the HTTP routes are ``anthropic.py``'s.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from podcast_factory.providers.pricing import ClaudeUsage
from podcast_factory.testing import tongues
from podcast_factory.testing.grounding import ground
from podcast_factory.testing.prose import plain_reply, sentences, tokens
from podcast_factory.testing.schema import SchemaFiller


def block_text(block: Any) -> str:
    """The text a content block carries (other blocks count as their JSON)."""
    if isinstance(block, str):
        return block
    if isinstance(block, dict) and block.get("type") == "text":
        return str(block.get("text", ""))
    if isinstance(block, dict) and block.get("type") == "tool_result":
        inner = block.get("content", "")
        return inner if isinstance(inner, str) else " ".join(block_text(b) for b in inner)
    return json.dumps(block)


def _blocks(content: Any) -> list[Any]:
    return [content] if isinstance(content, str) else list(content or [])


def prompt_pieces(body: dict[str, Any]) -> list[tuple[int, str, dict[str, Any] | None]]:
    """(tokens, text, cache_control) of a request's input: each block that has
    ``cache_control`` (system or message), then all the other text as one run."""
    blocks = _blocks(body.get("system"))
    for message in body.get("messages", []):
        blocks += _blocks(message.get("content") if isinstance(message, dict) else message)
    plain, pieces = "", []
    for block in blocks:
        text = block_text(block)
        cache = block.get("cache_control") if isinstance(block, dict) else None
        if isinstance(cache, dict):
            pieces.append((tokens(text), text, cache))
        else:
            plain += text
    return [*pieces, (tokens(plain), plain, None)]


def last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if isinstance(message, dict) and message.get("role") == "user":
            return " ".join(block_text(b) for b in _blocks(message.get("content")))
    return ""


def _sim_id(prefix: str) -> str:
    return f"{prefix}_sim_{uuid.uuid4().hex[:24]}"


_TRIGGER = re.compile(r"\[\[sim:([a-z_]+)(?:=(\d+))?\]\]")
CONTEXT_WINDOW = 200_000
"""Input plus output tokens of one request (Claude 4.x models' standard window)."""
MAX_CACHE_BREAKPOINTS = 4


def triggers(body: dict[str, Any]) -> dict[str, int]:
    """Behaviour a test asks for in the first user message (never sent by the project):
    ``[[sim:refusal]]``, ``[[sim:pause_turn]]`` (with a web search tool), ``[[sim:bad_index]]``
    (a ``source_index`` past its maximum), ``[[sim:min_output=N]]`` (an answer at least N
    tokens long), ``[[sim:context_window=N]]`` and ``[[sim:prompt_too_long]]``."""
    for message in body.get("messages", []):
        if isinstance(message, dict) and message.get("role") == "user":
            text = " ".join(block_text(b) for b in _blocks(message.get("content")))
            return {m[1]: int(m[2] or 1) for m in _TRIGGER.finditer(text)}
    return {}


def refused(body: dict[str, Any], input_tokens: int, max_output: int) -> str | None:
    """The message of the 400 the real API answers to this request, or None."""
    trig = triggers(body)
    window = trig.get("context_window", CONTEXT_WINDOW)
    if input_tokens > window or "prompt_too_long" in trig:
        return f"prompt is too long: {max(input_tokens, window + 1)} tokens > {window} maximum"
    if int(body["max_tokens"]) > max_output:
        return (
            f"max_tokens: {body['max_tokens']} > {max_output}, which is the maximum allowed "
            f"number of output tokens for {body.get('model')}"
        )
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    fmt = (body.get("output_config") or {}).get("format") or body.get("output_format")
    if fmt and any(str(t.get("type", "")).startswith("web_search_") for t in tools):
        return (
            "Citations are not supported with structured outputs (output_config.format); "
            "web search results are always cited"
        )
    marks = sum(1 for _, _, cache in cache_marks(body)[1] if cache is not None)
    if marks > MAX_CACHE_BREAKPOINTS:
        return (
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be "
            f"provided. Found {marks}."
        )
    return None


def cache_marks(
    body: dict[str, Any],
) -> tuple[int, list[tuple[int, str, dict[str, Any] | None]]]:
    """Input tokens of a request and, per content block in prompt order (system, then
    messages), the tokens of the prefix that ends with it, a digest of that prefix, and
    the block's ``cache_control``. A breakpoint caches everything before it, not only its
    own block."""
    blocks = _blocks(body.get("system"))
    for message in body.get("messages", []):
        blocks += _blocks(message.get("content") if isinstance(message, dict) else message)
    digest = hashlib.sha256()
    total, marks = 0, []
    for block in blocks:
        text = block_text(block)
        total += tokens(text)
        digest.update(text.encode())
        digest.update(b"\x00")
        cache = block.get("cache_control") if isinstance(block, dict) else None
        marks.append((total, digest.hexdigest(), cache if isinstance(cache, dict) else None))
    return total, marks


def _material(prompt: str, system: list[str], lang: str = "en") -> str:
    """Where a simulated answer takes its sentences: the prompt's sources or numbered
    facts, else the system blocks' ones, else the prompt and the last system block (in
    another language than English: that block's spoken lines only, not the prompt's
    English instructions)."""
    marked = re.compile(r"<source|^\[\d+\]", flags=re.MULTILINE)
    if marked.search(prompt):
        return prompt
    for text in system[::-1]:
        if marked.search(text):
            return text
    if lang != "en" and len(system) > 1:
        spoken = re.findall(r"^[A-Z][A-Za-z]{1,20}: (.+)$", system[-1], flags=re.MULTILINE)
        return "\n".join(spoken) or system[-1]
    return f"{system[-1]}\n{prompt}" if len(system) > 1 else prompt


def _spoil_index(value: Any) -> bool:
    """Put the first ``source_index`` found past any real source; True if one was found."""
    if isinstance(value, dict):
        if "source_index" in value:
            value["source_index"] = 99
            return True
        return any(_spoil_index(v) for v in value.values())
    if isinstance(value, list):
        return any(_spoil_index(v) for v in value)
    return False


def answer(
    body: dict[str, Any],
    search_no: int,
    input_tokens: int = 0,
    scale: float = 1.0,
    planted: Callable[[Any, str], None] | None = None,
) -> tuple[list[dict[str, Any]], int, str, int, dict[str, Any] | None]:
    """Content blocks, output tokens, stop reason, web searches and stop details.

    A forced custom tool gets a ``tool_use`` block; otherwise one text block: JSON fitting
    ``output_config.format`` (or the older top-level ``output_format``) when given, else the
    prompt's first sentences. A ``web_search_*`` tool adds one search with two results,
    which the text block cites. Output beyond ``max_tokens`` is cut (``max_tokens``); beyond
    the context window, ``model_context_window_exceeded``. See ``triggers`` for the rest.
    ``scale`` makes the model wordier (or terser): that many times the words it would
    write, text and billed output tokens alike (``ProviderSimulator.reply_scale``).
    Structured answers are grounded as a careful model's (``grounding``), then given
    whatever mistake a test planted (``planted(value, system text)``).
    """
    prompt, max_tokens = last_user_text(body), int(body["max_tokens"])
    trig = triggers(body)
    system = [block_text(b) for b in _blocks(body.get("system"))]
    context = " ".join(system)
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    continuing = bool(messages) and messages[-1].get("role") == "assistant"
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    choice, custom = body.get("tool_choice") or {}, [t for t in tools if "input_schema" in t]
    if "refusal" in trig:
        details = {
            "type": "refusal",
            "category": None,
            "explanation": "The simulated model declined this request.",
        }
        return [], min(max_tokens, 4), "refusal", 0, details
    if custom and choice.get("type") in ("tool", "any"):
        tool = next((t for t in custom if t.get("name") == choice.get("name")), custom[0])
        args = SchemaFiller(tool["input_schema"], prompt, context, scale=scale).build()
        block = {"type": "tool_use", "id": _sim_id("toolu"), "name": tool["name"], "input": args}
        return [block], min(max_tokens, tokens(json.dumps(args))), "tool_use", 0, None
    search = next((t for t in tools if str(t.get("type", "")).startswith("web_search_")), None)
    searches = 1 if search is not None and search.get("max_uses") != 0 else 0
    if searches and "pause_turn" in trig and not continuing:
        blocks, _ = _web_search(prompt, search_no)
        return blocks, 40, "pause_turn", 1, None
    fmt = (body.get("output_config") or {}).get("format") or body.get("output_format") or {}
    if fmt.get("type") == "json_schema" and isinstance(fmt.get("schema"), dict):
        lang = tongues.asked_language(context)
        material = _material(prompt, system, lang)
        value = SchemaFiller(fmt["schema"], prompt, context, material, scale, lang).build()
        ground(value, prompt, lang, context)
        if planted is not None:
            planted(value, context)
        if "bad_index" in trig:
            _spoil_index(value)
        text = json.dumps(value)
    else:
        text = plain_reply(prompt, max(1, round(3 * scale)))
    content: list[dict[str, Any]] = []
    text_block: dict[str, Any] = {"type": "text", "text": text}
    if searches and continuing:  # the paused turn's search is already in the content
        _, text_block["citations"] = _web_search(prompt, search_no)
        searches = 0
    elif searches:
        content, text_block["citations"] = _web_search(prompt, search_no)
    output, stop_reason = max(tokens(text), trig.get("min_output", 0)), "end_turn"
    room = trig.get("context_window", CONTEXT_WINDOW) - input_tokens
    allowed = min(max_tokens, room)
    if output > allowed:
        text_block["text"] = text[: len(text) * allowed // output]
        stop_reason = "max_tokens" if max_tokens <= room else "model_context_window_exceeded"
        output = allowed
    return [*content, text_block], output, stop_reason, searches, None


def _web_search(prompt: str, search_no: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The server_tool_use and web_search_tool_result blocks, and citations of the results."""
    cited = sentences(prompt)
    query, use_id = cited[0][:120], _sim_id("srvtoolu")
    results: list[dict[str, Any]] = [
        {
            "type": "web_search_result",
            "url": f"https://example.org/sim/{2 * search_no + i}",
            "title": f"Simulated result {i + 1}: {query[:60]}",
            "encrypted_content": "sim",
            "page_age": None,
        }
        for i in range(2)
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "server_tool_use", "id": use_id, "name": "web_search", "input": {"query": query}},
        {"type": "web_search_tool_result", "tool_use_id": use_id, "content": results},
    ]
    citations = [
        {
            "type": "web_search_result_location",
            "url": r["url"],
            "title": r["title"],
            "cited_text": cited[i % len(cited)][:150],
            "encrypted_index": "sim",
        }
        for i, r in enumerate(results)
    ]
    return blocks, citations


def message_body(
    model: str,
    content: list[Any],
    stop_reason: str,
    usage: ClaudeUsage,
    stop_details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Messages API response body."""
    return {
        "stop_details": stop_details,
        "id": _sim_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_creation_input_tokens": usage.cache_write_5m_tokens
            + usage.cache_write_1h_tokens,
            "cache_read_input_tokens": usage.cache_read_tokens,
            "cache_creation": {
                "ephemeral_5m_input_tokens": usage.cache_write_5m_tokens,
                "ephemeral_1h_input_tokens": usage.cache_write_1h_tokens,
            },
            "server_tool_use": {
                "web_search_requests": usage.web_search_requests,
                "web_fetch_requests": 0,
            },
            "service_tier": "standard",
        },
    }


def claude_models_page(models: list[str]) -> dict[str, Any]:
    """``GET /v1/models`` as Anthropic answers it."""
    data = [
        {
            "type": "model",
            "id": m,
            "display_name": m,
            "lifecycle": "active",
            "created_at": "2026-11-01T00:00:00Z",
        }
        for m in models
    ]
    return {"data": data, "has_more": False, "first_id": models[0], "last_id": models[-1]}
