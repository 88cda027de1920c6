"""An example user agent: title ideas for an episode, from the words of its script.

How to write your own agent
---------------------------

An agent is a plain class. A batch file runs it as a stage of the workflow::

    workflow:
      stages:
        - name: title                          # the stage: writes title.json
          agent: agents/title.py:TitleAgent    # file (relative to the batch file) : class
          # or: agent: mypackage.agents:TitleAgent   (an importable module)

The class needs one method, ``run(self, episode, inputs, ctx)``, ``async`` or not:

- ``episode`` is the ``EpisodeSpec`` (topic, sources, minutes, show);
- ``inputs`` maps each stage named in ``needs`` to its output: ``inputs["script"]`` is
  the ``Script``, ``inputs["research"]`` the ``ResearchDoc``, and a user stage's output
  is whatever its agent returned;
- ``ctx`` is the ``StageContext`` (episode id, stage, attempt) that paid calls are
  booked under.

It returns a pydantic model (best: the run directory stores it as JSON and a resumed run
loads it back as the class named by ``output``) or a plain dict.

Two class attributes are optional:

- ``needs``: the stages whose outputs ``run`` reads. The stage waits for them, and the
  batch is refused before it starts if the workflow does not make them;
- ``output``: the pydantic model ``run`` returns, used to reload it on resume.

Offline agents like this one are built with no arguments. An agent that pays for calls
subclasses ``actors.base.Agent``: it is then built like the project's own agents (run
settings, ledger, credentials, rate governor) and books every paid call through the
ledger, so the batch and episode budgets cover it too::

    async with self.meter(ctx).call("claude", estimate_micro_usd) as charge:
        reply = ...                      # the paid call; refused first if over budget
        charge.bill(actual_micro_usd)    # what the provider reported

This one is deterministic and free: it counts the content words of the dialogue and
puts the most frequent ones into three titles.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from podcast_factory.metering import StageContext
from podcast_factory.models import EpisodeSpec, Script

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
_STOPWORD_TEXT = """about above after again against also although always among another anything
    around away back because been before being below between both came come comes could
    didn does doing done down during each else enough even ever every everything first
    from further gets getting give goes going gone good got great have having here hers
    herself himself into itself just keep know knows like little look lots made make
    makes many maybe mean means might more most much must need never next nothing okay
    once only other others ought ours ourselves over pretty quite rather really right
    said same says seem seems should show since some something sort still such sure take
    tell than thank thanks that the their theirs them themselves then there these they
    thing things think this those though through today together told took true turns
    under until upon very want wants was way ways well went were what whatever when where
    whether which while whole will with within without wonder would yeah year years yes
    your yours yourself episode"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
TITLE_COUNT = 3
KEYWORD_COUNT = 5


class TitleIdeas(BaseModel):
    """What the title stage writes to ``title.json``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    titles: tuple[str, ...]
    keywords: tuple[str, ...]
    """The script's most frequent content words, most frequent first."""


def _key(word: str) -> str:
    """Singular and plural count as one word: "tide" and "tides" are one keyword."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 4:
        return word[:-1]
    return word


def _content_words(text: str) -> list[str]:
    """Lowercased words worth a title: no stopwords, no contractions ("don't"), and a
    possessive counts as its word ("Moon's" is "moon")."""
    words = (re.sub(r"['’]s$", "", w.lower()) for w in _WORD_RE.findall(text))
    return [
        w for w in words if len(w) >= 4 and w not in _STOPWORDS and "'" not in w and "’" not in w
    ]


def keywords(script: Script, ignore: frozenset[str] = frozenset(), limit: int = 5) -> list[str]:
    """The most frequent content words of the dialogue, most frequent first; ties go to
    the word said first.

    Raw words rather than ``providers.text.tokenize`` stems: keywords are shown to
    people, and a stem like "charg" is not a word. Each keyword is shown the way the
    hosts said it most often ("tides" or "tide")."""
    counts: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    first: dict[str, int] = {}
    for turn in script.turns:
        for word in _content_words(turn.text):
            key = _key(word)
            if key in ignore:
                continue
            counts[key] += 1
            forms.setdefault(key, Counter())[word] += 1
            first.setdefault(key, len(first))
    ranked = sorted(counts, key=lambda k: (-counts[k], first[k]))
    return [forms[k].most_common(1)[0][0] for k in ranked[:limit]]


class TitleAgent:
    """Three title ideas for an episode, made from its script alone (offline, free)."""

    needs: ClassVar[tuple[str, ...]] = ("script",)
    output: ClassVar[type[BaseModel]] = TitleIdeas

    async def run(
        self, episode: EpisodeSpec, inputs: dict[str, Any], ctx: StageContext
    ) -> TitleIdeas:
        script = Script.model_validate(inputs["script"])  # a model, or its JSON as a dict
        title = script.title.strip() or episode.topic
        # The hosts and the show are named in every episode: they say nothing of this one.
        said_always = {h.name for h in episode.show.hosts} | {episode.show.name}
        ignore = frozenset(_key(w) for w in _content_words(" ".join(said_always)))
        found = keywords(script, ignore=ignore, limit=2 * KEYWORD_COUNT)
        # A word of the title is no news after it: prefer the others, if there are enough.
        in_title = {_key(w) for w in _content_words(title)}
        fresh = [w for w in found if _key(w) not in in_title]
        words = fresh if len(fresh) >= TITLE_COUNT else found
        for word in _content_words(episode.topic):  # a very short script: borrow the topic's
            if len(words) >= TITLE_COUNT:
                break
            if word not in words:
                words.append(word)
        k = [w.capitalize() for w in words] + ["Everything"] * TITLE_COUNT
        ideas = (
            f"{title}: {k[0]} and {k[1]}",
            f"{k[0]}, {k[1]} and {k[2]}",
            f"The {k[0]} Question: {title}",
        )
        return TitleIdeas(titles=ideas, keywords=tuple(found[:KEYWORD_COUNT]))
