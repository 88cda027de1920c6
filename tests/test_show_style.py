"""The show's own voice, offline: a ``style:`` block changes what the hosts say.

The example batch's episodes go through the real agents as plain classes (no Ray): the
offline writer never says a phrase the style avoids and ends on the sign-off, the script
gate counts avoided phrases a script says, the posts leave them out, and the show's
words a minute sizes the script. Bad style blocks stop the batch with exit 2.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.quality import QualityEvaluator
from podcast_factory.actors.research import ResearchAgent
from podcast_factory.actors.script import ScriptWriter
from podcast_factory.actors.social import SocialAgent
from podcast_factory.batchfile import load_batch_file
from podcast_factory.cli import main
from podcast_factory.config import RunSettings
from podcast_factory.metering import LocalLedger, StageContext
from podcast_factory.models import EpisodeSpec, QualityReport, Script, SocialPosts

AVOID = ["so that's", "better story than I expected", "Okay"]
"""Lines the offline writer says in the example batch without a style (checked below)."""
SIGN_OFF = "Until next time, keep wondering."
SETTINGS = RunSettings(memory=False)


def _heard(text: str) -> str:
    """A line as a listener hears it: lowercase words, single spaces."""
    return " " + " ".join(re.findall(r"[a-z0-9']+", text.lower())) + " "


def _says(text: str, phrase: str) -> bool:
    return _heard(phrase) in _heard(text)


def _batch(example_dir: Path, style: dict[str, Any] | None) -> Path:
    data = yaml.safe_load((example_dir / "batch.yaml").read_text())
    if style is not None:
        data["show"]["style"] = style
    path = example_dir / "styled.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _produce(tmp: Path, batch: Path) -> list[tuple[EpisodeSpec, Script, QualityReport, Any]]:
    """Each episode's research, script, script-gate verdict and posts, offline."""
    spec = load_batch_file(batch)
    client = LocalLedger(CostLedger(str(tmp / f"{batch.stem}.jsonl")))

    async def one(ep: EpisodeSpec) -> tuple[EpisodeSpec, Script, QualityReport, SocialPosts]:
        def ctx(stage: str) -> StageContext:
            return StageContext(episode_id=ep.episode_id, stage=stage)

        doc = await ResearchAgent(SETTINGS, client).research(ep, ctx("research"))
        script = await ScriptWriter(SETTINGS, client).write(ep, doc, ctx("script"))
        pace = 60 / ep.show.style.words_per_minute
        review = await QualityEvaluator(SETTINGS, client).review(
            ep, doc, script, pace, ctx("review")
        )
        posts = await SocialAgent(SETTINGS, client).posts(ep, doc, script, ctx("social"))
        return ep, script, review, posts

    async def every() -> list[Any]:
        return [await one(ep) for ep in spec.episodes]

    return asyncio.run(every())


@pytest.fixture(scope="module")
def plain_and_styled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import shutil

    tmp = tmp_path_factory.mktemp("style")
    examples = tmp / "examples"
    shutil.copytree(Path(__file__).parent.parent / "examples", examples)
    style = {"avoid": AVOID, "sign_off": SIGN_OFF, "voice_guide": "Warm, never breathless."}
    return {
        "plain": _produce(tmp, _batch(examples, None)),
        "styled": _produce(tmp, _batch(examples, style)),
    }


def test_without_a_style_the_writer_says_the_phrases_the_test_avoids(
    plain_and_styled: dict[str, Any],
) -> None:
    """The guard: every phrase of AVOID is said by some example episode today, and no
    verdict has an avoided_phrases check (a show without phrases to avoid has none)."""
    lines = [t.text for _, script, _, _ in plain_and_styled["plain"] for t in script.turns]
    for phrase in AVOID:
        assert any(_says(line, phrase) for line in lines), phrase
    for _, _, review, _ in plain_and_styled["plain"]:
        assert "avoided_phrases" not in {c.name for c in review.checks}


def test_the_offline_writer_never_says_an_avoided_phrase_and_ends_on_the_sign_off(
    plain_and_styled: dict[str, Any],
) -> None:
    """Every styled script: no avoided phrase in any line, the sign-off last, and the
    script gate passes it with avoided_phrases at 0."""
    for ep, script, review, _ in plain_and_styled["styled"]:
        for turn in script.turns:
            assert not [p for p in AVOID if _says(turn.text, p)], (ep.episode_id, turn.text)
        assert script.turns[-1].text.endswith(SIGN_OFF), script.turns[-1].text
        assert sum(SIGN_OFF in t.text for t in script.turns) == 1
        checks = {c.name: c for c in review.checks}
        assert checks["avoided_phrases"].value == 0 and checks["avoided_phrases"].passed
        assert review.passed, (ep.episode_id, review.failed)


