"""What an offline run is refused for before anything runs: a show in a language the
offline writer has no lines for, and a source in another language than the show's.

The offline writer is extractive: its host lines exist in English, German, Spanish,
French and Portuguese, and its facts are the sources' own sentences, which it cannot
translate. Both problems would otherwise surface as an episode in the wrong language
after Ray started and speech was made, so ``run`` and ``batch`` (and the Python API's
``prepare``) refuse them up front with a message naming the field and what to do
(``--llm claude`` writes in any language and translates its facts). Claude runs are not
checked here: Claude reads any language.
"""

from __future__ import annotations

from podcast_factory.config import RunSettings
from podcast_factory.errors import SourceError, UserInputError
from podcast_factory.language import LANGUAGES, offline_language
from podcast_factory.models import BatchSpec
from podcast_factory.providers.source_language import foreign_language
from podcast_factory.providers.sources import SourceFetcher, is_url, read_local


def _text(source: str, fetcher: SourceFetcher | None) -> str | None:
    """A source's text as research will read it, or None when it cannot be read here
    (the checks that read sources report that; a URL not fetched yet is left alone)."""
    try:
        if is_url(source):
            got = fetcher.cached(source) if fetcher is not None else None
            return got.text if got is not None else None
        return read_local(source).text
    except (SourceError, OSError):
        return None


def check_offline_language(
    batch: BatchSpec, settings: RunSettings, *, language_field: str = "show.language"
) -> None:
    """Raise ``UserInputError`` when an offline run cannot write the batch's language:
    the show's language has no offline lines, or a source is in another language.
    ``language_field``: how the user gave the language (``--language`` for ``run``)."""
    if settings.llm != "offline":
        return
    show = offline_language(batch.show.language, language_field)
    fetcher = (
        SourceFetcher(cache_dir=settings.source_cache_dir)
        if settings.source_cache_dir is not None
        else None
    )
    single = language_field.startswith("--")
    seen: dict[str, str | None] = {}
    for i, episode in enumerate(batch.episodes):
        for j, source in enumerate(episode.sources):
            if source not in seen:
                text = _text(source, fetcher)
                seen[source] = foreign_language(text, show.code) if text else None
            found = seen[source]
            if found is None:
                continue
            field = "--source" if single else f"episodes[{i}].sources[{j}]"
            other = LANGUAGES[found]
            raise UserInputError(
                field,
                f"{source} appears to be in {other.name} ({found}), but the show is in "
                f"{show.name} ({batch.show.language}); the offline writer says the sources' "
                "own sentences and cannot translate them. Give a source in "
                f"{show.name}, set the show's language to {found}, or write with Claude "
                "(--llm claude with ANTHROPIC_API_KEY), which translates",
            )
