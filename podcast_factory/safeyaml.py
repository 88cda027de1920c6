"""YAML from users, read with bounds: no alias bombs, no duplicate keys, short quotes.

``yaml.safe_load`` shares one object for every use of an anchor, so a 441-byte file of
nested aliases loads fast and then explodes in whatever walks it (checks, messages,
``model_dump``). ``load_yaml`` composes the document first, counts the values it holds
with every alias expanded (each shared node counted once per use, without expanding
it), and refuses a document past ``MAX_VALUES``, a recursive alias, or a mapping that
gives the same key twice (where YAML silently keeps the last).

``quote`` is ``repr`` bounded in length and depth, for quoting a user's value in a
message whatever its size.
"""

from __future__ import annotations

import reprlib
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from podcast_factory.errors import UserInputError

MAX_VALUES = 100_000
"""Most values (scalars, lists, mappings) a batch file may hold, aliases expanded."""
MERGE_TAG = "tag:yaml.org,2002:merge"

_repr = reprlib.Repr()
_repr.maxstring = 80
_repr.maxother = 80
_repr.maxlist = _repr.maxtuple = _repr.maxset = 6
_repr.maxdict = 6
_repr.maxlevel = 3


def quote(value: Any, limit: int = 120) -> str:
    """``repr(value)`` cut to a readable size, cheap even for a huge nested value."""
    text = _repr.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _expanded_size(root: Node, where: str) -> int:
    """Values in the document with aliases expanded; refuses a recursive alias and stops
    counting past ``MAX_VALUES`` (memoized per node, so a bomb costs its node count)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise UserInputError(where, f"line {_line(node)}: an alias refers to itself")
        open_nodes.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            for child in node.value:
                total += size(child)
                if total > MAX_VALUES:
                    break
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                if total > MAX_VALUES:
                    break
        open_nodes.discard(key)
        sizes[key] = total
        return total

    return size(root)


def _check_keys(root: Node) -> None:
    """Refuse a mapping with the same key twice, naming the key's path and both lines."""
    seen_nodes: set[int] = set()
    todo: list[tuple[Node, str]] = [(root, "")]
    while todo:
        node, path = todo.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, SequenceNode):
            todo.extend((child, f"{path}[{i}]") for i, child in enumerate(node.value))
        elif isinstance(node, MappingNode):
            first: dict[tuple[str, str], Node] = {}
            for k, v in node.value:
                if isinstance(k, ScalarNode) and k.tag != MERGE_TAG:
                    name = f"{path}.{k.value}" if path else str(k.value)
                    if (k.tag, k.value) in first:
                        raise UserInputError(
                            name if len(name) <= 100 else name[:97] + "...",
                            f"duplicate key (lines {_line(first[(k.tag, k.value)])} and "
                            f"{_line(k)}); give it once",
                        )
                    first[(k.tag, k.value)] = k
                else:
                    name = f"{path}.?" if path else "?"
                todo.append((v, name))


def load_yaml(text: str, where: str) -> Any:
    """Parse one YAML document from a user, refusing bombs and duplicate keys.

    Raises ``UserInputError(where, ...)``, and ``yaml.YAMLError`` for a syntax error."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except RecursionError:
            raise UserInputError(where, "is nested too deeply to read") from None
        if root is None:
            return None
        if _expanded_size(root, where) > MAX_VALUES:
            raise UserInputError(
                where,
                f"holds more than {MAX_VALUES} values once its aliases (*name) are "
                "expanded; is it an alias bomb?",
            )
        _check_keys(root)
        try:
            return loader.construct_document(root)
        except RecursionError:
            raise UserInputError(where, "is nested too deeply to read") from None
    finally:
        loader.dispose()
