"""The offline script writer: a two-host dialogue assembled from the research facts.

No model and no network. The research already gives facts that stand on their own, in
story order (core story first; see ``providers/story.py``). The hosts take turns
stating them; after a fact the other host sometimes reacts with words taken from that
fact (``providers/reactions.py``), never a canned filler. The opening and closing lines
are built around the topic's subject and chosen so that the show's earlier episodes
(``Feedback.said_before``, from the series memory) did not use the same frame. The script
stops adding facts once it reaches the target length.

The show's style is honoured where an extractive writer can: no line says a phrase the
style avoids (another opening, closing or reaction is chosen, or the line is left out,
a fact included), the last line ends on the sign-off, and the episode is sized at the
show's words a minute. A voice guide or an audience needs a writer that writes.

It speaks the show's language (``show.language``: English, German, Spanish, French or
Portuguese): the welcome, openings, reactions, closings and thanks are that language's
own (``providers/langs``). It cannot translate: its facts are the sources' sentences, so
an offline run is refused before anything runs when a source is in another language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from podcast_factory.models import EpisodeSpec, Feedback, ResearchDoc, Script, Turn
from podcast_factory.providers.langs import rules
from podcast_factory.providers.reactions import (
    fill,
    fresh_template,
    memorable_term,
    reaction,
)
from podcast_factory.providers.script_checks import norm
from podcast_factory.style import ends_with, says_any

OVERSHOOT = 0.15
"""How far past the target length the writer may go to say every research fact."""
_MARKUP = re.compile(r"https?://\S+|www\.\S+|[*_#`<>\[\]{}|~^\\]")


def spoken(text: str) -> str:
    """Text as it should be read aloud: no markup characters, no URLs, single spaces."""
    return re.sub(r"\s+", " ", _MARKUP.sub(" ", text)).strip()


def _fill(template: str, spec: EpisodeSpec) -> str:
    return spoken(template.replace("{topic}", spec.topic).replace("{show}", spec.show.name))


def _year(text: str) -> int | None:
    match = re.search(r"\b(1[0-9]{3}|20[0-9]{2})\b", text)
    return int(match.group(1)) if match else None


def title_for(topic: str) -> str:
    return topic[:1].upper() + topic[1:]


def signed_off(turns: Sequence[Turn], sign_off: str) -> list[Turn]:
    """The turns with the last one ending on the show's sign-off (added when it does
    not already): whoever closes the episode says it."""
    if not sign_off or not turns or ends_with(turns[-1].text, sign_off):
        return list(turns)
    last = turns[-1]
    text = f"{last.text} {spoken(sign_off)}"
    return [*turns[:-1], last.model_copy(update={"text": text})]


def _first_clean(options: Sequence[str], avoid: Sequence[str]) -> str:
    """The first option that says no avoided phrase ("" when every one does)."""
    return next((o for o in options if not says_any(avoid, o)), "")


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
        nominal = round(spec.minutes * spec.show.style.words_per_minute)
        scale = min(MAX_SCALE, max(MIN_SCALE, feedback.length_scale))
        target = round(nominal * scale)
        say_all = False
        if feedback.draft is not None and feedback.report is not None:
            failed = feedback.report.failed
            if "duration" in failed:
                target = revised_target(feedback.draft, failed["duration"])
                target = min(round(nominal * MAX_SCALE), max(round(nominal * MIN_SCALE), target))
            say_all = "fact_coverage" in failed
        said_before = tuple(line for line, _ in feedback.said_before)
        script = self._write(
            spec, doc, target, compact=target < nominal, say_all=say_all, said_before=said_before
        )
        return script.model_copy(update={"target_words": nominal})

    def _write(
        self,
        spec: EpisodeSpec,
        doc: ResearchDoc,
        target: int,
        *,
        compact: bool,
        say_all: bool,
        said_before: tuple[str, ...] = (),
    ) -> Script:
        a, b = (h.name for h in spec.show.hosts)
        show = spec.show
        key = spec.episode_id
        avoid = show.style.avoid
        lang = show.language
        lines = rules(lang).lines
        welcomes = [w.replace("{a}", a).replace("{b}", b) for w in lines.welcomes]
        intro = _fill(show.intro, spec) or _first_clean([_fill(w, spec) for w in welcomes], avoid)
        openings = [
            t for t in lines.openings if not says_any(avoid, fill(t, spec.topic, a, lang=lang))
        ]
        opening = (
            fill(fresh_template(openings, said_before, key), spec.topic, a, lang=lang)
            if openings
            else ""
        )
        turns = [Turn(speaker=a, text=intro), Turn(speaker=b, text=spoken(opening))]
        turns = [t for t in turns if t.text]
        term = memorable_term([f.text for f in doc.facts], lang=lang)
        closings = [c for c in lines.closings if term or "{term}" not in c] or [
            lines.no_term_closing
        ]
        closings = [
            c for c in closings if not says_any(avoid, fill(c, spec.topic, a, term, lang=lang))
        ]
        closing_frame = fresh_template(closings, said_before, key) if closings else ""
        outro = _fill(show.outro, spec) or _first_clean(
            [_fill(t, spec) for t in lines.thanks], avoid
        )
        closing_words = len(closing_frame.split()) + 4 + len(outro.split())
        closing_words += len(show.style.sign_off.split())
        budget = target - sum(len(t.text.split()) for t in turns) - closing_words
        used_words = 0
        said = {norm(t.text) for t in turns}
        kind = ""
        kinds: dict[str, int] = {}
        year: int | None = None
        for i, fact in enumerate(doc.facts):
            # the host who did not speak last states the next fact: nobody speaks twice
            speaker, listener = (b, a) if turns and turns[-1].speaker == a else (a, b)
            line = spoken(fact.text)
            if says_any(avoid, line):
                continue  # the show never says it, not even to state a fact
            words = len(line.split())
            if used_words + words > budget + OVERSHOOT * target and i > 0 and not say_all:
                break  # research sized the facts; this only guards against a runaway
            turns.append(Turn(speaker=speaker, text=line, fact_refs=(i,)))
            used_words += words
            if compact or i + 1 == len(doc.facts):
                continue  # a script that must shrink loses its chatter before its facts
            answer, kind = reaction(fact.text, kind, said, year, avoid, lang=lang, spent=kinds)
            year = _year(fact.text) or year
            if answer and used_words + len(answer.split()) < budget + OVERSHOOT * target / 2:
                turns.append(Turn(speaker=listener, text=spoken(answer)))
                said.add(norm(answer))
                kinds[kind] = kinds.get(kind, 0) + 1
                used_words += len(answer.split())
        # whoever did not state the last fact sums up, addressing the other host
        last, other = (a, b) if turns and turns[-1].speaker == a else (b, a)
        closing_line = (
            fill(closing_frame, spec.topic, last, term, lang=lang) if closing_frame else ""
        )
        turns += [Turn(speaker=other, text=spoken(closing_line)), Turn(speaker=last, text=outro)]
        kept = [t for t in turns if t.text and not says_any(avoid, t.text)]
        return Script(
            episode_id=spec.episode_id,
            title=title_for(spec.topic),
            turns=tuple(signed_off(kept, show.style.sign_off)),
            target_words=target,
        )
