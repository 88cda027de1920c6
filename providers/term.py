"""A key term of an episode: its words, the key they are compared by, where it is said.

Hashtags and chapter titles are made from these
(``providers.key_terms`` for English, ``providers.key_terms_lang`` for the others).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Term:
    """A key term: its words as shown, and where it was found."""

    words: tuple[str, ...]
    key: tuple[str, ...]
    count: int = 0
    in_topic: bool = False
    first: int = 0
    proper: bool = False
    forms: list[tuple[str, ...]] = field(default_factory=list)
    article: str = ""
    """The definite article the texts put before it ("die", "la"); English leaves it out."""

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def score(self) -> float:
        multi = 0.6 * min(len(self.key) - 1, 2)
        return self.count + (2.5 if self.in_topic else 0.0) + multi + (0.4 if self.proper else 0)

    @property
    def hashtag(self) -> str:
        """``spring tide`` -> ``#SpringTide``; ``X-rays`` -> ``#XRays``."""
        parts = re.split(r"[\s'’-]+", self.text)
        return "#" + "".join(p[:1].upper() + p[1:] for p in parts if p and p.lower() != "s")
