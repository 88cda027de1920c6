"""Exact cost of a provider call, from a dated price table (``providers/prices.yaml``).

Money is integer micro-USD everywhere in the project. Inside, prices are ``Decimal`` (the
YAML file writes them as strings, so they never pass through a float), and each call's
cost is rounded *up* to a whole micro-USD: rounding can only over-count, never under-count.

A price per million tokens is, conveniently, the price of one token in micro-USD.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from podcast_factory.errors import UserInputError

DEFAULT_PRICES = Path(__file__).with_name("prices.yaml")
_MICRO = Decimal(1_000_000)
_DATED_ID = re.compile(r"^(?P<base>.+)-\d{8}$")


@dataclass(frozen=True)
class ClaudeUsage:
    """What one Messages API call used, in the units Anthropic bills."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    web_search_requests: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"ClaudeUsage.{f.name} must be a non-negative int, got {value!r}")

    @classmethod
    def from_sdk(cls, usage: object) -> ClaudeUsage:
        """From the anthropic SDK's ``Usage`` (``message.usage``; ``BetaUsage`` works too).

        Without a ``cache_creation`` breakdown every cache write counts as a 5-minute
        write. With one, any cache-write tokens the breakdown does not account for also
        count as 5-minute writes, so nothing goes uncounted.
        """
        written = _int(getattr(usage, "cache_creation_input_tokens", None))
        breakdown = getattr(usage, "cache_creation", None)
        write_1h = _int(getattr(breakdown, "ephemeral_1h_input_tokens", None))
        write_5m = _int(getattr(breakdown, "ephemeral_5m_input_tokens", None))
        write_5m = max(write_5m, written - write_1h)
        server_tools = getattr(usage, "server_tool_use", None)
        return cls(
            input_tokens=_int(getattr(usage, "input_tokens", None)),
            output_tokens=_int(getattr(usage, "output_tokens", None)),
            cache_write_5m_tokens=write_5m,
            cache_write_1h_tokens=write_1h,
            cache_read_tokens=_int(getattr(usage, "cache_read_input_tokens", None)),
            web_search_requests=_int(getattr(server_tools, "web_search_requests", None)),
        )

    def as_units(self) -> dict[str, int]:
        """Every field by name, for the ledger's ``units``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _int(value: object) -> int:
    """An SDK count that may be None (not reported) as an int."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class ClaudePrice:
    """USD per million tokens (= micro-USD per token)."""

    input: Decimal
    output: Decimal


@dataclass(frozen=True)
class TtsPrice:
    """One ElevenLabs model: what a credit costs, how many credits a character uses."""

    per_1000_credits: Decimal
    """USD per 1,000 credits."""
    credits_per_char: Decimal
    """The model's ``character_cost_multiplier``: 1 for v2/v3, 0.5 for flash/turbo v2.5."""
    max_chars: int
    stitching: bool = True
    """Whether the model takes ``previous_request_ids`` (request stitching)."""

    @property
    def per_1000_chars(self) -> Decimal:
        """USD per 1,000 characters (credits per character x the credit price)."""
        return self.per_1000_credits * self.credits_per_char


