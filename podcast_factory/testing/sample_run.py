"""A run directory made in-process, without Ray or speech: for the feed and run page
tests, and for the README's screenshot.

Each episode gets what a real run leaves (manifest with every stage, its tries and
costs, drafts; script, audio timings, a WAV of tones, notes, posts, verdict), with the
artifacts' checksums recorded so ``report`` finds the folder intact. An episode may be
``completed``, ``rejected`` (its draft failed the quality gate after a revision) or
``failed`` (its audio stage gave up after a retry).
"""

from __future__ import annotations

import io
import math
import time
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from podcast_factory.models import (
    AudioAsset,
    BatchSpec,
    Chapter,
    Check,
    Draft,
    EpisodeSpec,
    EpisodeState,
    ErrorInfo,
    Host,
    Post,
    QualityReport,
    Script,
    Segment,
    Show,
    ShowNotes,
    SocialPosts,
    SourceInfo,
    StageRecord,
    Turn,
)
from podcast_factory.rundir import RunDir, to_json_bytes
from podcast_factory.state import StageSpan

SOURCE = "https://example.org/notes"
LINES = (
    "Welcome back! Today we are looking at something you see every day.",
    "It turns out the story behind it is older than most people think.",
    "Here is the part that surprised me most when I read the sources.",
    "So the short answer is yes, and the long answer is even better.",
    "That's all for this episode. Stay curious!",
)
"""What the sample hosts say, in turn."""
RATE = 8000
"""Samples a second of the sample WAVs: small files, exact durations."""


@dataclass(frozen=True)
class SampleEpisode:
    episode_id: str
    topic: str
    status: str = "completed"
    """``completed``, ``rejected`` or ``failed``."""
    turns: int = 4
    turn_s: float = 1.5


def sample_show(name: str = "Everyday Marvels") -> Show:
    """A show with every feed field Apple Podcasts asks for."""
    return Show(
        name=name,
        hosts=(Host(name="Nora"), Host(name="Eli")),
        tagline="Ordinary things with extraordinary stories behind them.",
        artwork="artwork.png",
        author="Everyday Marvels Team",
        category="Science/Natural Sciences",
        language="en-us",
        explicit=False,
        email="hosts@example.org",
    )


