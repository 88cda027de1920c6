"""Facts checked against their sources, and scripts checked against their facts.

A fact is kept only when the span it quotes is in its source, whatever a model did to
the quote's apostrophes, dashes, spacing or case; a quote with one number changed is not
found, and its fact is left out, counted in ``research.json`` and listed in
``research.md``. The script gate then refuses a line stating a number, date or name none
of the facts give, and with a key, a claim Claude's judge finds unsupported. Strings are
the example sources' own; the agents are the real classes, Claude is the simulator.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.quality import QualityEvaluator, review_script, with_rubric
from podcast_factory.actors.research import ResearchAgent
from podcast_factory.actors.script import ScriptWriter
from podcast_factory.batchfile import load_batch_file
from podcast_factory.config import Credentials, QualityThresholds, RunSettings
from podcast_factory.metering import LocalLedger, StageContext
from podcast_factory.models import (
    EpisodeSpec,
    Fact,
    Host,
    QualityReport,
    ResearchDoc,
    Script,
    Show,
    Turn,
)
from podcast_factory.providers.claude_writer import RubricOut
from podcast_factory.providers.quotes import quote_found, verify_facts
from podcast_factory.providers.sources import read_local
from podcast_factory.render import research_markdown
from podcast_factory.stage_call import StageCall, StageExtras, StageResult
from podcast_factory.testing import ProviderSimulator

ROOT = Path(__file__).parent.parent
SOURCES = ROOT / "examples" / "sources"
PENICILLIN = read_local(str(SOURCES / "penicillin.md"))
FLEMING = (
    "In September 1928 the Scottish bacteriologist Alexander Fleming returned from a summer "
    "holiday to his laboratory at St Mary's Hospital in London."
)
DOSES = (
    "By the Allied landings in Normandy on 6 June 1944, American manufacturers had produced "
    "about 2.3 million doses for the invasion."
)
SHOW = Show(
    name="Everyday Marvels",
    hosts=(Host(name="Nora"), Host(name="Eli")),
    intro="Welcome to {show}. Today: {topic}.",
    outro="That's all for this episode of Everyday Marvels.",
)
KEY = "sk-ant-test-FAKEKEY-facts"


# -- quotes ---------------------------------------------------------------------------------------
def test_the_example_source_holds_the_sentences_the_tests_quote() -> None:
    """The strings below are the source's own (else every test here proves nothing)."""
    assert quote_found(FLEMING, PENICILLIN.text) and quote_found(DOSES, PENICILLIN.text)


@pytest.mark.parametrize(
    "quote",
    [
        FLEMING.replace("'", "\u2019"),  # curly apostrophe
        FLEMING.upper(),
        FLEMING.replace(" ", "\n  "),
        FLEMING.rstrip("."),
        f"\u201c{FLEMING}\u201d",
        "In September 1928 the Scottish bacteriologist \u2026 at St Mary's Hospital in London",
        "In September 1928 ... Alexander Fleming returned",
        "\uff29n September 1928 the Scottish",  # a full-width I: NFKC
    ],
)
def test_a_quote_a_model_retyped_is_still_found(quote: str) -> None:
    """Quotes, case, line breaks, a final stop, an ellipsis for left-out words."""
    assert quote_found(quote, PENICILLIN.text)


@pytest.mark.parametrize(
    "quote",
    [
        FLEMING.replace("1928", "1929"),
        DOSES.replace("2.3 million", "2.5 million"),
        FLEMING.replace("Scottish", "Irish"),
        "Alexander Fleming returned ... in September 1928",  # pieces out of order
        "",
        " ... ",
    ],
)
def test_a_quote_with_other_content_is_not_found(quote: str) -> None:
    """One number or name changed, pieces reordered, or nothing quoted: not in the source."""
    assert not quote_found(quote, PENICILLIN.text)


def _doc(*facts: Fact) -> ResearchDoc:
    return ResearchDoc(episode_id="penicillin", topic="penicillin", facts=facts, sources=())


def test_a_misquoted_fact_is_left_out_counted_and_listed() -> None:
    """Kept: the verbatim fact and a web fact (quoted by the API from a page we do not
    have). Left out: the fact whose quote changed a number, and one with no quote."""
    src = PENICILLIN.source
    good = Fact(text="Fleming came back in September 1928.", source=src, quote=FLEMING)
    wrong = DOSES.replace("2.3", "3.4")
    bad = Fact(text=wrong, source=src, quote=wrong)
    bare = Fact(text="Penicillin saved lives.", source=src)
    web = Fact(text="A web fact.", source="https://example.org/a", quote="Not in our files.")
    doc = verify_facts(_doc(good, bad, bare, web), [PENICILLIN])
    assert doc.facts == (good, web)
    assert doc.unverified == (bad, bare) and doc.unverified_facts == 2
    page = research_markdown(doc)
    assert "2 facts kept, 2 left out: quote not found in source." in page
    assert f"1. {good.text}\n   > {FLEMING}\n" in page  # a fact in other words shows its quote
    assert "about 3.4 million doses" in page.split("## Left out")[1]
    assert "(penicillin.md: quote not found in source)" in page
    assert "(penicillin.md: no quote given)" in page


