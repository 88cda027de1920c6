"""Reading and checking a batch: a YAML file or the ``run`` verb's arguments.

Everything a user can get wrong is caught here, before Ray starts or a file is written,
and reported as ``UserInputError(field, problem)`` with the field's path in the file
(``episodes[2].minutes``).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from podcast_factory.config import RunSettings
from podcast_factory.errors import ProviderError, SourceError, UserInputError
from podcast_factory.feed_fields import FEED_KEYS, feed_fields
from podcast_factory.layout import reserved_problem
from podcast_factory.models import EPISODE_ID_RE, MICRO, BatchSpec, EpisodeSpec, Host, Show
from podcast_factory.prompt_files import load_prompts
from podcast_factory.prompts import Prompts
from podcast_factory.providers.espeak import check_voice
from podcast_factory.providers.sources import SourceFetcher, SourceText, is_url, read_local
from podcast_factory.redact import redact_url
from podcast_factory.safeyaml import load_yaml, quote
from podcast_factory.style_fields import build_style
from podcast_factory.voice_checks import check_host_voices
from podcast_factory.workflow import Workflow, build_workflow

MIN_MINUTES, MAX_MINUTES = 0.25, 60.0
MAX_TOPIC_CHARS = 300
DEFAULT_HOSTS = (Host(name="Alex"), Host(name="Sam"))
TOP_KEYS = {
    "show", "episodes", "budget_usd", "episode_cap_usd", "concurrency", "workflow", "prompts"
}  # fmt: skip
SHOW_KEYS = {"name", "hosts", "tagline", "tone", "intro", "outro", "style", *FEED_KEYS}
EPISODE_KEYS = {"id", "topic", "sources", "minutes", "number"}
VOICE_PROVIDERS = ("espeak", "elevenlabs")
MAX_USD = 1_000_000_000


def default_show() -> Show:
    return Show(name="Podcast Factory", hosts=DEFAULT_HOSTS, tagline="notes, read aloud")


def parse_usd(field: str, value: Any) -> int | None:
    """A positive dollar amount as integer micro-USD (None stays None): at least one
    micro-dollar (a smaller one would round to a budget of zero), at most ``MAX_USD``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise UserInputError(field, f"{quote(value)} is not an amount of dollars")
    try:
        amount = Decimal(str(value) if isinstance(value, (int, float, str)) else "x")
    except InvalidOperation:
        raise UserInputError(field, f"{quote(value)} is not an amount of dollars") from None
    if not amount.is_finite() or amount <= 0:
        raise UserInputError(field, f"must be more than 0 dollars, got {quote(value)}")
    if amount > MAX_USD:
        raise UserInputError(field, f"must be at most {MAX_USD} dollars, got {quote(value)}")
    micro = int(amount * MICRO)
    if micro < 1:
        raise UserInputError(
            field,
            f"{quote(value)} is less than one micro-dollar ($0.000001), the smallest amount "
            "the ledger counts; it would be a budget of zero",
        )
    return micro


