"""Stage conditions: the ``when:`` of a workflow stage, parsed and evaluated.

A condition reads one field of another stage's output (``quality.passed``,
``not quality.passed``, ``quality.scores.overall >= 0.8``). It is read by a small
grammar, never ``eval``: a batch file is data, and running it must not run code it
merely mentions. Parsing errors are ``UserInputError(field, problem)`` with the
field's path in the batch file; checking that the field exists is the workflow's job
(``podcast_factory.workflow``), which knows the stages.

This module is its own because conditions are a language of their own, with a grammar,
literals and evaluation rules that the rest of the workflow needs only by name.
It must not import ``podcast_factory.models`` at module level: models.py imports the
workflow, which imports this.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict

from podcast_factory.errors import UserInputError

Op = Literal["truthy", "not", "==", "!=", ">=", "<=", ">", "<"]
Value = float | bool | str | None

_COND_RE = re.compile(
    r"\s*(?:(?P<neg>not)\s+)?"
    r"(?P<ref>[A-Za-z][\w-]*(?:\.[\w-]+)+)"
    r"\s*(?:(?P<op>==|!=|>=|<=|>|<)\s*(?P<value>\S.*?))?\s*",
    re.DOTALL,
)
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_CONDITION_HELP = (
    "write stage.field, not stage.field, or stage.field OP value with OP one of "
    '==, !=, >=, <=, >, < and value a number, true, false, null or quoted text ("fr")'
)
_MISSING = object()


class Condition(BaseModel):
    """``quality.passed``, ``not quality.passed`` or ``quality.scores.overall >= 0.8``.

    Only these forms exist, so a condition can be checked against the stage it reads
    before the run and evaluated without running any code from the batch file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: str
    path: tuple[str, ...]
    op: Op = "truthy"
    value: Value = None

    @classmethod
    def parse(cls, text: str, field: str) -> Condition:
        """A condition from its source text; ``UserInputError(field, ...)`` if it is not
        one of the forms above."""
        if not isinstance(text, str):
            raise UserInputError(field, f"must be a condition text; {_CONDITION_HELP}")
        if len(text) > 200:
            raise UserInputError(field, f"is {len(text)} characters long; at most 200")
        match = _COND_RE.fullmatch(text)
        if match is None:
            raise UserInputError(field, f"cannot read condition {text!r}: {_CONDITION_HELP}")
        stage, *path = match["ref"].split(".")
        if not all(path):
            raise UserInputError(field, f"cannot read condition {text!r}: {_CONDITION_HELP}")
        if match["op"] is None:
            return cls(stage=stage, path=tuple(path), op="not" if match["neg"] else "truthy")
        if match["neg"]:
            raise UserInputError(
                field,
                f"cannot read condition {text!r}: 'not' goes only before a bare field; "
                "write the opposite comparison instead (== becomes !=, >= becomes <)",
            )
        op = cast(Op, match["op"])  # the regex admits only the six comparisons
        value = _literal(match["value"], text, field)
        if op in (">=", "<=", ">", "<") and (
            isinstance(value, bool) or not isinstance(value, float)
        ):
            raise UserInputError(
                field, f"cannot read condition {text!r}: {op} compares with a number"
            )
        return cls(stage=stage, path=tuple(path), op=op, value=value)

    @property
    def text(self) -> str:
        """The condition as it would be written in a batch file; parses back to itself."""
        ref = ".".join((self.stage, *self.path))
        if self.op == "truthy":
            return ref
        if self.op == "not":
            return f"not {ref}"
        return f"{ref} {self.op} {_format_value(self.value)}"

    def __str__(self) -> str:
        return self.text

    def holds(self, output: Any) -> bool:
        """Whether the condition is true of a stage's output (a model, a dict or None).

        A field that is missing (the stage was skipped, or a user agent left it out) is
        false, so ``not`` of it is true: a stage guarded by ``quality.passed`` does not
        run when there is no verdict."""
        current = output
        for key in self.path:
            current = _step(current, key)
            if current is _MISSING:
                return self.op == "not"
        if self.op == "truthy":
            return bool(current)
        if self.op == "not":
            return not current
        if self.op in ("==", "!="):
            return _equal(current, self.value) == (self.op == "==")
        bound = self.value
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            return False
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            return False
        return {
            ">=": current >= bound,
            "<=": current <= bound,
            ">": current > bound,
            "<": current < bound,
        }[self.op]


def _literal(raw: str, text: str, field: str) -> Value:
    """The right-hand side of a comparison: a number, true/false, null or quoted text."""
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "none"):
        return None
    if _NUMBER_RE.fullmatch(raw) and math.isfinite(float(raw)):
        return float(raw)
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        if raw[0] == "'":
            return raw[1:-1]
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if isinstance(value, str):
            return value
    raise UserInputError(
        field,
        f"cannot read condition {text!r}: {raw!r} is not a value; use a number, true, "
        'false, null or quoted text like "fr"',
    )


def _format_value(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return json.dumps(value, ensure_ascii=False)


def _step(current: Any, key: str) -> Any:
    """One step of a condition's path: a dict key, a sequence index or an attribute."""
    if isinstance(current, Mapping):
        return current.get(key, _MISSING)
    if key.isdigit() and isinstance(current, Sequence) and not isinstance(current, str):
        index = int(key)
        return current[index] if index < len(current) else _MISSING
    if current is None or key.startswith("_"):
        return _MISSING
    return getattr(current, key, _MISSING)


def _equal(actual: Any, expected: Value) -> bool:
    """Equality that keeps true apart from 1: a flag is not a count."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if isinstance(expected, float):
        return isinstance(actual, (int, float)) and actual == expected
    return bool(actual == expected)
