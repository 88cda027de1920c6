"""The episode's WAV goes from the audio agent to the quality agent through Ray's object
store, owned by the supervisor (here: the test, the caller): it survives the audio
agent's death, never rides in a call's result, and a resumed run puts it there from disk.
"""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from typing import Any

import pytest
import ray

from podcast_factory.actors.audio import AudioSynthesizer
from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.quality import QualityEvaluator
from podcast_factory.actors.research import ResearchAgent
from podcast_factory.actors.script import ScriptWriter
from podcast_factory.batchfile import load_batch_file
from podcast_factory.config import RunSettings
from podcast_factory.handover import EpisodeFiles, call_stage
from podcast_factory.metering import LocalLedger, StageContext
from podcast_factory.models import AudioAsset, QualityReport
from podcast_factory.providers.wav import decode_wav
from podcast_factory.rundir import RunDir
from podcast_factory.stage_call import StageCall, StageExtras
from podcast_factory.stages import STAGES

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = RunSettings()


def _ctx(eid: str, stage: str) -> StageContext:
    return StageContext(episode_id=eid, stage=stage)


@pytest.fixture
def written(tmp_path: Path) -> dict[str, Any]:
    """The shortest example episode researched and written in this process."""
    ep = load_batch_file(ROOT / "examples" / "batch.yaml").episodes[0]
    client = LocalLedger(CostLedger(str(tmp_path / "ledger.jsonl")))

    async def go() -> dict[str, Any]:
        doc = await ResearchAgent(SETTINGS, client).research(ep, _ctx(ep.episode_id, "research"))
        script = await ScriptWriter(SETTINGS, client).write(ep, doc, _ctx(ep.episode_id, "script"))
        return {"ep": ep, "doc": doc, "script": script}

    return asyncio.run(go())


def _agent(cls: type, tmp_path: Path, name: str) -> Any:
    ledger = LocalLedger(CostLedger(str(tmp_path / f"{name}.jsonl")))
    return ray.remote(cls).options(max_restarts=0).remote(SETTINGS, ledger)


def _judge(written: dict[str, Any], asset: AudioAsset) -> StageCall:
    ep = written["ep"]
    return StageCall(
        episode=ep,
        inputs={"research": written["doc"], "script": written["script"], "audio": asset},
        ctx=_ctx(ep.episode_id, "quality"),
        extras=StageExtras(judge_text=True),
    )


def test_the_wav_reaches_the_quality_agent_after_the_audio_agent_died(
    ray_session: None, written: dict[str, Any], tmp_path: Path
) -> None:
    """The audio agent answers with a small result and the WAV apart; the WAV, owned by
    the caller, is still there for the quality agent once the audio agent is dead, and
    the quality agent hears the whole episode."""
    ep = written["ep"]
    audio = _agent(AudioSynthesizer, tmp_path, "audio")
    quality = _agent(QualityEvaluator, tmp_path, "quality")
    files = EpisodeFiles(RunDir(tmp_path / "out"), ep.episode_id)
    call = StageCall(
        episode=ep, inputs={"script": written["script"]}, ctx=_ctx(ep.episode_id, "audio")
    )

    async def scenario() -> tuple[Any, Any, Any]:
        spoken = await call_stage(audio, STAGES["audio"], call, files)
        head, _ = await audio.run_stage_split.remote(call, ("audio.wav",))  # one return: both
        ray.kill(audio, no_restart=True)
        await asyncio.sleep(0.5)
        asset = spoken.output
        assert isinstance(asset, AudioAsset)
        heard = await call_stage(quality, STAGES["quality"], _judge(written, asset), files)
        return spoken, head, heard

    spoken, head, heard = asyncio.run(scenario())
    wav = spoken.files["audio.wav"]
    pcm, rate = decode_wav(wav)
    assert len(wav) > 100_000  # a real episode's audio
    assert len(pcm) / 2 / rate == pytest.approx(spoken.output.duration_s, abs=0.01)
    assert "audio.wav" not in head.files and len(pickle.dumps(head)) < len(wav) / 10
    report = heard.output
    assert isinstance(report, QualityReport)
    duration = next(c for c in report.checks if c.name == "duration")
    assert duration.passed, report.checks  # it heard the episode's length, not nothing
    assert report.passed, report.failed


def test_a_resumed_run_hands_over_the_wav_from_disk(
    ray_session: None, written: dict[str, Any], tmp_path: Path
) -> None:
    """When the audio stage was reused from an earlier run, the WAV on disk is what the
    quality agent hears: put into the object store from ``audio.wav``."""
    ep = written["ep"]
    audio = AudioSynthesizer(SETTINGS, LocalLedger(CostLedger(str(tmp_path / "a.jsonl"))))
    synth = asyncio.run(audio.synthesize(written["script"], ep.show, _ctx(ep.episode_id, "audio")))
    rundir = RunDir(tmp_path / "out")
    rundir.write_artifact(ep.episode_id, "audio.wav", synth.wav)
    quality = _agent(QualityEvaluator, tmp_path, "quality")
    files = EpisodeFiles(rundir, ep.episode_id)
    heard = asyncio.run(call_stage(quality, STAGES["quality"], _judge(written, synth.asset), files))
    report = heard.output
    assert isinstance(report, QualityReport)
    assert report.passed, report.failed
    assert files.ref is not None and ray.get(files.ref)["audio.wav"] == synth.wav