def test_the_styled_script_still_tells_the_story(plain_and_styled: dict[str, Any]) -> None:
    """Leaving lines out costs the chatter, not the episode: the styled script keeps the
    plain script's facts and the show's own intro."""
    for (_, plain, _, _), (_, styled, _, _) in zip(
        plain_and_styled["plain"], plain_and_styled["styled"], strict=True
    ):
        facts = {r for t in plain.turns for r in t.fact_refs}
        assert {r for t in styled.turns for r in t.fact_refs} == facts
        assert styled.turns[0].text == plain.turns[0].text
        speakers = [t.speaker for t in styled.turns]
        assert all(a != b for a, b in itertools.pairwise(speakers))


def test_the_script_gate_names_an_avoided_phrase_a_script_says(
    plain_and_styled: dict[str, Any],
) -> None:
    """The plain script read as the styled show's: avoided_phrases fails, counting the
    phrases said, and the advice names them."""
    (_, plain, _, _), (ep, _, _, _) = plain_and_styled["plain"][0], plain_and_styled["styled"][0]
    client = LocalLedger(CostLedger(str(Path(__file__).parent / "unused.jsonl")))
    research = ResearchAgent(SETTINGS, client)
    ctx = StageContext(episode_id=ep.episode_id, stage="review")
    doc = asyncio.run(research.research(ep, ctx))
    review = asyncio.run(QualityEvaluator(SETTINGS, client).review(ep, doc, plain, 0.4, ctx))
    said = sum(1 for t in plain.turns for p in AVOID if _says(t.text, p))
    check = {c.name: c for c in review.checks}["avoided_phrases"]
    assert said >= 1 and check.value == said and not check.passed and not review.passed
    advice = " ".join(review.suggestions)
    assert any(f'"{p}"' in advice for p in AVOID if any(_says(t.text, p) for t in plain.turns))


def test_posts_leave_out_the_sentences_with_an_avoided_phrase(
    tmp_path: Path, example_dir: Path
) -> None:
    """A phrase the plain posts say (the lead sentence's "explain how") is in no styled
    post, and every platform still gets a post with its link."""
    plain = _produce(tmp_path, _batch(example_dir, None))[0][3]
    assert any(_says(p.text, "explain how") for p in plain.posts)
    styled = _produce(tmp_path, _batch(example_dir, {"avoid": ["explain how"]}))[0][3]
    for post in styled.posts:
        assert not _says(post.text, "explain how"), post.text
        assert "{episode_link}" in post.text and len(post.text.split()) > 8, post.text


def test_words_per_minute_sizes_the_script(tmp_path: Path, example_dir: Path) -> None:
    """A slower show (120 words a minute) gets a shorter script for the same minutes."""
    plain = _produce(tmp_path, _batch(example_dir, None))
    slow = _produce(tmp_path, _batch(example_dir, {"words_per_minute": 120}))
    for (ep, before, _, _), (_, after, _, _) in zip(plain, slow, strict=True):
        assert before.target_words == round(ep.minutes * 150)
        assert after.target_words == round(ep.minutes * 120)
        assert after.words < before.words


@pytest.mark.parametrize(
    ("style", "words"),
    [
        ({"avoid": "x", "tone": "dry"}, "show.style.tone: unknown key"),
        ({"words_per_minute": 400}, "show.style.words_per_minute: must be a whole number from 100"),
        ({"words_per_minute": "fast"}, "show.style.words_per_minute: must be a whole number"),
        ({"avoid": ["fine", 3]}, "show.style.avoid[1]: must be a non-empty text"),
        ({"avoid": ["...", "fine"]}, "show.style.avoid[0]: '...' has no words"),
        ({"avoid": ["Stay curious"]}, "show.style.avoid[0]: 'Stay curious' is said by show.outro"),
        ({"avoid": ["keep"], "sign_off": "Keep wondering."}, "is said by show.style.sign_off"),
        ({"avoid": ["a b", "A, B!"]}, "show.style.avoid[1]: 'A, B!' is listed twice"),
        (["avoid"], "show.style: must be a mapping"),
        ({"sign_off": "x" * 400}, "show.style.sign_off: is 400 characters long"),
    ],
)
def test_a_bad_style_block_exits_2_naming_the_field(
    style: Any, words: str, example_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2, the field and the problem, nothing written."""
    batch = _batch(example_dir, style)
    out = example_dir / "out"
    assert main(["estimate", str(batch)]) == 2
    assert main(["batch", str(batch), "--out", str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert words in err, err
    assert not out.exists()
