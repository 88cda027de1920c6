"""Facts checked against their sources, end to end on a real Ray instance.

Claude and ElevenLabs are the provider simulator, through their real SDKs. A test plants
a model's mistake in it (``ProviderSimulator.plant``): a research fact whose quote is in
no source must be left out, counted, and never heard; a claim the judge finds
unsupported must send the draft back to the writer with that claim.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podcast_factory.api import load_batch_file, run_batch
from podcast_factory.config import Credentials, RunSettings
from podcast_factory.models import BatchSpec, ResearchDoc
from podcast_factory.testing import ProviderSimulator
from podcast_factory.workflow import Workflow

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_session")]

KEY = "sk-ant-test-FAKEKEY-facts-e2e"
SETTINGS = RunSettings(llm="claude", tts="elevenlabs", backoff_base_s=0.05, backoff_max_s=0.2)


def _penicillin(example_dir: Path, workflow: Workflow) -> BatchSpec:
    spec = load_batch_file(example_dir / "batch.yaml")
    episodes = tuple(e for e in spec.episodes if e.episode_id == "penicillin")
    return spec.model_copy(update={"episodes": episodes, "workflow": workflow})


def _creds(sim: ProviderSimulator) -> Credentials:
    return Credentials.model_validate(
        {
            "anthropic_api_key": KEY,
            "elevenlabs_api_key": KEY,
            "anthropic_base_url": sim.url,
            "elevenlabs_base_url": sim.url,
        }
    )


def test_a_fact_whose_quote_is_not_in_its_source_is_never_said(
    example_dir: Path, tmp_path: Path
) -> None:
    """Claude's research returns a fact with a misremembered year, quoted as such: the
    episode completes without it. research.json and research.md count it; the script,
    the transcript of the audio, the notes and the posts never say it."""
    spec = _penicillin(example_dir, Workflow.preset("full"))
    out = tmp_path / "out"
    with ProviderSimulator(api_key=KEY, voices={}) as sim:
        sim.plant("misquote")
        result = run_batch(spec, out, SETTINGS, creds=_creds(sim))
        planted_once = sim.requests.get("plant:misquote")
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    assert planted_once == 1
    folder = out / "penicillin"
    doc = ResearchDoc.model_validate_json((folder / "research.json").read_text())
    assert doc.unverified_facts == 1 and len(doc.unverified) == 1 and doc.facts
    planted = doc.unverified[0].text
    assert "2039" in planted  # "In September 1928 ..." with every digit one off
    research_md = (folder / "research.md").read_text()
    assert f"{len(doc.facts)} facts kept, 1 left out: quote not found in source." in research_md
    heard = {
        name: (folder / name).read_text()
        for name in ("script.md", "script.json", "transcript.vtt", "summary.md", "social.json")
    }
    assert any(f.text[:30] in heard["transcript.vtt"] for f in doc.facts)  # the kept are heard
    for name, text in heard.items():
        assert planted not in text and "2039" not in text, name
    review = json.loads((folder / "review.json").read_text())
    assert {c["name"]: c["passed"] for c in review["checks"]}["unsupported_details"]


def test_a_claim_the_judge_finds_unsupported_sends_the_draft_back(
    example_dir: Path, tmp_path: Path
) -> None:
    """The judge lists a line of the first draft as unsupported: the script gate rejects
    it, the writer is asked again with that claim, and the second draft passes."""
    spec = _penicillin(example_dir, Workflow.preset("script-only", revisions=1))
    out = tmp_path / "out"
    with ProviderSimulator(api_key=KEY, voices={}) as sim:
        sim.plant("unsupported_claim")
        result = run_batch(spec, out, SETTINGS, creds=_creds(sim))
        prompts = [json.dumps(body) for body in sim.message_bodies]
        tts_calls = sim.tts_calls
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    manifest = json.loads((out / "penicillin" / "manifest.json").read_text())
    drafts = manifest["drafts"]
    assert [(d["number"], d["gate"], d["passed"]) for d in drafts] == [
        (0, "review", False),
        (1, "review", True),
    ]
    assert set(drafts[0]["failed_checks"]) == {"judge_unsupported"}
    claim = next(s for s in drafts[0]["suggestions"] if "no fact supports" in s)
    revision = [p for p in prompts if "This is a revision" in p]
    assert len(revision) == 1 and json.dumps(claim)[1:-1] in revision[0]
    assert tts_calls == []  # a script-only run voices nothing
