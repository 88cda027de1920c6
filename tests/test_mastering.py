"""The published episode: an MP3 at podcast loudness with tags and chapters, and
transcripts and chapter files that line up with what a listener hears.

Everything is measured the way a user would check it: the MP3 is decoded (miniaudio),
its loudness measured with pyloudnorm and its true peak by 4x oversampling here, its
tags read with mutagen, the VTT parsed with webvtt-py, SRT and JSON by strict parsers.
"""

from __future__ import annotations

import asyncio
import html
import io
import json
import math
import re
from pathlib import Path
from typing import Any

import miniaudio
import numpy as np
import pyloudnorm
import pytest
import webvtt
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from scipy.signal import correlate, resample_poly

from podcast_factory.actors.audio import AudioSynthesizer
from podcast_factory.actors.ledger import CostLedger
from podcast_factory.actors.master import MasteringAgent
from podcast_factory.actors.research import ResearchAgent
from podcast_factory.actors.script import ScriptWriter
from podcast_factory.actors.summary import SummaryAgent
from podcast_factory.batchfile import build_batch, load_batch_file
from podcast_factory.config import MasterSettings, RunSettings
from podcast_factory.errors import UserInputError
from podcast_factory.metering import LocalLedger, StageContext
from podcast_factory.models import AudioAsset, MasteredAudio, Script, ShowNotes
from podcast_factory.providers.loudness import master_level, true_peak_db
from podcast_factory.providers.transcripts import Cue, srt
from podcast_factory.providers.transcripts import webvtt as vtt_text
from podcast_factory.providers.wav import decode_wav
from podcast_factory.reuse import stage_config
from podcast_factory.stage_call import StageCall, StageExtras
from podcast_factory.stages import STAGES

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = RunSettings()
TOLERANCE_S = 0.1


# ------------------------------------------------------------------ how a user measures


def decoded(mp3: bytes) -> tuple[np.ndarray, int]:
    """The MP3 as a player decodes it: float samples and their rate."""
    out = miniaudio.decode(mp3, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1)
    return np.asarray(out.samples, dtype=np.float64) / 32768.0, out.sample_rate


def mp3_info(mp3: bytes) -> Any:
    """Length and bitrate as mutagen (and so many taggers and hosts) reads them."""
    return MP3(io.BytesIO(mp3)).info


def lufs(samples: np.ndarray, rate: int) -> float:
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples))


def dbtp(samples: np.ndarray) -> float:
    """True peak, 4x oversampled (ITU-R BS.1770 Annex 2)."""
    return 20 * math.log10(float(np.abs(resample_poly(samples, 4, 1)).max()))


def heard_offset_s(wav: bytes, mp3: bytes) -> float:
    """How much later the MP3 plays the WAV's sound: the lag of best correlation."""
    pcm, rate = decode_wav(wav)
    master = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    heard, heard_rate = decoded(mp3)
    master = resample_poly(master, heard_rate, rate)[: 20 * heard_rate]
    heard = heard[: len(master)]
    lags = correlate(heard, master, mode="full", method="fft")
    return (int(np.argmax(lags)) - (len(master) - 1)) / heard_rate


def _vtt_seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


_SRT_TIME = r"(\d\d):(\d\d):(\d\d),(\d\d\d)"
_SRT_CUE = re.compile(rf"^(\d+)\n{_SRT_TIME} --> {_SRT_TIME}\n([^\n]+)$")


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    """A strict SubRip reader: numbered cues in order, one line of text each."""
    cues = []
    for n, block in enumerate(text.strip().split("\n\n"), 1):
        m = _SRT_CUE.match(block)
        assert m, f"cue {n} is not SRT: {block!r}"
        assert int(m.group(1)) == n
        h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(g) for g in m.groups()[1:9])
        start = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000
        end = h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        assert end >= start
        cues.append((start, end, m.group(10)))
    return cues


