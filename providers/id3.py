"""ID3v2 tags for a podcast MP3: what apps show before anyone has read the feed.

Title, show (album and artist), episode number (track), date, the language spoken
(``TLAN``, ISO 639-2: ``deu``), description (a comment in that language, as iTunes and
most players read it) and chapters: one ``CHAP`` frame per chapter with
its start and end in milliseconds and a ``TIT2`` title, listed in order by one
top-level ``CTOC`` frame (the ID3v2 Chapter Frame Addendum). Written as ID3v2.3, the
version the addendum was written against and the one most players read.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from mutagen.id3 import (
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TRCK,
    CTOCFlags,
)

from podcast_factory.language import primary
from podcast_factory.providers.publish_words import words_for

ISO_639_2 = {"en": "eng", "de": "deu", "es": "spa", "fr": "fra", "pt": "por"}
"""ISO 639-2 codes (the terminology codes: ``deu``, ``fra``, not the bibliographic
``ger``, ``fre``) of the languages the application writes. ID3v2's language fields take
ISO 639-2 in lower case and ``XXX`` for a language not known (ID3v2.4.0 structure,
section 4); ``TLAN`` lists the languages spoken (ID3v2.3.0 and 2.4.0 frames)."""

UNKNOWN_LANGUAGE = "XXX"


@dataclass(frozen=True)
class ChapterMark:
    """One chapter in the MP3's own time (encoder delay included)."""

    start_s: float
    end_s: float
    title: str


@dataclass(frozen=True)
class EpisodeTags:
    title: str
    show: str
    date: str
    """ISO date, ``YYYY-MM-DD``."""
    description: str = ""
    number: int | None = None
    language: str = "en"
    """The show's BCP 47 tag."""


def iso639_2(tag: str) -> str | None:
    """``de-AT`` -> ``deu``; None for a language without a code here."""
    return ISO_639_2.get(primary(tag))


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def tag_mp3(mp3: bytes, tags: EpisodeTags, chapters: Sequence[ChapterMark]) -> bytes:
    """``mp3`` with an ID3v2.3 tag in front: the episode's tags and its chapters."""
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TALB(encoding=3, text=tags.show))
    id3.add(TPE1(encoding=3, text=tags.show))
    id3.add(TCON(encoding=3, text="Podcast"))
    id3.add(TDRC(encoding=3, text=tags.date))
    if tags.number is not None:
        id3.add(TRCK(encoding=3, text=str(tags.number)))
    code = iso639_2(tags.language)
    if code:
        id3.add(TLAN(encoding=3, text=code))
    if tags.description:
        lang = code or UNKNOWN_LANGUAGE
        id3.add(COMM(encoding=3, lang=lang, desc="", text=tags.description))
    ids = [f"chp{i}" for i in range(len(chapters))]
    if chapters:
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=words_for(tags.language).chapters)],
            )
        )
    for element_id, chapter in zip(ids, chapters, strict=True):
        id3.add(
            CHAP(
                element_id=element_id,
                start_time=_ms(chapter.start_s),
                end_time=_ms(chapter.end_s),
                start_offset=0xFFFFFFFF,  # "not used": players seek by time
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=chapter.title)],
            )
        )
    out = io.BytesIO(mp3)
    id3.save(out, v1=0, v2_version=3)
    return out.getvalue()
