"""The offline script writer: a two-host dialogue assembled from the research facts.

No model and no network. Facts are spoken in the order the sources give them (a
source's own order is the best narrative we have), alternating between the hosts, each
introduced by a short lead-in and sometimes answered by the other host. Lead-ins and
replies are drawn without repetition so the quality check for repeated sentences holds,
and the script stops adding facts once it reaches the target length.
"""

from __future__ import annotations

import re

from podcast_factory.config import WORDS_PER_MINUTE
from podcast_factory.models import EpisodeSpec, Feedback, ResearchDoc, Script, Turn

LEAD_INS = (
    "Here's the first thing that stood out to me.",
    "Here is a detail I did not know.",
    "This next part surprised me.",
    "Let me add something from the notes.",
    "There's more to it.",
    "Now here's a piece worth slowing down for.",
    "One more thing from the sources.",
    "Building on that.",
    "And then there's this.",
    "Okay, try this one.",
    "The notes also point out something useful.",
    "Here's how the sources put it.",
    "Picking up the thread.",
    "Something else worth knowing.",
)
REPLIES = (
    "That's a great way to put it.",
    "Huh, I never thought about it like that.",
    "Right, and that matters more than people think.",
    "Okay, that makes sense.",
    "Interesting.",
    "That's wild.",
    "I like that detail.",
    "So that explains a lot.",
    "Good point.",
    "That is a lot to take in.",
    "Wow.",
    "Makes sense to me.",
)
OVERSHOOT = 0.15
"""How far past the target length the writer may go to say every research fact."""
_MARKUP = re.compile(r"https?://\S+|www\.\S+|[*_#`<>\[\]{}|~^\\]")


def spoken(text: str) -> str:
    """Text as it should be read aloud: no markup characters, no URLs, single spaces."""
    return re.sub(r"\s+", " ", _MARKUP.sub(" ", text)).strip()


def _fill(template: str, spec: EpisodeSpec) -> str:
    return spoken(template.replace("{topic}", spec.topic).replace("{show}", spec.show.name))


def title_for(topic: str) -> str:
    return topic[:1].upper() + topic[1:]


MIN_SCALE, MAX_SCALE = 0.5, 2.0
"""Bounds of how far lessons or a revision may stretch or shrink the word target."""


def revised_target(draft: Script, off: float) -> int:
    """Words that would have hit the target length at the pace the draft was spoken:
    a draft of W words whose audio ran ``off`` (e.g. +0.3 = 30% long) needs W / 1.3."""
    return max(1, round(draft.words / (1 + off)))


class OfflineWriter:
    """Extractive writer: research facts in, Script out, deterministic.

    Feedback changes the draft the way an editor would: a length lesson from earlier
    episodes scales the word target; a revision resizes the script to the pace its audio
    was actually spoken at, says every fact when too few were said, drops the chatter
    when it must shrink, and never repeats a sentence."""

    def write(
        self, spec: EpisodeSpec, doc: ResearchDoc, feedback: Feedback | None = None
    ) -> Script:
        feedback = feedback or Feedback()
        nominal = round(spec.minutes * WORDS_PER_MINUTE)
        scale = min(MAX_SCALE, max(MIN_SCALE, feedback.length_scale))
        target = round(nominal * scale)
        say_all = False
        if feedback.draft is not None and feedback.report is not None:
            failed = feedback.report.failed
            if "duration" in failed:
                target = revised_target(feedback.draft, failed["duration"])
                target = min(round(nominal * MAX_SCALE), max(round(nominal * MIN_SCALE), target))
            say_all = "fact_coverage" in failed
        script = self._write(spec, doc, target, compact=target < nominal, say_all=say_all)
        return script.model_copy(update={"target_words": nominal})

    def _write(
        self, spec: EpisodeSpec, doc: ResearchDoc, target: int, *, compact: bool, say_all: bool
    ) -> Script:
        a, b = (h.name for h in spec.show.hosts)
        show = spec.show
        intro = (
            _fill(show.intro, spec)
            if show.intro
            else _fill(
                f"Welcome to {{show}}. I'm {a}, here with {b}, and today we're talking "
                "about {topic}.",
                spec,
            )
        )
        turns = [Turn(speaker=a, text=intro)]
        turns.append(
            Turn(speaker=b, text=f"Thanks, {a}. I've been reading up on this one, so let's dig in.")
        )
        outro = (
            _fill(show.outro, spec)
            if show.outro
            else spoken(f"That's our episode on {spec.topic}. Thanks for listening to {show.name}.")
        )
        closing = [
            Turn(speaker=b, text=f"That's a lot of ground, {a}."),
            Turn(speaker=a, text=outro),
        ]
        budget = target - sum(len(t.text.split()) for t in turns + closing)
        used = 0
        for i, fact in enumerate(doc.facts):
            # whoever did not speak last states the next fact, so nobody speaks twice in a row
            speaker, listener = (b, a) if turns[-1].speaker == a else (a, b)
            lead = LEAD_INS[i] if i < len(LEAD_INS) else ""  # never the same line twice
            if compact and i > 0:
                lead = ""  # a script that must shrink loses its chatter before its facts
            line = f"{lead} {spoken(fact.text)}".strip()
            words = len(line.split())
            if used + words > budget + OVERSHOOT * target and i > 0 and not say_all:
                break  # research sized the facts; this only guards against a runaway
            turns.append(Turn(speaker=speaker, text=line, fact_refs=(i,)))
            used += words
            if not compact and i < len(REPLIES) and i % 3 == 1 and used + 4 < budget:
                turns.append(Turn(speaker=listener, text=REPLIES[i]))
                used += len(REPLIES[i].split())
        turns.extend(closing)
        return Script(
            episode_id=spec.episode_id,
            title=title_for(spec.topic),
            turns=tuple(t for t in turns if t.text),
            target_words=target,
        )