def _wav(seconds: float) -> bytes:
    frames = round(seconds * RATE)
    samples = bytearray()
    for i in range(frames):
        value = int(6000 * math.sin(2 * math.pi * (220 + 110 * (i // RATE % 3)) * i / RATE))
        samples += value.to_bytes(2, "little", signed=True)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(samples))
    return out.getvalue()


def _span(at: float, took: float, attempt: int = 1, ok: bool = True) -> StageSpan:
    return StageSpan(started_at=at, ended_at=at + took, attempt=attempt, ok=ok)


class _Writer:
    """Writes one episode's artifacts and builds its stage records as it goes."""

    def __init__(self, rundir: RunDir, eid: str, clock: float) -> None:
        self.rundir, self.eid, self.clock = rundir, eid, clock
        self.stages: dict[str, StageRecord] = {}

    def stage(
        self, name: str, took: float, cost: int, files: dict[str, bytes], tries: int = 1
    ) -> None:
        spans = []
        for attempt in range(1, tries + 1):
            spans.append(_span(self.clock, took, attempt, ok=attempt == tries))
            self.clock += took + 0.2
        artifacts = {n: self.rundir.write_artifact(self.eid, n, d) for n, d in files.items()}
        before = self.stages.get(name)  # a revision runs the stage again
        self.stages[name] = StageRecord(
            status="completed",
            attempts=tries + (before.attempts if before else 0),
            duration_s=round(took * tries, 3),
            cost_micro_usd=cost + (before.cost_micro_usd if before else 0),
            artifacts=artifacts,
            fingerprint=f"sample-{name}",
            started_at=spans[0].started_at,
            ended_at=spans[-1].ended_at,
            spans=(*(before.spans if before else ()), *spans),
        )


def _episode(rundir: RunDir, ep: SampleEpisode, spec: EpisodeSpec, start: float) -> EpisodeState:
    w = _Writer(rundir, ep.episode_id, start)
    host = [h.name for h in spec.show.hosts]
    turns = tuple(
        Turn(speaker=host[i % 2], text=f"{LINES[i % len(LINES)]} ({ep.topic}, line {i + 1})")
        for i in range(ep.turns)
    )
    script = Script(episode_id=ep.episode_id, title=ep.topic, turns=turns, target_words=40)
    w.stage("research", 0.8, 2_100, {"research.json": b'{"facts": []}\n'})
    w.stage("script", 0.6, 9_800, {"script.json": to_json_bytes(script)})
    w.stage("review", 0.3, 1_200, {"review.json": b'{"passed": true}\n'})
    drafts = [Draft(number=0, gate="review", passed=False, overall=0.4, cost_micro_usd=11_000)]
    w.stage("script", 0.6, 9_800, {"script.json": to_json_bytes(script)})  # the revision
    segments = tuple(
        Segment(turn_index=i, speaker=t.speaker, start_s=i * ep.turn_s, end_s=(i + 1) * ep.turn_s)
        for i, t in enumerate(turns)
    )
    seconds = ep.turns * ep.turn_s
    asset = AudioAsset(path="audio.wav", duration_s=seconds, sample_rate=RATE, segments=segments)
    errors: tuple[ErrorInfo, ...] = ()
    if ep.status == "failed":
        refused = ErrorInfo(type="ProviderError", message="speech refused", stage="audio")
        w.stages["audio"] = StageRecord(
            status="failed",
            attempts=2,
            duration_s=1.0,
            started_at=w.clock,
            ended_at=w.clock + 1.2,
            spans=(_span(w.clock, 0.5, 1, False), _span(w.clock + 0.7, 0.5, 2, False)),
            error=refused,
        )
        errors = (refused,)
        failure = "audio failed after 2 tries: speech refused"
        return EpisodeState(
            episode_id=ep.episode_id,
            topic=ep.topic,
            status="failed",
            stages=w.stages,
            errors=errors,
            total_cost_micro_usd=sum(r.cost_micro_usd for r in w.stages.values()),
            started_at=start,
            ended_at=w.clock + 1.2,
            failure=failure,
            drafts=tuple(drafts),
        )
    voiced = {"audio.json": to_json_bytes(asset), "audio.wav": _wav(seconds)}
    w.stage("audio", 1.2, 31_000, voiced, tries=2)
    passed = ep.status == "completed"
    report = QualityReport(
        passed=passed,
        scores={"overall": 1.0 if passed else 0.3},
        checks=(Check(name="duration", value=0.05, threshold="|x| <= 0.35", passed=passed),),
        suggestions=() if passed else ("Say fewer words.",),
    )
    w.stage("quality", 0.2, 0, {"quality.json": to_json_bytes(report)})
    drafts.append(
        Draft(number=1, passed=passed, overall=report.scores["overall"], cost_micro_usd=41_000)
    )
    if passed:
        chapters = tuple(
            Chapter(start_s=i * ep.turn_s * 2, title=f"Part {i + 1} of {ep.topic}")
            for i in range(max(1, ep.turns // 2))
        )
        notes = ShowNotes(
            title=ep.topic,
            summary=f"Nora and Eli talk about {ep.topic}: what it is, why it matters.",
            chapters=chapters,
            sources=(SourceInfo(source="https://example.org/notes", title="Notes", chars=900),),
        )
        posts = SocialPosts(
            posts=(Post(platform="x", text=f"New: {ep.topic} #marvels", hashtags=("#marvels",)),)
        )
        w.stage("summary", 0.3, 1_500, {"summary.json": to_json_bytes(notes)})
        w.stage("social", 0.3, 900, {"social.json": to_json_bytes(posts)})
    return EpisodeState(
        episode_id=ep.episode_id,
        topic=ep.topic,
        status="completed" if passed else "rejected",
        stages=w.stages,
        errors=errors,
        total_cost_micro_usd=sum(r.cost_micro_usd for r in w.stages.values()),
        started_at=start,
        ended_at=w.clock,
        failure=None if passed else "quality rejected draft 1",
        quality_passed=passed,
        duration_audio_s=seconds,
        drafts=tuple(drafts),
    )


def make_sample_run(
    root: Path,
    episodes: Sequence[SampleEpisode],
    show: Show | None = None,
    started_at: float | None = None,
) -> Path:
    """Write a finished run directory of ``episodes`` at ``root``; return ``root``."""
    show = show or sample_show()
    start = started_at if started_at is not None else time.time() - 60
    rundir = RunDir(root)
    specs = [
        EpisodeSpec(episode_id=e.episode_id, topic=e.topic, sources=(SOURCE,), show=show)
        for e in episodes
    ]
    batch = BatchSpec(show=show, episodes=tuple(specs))
    states = [
        _episode(rundir, e, s, start + i * 0.7)
        for i, (e, s) in enumerate(zip(episodes, specs, strict=True))
    ]
    for state in states:
        rundir.write_manifest(state)
    ended = max((s.ended_at or start) for s in states)
    rundir.write_batch(
        {
            "spec": batch.model_dump(mode="json"),
            "started_at": start,
            "ended_at": ended,
            "wall_s": round(ended - start, 3),
        }
    )
    return root