def check_concurrency(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise UserInputError(field, f"must be a whole number from 1 to 1000, got {quote(value)}")
    return value


def _unknown(field: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise UserInputError(
            f"{field}.{extra[0]}" if field else extra[0],
            f"unknown key; allowed keys are {', '.join(sorted(allowed))}",
        )


def _text(field: str, value: Any, *, required: bool = False, limit: int = 2000) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise UserInputError(field, "must be a non-empty text" if required else "must be text")
    if len(value) > limit:
        raise UserInputError(field, f"is {len(value)} characters long; at most {limit}")
    _no_controls(field, value)
    return value.strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _no_controls(field: str, value: str) -> None:
    """Refuse control characters (NUL, BEL, ESC...; newlines and tabs are fine): they
    would reach scripts, posts, speech and the terminal."""
    found = _CONTROL.search(value)
    if found:
        raise UserInputError(
            field,
            f"contains the control character U+{ord(found.group()):04X} at character "
            f"{found.start() + 1}; remove it",
        )


def _voices(field: str, value: Any) -> dict[str, str]:
    """A host's ``voice``: one name, or a mapping of speech provider -> voice.

    A single name that espeak-ng knows is an espeak voice; any other single name is
    taken as an ElevenLabs voice id (which only the API can check)."""
    if value is None:
        return {}
    if isinstance(value, str):
        name = _text(field, value, required=True, limit=100)
        try:
            check_voice(name)
        except ProviderError as exc:
            if not re.fullmatch(r"[A-Za-z0-9]{8,40}", name):
                espeak_says = exc.message.partition(": ")[2]  # unknown voice ... (did you mean)
                raise UserInputError(
                    field, f"not an ElevenLabs voice id, and espeak-ng: {espeak_says}"
                ) from None
            return {"elevenlabs": name}
        return {"espeak": name}
    if not isinstance(value, Mapping):
        raise UserInputError(field, "must be a voice name or a mapping of provider to voice")
    _unknown(field, value, set(VOICE_PROVIDERS))
    voices = {k: _text(f"{field}.{k}", v, required=True, limit=100) for k, v in value.items()}
    if "espeak" in voices:
        try:
            check_voice(voices["espeak"])
        except ProviderError as exc:
            raise UserInputError(f"{field}.espeak", exc.message) from None
    return voices


def build_show(data: Any) -> Show:
    if not isinstance(data, Mapping):
        raise UserInputError("show", "must be a mapping with name and hosts")
    _unknown("show", data, SHOW_KEYS)
    hosts_raw = data.get("hosts")
    if not isinstance(hosts_raw, list) or len(hosts_raw) != 2:
        raise UserInputError("show.hosts", "must list exactly two hosts")
    hosts = []
    for i, raw in enumerate(hosts_raw):
        field = f"show.hosts[{i}]"
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, Mapping):
            raise UserInputError(field, "must be a name or a mapping with name and voice")
        _unknown(field, raw, {"name", "voice"})
        hosts.append(
            Host(
                name=_text(f"{field}.name", raw.get("name"), required=True, limit=40),
                voices=_voices(f"{field}.voice", raw.get("voice")),
            )
        )
    if hosts[0].name == hosts[1].name:
        raise UserInputError("show.hosts", "the two hosts need different names")
    intro, outro = _text("show.intro", data.get("intro")), _text("show.outro", data.get("outro"))
    show = Show(
        name=_text("show.name", data.get("name"), required=True, limit=100),
        hosts=(hosts[0], hosts[1]),
        tagline=_text("show.tagline", data.get("tagline"), limit=200),
        tone=_text("show.tone", data.get("tone"), limit=200) or "curious and friendly",
        intro=intro,
        outro=outro,
        style=build_style(data.get("style"), _text, {"show.intro": intro, "show.outro": outro}),
        **feed_fields(data, _text),
    )
    check_host_voices(show, hosts_raw)  # a host's voice speaks the show's language
    return show


def check_source(field: str, source: Any, base: Path) -> str:
    """A source as the agents will get it: a URL, or an absolute path to a readable file."""
    if not isinstance(source, str) or not source.strip():
        raise UserInputError(field, "must be a file path or an http(s) URL")
    text: str = source.strip()
    _no_controls(field, text)
    shown = quote(redact_url(text))[1:-1] if len(text) > 120 else redact_url(text)
    if is_url(text):
        if not re.match(r"^https?://[^/\s]+", text, re.IGNORECASE):
            raise UserInputError(field, f"{shown}: only http and https URLs or local files")
        return text
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = base / path
    try:
        read_local(str(path))  # the same checks the research agent will make
    except SourceError as exc:
        where = shown if text == str(path) else f"{shown} (read as {quote(str(path))[1:-1]})"
        raise SourceError(field, f"{where}: {exc.problem}") from None
    return str(path.resolve())


def slug(topic: str) -> str:
    words = re.findall(r"[a-z0-9]+", topic.lower())
    return "-".join(words)[:48].strip("-") or "episode"


def build_episode(field: str, data: Any, show: Show, base: Path, index: int) -> EpisodeSpec:
    if not isinstance(data, Mapping):
        raise UserInputError(field, "must be a mapping with topic and sources")
    _unknown(field, data, EPISODE_KEYS)
    topic = _text(f"{field}.topic", data.get("topic"), required=True, limit=MAX_TOPIC_CHARS)
    episode_id = data.get("id")
    if episode_id is None:
        episode_id = f"{index + 1:02d}-{slug(topic)}"
    if not isinstance(episode_id, str) or not EPISODE_ID_RE.match(episode_id):
        raise UserInputError(
            f"{field}.id",
            f"{quote(episode_id)} is not a safe directory name: use 1-64 letters, digits, "
            "'.', '_' or '-', starting with a letter or digit",
        )
    reserved = reserved_problem(episode_id)
    if reserved:
        raise UserInputError(f"{field}.id", reserved)
    sources = data.get("sources")
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not sources:
        raise UserInputError(
            f"{field}.sources", "list at least one source: a .md/.txt/.html file or a URL"
        )
    minutes = data.get("minutes", 3)
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)):
        raise UserInputError(f"{field}.minutes", f"must be a number, got {quote(minutes)}")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise UserInputError(
            f"{field}.minutes", f"must be between {MIN_MINUTES} and {MAX_MINUTES}, got {minutes}"
        )
    number = data.get("number")
    if number is not None and (
        isinstance(number, bool) or not isinstance(number, int) or number < 1
    ):
        raise UserInputError(
            f"{field}.number", f"must be a whole number from 1, got {quote(number)}"
        )
    return EpisodeSpec(
        episode_id=episode_id,
        topic=topic,
        sources=tuple(
            check_source(f"{field}.sources[{i}]", s, base) for i, s in enumerate(sources)
        ),
        minutes=float(minutes),
        show=show,
        number=number,
    )