def check_published(d: Path, script: Script, audio: AudioAsset, notes: ShowNotes) -> MasteredAudio:
    """Everything a user checks in one episode's published files."""
    master = MasteredAudio.model_validate_json((d / "master.json").read_text())
    mp3 = (d / master.path).read_bytes()
    samples, rate = decoded(mp3)
    assert rate == 44100
    assert -17.0 <= lufs(samples, rate) <= -15.0
    assert dbtp(samples) <= -1.0
    assert abs(lufs(samples, rate) - master.lufs) < 0.05  # master.json tells the truth

    offset = heard_offset_s((d / "audio.wav").read_bytes(), mp3)
    assert abs(offset - master.offset_s) < 0.002, "the offset in master.json is the heard one"

    tags = ID3(io.BytesIO(mp3))
    assert str(tags["TIT2"]) == notes.title
    assert str(tags["TALB"]) == "Everyday Marvels"
    assert str(tags["TDRC"])[:2] == "20"
    assert tags.getall("COMM")[0].text[0] == notes.summary
    toc = tags.getall("CTOC")[0]
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    assert list(toc.child_element_ids) == sorted(chaps, key=lambda k: chaps[k].start_time)
    assert len(chaps) == len(notes.chapters) >= 3
    heard_chapters = json.loads((d / "chapters.json").read_text())
    assert heard_chapters["version"] == "1.2.0"
    for i, (cid, chapter, note) in enumerate(
        zip(toc.child_element_ids, heard_chapters["chapters"], notes.chapters, strict=True)
    ):
        chap = chaps[cid]
        assert chap.sub_frames["TIT2"].text[0] == chapter["title"] == note.title
        assert abs(chap.start_time / 1000 - chapter["startTime"]) < 0.001
        if i:  # the first chapter starts at 0, the others where the notes say, as heard
            assert abs(chapter["startTime"] - (note.start_s + offset)) < TOLERANCE_S
    assert abs(mp3_info(mp3).length - master.duration_s) < TOLERANCE_S
    assert abs(master.duration_s - audio.duration_s - offset) < TOLERANCE_S

    expected = [
        (s.start_s + offset, s.end_s + offset, s.speaker, script.turns[s.turn_index].text)
        for s in audio.segments
    ]
    vtt = webvtt.from_buffer(io.StringIO((d / "transcript.vtt").read_text()))
    assert len(vtt.captions) == len(expected)
    for caption, (start, end, speaker, text) in zip(vtt.captions, expected, strict=True):
        assert abs(_vtt_seconds(caption.start) - start) < TOLERANCE_S
        assert abs(_vtt_seconds(caption.end) - end) < TOLERANCE_S
        assert caption.voice == speaker
        assert html.unescape(caption.text) == " ".join(text.split())
    for (start, end, line), (s, e, speaker, text) in zip(
        parse_srt((d / "transcript.srt").read_text()), expected, strict=True
    ):
        assert abs(start - s) < TOLERANCE_S and abs(end - e) < TOLERANCE_S
        assert line == f"{speaker}: {' '.join(text.split())}"
    doc = json.loads((d / "transcript.json").read_text())
    assert doc["version"] == "1.0.0"
    for segment, (s, e, speaker, text) in zip(doc["segments"], expected, strict=True):
        assert set(segment) == {"speaker", "startTime", "endTime", "body"}
        assert segment["speaker"] == speaker and segment["body"] == " ".join(text.split())
        assert abs(segment["startTime"] - s) < TOLERANCE_S
        assert abs(segment["endTime"] - e) < TOLERANCE_S
    return master


