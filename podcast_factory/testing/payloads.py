"""What the provider simulator says: text from a prompt, JSON that fits a schema, speech-like PCM.

Kept apart from ``server.py`` (the HTTP server) so that each stays readable. Nothing
here is random: the same request always gets the same answer.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np

from podcast_factory.providers.pricing import ClaudeUsage

CHARS_PER_TOKEN = 4
"""The simulator's tokenizer: one token per 4 characters, rounded up."""
CHARS_PER_SECOND = 15.0
"""Speaking rate of the simulated voices: about 150 words a minute."""
PCM_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
PEAK = 0.3
"""Peak level of the simulated speech, as a share of full scale."""
WORD_GAP_S = 0.06

MAX_FILLED_ITEMS = 3000
"""Items of an open-ended list the simulated model writes at most (a 60-minute script
has about 9,000 words: some 800 lines)."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_HINTS = re.compile(r"\{([^{}]*)\}\s*$")
_HINT_KEYS = (
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
)
_FORMATS = {
    "date-time": "2026-11-01T12:00:00Z",
    "date": "2026-11-01",
    "time": "12:00:00",
    "duration": "PT1M",
    "email": "host@example.org",
    "hostname": "example.org",
    "uri": "https://example.org/sim",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
}


def tokens(text: str) -> int:
    """Simulated token count of ``text``."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences; one (possibly empty) piece if it has no sentence end."""
    parts = [p.strip() for p in _SENTENCE_END.split(" ".join(text.split()))]
    return [p for p in parts if p] or [""]


PAD_LINES = (
    "That is worth pausing on.",
    "Let me put that another way for a second.",
    "So what does that mean for the rest of us?",
    "I had never thought about it from that angle.",
    "Okay, that changes how I picture the whole thing.",
    "Here is where it gets interesting.",
    "And that connects to what we said a minute ago.",
    "Let us keep going, because there is more.",
    "That is a good place to bring in the next piece.",
    "Right, and the numbers back that up.",
    "I think listeners will find that surprising.",
    "It is a small detail with big consequences.",
    "Let me make sure I have got this straight.",
    "That is the part people usually miss.",
    "So the story is a little more subtle than it looks.",
    "Good, that sets us up nicely.",
    "Now think about what happens next.",
    "That explains a lot, actually.",
    "There is a nice logic to it once you see it.",
    "Which brings us to the last stretch.",
    "Hold on, say that part again.",
    "I love how concrete that is.",
    "People get this wrong all the time.",
    "That is the heart of it, really.",
    "You can almost see it happening.",
    "It took a long time for anyone to notice that.",
    "That surprised me when I first read it.",
    "Let us not rush past that.",
    "That is such a neat piece of the puzzle.",
    "And it is easy to test for yourself.",
    "Now here is the twist.",
    "That makes the next part easier to follow.",
    "It is simpler than it sounds.",
    "That one stuck with me.",
    "Put like that, it makes perfect sense.",
    "So the pieces start to fit together.",
    "That is a lovely way to see it.",
    "I did not expect that answer.",
    "It is one of those facts that sounds made up.",
    "Let us bring it home.",
)
"""Connective lines a simulated writer adds once the prompt's material is used up, so a
script can reach the length asked for without saying a sentence twice."""


def content_sentences(prompt: str) -> list[str]:
    """The material of a prompt: text inside ``<source>`` blocks and lines that start
    with ``[n]`` (numbered facts); the whole prompt when it has neither."""
    blocks = re.findall(r"<source[^>]*>(.*?)</source>", prompt, flags=re.DOTALL)
    lines = re.findall(r"^\[\d+\]\s*(.+)$", prompt, flags=re.MULTILINE)
    material = "\n".join([*blocks, *lines])
    return sentences(material) if material.strip() else sentences(prompt)


def plain_reply(prompt: str, count: int = 3) -> str:
    """A short answer made of the prompt's first sentences."""
    return " ".join(sentences(prompt)[:count]) or "Nothing to say."


