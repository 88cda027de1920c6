"""Which Claude models are still served, and whether the configured ones exist.

Two sources date a model's end of life: the ``retires`` column of
``providers/prices.yaml`` (ours, with the successor to name) and the installed anthropic
SDK's ``anthropic._data.deprecated_models`` (the vendor's, dated in words such as
"January 22nd, 2027"). The earlier date wins. A model on or past its date is no longer
served: a batch naming it is refused before anything runs (``UserInputError``, exit 2),
because otherwise every episode would pay for its research and then fail at the script.

With a key, ``confirm_models`` asks the models endpoint once per run whether every
configured model exists for that key (the call is free); a 404 stops the run before any
paid call, for the same reason.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from podcast_factory.config import RunSettings
from podcast_factory.errors import UserInputError
from podcast_factory.providers.pricing import DEFAULT_PRICES, ClaudeUsage, PriceTable

# Python hides DeprecationWarning outside __main__; the anthropic SDK warns (at our call
# site) when a request names a deprecated model. Show it for our own calls.
warnings.filterwarnings("default", category=DeprecationWarning, module=r"podcast_factory\.")

SOON_DAYS = 60
"""A model retiring within this many days gets a notice (it still runs)."""
_ORDINAL = re.compile(r"(\d+)(st|nd|rd|th)\b")
_DATED_ID = re.compile(r"^(?P<base>.+)-\d{8}$")


@dataclass(frozen=True)
class Retirement:
    """When a model stops being served, what replaces it, and who says so."""

    model: str
    date: dt.date
    successor: str | None
    source: str


@functools.cache
def _sdk_dates() -> dict[str, dt.date]:
    """The SDK's deprecation table, dates parsed (entries it cannot parse are left out)."""
    try:
        from anthropic._data.deprecated_models import DEPRECATED_MODELS
    except ImportError:  # an SDK without the table: the price file alone decides
        return {}
    dates: dict[str, dt.date] = {}
    for model, when in DEPRECATED_MODELS.items():
        try:
            dates[model] = dt.datetime.strptime(_ORDINAL.sub(r"\1", when), "%B %d, %Y").date()
        except ValueError:
            continue
    return dates


@functools.cache
def _table_dates(path: Path) -> dict[str, tuple[dt.date, str | None]]:
    """``retires`` and ``successor`` of each Claude model in the price file."""
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    models: Mapping[str, Any] = (raw.get("anthropic") or {}).get("models") or {}
    found: dict[str, tuple[dt.date, str | None]] = {}
    for name, entry in models.items():
        when = entry.get("retires") if isinstance(entry, Mapping) else None
        if when is None:
            continue
        try:
            date = dt.date.fromisoformat(str(when))
        except ValueError:
            raise UserInputError(
                f"{path}: anthropic.models.{name}.retires",
                f'must be a date such as "2026-11-30", got {when!r}',
            ) from None
        successor = entry.get("successor")
        found[str(name)] = (date, str(successor) if successor else None)
    return found


def retirement(model: str, prices_path: Path = DEFAULT_PRICES) -> Retirement | None:
    """The earliest end of life either source gives ``model`` (or its undated name)."""
    names = [model]
    dated = _DATED_ID.match(model)
    if dated:
        names.append(dated["base"])
    table, sdk = _table_dates(prices_path), _sdk_dates()
    options: list[Retirement] = []
    for name in names:
        if name in table:
            date, successor = table[name]
            options.append(Retirement(model, date, successor, prices_path.name))
        if name in sdk:
            successor = table[name][1] if name in table else None
            options.append(Retirement(model, sdk[name], successor, "the anthropic SDK"))
    return min(options, key=lambda r: r.date) if options else None


def check_lifecycle(
    models: Iterable[tuple[str, str]],
    today: dt.date | None = None,
    prices_path: Path = DEFAULT_PRICES,
) -> list[str]:
    """Refuse a retired model (``UserInputError`` naming the field, the model, its date
    and successor); return notices for models retiring within ``SOON_DAYS``.

    ``models`` holds (field, model id) pairs, such as ("--script-model", "claude-...")."""
    today = today or dt.date.today()
    notices: list[str] = []
    for field, model in models:
        gone = retirement(model, prices_path)
        if gone is None:
            continue
        instead = f"use {gone.successor}" if gone.successor else "use a current model"
        if today >= gone.date:
            raise UserInputError(
                field,
                f"{model} reached its end of life on {gone.date.isoformat()} (per "
                f"{gone.source}) and is no longer served; {instead}",
            )
        if (gone.date - today).days <= SOON_DAYS:
            notices.append(
                f"{model} ({field}) retires on {gone.date.isoformat()}; {instead} before then"
            )
    return notices