# ------------------------------------------------------------------ one episode, in process


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The shortest example episode through every agent in this process, then the
    master stage through its ``run_stage`` hook; its files written as the run would."""
    tmp = tmp_path_factory.mktemp("master")
    spec = load_batch_file(ROOT / "examples" / "batch.yaml")
    ep = spec.episodes[0]
    client = LocalLedger(CostLedger(str(tmp / "ledger.jsonl")))

    def ctx(stage: str) -> StageContext:
        return StageContext(episode_id=ep.episode_id, stage=stage)

    async def go() -> dict:
        doc = await ResearchAgent(SETTINGS, client).research(ep, ctx("research"))
        script = await ScriptWriter(SETTINGS, client).write(ep, doc, ctx("script"))
        synth = await AudioSynthesizer(SETTINGS, client).synthesize(script, ep.show, ctx("audio"))
        notes = await SummaryAgent(SETTINGS, client).notes(
            ep, doc, script, synth.asset, ctx("summary")
        )
        call = StageCall(
            episode=ep,
            inputs={"script": script, "audio": synth.asset, "summary": notes},
            ctx=ctx("master"),
            extras=StageExtras(wav=synth.wav),
        )
        result = await MasteringAgent(SETTINGS, client).run_stage(call)
        return {"ep": ep, "script": script, "synth": synth, "notes": notes, "result": result}

    made = asyncio.run(go())
    d = tmp / ep.episode_id
    d.mkdir()
    (d / "audio.wav").write_bytes(made["synth"].wav)
    (d / "master.json").write_text(made["result"].output.model_dump_json())
    for name, data in made["result"].files.items():
        (d / name).write_bytes(data)
    return {**made, "dir": d}


def test_master_stage_keeps_what_its_registry_entry_says(episode: dict) -> None:
    """The stage keeps exactly its artifacts; the WAV is not among them (it stays the master)."""
    files = {"master.json", *episode["result"].files}
    assert files == set(STAGES["master"].artifacts)
    assert "audio.wav" not in files
    assert STAGES["master"].cost is None  # mastering is free


def test_published_episode_is_what_podcast_apps_expect(episode: dict) -> None:
    """-16 LUFS (+/- 1) and under -1 dBTP on the decoded MP3, ID3 chapters, transcripts
    within 0.1 s of the segments as heard."""
    master = check_published(
        episode["dir"], episode["script"], episode["synth"].asset, episode["notes"]
    )
    assert master.bitrate_kbps == SETTINGS.master.bitrate_kbps
    assert abs(master.lufs - SETTINGS.master.lufs) <= 0.2
    tags = ID3(io.BytesIO((episode["dir"] / "audio.mp3").read_bytes()))
    assert str(tags["TRCK"]) == "1"  # ``number: 1`` in the example batch file


def test_loudness_and_bitrate_are_settings_and_part_of_the_fingerprint(episode: dict) -> None:
    """A quieter target gives a quieter MP3; changing it makes the master stale, not the audio."""
    quiet = RunSettings(master=MasterSettings(lufs=-19.0, bitrate_kbps=64))
    ep, synth = episode["ep"], episode["synth"]
    agent = MasteringAgent(quiet, LocalLedger(CostLedger(str(episode["dir"] / "l2.jsonl"))))
    result = agent.master(ep, episode["script"], synth.asset, episode["notes"], synth.wav)
    samples, rate = decoded(result.files["audio.mp3"])
    assert -20.0 <= lufs(samples, rate) <= -18.0 and dbtp(samples) <= -1.0
    assert mp3_info(result.files["audio.mp3"]).bitrate == 64_000
    assert stage_config("master", "master", ep, quiet) != stage_config(
        "master", "master", ep, SETTINGS
    )
    assert stage_config("audio", "audio", ep, quiet) == stage_config("audio", "audio", ep, SETTINGS)


# ------------------------------------------------------------------ the pieces


def test_limiter_holds_the_ceiling_where_the_gain_alone_would_clip() -> None:
    """Speech-like bursts with sharp peaks reach the target and stay under the ceiling."""
    rate = 22050
    rng = np.random.default_rng(7)
    t = np.arange(rate * 12) / rate
    bursts = (np.sin(2 * np.pi * 0.7 * t) > 0).astype(float)
    x = 0.05 * rng.standard_normal(len(t)) * bursts
    x[:: rate // 3] = 0.9  # clicks far above the body of the signal
    level = master_level(x, rate, -16.0, -1.0)
    assert abs(lufs(level.samples, rate) + 16.0) < 0.1
    assert true_peak_db(level.samples) <= -1.0 and dbtp(level.samples) <= -1.0
    assert level.limited


def test_silence_is_left_alone() -> None:
    """Silence has no loudness to set: no gain, no noise."""
    level = master_level(np.zeros(22050 * 2), 22050, -16.0, -1.0)
    assert not level.samples.any() and level.gain_db == 0.0


def test_cue_text_cannot_break_the_files() -> None:
    """Markup, entities and line breaks in a turn stay text in VTT and one line in SRT."""
    cues = [
        Cue(0.0, 1.5, "Nora", "Is 3 < 4 & 5 > 2?\n\nYes --> always."),
        Cue(61.2, 3725.5, "Eli", "Sure."),
    ]
    vtt = webvtt.from_buffer(io.StringIO(vtt_text(cues)))
    assert [c.voice for c in vtt.captions] == ["Nora", "Eli"]
    assert html.unescape(vtt.captions[0].text) == "Is 3 < 4 & 5 > 2? Yes --> always."
    assert vtt.captions[1].end == "01:02:05.500"
    parsed = parse_srt(srt(cues))
    assert parsed[1] == (61.2, 3725.5, "Eli: Sure.")


def test_batch_file_episode_number_is_checked() -> None:
    """``number`` is a whole number from 1; anything else names the field."""
    data = {
        "show": {"name": "S", "hosts": [{"name": "A"}, {"name": "B"}]},
        "episodes": [{"topic": "t", "sources": ["sources/tides.md"], "number": 0}],
    }
    with pytest.raises(UserInputError) as err:
        build_batch(data, ROOT / "examples")
    assert err.value.field == "episodes[0].number"


# ------------------------------------------------------------------ the example batch


def test_example_batch_publishes_every_episode(
    ray_session: None, example_dir: Path, tmp_path: Path
) -> None:
    """The example batch on Ray: each completed episode has its MP3 at -16 LUFS under
    -1 dBTP, tagged with chapters, and transcripts timed to it; the WAV is kept."""
    from podcast_factory.api import run_batch

    spec = load_batch_file(example_dir / "batch.yaml")
    out = tmp_path / "out"
    result = run_batch(spec, out)
    assert result.ok, [(e.episode_id, e.status, e.errors) for e in result.episodes]
    for ep in spec.episodes:
        d = out / ep.episode_id
        manifest = json.loads((d / "manifest.json").read_text())
        assert manifest["stages"]["master"]["status"] == "completed"
        assert manifest["stages"]["master"]["cost_usd"] == "0.000000"
        script = Script.model_validate_json((d / "script.json").read_text())
        audio = AudioAsset.model_validate_json((d / "audio.json").read_text())
        notes = ShowNotes.model_validate_json((d / "summary.json").read_text())
        check_published(d, script, audio, notes)
        assert str(ID3(d / "audio.mp3")["TRCK"]) == str(ep.number)