@dataclass(frozen=True)
class PriceTable:
    """The price list: which models we can pay for, and what each unit costs."""

    as_of: str
    path: str
    claude: Mapping[str, ClaudePrice]
    tts: Mapping[str, TtsPrice]
    batch_discount: Decimal
    web_search_per_1000: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal

    @classmethod
    def load(cls, path: str | Path | None = None) -> PriceTable:
        """Read and check a price file; the packaged ``prices.yaml`` by default."""
        where = Path(path) if path is not None else DEFAULT_PRICES
        try:
            raw = yaml.safe_load(where.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UserInputError(str(where), f"cannot read the price file: {exc}") from exc
        except yaml.YAMLError as exc:
            raise UserInputError(str(where), f"not valid YAML: {exc}") from exc
        return _Reader(str(where)).table(raw)

    def claude_cost(self, model: str, usage: ClaudeUsage, *, batch: bool = False) -> int:
        """Micro-USD for one Messages call (rounded up). ``batch``: Message Batches API,
        whose discount applies to tokens; web searches cost the same either way."""
        price = self.claude[_lookup(model, self.claude)]
        tokens = (
            usage.input_tokens * price.input
            + usage.output_tokens * price.output
            + usage.cache_write_5m_tokens * price.input * self.cache_write_5m
            + usage.cache_write_1h_tokens * price.input * self.cache_write_1h
            + usage.cache_read_tokens * price.input * self.cache_read
        )
        if batch:
            tokens *= self.batch_discount
        searches = usage.web_search_requests * self.web_search_per_1000 * _MICRO / 1000
        return _ceil(tokens + searches)

    def tts_cost(self, model: str, characters: int) -> int:
        """Micro-USD for synthesizing ``characters`` characters (rounded up): the credits
        they use (``tts_credits``) at the model's credit price."""
        return self.tts_credit_cost(model, self.tts_credits(model, characters))

    def tts_credits(self, model: str, characters: int) -> int:
        """Credits ``characters`` characters of ``model`` use: characters x the model's
        multiplier, rounded up to a whole credit (what a reservation holds)."""
        if characters < 0:
            raise ValueError(f"characters must be >= 0, got {characters}")
        return _ceil(characters * self.tts[_lookup(model, self.tts)].credits_per_char)

    def tts_credit_cost(self, model: str, credits: int | Decimal) -> int:
        """Micro-USD for ``credits`` credits spent on ``model`` (what the ``character-cost``
        header reports), rounded up."""
        if credits < 0:
            raise ValueError(f"credits must be >= 0, got {credits}")
        price = self.tts[_lookup(model, self.tts)]
        return _ceil(Decimal(credits) * price.per_1000_credits * _MICRO / 1000)

    def tts_multiplier(self, model: str) -> Decimal:
        """Credits per character of ``model`` (its ``character_cost_multiplier``)."""
        return self.tts[_lookup(model, self.tts)].credits_per_char

    def tts_stitching(self, model: str) -> bool:
        """Whether ``model`` takes ``previous_request_ids``."""
        return self.tts[_lookup(model, self.tts)].stitching

    def tts_max_chars(self, model: str) -> int:
        """The most characters one text-to-speech request of ``model`` may carry."""
        return self.tts[_lookup(model, self.tts)].max_chars

    def claude_models(self) -> list[str]:
        return list(self.claude)

    def tts_models(self) -> list[str]:
        return list(self.tts)


def _ceil(amount: Decimal) -> int:
    return int(amount.to_integral_value(rounding=ROUND_CEILING))


def _lookup(model: str, table: Mapping[str, object]) -> str:
    """The table key for ``model``: itself, or a dated id's undated name."""
    if model in table:
        return model
    dated = _DATED_ID.match(model)
    if dated and dated["base"] in table:
        return dated["base"]
    raise UserInputError("model", f"unknown model {model!r}; priced models: {', '.join(table)}")


class _Reader:
    """Checks the parsed YAML field by field; every error names the file and the field."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> UserInputError:
        return UserInputError(f"{self.path}: {where}", problem)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict) or not value:
            raise self.fail(where, "must be a non-empty mapping")
        return value

    def get(self, parent: dict[str, Any], key: str, where: str) -> Any:
        if key not in parent:
            raise self.fail(f"{where}.{key}".lstrip("."), "is missing")
        return parent[key]

    def money(self, parent: dict[str, Any], key: str, where: str) -> Decimal:
        value = self.get(parent, key, where)
        name = f"{where}.{key}"
        if not isinstance(value, str):
            raise self.fail(name, f'must be a decimal string such as "1.25", got {value!r}')
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise self.fail(name, f"not a decimal number: {value!r}") from None
        if not amount.is_finite() or amount < 0:
            raise self.fail(name, f"must be a finite amount >= 0, got {value!r}")
        return amount

    def table(self, raw: Any) -> PriceTable:
        top = self.mapping(raw, "(top level)")
        as_of = self.get(top, "as_of", "")
        if not isinstance(as_of, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
            raise self.fail("as_of", f'must be a date string such as "2026-11-01", got {as_of!r}')
        ant = self.mapping(self.get(top, "anthropic", ""), "anthropic")
        cache = self.mapping(self.get(ant, "cache", "anthropic"), "anthropic.cache")
        claude = {
            str(name): ClaudePrice(
                input=self.money(entry, "input", f"anthropic.models.{name}"),
                output=self.money(entry, "output", f"anthropic.models.{name}"),
            )
            for name, entry in self._models(ant, "anthropic").items()
        }
        el = self.mapping(self.get(top, "elevenlabs", ""), "elevenlabs")
        tts = {str(name): self._tts(el, entry, f"elevenlabs.models.{name}")
               for name, entry in self._models(el, "elevenlabs").items()}  # fmt: skip
        return PriceTable(
            as_of=as_of,
            path=self.path,
            claude=claude,
            tts=tts,
            batch_discount=self.money(ant, "batch_discount", "anthropic"),
            web_search_per_1000=self.money(ant, "web_search_per_1000", "anthropic"),
            cache_write_5m=self.money(cache, "write_5m", "anthropic.cache"),
            cache_write_1h=self.money(cache, "write_1h", "anthropic.cache"),
            cache_read=self.money(cache, "read", "anthropic.cache"),
        )

    def _tts(self, el: dict[str, Any], entry: dict[str, Any], where: str) -> TtsPrice:
        """A model's credit price (its own ``per_1000_credits`` or the provider's) and
        multiplier; the older ``per_1000_chars`` form reads as 1 credit per character."""
        max_chars = self.get(entry, "max_chars", where)
        if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1:
            raise self.fail(f"{where}.max_chars", f"must be a positive int, got {max_chars!r}")
        stitching = entry.get("stitching", True)
        if not isinstance(stitching, bool):
            raise self.fail(f"{where}.stitching", f"must be true or false, got {stitching!r}")
        if "per_1000_chars" in entry:
            per_credit, multiplier = self.money(entry, "per_1000_chars", where), Decimal(1)
        else:
            source, at = (entry, where) if "per_1000_credits" in entry else (el, "elevenlabs")
            per_credit = self.money(source, "per_1000_credits", at)
            multiplier = self.money(entry, "credits_per_char", where)
        return TtsPrice(per_credit, multiplier, max_chars, stitching)

    def _models(self, provider: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
        models = self.mapping(self.get(provider, "models", where), f"{where}.models")
        for name, entry in models.items():
            self.mapping(entry, f"{where}.models.{name}")
        return models