def confirm_models(
    claude: Iterable[tuple[str, str]],
    speech: Iterable[tuple[str, str]],
    *,
    anthropic_key: str | None,
    anthropic_base_url: str | None,
    elevenlabs_key: str | None,
    elevenlabs_base_url: str | None,
    timeout_s: float = 15.0,
) -> list[str]:
    """Ask each provider's models endpoint (free) whether the configured models exist.

    A model the endpoint does not know, or a key it refuses, is a ``UserInputError``
    naming the field: the run stops before any paid call. An endpoint that cannot be
    reached is a notice, not a stop: the run's own requests will say more."""
    notices: list[str] = []
    claude, speech = list(claude), list(speech)
    if claude and anthropic_key:
        notices += _confirm_claude(claude, anthropic_key, anthropic_base_url, timeout_s)
    if speech and elevenlabs_key:
        notices += _confirm_elevenlabs(speech, elevenlabs_key, elevenlabs_base_url, timeout_s)
    return notices


def _confirm_claude(
    models: list[tuple[str, str]], key: str, base_url: str | None, timeout_s: float
) -> list[str]:
    import anthropic

    with anthropic.Anthropic(
        api_key=key, base_url=base_url, max_retries=1, timeout=timeout_s
    ) as client:
        for field, model in dict.fromkeys(models):
            try:
                client.models.retrieve(model)
            except anthropic.NotFoundError:
                raise UserInputError(
                    field,
                    f"{model}: Anthropic's models endpoint does not know this model (404); "
                    "check the name, or pick one from `GET /v1/models`",
                ) from None
            except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as exc:
                raise UserInputError(
                    "ANTHROPIC_API_KEY",
                    f"was refused by Anthropic's models endpoint (HTTP {exc.status_code})",
                ) from None
            except Exception as exc:  # unreachable, throttled, malformed: not a verdict
                return [f"could not confirm the Claude models ({type(exc).__name__}); going on"]
    return []


def _confirm_elevenlabs(
    models: list[tuple[str, str]], key: str, base_url: str | None, timeout_s: float
) -> list[str]:
    import httpx
    from elevenlabs.client import ElevenLabs
    from elevenlabs.core.api_error import ApiError

    try:
        with httpx.Client(timeout=timeout_s) as http:
            client = ElevenLabs(api_key=key, base_url=base_url, httpx_client=http)
            known = {m.model_id for m in client.models.list()}
    except ApiError as exc:
        if exc.status_code in (401, 403):
            raise UserInputError(
                "ELEVENLABS_API_KEY",
                f"was refused by ElevenLabs' models endpoint (HTTP {exc.status_code})",
            ) from None
        return [f"could not confirm the ElevenLabs models (HTTP {exc.status_code}); going on"]
    except Exception as exc:  # unreachable or a malformed reply: not a verdict
        return [f"could not confirm the ElevenLabs models ({type(exc).__name__}); going on"]
    for field, model in models:
        if model not in known:
            raise UserInputError(
                field,
                f"{model}: ElevenLabs' models endpoint does not list this model; it lists "
                + ", ".join(sorted(known)),
            )
    return []


CLI_NAMES: Mapping[str, str] = {
    "research": "--research-model",
    "script": "--script-model",
    "quality": "--quality-model",
    "tts": "--tts-model",
    "dialogue": "--dialogue",
}
"""How the CLI names each model setting in an error."""
API_NAMES: Mapping[str, str] = {
    "research": "settings.claude.research_model",
    "script": "settings.claude.script_model",
    "quality": "settings.claude.quality_model",
    "tts": "settings.elevenlabs.model_id",
    "dialogue": "settings.elevenlabs.dialogue",
}
"""How the Python API names them: the field of ``RunSettings``."""


def configured_models(
    settings: RunSettings, names: Mapping[str, str] = API_NAMES
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (field, model id) pairs of the Claude and the speech models a run would use;
    ``names`` says how a field is named to the user (``API_NAMES`` or ``CLI_NAMES``)."""
    c = settings.claude
    claude = (
        [
            (names["research"], c.research_model),
            (names["script"], c.script_model),
            (names["quality"], c.quality_model),
        ]
        if settings.llm == "claude"
        else []
    )
    el = settings.elevenlabs
    speech = (
        [(names["dialogue"], "eleven_v3") if el.dialogue else (names["tts"], el.model_id)]
        if settings.tts == "elevenlabs"
        else []
    )
    return claude, speech


def check_models(
    settings: RunSettings, prices: PriceTable, names: Mapping[str, str] = API_NAMES
) -> list[str]:
    """Every model the settings name must be in the price table, or nothing can be
    reserved for it, and still served: a usage error naming the field before anything
    runs. The table's own lookup decides (dated ids such as ``claude-haiku-4-5-20251001``
    included). Returns notices of models that retire soon."""
    claude, speech = configured_models(settings, names)
    for field, model in claude:
        try:
            prices.claude_cost(model, ClaudeUsage())
        except UserInputError as exc:
            raise UserInputError(field, exc.problem) from None
    for field, model in speech:
        try:
            prices.tts_max_chars(model)
        except UserInputError as exc:
            raise UserInputError(field, exc.problem) from None
    return check_lifecycle(claude, prices_path=Path(prices.path))