def build_batch(data: Any, base: Path, where: str = "batch file") -> BatchSpec:
    """A BatchSpec from the parsed YAML of a batch file."""
    if not isinstance(data, Mapping):
        raise UserInputError(where, "must be a mapping with 'show' and 'episodes'")
    _unknown("", data, TOP_KEYS)
    if "show" not in data:
        raise UserInputError("show", "missing: the batch file needs a show block")
    show = build_show(data["show"])
    raw_episodes = data.get("episodes")
    if not isinstance(raw_episodes, list) or not raw_episodes:
        raise UserInputError("episodes", "must be a non-empty list of episodes")
    episodes = [
        build_episode(f"episodes[{i}]", e, show, base, i) for i, e in enumerate(raw_episodes)
    ]
    seen: dict[str, int] = {}
    for i, ep in enumerate(episodes):
        if ep.episode_id in seen:
            raise UserInputError(
                f"episodes[{i}].id",
                f"{ep.episode_id!r} is already the id of episodes[{seen[ep.episode_id]}]",
            )
        seen[ep.episode_id] = i
    return BatchSpec(
        show=show,
        episodes=tuple(episodes),
        budget_micro_usd=parse_usd("budget_usd", data.get("budget_usd")),
        episode_cap_micro_usd=parse_usd("episode_cap_usd", data.get("episode_cap_usd")),
        concurrency=check_concurrency("concurrency", data.get("concurrency", 4)),
        workflow=(
            build_workflow(data["workflow"], base)
            if data.get("workflow") is not None
            else Workflow.preset("full")
        ),
        prompts=_prompts(data.get("prompts"), base),
    )


def _prompts(value: Any, base: Path) -> Prompts:
    """The edited prompt templates of the ``prompts:`` folder (relative to the file)."""
    if value is None:
        return Prompts()
    folder = _text("prompts", value, required=True, limit=1000)
    return load_prompts((base / Path(folder).expanduser()).resolve(), folder)


def load_batch_file(path: str | Path) -> BatchSpec:
    """Read and check a YAML batch file; sources are resolved against its folder."""
    file = Path(path)
    if not file.is_file():
        raise UserInputError(
            str(path), "batch file not found" if not file.exists() else "is not a file"
        )
    try:
        data = load_yaml(file.read_text(encoding="utf-8"), str(path))
    except UnicodeDecodeError:
        raise UserInputError(str(path), "batch file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise UserInputError(str(path), f"not valid YAML{where}: {problem}") from None
    return build_batch(data, file.parent.resolve(), str(path))


def single_episode(
    topic: str,
    sources: list[str],
    minutes: float,
    episode_id: str | None = None,
    show: Show | None = None,
) -> BatchSpec:
    """The batch of the ``run`` verb: one episode of ``show`` (the default show)."""
    episode: dict[str, Any] = {"topic": topic, "sources": sources, "minutes": minutes}
    if episode_id:
        episode["id"] = episode_id
    default = default_show()
    data = {
        "show": {
            "name": default.name,
            "hosts": [h.name for h in default.hosts],
            "tagline": default.tagline,
        },
        "episodes": [episode],
    }
    try:
        spec = build_batch(data, Path.cwd())
    except UserInputError as exc:  # name the argument the user typed, not the YAML path
        field = re.sub(r"^episodes\[0\]\.", "", exc.field)
        raise UserInputError(field, exc.problem) from None
    if show is None:
        return spec
    episodes = tuple(e.model_copy(update={"show": show}) for e in spec.episodes)
    return spec.model_copy(update={"show": show, "episodes": episodes})


_RUN_CACHES: list[tempfile.TemporaryDirectory[str]] = []
"""The source caches of this process's runs; each is removed when the process ends."""


def check_urls(spec: BatchSpec, settings: RunSettings | None = None) -> RunSettings:
    """Fetch every URL source once before anything runs, so an unreachable, huge,
    non-text or private-address URL is a usage error (exit 2) rather than an episode
    failing later. Returns the settings with ``source_cache_dir`` set to where the
    fetched texts are kept, so the research agent does not fetch them again."""
    settings = settings or RunSettings()
    urls = sorted({src for ep in spec.episodes for src in ep.sources if is_url(src)})
    if not urls:
        return settings
    cache = tempfile.TemporaryDirectory(prefix="podcast-factory-sources-")
    fetcher = SourceFetcher(
        allow_private=settings.allow_private_sources,
        cache_dir=settings.source_cache_dir or cache.name,
    )

    async def fetch_all() -> list[SourceText | BaseException]:
        return await asyncio.gather(*(fetcher.fetch(u) for u in urls), return_exceptions=True)

    results = dict(zip(urls, asyncio.run(fetch_all()), strict=True))
    for i, ep in enumerate(spec.episodes):
        for j, src in enumerate(ep.sources):
            result = results.get(src)
            if isinstance(result, BaseException):
                cache.cleanup()
                if isinstance(result, SourceError):
                    raise SourceError(f"episodes[{i}].sources[{j}]", result.message)
                raise result
    if settings.source_cache_dir is not None:
        cache.cleanup()
        return settings
    _RUN_CACHES.append(cache)
    return settings.model_copy(update={"source_cache_dir": cache.name})
