"""Checks that notice an episode a listener would not sit through, and a writer that passes.

Each defect found in the offline episodes (a dangling "Its", the same filler lines in
every episode, a topic's core story missing, a "him" heard as the wrong man) is planted
and must be caught with a message naming it; the offline episodes as they were before
this writer (saved in tests/data/old_offline) must fail; the new writer's episodes of
the example batch and of three topics it was not tuned for must pass."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.memory import SeriesMemory
from podcast_factory.actors.quality import QualityEvaluator, review_script
from podcast_factory.actors.research import ResearchAgent
from podcast_factory.actors.script import ScriptWriter
from podcast_factory.batchfile import load_batch_file
from podcast_factory.config import QualityThresholds, RunSettings
from podcast_factory.metering import LocalLedger, StageContext
from podcast_factory.models import (
    EpisodeSpec,
    Fact,
    Feedback,
    Host,
    ResearchDoc,
    Script,
    Show,
    Turn,
)
from podcast_factory.providers.script_checks import host_sentences, norm
from podcast_factory.providers.text import split_sentences

ROOT = Path(__file__).parent.parent
OLD = Path(__file__).parent / "data" / "old_offline"
LISTENER = ("dangling_refs", "canned_lines", "topic_early", "misattributed", "unsupported_details")
SHOW = Show(name="Everyday Marvels", hosts=(Host(name="Nora"), Host(name="Eli")))
PENICILLIN = "How penicillin went from a spoiled dish to a mass-produced medicine"


def _review(doc: ResearchDoc, script: Script, show: Show = SHOW) -> dict[str, str]:
    """The script gate's verdict: failed listener checks -> the suggestion naming each."""
    words = max(1, script.words)
    report = review_script(doc, script, 60 / words, 60.0, QualityThresholds(), show)
    failed = {n for n in report.failed if n in LISTENER}
    return {n: next(s for s in report.suggestions if _about(n, s)) for n in failed}


def _about(check: str, suggestion: str) -> bool:
    words = {
        "dangling_refs": "pointing at",
        "canned_lines": "earlier episodes",
        "topic_early": "first fifth",
        "misattributed": "wrong person",
        "unsupported_details": "none of the facts",
    }
    return words[check] in suggestion


def _doc(topic: str, *facts: Fact) -> ResearchDoc:
    return ResearchDoc(episode_id="e", topic=topic, facts=facts, sources=())


def _script(*lines: tuple[str, str, tuple[int, ...]]) -> Script:
    turns = tuple(Turn(speaker=s, text=t, fact_refs=r) for s, t, r in lines)
    return Script(episode_id="e", title="t", turns=turns, target_words=100)


CANTALOUPE = Fact(
    text="Its mould, a strain of Penicillium chrysogenum, produced far more penicillin "
    "than Fleming's strain.",
    source="penicillin.md",
    context="In 1943 Mary Hunt, a laboratory assistant in Peoria, brought in a mouldy "
    "cantaloupe from a local market.",
)
INTRO = ("Nora", f"Welcome to Everyday Marvels. Today: {PENICILLIN}.", ())


def test_a_dangling_its_is_caught_and_named() -> None:
    """'Its mould' about a cantaloupe the episode never mentioned fails the script gate."""
    doc = _doc(PENICILLIN, CANTALOUPE)
    failed = _review(doc, _script(INTRO, ("Eli", CANTALOUPE.text, (0,))))
    assert "dangling_refs" in failed and "Its mould" in failed["dangling_refs"]
    kept = _script(INTRO, ("Eli", f"{CANTALOUPE.context} {CANTALOUPE.text}", (0,)))
    assert "dangling_refs" not in _review(doc, kept)  # said with its antecedent: fine


def test_a_missing_core_story_is_caught() -> None:
    """A penicillin episode whose first fifth never reaches penicillin fails."""
    facts = (
        Fact(
            text="In 1944 Pfizer began deep-tank production in a converted ice factory.", source="p"
        ),
        Fact(
            text="By June 1944 American manufacturers had produced 2.3 million doses.", source="p"
        ),
        Fact(
            text="In 1928 Alexander Fleming found a mould that killed bacteria, and he called "
            "the substance it released penicillin.",
            source="p",
        ),
    )
    lines = [("Eli" if i % 2 else "Nora", f.text, (i,)) for i, f in enumerate(facts)]
    failed = _review(_doc(PENICILLIN, *facts), _script(INTRO, *lines))
    assert "topic_early" in failed and "penicillin" in failed["topic_early"]
    core_first = [lines[2], lines[0], lines[1]]
    assert "topic_early" not in _review(_doc(PENICILLIN, *facts), _script(INTRO, *core_first))


def test_the_shows_fixed_intro_does_not_use_up_a_short_episodes_opening() -> None:
    """A one-minute episode whose long show intro alone fills the first fifth still
    passes when its first own sentence names the subject, and fails when it does not."""
    show = SHOW.model_copy(
        update={
            "intro": "Welcome to {show}, the show about the remarkable stories behind "
            "ordinary things and the people who noticed them first. Today: {topic}."
        }
    )
    intro = show.intro.replace("{show}", show.name).replace("{topic}", PENICILLIN)
    facts = (
        Fact(text="In 1928 Alexander Fleming found a mould that made penicillin.", source="p"),
        Fact(text="A mould can kill the bacteria that grow beside it on a dish.", source="p"),
    )
    doc = _doc(PENICILLIN, *facts)
    opening = ("Nora", intro, ())
    good = _script(opening, ("Eli", facts[0].text, (0,)), ("Nora", facts[1].text, (1,)))
    assert "topic_early" not in _review(doc, good, show)
    late = _script(opening, ("Eli", facts[1].text, (1,)), ("Nora", facts[0].text, (0,)))
    assert "topic_early" in _review(doc, late, show)