def test_research_written_before_quotes_were_checked_still_loads() -> None:
    """An old run's research.json (no count fields) loads, with nothing left out."""
    old = ROOT / "tests" / "data" / "old_offline" / "penicillin" / "research.json"
    doc = ResearchDoc.model_validate_json(old.read_text())
    assert doc.facts and doc.unverified_facts == 0 and doc.unverified == ()


def _ctx(stage: str) -> StageContext:
    return StageContext(episode_id="penicillin", stage=stage)


def test_offline_research_quotes_the_source_sentences_it_states(tmp_path: Path) -> None:
    """Offline facts are the sources' sentences: each quote is found, none left out, and
    research.md says so."""
    spec = load_batch_file(ROOT / "examples" / "batch.yaml")
    agent = ResearchAgent(RunSettings(), LocalLedger(CostLedger(str(tmp_path / "l.jsonl"))))
    for ep in spec.episodes:
        call = StageCall(episode=ep, inputs={}, ctx=_ctx("research"), extras=StageExtras())
        result = asyncio.run(agent.run_stage(call))
        doc = result.output
        assert isinstance(doc, ResearchDoc) and doc.facts and doc.unverified_facts == 0
        texts = {s: read_local(s).text for s in ep.sources}
        assert all(quote_found(f.quote, texts[f.source]) for f in doc.facts)
        page = result.files["research.md"].decode()
        assert f"{len(doc.facts)} facts kept, each found in its source." in page


# -- details the facts do not give ---------------------------------------------------------------
def _script(*lines: str) -> Script:
    turns = [Turn(speaker="Nora", text="Welcome to Everyday Marvels. Today: penicillin.")]
    turns += [Turn(speaker=("Eli", "Nora")[i % 2], text=t) for i, t in enumerate(lines)]
    return Script(episode_id="penicillin", title="P", turns=tuple(turns), target_words=60)


FACTS = _doc(
    Fact(text=FLEMING, source="p", quote=FLEMING),
    Fact(text=DOSES, source="p", quote=DOSES),
    Fact(text="The brood is kept at 35 degrees, never above 40.", source="b", quote="x"),
)


def _unsupported(*lines: str) -> tuple[float, str]:
    report = review_script(FACTS, _script(*lines), 0.4, 60.0, QualityThresholds(), SHOW)
    check = next(c for c in report.checks if c.name == "unsupported_details")
    advice = next((s for s in report.suggestions if "none of the facts" in s), "")
    return check.value, advice


@pytest.mark.parametrize(
    "line",
    [
        "Wait, back in 1928?",
        "So that's 16 years after 1928.",  # the gap between two years the facts give
        "About 2.3 million doses. That is 2,300,000.",
        "Forty degrees at most, and they keep it near thirty-five.",
        "One of the two of them, and a lot of mould.",
        "Alexander Fleming, the bacteriologist, at St Mary's Hospital.",
        "That's all for this episode of Everyday Marvels.",
    ],
)
def test_a_line_saying_only_what_the_facts_give_passes(line: str) -> None:
    """Numbers in digits or words, a year gap, names, the show's own words: supported."""
    assert _unsupported(FLEMING, line) == (0, "")


@pytest.mark.parametrize(
    ("line", "detail"),
    [
        ("It was back in 1925, you know.", "1925"),
        ("And then Sir Alexander Fleming went home.", "Sir Alexander Fleming"),
        ("This was in October 1928, right?", "October"),
        ("They made about 2.5 million doses.", "2.5 million"),
        ("The bees keep it at forty-five degrees.", "forty-five"),
        ("Then Howard Florey and Ernst Chain joined.", "Ernst Chain"),
    ],
)
def test_a_line_stating_a_detail_no_fact_gives_is_caught_and_quoted(line: str, detail: str) -> None:
    """The check fails and its advice names the detail and quotes the line."""
    value, advice = _unsupported(FLEMING, line)
    assert value == 1
    assert f'{detail} in "{line[:90]}"' in advice


# -- the judge ------------------------------------------------------------------------------------
def test_claims_the_judge_found_unsupported_fail_the_draft_and_go_to_the_writer() -> None:
    """High scores do not save a draft with an unsupported claim; the claim is in the
    suggestions the writer gets on revision."""
    base = review_script(FACTS, _script(FLEMING), 0.4, 60.0, QualityThresholds(), SHOW)
    claim = '"Fleming won two Nobel prizes" is in no fact.'
    rubric = RubricOut(faithfulness=5, engagement=5, clarity=5, suggestions=["Shorter."])
    assert with_rubric(base, rubric, QualityThresholds()).failed.get("judge_unsupported") is None
    judged = with_rubric(
        base, rubric.model_copy(update={"unsupported_claims": [claim]}), QualityThresholds()
    )
    assert not judged.passed and judged.failed == {**base.failed, "judge_unsupported": 1.0}
    assert any(claim in s for s in judged.suggestions)