class SchemaFiller:
    """Builds a JSON value that validates against a JSON schema, strings from a prompt.

    Handles what ``anthropic`` sends: object/properties, array (minItems/maxItems, 4 items
    by default), string (enum, const, format, minLength/maxLength), integer/number
    (minimum/maximum), boolean, null, anyOf/oneOf/allOf (first non-null option) and
    ``$ref`` into ``$defs``. The SDK moves constraints the API does not enforce into the
    description as ``{maxLength: 80, minimum: 1}``; those hints are honoured too.
    Successive strings are successive sentences of the prompt, cycling; an enum cycles
    through its values per property, so a ``speaker`` enum alternates between hosts; a
    ``speaker`` string without an enum alternates between names written as ``ALEX:`` at
    the start of lines of the prompt or of ``context`` (the system prompt).
    """

    def __init__(
        self, schema: dict[str, Any], prompt: str, context: str = "", material: str = ""
    ) -> None:
        self.root = schema
        self.sentences = content_sentences(material or prompt)
        self.first_line = prompt.strip().splitlines()[0] if prompt.strip() else ""
        self.next_sentence = 0
        self.padded = 0
        self.seen: dict[str, int] = {}
        self.speakers = _speaker_names(f"{context}\n{prompt}")
        target = re.search(r"about (\d+) words", prompt)
        self.target_words = int(target[1]) if target else 0
        """Length the prompt asks for ("about 300 words"): the simulated model follows
        it, filling its first open-ended list of objects or strings until that many
        words are written or every sentence of the prompt has been used once."""
        self.words = 0
        self.filled = False

    def build(self) -> Any:
        return self.value(self.root, "", 0)

    def value(self, schema: dict[str, Any], name: str, depth: int) -> Any:
        schema = self.resolve(schema)
        turn = self.seen.get(name, 0)
        self.seen[name] = turn + 1
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][turn % len(schema["enum"])]
        for key in ("anyOf", "oneOf", "allOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                self.seen[name] = turn
                return self.value(_first_not_null(options, self.resolve), name, depth)
        kind = schema.get("type", "object" if "properties" in schema else "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        limits = {**_hints(schema), **{k: schema[k] for k in _HINT_KEYS if k in schema}}
        if kind == "object":
            props = schema.get("properties", {}) if depth < 12 else {}
            # Its first text field is an object's main content; only that counts toward
            # the length asked for (a fact's text counts, the quote it rests on does not).
            main = next(
                (k for k, sub in props.items() if self.resolve(sub).get("type") == "string"),
                None,
            )
            built = {}
            for key, sub in props.items():
                before = self.words
                built[key] = self.value(sub, key, depth + 1)
                if key != main:
                    self.words = before
            return built
        if kind == "array":
            low, high = int(limits.get("minItems", 0)), limits.get("maxItems")
            items = schema.get("items", {}) if depth < 12 else {}
            if (
                self.target_words
                and high is None
                and not self.filled
                and self.resolve(items).get("type", "object") in ("object", "string")
            ):
                self.filled = True
                out: list[Any] = []
                while len(out) < max(low, 1) or (
                    self.words < self.target_words and len(out) < MAX_FILLED_ITEMS
                ):
                    out.append(self.value(items, name, depth + 1))
                return out
            count = max(low, min(4, int(high)) if high is not None else 4)
            return [self.value(items, name, depth + 1) for _ in range(count)]
        if kind in ("integer", "number"):
            return _number(kind, limits, turn)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self.string(schema, name, limits, turn)

    def string(self, schema: dict[str, Any], name: str, limits: dict[str, Any], turn: int) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            digest = hashlib.sha256(f"{name}{turn}".encode()).hexdigest()
            return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
        if fmt in _FORMATS:
            return _FORMATS[fmt]
        if "speaker" in name.lower() and self.speakers:
            text = self.speakers[turn % len(self.speakers)]
        elif name.lower() == "title":  # a title names the subject; it says no fact
            text = " ".join(self.first_line.split()[:10]) or "Untitled"
        else:
            if self.next_sentence >= len(self.sentences) and self.filled:
                text = PAD_LINES[self.padded % len(PAD_LINES)]
                self.padded += 1
            else:
                text = self.sentences[self.next_sentence % len(self.sentences)]
                self.next_sentence += 1
            self.words += len(text.split())
        high = limits.get("maxLength")
        if high is not None and len(text) > int(high):
            cut = text[: int(high)]
            text = cut.rsplit(" ", 1)[0] if " " in cut else cut
        return text.ljust(int(limits.get("minLength", 0)), ".")

    def resolve(self, schema: Any) -> dict[str, Any]:
        """Follow ``$ref`` (``#/$defs/Name`` or any ``#/a/b`` pointer) from the root."""
        for _ in range(32):
            if not isinstance(schema, dict):
                return {}
            ref = schema.get("$ref")
            if not isinstance(ref, str) or not ref.startswith("#"):
                return schema
            target: Any = self.root
            for part in filter(None, ref[1:].split("/")):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            schema = target
        raise ValueError("$ref chain too deep")


def _first_not_null(options: list[Any], resolve: Any) -> dict[str, Any]:
    for option in options:
        if resolve(option).get("type") != "null":
            return dict(option)
    return dict(options[0])


def _hints(schema: dict[str, Any]) -> dict[str, Any]:
    """Constraints the SDK moved into the description: ``...{maxLength: 80, minimum: 1}``."""
    match = _HINTS.search(str(schema.get("description", "")))
    found: dict[str, Any] = {}
    for item in match[1].split(",") if match else []:
        key, _, raw = item.partition(":")
        if key.strip() in _HINT_KEYS:
            try:
                found[key.strip()] = float(raw.strip())
            except ValueError:
                continue
    return found


def _number(kind: str, limits: dict[str, Any], turn: int) -> int | float:
    """A number inside the limits. Bounded integers step down from the top (a simulated
    judge is pleased); open ones step up from the bottom (4 values)."""
    low, high = limits.get("minimum"), limits.get("maximum")
    low_open, high_open = low is None and "exclusiveMinimum" in limits, False
    if low_open:
        low = limits["exclusiveMinimum"]
    if high is None and "exclusiveMaximum" in limits:
        high, high_open = limits["exclusiveMaximum"], True
    if kind == "number":
        if low is not None and high is not None:
            return (float(low) + float(high)) / 2
        if low is not None:
            return float(low) + 0.5
        return float(high) - 0.5 if high is not None else 0.5
    start = 0 if low is None else math.floor(low) + 1 if low_open else math.ceil(low)
    if high is None:
        return start + turn % 4
    stop = math.ceil(high) - 1 if high_open else math.floor(high)
    return stop - turn % (stop - start + 1) if stop >= start else start


def _speaker_names(prompt: str) -> list[str]:
    """Capitalised names written as ``ALEX:`` at the start of lines, in order of appearance."""
    names: list[str] = []
    for match in re.finditer(r"^\s*([A-Z][A-Z]{1,20}):", prompt, flags=re.MULTILINE):
        if match[1] not in names:
            names.append(match[1])
    return names


# -- Anthropic -----------------------------------------------------------------------------
ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
ELEVENLABS_ERROR_STATUS = {
    401: "invalid_api_key",
    429: "too_many_concurrent_requests",
    500: "internal_server_error",
    503: "system_busy",
}


def error_body(provider: str, status: int, message: str, kind: str = "") -> dict[str, Any]:
    """The error body each provider sends (Anthropic's ``type: error``, ElevenLabs' ``detail``)."""
    if provider == "anthropic":
        kind = kind or ANTHROPIC_ERROR_TYPES.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    kind = kind or ELEVENLABS_ERROR_STATUS.get(status, "error")
    return {"detail": {"status": kind, "message": message}}


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


def _material(prompt: str, system: list[str]) -> str:
    """Where a simulated answer takes its sentences: the prompt's sources or numbered
    facts, else the system blocks' ones, else the prompt and the last system block."""
    marked = re.compile(r"<source|^\[\d+\]", flags=re.MULTILINE)
    if marked.search(prompt):
        return prompt
    for text in system[::-1]:
        if marked.search(text):
            return text
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
    body: dict[str, Any], search_no: int, input_tokens: int = 0
) -> tuple[list[dict[str, Any]], int, str, int, dict[str, Any] | None]:
    """Content blocks, output tokens, stop reason, web searches and stop details.

    A forced custom tool gets a ``tool_use`` block; otherwise one text block: JSON fitting
    ``output_config.format`` (or the older top-level ``output_format``) when given, else the
    prompt's first sentences. A ``web_search_*`` tool adds one search with two results,
    which the text block cites. Output beyond ``max_tokens`` is cut (``max_tokens``); beyond
    the context window, ``model_context_window_exceeded``. See ``triggers`` for the rest.
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
        args = SchemaFiller(tool["input_schema"], prompt, context).build()
        block = {"type": "tool_use", "id": _sim_id("toolu"), "name": tool["name"], "input": args}
        return [block], min(max_tokens, tokens(json.dumps(args))), "tool_use", 0, None
    search = next((t for t in tools if str(t.get("type", "")).startswith("web_search_")), None)
    searches = 1 if search is not None and search.get("max_uses") != 0 else 0
    if searches and "pause_turn" in trig and not continuing:
        blocks, _ = _web_search(prompt, search_no)
        return blocks, 40, "pause_turn", 1, None
    fmt = (body.get("output_config") or {}).get("format") or body.get("output_format") or {}
    if fmt.get("type") == "json_schema" and isinstance(fmt.get("schema"), dict):
        filler = SchemaFiller(fmt["schema"], prompt, context, _material(prompt, system))
        value = filler.build()
        if "bad_index" in trig:
            _spoil_index(value)
        text = json.dumps(value)
    else:
        text = plain_reply(prompt)
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


# -- ElevenLabs ----------------------------------------------------------------------------
def tts_model(model: str, max_chars: int) -> dict[str, Any]:
    """One entry of ElevenLabs' ``GET /v1/models``."""
    return {
        "model_id": model,
        "name": model,
        "can_do_text_to_speech": True,
        "max_characters_request_free_user": max_chars,
        "max_characters_request_subscribed_user": max_chars,
        "maximum_text_length_per_request": max_chars,
    }


def pcm_samples(characters: int, sample_rate: int) -> int:
    """How many samples the simulator returns for ``characters`` characters of text."""
    return round(characters / CHARS_PER_SECOND * sample_rate)


def voice_pitch_hz(voice_id: str) -> float:
    """A fixed pitch per voice, between 100 and 220 Hz."""
    digest = hashlib.sha256(voice_id.encode()).digest()
    return 100.0 + 120.0 * int.from_bytes(digest[:2], "big") / 65535


def synthesize(text: str, voice_id: str, sample_rate: int) -> bytes:
    """Speech-like 16-bit mono PCM: a voiced tone per word, short gaps between words."""
    total = pcm_samples(len(text), sample_rate)
    out = np.zeros(total, dtype=np.float64)
    words = text.split() or [text]
    weights = np.array([len(w) + 1 for w in words], dtype=np.float64)
    bounds = np.concatenate(([0.0], np.cumsum(weights) / weights.sum())) * total
    gap = int(WORD_GAP_S * sample_rate)
    f0 = voice_pitch_hz(voice_id)
    for i in range(len(words)):
        start, stop = int(bounds[i]), int(bounds[i + 1]) - gap
        if stop - start < 8:
            continue
        t = np.arange(stop - start) / sample_rate
        glide = f0 * (1.0 + 0.04 * math.sin(i * 1.7))
        phase = 2 * math.pi * glide * t
        tone = np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase)
        envelope = np.sin(np.pi * np.arange(stop - start) / (stop - start)) ** 0.5
        out[start:stop] = tone * envelope
    peak = float(np.max(np.abs(out))) if total else 0.0
    if peak > 0:
        out *= PEAK * 32767 / peak
    return np.round(out).astype("<i2").tobytes()


def chunks(data: bytes, size: int = 8192) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