def test_a_misattributed_him_is_caught() -> None:
    """'gave him a doctorate' right after three Nobel winners, when the source meant
    Norman Heatley, is heard as the wrong person."""
    nobel = Fact(
        text="The 1945 Nobel Prize was awarded jointly to Fleming, Florey and Chain for "
        "the discovery of penicillin.",
        source="p",
        context="Four of the mice were then treated with penicillin.",
    )
    him = Fact(
        text="Decades later the University of Oxford gave him an honorary doctorate.",
        source="p",
        context="Norman Heatley was not included.",
    )
    doc = _doc(PENICILLIN, nobel, him)
    failed = _review(doc, _script(INTRO, ("Eli", nobel.text, (0,)), ("Nora", him.text, (1,))))
    assert "misattributed" in failed and "Norman Heatley" in failed["misattributed"]


def _old(name: str) -> tuple[ResearchDoc, Script]:
    doc = ResearchDoc.model_validate_json((OLD / name / "research.json").read_text())
    script = Script.model_validate_json((OLD / name / "script.json").read_text())
    return doc, script


def test_a_canned_line_in_three_episodes_is_caught_through_series_memory(
    tmp_path: Path,
) -> None:
    """The old writer's episodes, produced one after another for one show: the third
    says filler lines the memory heard in the first two, and the gate says which."""
    memory = SeriesMemory(str(tmp_path), SHOW.name)
    names = ["tides", "honeybee-climate", "penicillin"]
    for name in names[:2]:
        doc, script = _old(name)
        memory.record_quality(
            name, doc.topic, script.title, True, [], [], [], 60.0, None, host_sentences(script, doc)
        )
    said = memory.spoken_lines("penicillin")
    assert ("Huh, I never thought about it like that.", 2) in said
    feedback = Feedback(said_before=tuple(said))
    doc, script = _old("penicillin")
    known = tuple(line for line, n in feedback.said_before if n >= 2)
    failed = _review(doc, script.model_copy(update={"known_lines": known}))
    assert "canned_lines" in failed and "reading up on this one" in failed["canned_lines"]


@pytest.mark.parametrize("name", ["tides", "honeybee-climate", "penicillin"])
def test_the_old_offline_episodes_fail_the_new_checks(name: str) -> None:
    """Each example episode as the old writer made it fails at least one listener check
    (the dangling 'The result is...' and 'Its mould...' among them)."""
    doc, script = _old(name)
    assert _review(doc, script), f"{name} passed every listener check"


def _ctx(ep: EpisodeSpec, stage: str) -> StageContext:
    return StageContext(episode_id=ep.episode_id, stage=stage)


def _produce_series(batch: Path, tmp: Path) -> list[tuple[EpisodeSpec, Script, dict[str, str]]]:
    """Every episode of a batch file through the real research, writer and script gate,
    one after another, the series memory remembering each episode's lines."""
    spec = load_batch_file(batch)
    client = LocalLedger(CostLedger(str(tmp / "ledger.jsonl")))
    settings = RunSettings()
    memory = SeriesMemory(str(tmp / "memory"), spec.show.name)
    out = []

    async def one(ep: EpisodeSpec) -> tuple[Script, dict[str, str]]:
        doc = await ResearchAgent(settings, client).research(ep, _ctx(ep, "research"))
        feedback = Feedback(said_before=tuple(memory.spoken_lines(ep.episode_id)))
        writer = ScriptWriter(settings, client)
        script = await writer.write(ep, doc, _ctx(ep, "script"), feedback)
        report = await QualityEvaluator(settings, client).review(
            ep, doc, script, 0.4, _ctx(ep, "review")
        )
        memory.record_quality(
            ep.episode_id, ep.topic, script.title, True, [], [], [], 60.0, None,
            host_sentences(script, doc),
        )  # fmt: skip
        failed = {c.name: str(c.value) for c in report.checks if not c.passed}
        return script, {n: v for n, v in failed.items() if n in LISTENER}

    for ep in spec.episodes:
        script, failed = asyncio.run(one(ep))
        out.append((ep, script, failed))
    return out


@pytest.mark.parametrize(
    "batch", [ROOT / "examples" / "batch.yaml", Path(__file__).parent / "data/fresh/batch.yaml"]
)
def test_the_new_writer_passes_on_the_examples_and_on_untuned_topics(
    batch: Path, tmp_path: Path
) -> None:
    """The example batch and three topics the writer was not tuned for pass every
    listener check, and no two episodes share a host line of four words or more."""
    made = _produce_series(batch, tmp_path)
    for ep, _, failed in made:
        assert not failed, f"{ep.episode_id}: {failed}"
    lines = [
        {norm(s) for s in split_sentences(" ".join(t.text for t in script.turns))}
        for _, script, _ in made
    ]
    name = norm(made[0][0].show.name)
    shared = {s for s in set.intersection(*lines) if len(s.split()) >= 4 and name not in s}
    outro = {norm(s) for s in split_sentences(made[0][0].show.outro)}
    assert not shared - outro, shared


def test_the_writer_reacts_with_the_facts_own_words(tmp_path: Path) -> None:
    """Host reactions come from the fact just said, never a fixed filler rotation."""
    made = _produce_series(ROOT / "examples" / "batch.yaml", tmp_path)
    _, script, _ = made[2]  # penicillin
    texts = [t.text for t in script.turns]
    assert "Here's the first thing that stood out to me." not in " ".join(texts)
    assert texts[2].startswith("In September 1928")  # the core story first
    reactions = [t.text for t in script.turns[2:-2] if not t.fact_refs]
    assert reactions and any("1928" in r for r in reactions)
