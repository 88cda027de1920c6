"""Offline speech speed: espeak-ng seconds of audio per second of wall and of CPU time.

Why measured through ``EspeakEngine.speak`` (``providers/speech.py``): that is the call
the audio agent makes for an offline episode, lock, worker thread and metering included,
so the figure is what a batch gets per audio agent. The scripts are the three example
episodes (``examples/batch.yaml``) written offline in this process by the research and
script agents, so the text is what the demo speaks. The library is loaded and warmed up
before the clock starts, and each round uses a new engine, so its turn cache never
answers.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import bench_common as bc
import bench_docs as docs

from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.research import ResearchAgent
from podcast_factory.actors.script import ScriptWriter
from podcast_factory.batchfile import load_batch_file
from podcast_factory.config import RunSettings
from podcast_factory.metering import LocalLedger, Meter, StageContext
from podcast_factory.models import EpisodeSpec, Script
from podcast_factory.providers.speech import EspeakEngine


@dataclass(frozen=True)
class SpeechRun:
    episode_id: str
    characters: int
    audio_s: float
    wall_s: float
    cpu_s: float


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def example_scripts(batch_file: Path, tmp: Path) -> list[tuple[EpisodeSpec, Script]]:
    settings = RunSettings(memory=False)
    client = LocalLedger(CostLedger(str(tmp / "ledger.jsonl")))
    research, writer = ResearchAgent(settings, client), ScriptWriter(settings, client)
    out = []
    for ep in load_batch_file(batch_file).episodes:
        doc = await research.research(ep, StageContext(episode_id=ep.episode_id, stage="r"))
        script = await writer.write(ep, doc, StageContext(episode_id=ep.episode_id, stage="s"))
        out.append((ep, script))
    return out


async def speak_once(ep: EpisodeSpec, script: Script, wpm: int, tmp: Path) -> SpeechRun:
    engine = EspeakEngine(wpm)
    voices = {h.name: engine.voice(h, i) for i, h in enumerate(ep.show.hosts)}
    turns = [(t.text, voices[t.speaker]) for t in script.turns]
    meter = Meter(
        LocalLedger(CostLedger(str(tmp / "speech-ledger.jsonl"))),
        StageContext(episode_id=ep.episode_id, stage="audio"),
    )
    cpu, wall = _cpu(), time.perf_counter()
    pcms = await engine.speak(meter, turns)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    audio_s = sum(len(p) for p in pcms) / 2 / engine.sample_rate
    chars = sum(len(t) for t, _ in turns)
    return SpeechRun(ep.episode_id, chars, audio_s, wall, cpu)


def measure(batch_file: Path, tmp: Path, rounds: int) -> list[list[SpeechRun]]:
    """``rounds`` rounds over the example scripts (after one warm-up synthesis)."""

    async def go() -> list[list[SpeechRun]]:
        scripts = await example_scripts(batch_file, tmp)
        settings = RunSettings()
        warm = EspeakEngine(settings.wpm)
        await warm.speak(
            Meter(LocalLedger(CostLedger(None)), StageContext(episode_id="w", stage="w")),
            [("Warming up the speech library.", warm.voice(scripts[0][0].show.hosts[0], 0))],
        )
        return [
            [await speak_once(ep, script, settings.wpm, tmp) for ep, script in scripts]
            for _ in range(rounds)
        ]

    return asyncio.run(go())


# -- the benchmark --------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> None:
    """``bench.py speech``: the rounds, printed and written to the doc."""
    facts = bc.machine()
    with tempfile.TemporaryDirectory(prefix="bench-speech-") as tmp:
        rounds = measure(bc.EXAMPLES / "batch.yaml", Path(tmp), args.rounds)
    rows = []
    for run in rounds[-1]:
        rows.append(
            [
                run.episode_id,
                run.characters,
                f"{run.audio_s:.1f}",
                f"{run.wall_s:.2f}",
                f"{run.cpu_s:.2f}",
                f"{run.audio_s / run.wall_s:.1f}",
                f"{run.audio_s / max(run.cpu_s, 1e-9):.1f}",
            ]
        )
    totals = []
    for i, r in enumerate(rounds):
        audio, wall, cpu = (sum(getattr(x, f) for x in r) for f in ("audio_s", "wall_s", "cpu_s"))
        totals.append(
            [
                f"round {i + 1}",
                sum(x.characters for x in r),
                f"{audio:.1f}",
                f"{wall:.2f}",
                f"{cpu:.2f}",
                f"{audio / wall:.1f}",
                f"{audio / max(cpu, 1e-9):.1f}",
            ]
        )
    head = ["script", "chars", "audio s", "wall s", "CPU s", "audio s / wall s", "audio s / CPU s"]
    text = docs.SPEECH_DOC.format(
        command=bc.command(args),
        machine=bc.machine_lines(facts),
        rounds=args.rounds,
        table=bc.md_table(head, rows),
        totals=bc.md_table(head, totals),
        notes=docs.NOTES_SPEECH,
    )
    table = bc.text_table(head, rows) + "\n\n" + bc.text_table(head, totals)
    bc.report("speech", "Offline speech (espeak-ng)", text, table, args)
