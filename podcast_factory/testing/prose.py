"""What the simulated models write: sentences taken from the prompt, and filler lines.

Shared by the JSON-schema filler (``schema.py``) and the Messages API answers
(``messages.py``), so both count tokens and cut sentences the same way. Nothing here is
random: the same prompt always gives the same text.
"""

from __future__ import annotations

import math
import re

from podcast_factory.providers.story import leans_back

CHARS_PER_TOKEN = 4
"""The simulator's tokenizer: one token per 4 characters, rounded up."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


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
    found = sentences(material) if material.strip() else sentences(prompt)
    # a model writes facts that stand alone: it does not open a line with "It" or "The
    # result" about something it never said (the script gate refuses such a line)
    return [s for s in found if not leans_back(s)] or found


def plain_reply(prompt: str, count: int = 3) -> str:
    """A short answer made of the prompt's first sentences."""
    return " ".join(sentences(prompt)[:count]) or "Nothing to say."