# -- through the real agents, Claude simulated -----------------------------------------------------
def _claude(sim: ProviderSimulator) -> tuple[RunSettings, Credentials]:
    settings = RunSettings(llm="claude", backoff_base_s=0.01, backoff_max_s=0.02)
    creds = Credentials.model_validate({"anthropic_api_key": KEY, "anthropic_base_url": sim.url})
    return settings, creds


def _penicillin() -> EpisodeSpec:
    spec = load_batch_file(ROOT / "examples" / "batch.yaml")
    return next(e for e in spec.episodes if e.episode_id == "penicillin")


def test_a_planted_misquote_is_left_out_and_never_written(tmp_path: Path) -> None:
    """Claude returns one fact whose number it misremembered, quote and all: research
    leaves it out and counts it; the script written from that research never says it."""
    ep = _penicillin()
    ledger = LocalLedger(CostLedger(str(tmp_path / "l.jsonl")))
    call = StageCall(episode=ep, inputs={}, ctx=_ctx("research"), extras=StageExtras())

    async def research_and_write(sim: ProviderSimulator) -> tuple[StageResult, Script]:
        settings, creds = _claude(sim)
        result = await ResearchAgent(settings, ledger, creds).run_stage(call)
        assert isinstance(result.output, ResearchDoc)
        writer = ScriptWriter(settings, ledger, creds)
        return result, await writer.write(ep, result.output, _ctx("script"))

    with ProviderSimulator(api_key=KEY, voices={}) as sim:
        sim.plant("misquote")
        result, script = asyncio.run(research_and_write(sim))
        assert sim.requests.get("plant:misquote") == 1
    doc = result.output
    assert isinstance(doc, ResearchDoc)
    assert doc.unverified_facts == 1 and len(doc.facts) >= 5
    planted = doc.unverified[0].text
    assert "2039" in planted  # "In September 1928..." with every digit one off
    assert all(f.text != planted for f in doc.facts)
    page = result.files["research.md"].decode()
    assert f"{len(doc.facts)} facts kept, 1 left out: quote not found in source." in page
    spoken = " ".join(t.text for t in script.turns)
    assert planted not in spoken and "2039" not in spoken


def test_without_a_plant_every_simulated_fact_is_found_in_its_own_source(tmp_path: Path) -> None:
    """The simulated model quotes as a careful model does (curly apostrophes, a stop
    dropped): every fact is kept, each from the source that holds it."""
    spec = load_batch_file(ROOT / "examples" / "batch.yaml")
    ep = next(e for e in spec.episodes if len(e.sources) == 2)
    ledger = LocalLedger(CostLedger(str(tmp_path / "l.jsonl")))
    with ProviderSimulator(api_key=KEY, voices={}) as sim:
        settings, creds = _claude(sim)
        doc = asyncio.run(ResearchAgent(settings, ledger, creds).research(ep, _ctx("research")))
    texts = {s: read_local(s).text for s in ep.sources}
    assert doc.facts and doc.unverified_facts == 0
    assert all(quote_found(f.quote, texts[f.source]) for f in doc.facts)
    assert any(not f.quote.endswith(".") for f in doc.facts)  # retyped, and still found


def test_the_simulated_judge_lists_a_planted_unsupported_claim(tmp_path: Path) -> None:
    """Through the quality agent: no claim normally; a planted one fails the draft."""
    ep = _penicillin()
    ledger = LocalLedger(CostLedger(str(tmp_path / "l.jsonl")))

    async def judged_twice(sim: ProviderSimulator) -> tuple[Script, QualityReport, QualityReport]:
        settings, creds = _claude(sim)
        doc = await ResearchAgent(settings, ledger, creds).research(ep, _ctx("research"))
        script = await ScriptWriter(settings, ledger, creds).write(ep, doc, _ctx("script"))
        judge = QualityEvaluator(settings, ledger, creds)
        clean = await judge.review(ep, doc, script, 0.4, _ctx("review"))
        sim.plant("unsupported_claim")
        return script, clean, await judge.review(ep, doc, script, 0.4, _ctx("review"))

    with ProviderSimulator(api_key=KEY, voices={}) as sim:
        script, clean, planted = asyncio.run(judged_twice(sim))
    assert "judge_unsupported" not in clean.failed
    assert planted.failed.get("judge_unsupported") == 1
    claim = next(s for s in planted.suggestions if "no fact supports" in s)
    assert any(t.text[:40] in claim for t in script.turns)  # it quotes a line of the script
