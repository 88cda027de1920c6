"""Claude's prompts as templates: exported, edited, checked, sent; fingerprints that follow.

The Claude writer drives the real anthropic SDK against the loopback simulator, which
records every request body. The defaults send the prompts pinned before templates
existed, byte for byte; an edited template and a style block reach the request and
change the script; an unknown placeholder stops the batch with exit 2 before anything is
written; and a template or style field changes the fingerprint of exactly the stages it
shapes (nothing at all for a batch without them, so old run directories keep reusing).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from podcast_factory.batchfile import load_batch_file
from podcast_factory.cli import main
from podcast_factory.config import RunSettings
from podcast_factory.estimate import estimate_batch
from podcast_factory.models import EpisodeSpec
from podcast_factory.prompt_files import export_prompts, load_prompts
from podcast_factory.prompts import TEMPLATES, Prompts
from podcast_factory.reuse import _hash, stage_config
from podcast_factory.stages import STAGES
from podcast_factory.style import Style
from tests.prompt_cases import DOC, GOLDEN, SPEC, capture, script_for

ROOT = Path(__file__).resolve().parent.parent
PINNED = Path(__file__).parent / "data" / "stage_configs_before_style.json"
"""Each built-in stage's fingerprint config for the example batch (offline, and Claude
with ElevenLabs), hashed, as the code before style blocks and templates made them."""
CLAUDE_STAGES = {"research", "script", "review", "quality", "summary", "social"}


def _configs(spec_file: Path, settings: RunSettings | None = None) -> dict[str, str]:
    """The hashed config of every stage of every episode, offline and with Claude."""
    spec = load_batch_file(spec_file)
    found = {}
    for llm, tts in (("offline", "espeak"), ("claude", "elevenlabs")):
        base = (settings or RunSettings()).model_copy(update={"llm": llm, "tts": tts})
        if spec.prompts.edited:
            base = base.model_copy(update={"prompts": spec.prompts})
        for ep in spec.episodes:
            for stage in STAGES:
                found[f"{llm}/{ep.episode_id}/{stage}"] = _hash(
                    stage_config(stage, stage, ep, base)
                )
    return found


def _batch(example_dir: Path, **top: Any) -> Path:
    data = yaml.safe_load((example_dir / "batch.yaml").read_text())
    for key, value in top.items():
        if key == "style":
            data["show"]["style"] = value
        else:
            data[key] = value
    path = example_dir / "edited.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _script(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in bodies if b["messages"][0]["content"].startswith("Write the script")]


# -- the defaults are today's prompts -----------------------------------------------------------
def test_default_templates_send_the_pinned_prompts_byte_for_byte(tmp_path: Path) -> None:
    """Research, search, script, revision, judge, notes and posts: every system block,
    message and max_tokens as the code sent them before prompts were templates."""
    assert capture(tmp_path) == json.loads(GOLDEN.read_text())


def test_exported_templates_used_unchanged_send_the_same_and_keep_fingerprints(
    tmp_path: Path, example_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``prompts export`` then ``prompts: DIR`` with the files as written: the same
    bytes to Claude, the same fingerprints as a batch without prompts (and as before)."""
    assert main(["prompts", "export", str(example_dir / "my-prompts")]) == 0
    printed = capsys.readouterr().out
    files = sorted(p.name for p in (example_dir / "my-prompts").iterdir())
    assert files == sorted(t.file for t in TEMPLATES.values())
    assert "{revision}" in printed and "prompts: " in printed
    assert (example_dir / "my-prompts" / "script.txt").read_text().endswith("{revision}\n")
    loaded = load_prompts(example_dir / "my-prompts")
    assert loaded == Prompts() and not loaded.edited
    assert capture(tmp_path, prompts=loaded) == json.loads(GOLDEN.read_text())
    with_prompts = _batch(example_dir, prompts="my-prompts")
    assert load_batch_file(with_prompts).prompts == Prompts()
    pinned = json.loads(PINNED.read_text())
    assert _configs(with_prompts) == _configs(example_dir / "batch.yaml") == pinned


# -- an edited template and a style reach Claude ------------------------------------------------
def test_an_edited_script_template_reaches_claude_and_changes_the_script(
    tmp_path: Path,
) -> None:
    """script.txt asking for about 60 words: the script requests carry it, the simulated
    model writes to it, and every other request is byte for byte the default one."""
    edited = TEMPLATES["script"].default.replace(
        "Length: about {words} words in all.", "Length: about 60 words in all, brisk."
    )
    prompts = Prompts.of({"script": edited})
    assert set(prompts.edited) == {"script"}
    golden = json.loads(GOLDEN.read_text())
    sent = capture(tmp_path, prompts=prompts)
    for before, after in zip(golden, sent, strict=True):
        if after in _script(sent):
            text = after["messages"][0]["content"]
            assert "about 60 words in all, brisk." in text and "about 225 words" not in text
        else:
            assert after == before
    assert len(_script(sent)) == 2  # the first draft and the revision

    default = script_for(tmp_path).words
    brisk = script_for(tmp_path, prompts=prompts).words
    assert default >= 200 and brisk <= 100, (default, brisk)


def test_the_style_reaches_every_claude_call_and_the_script_honours_it(tmp_path: Path) -> None:
    """The style guide is in the first system block of every call; the simulated model
    drops a filler line saying an avoided phrase, and the script ends on the sign-off."""
    plain = script_for(tmp_path)
    fillers = [t.text for t in plain.turns if t.text not in {f.text for f in DOC.facts}]
    phrase = " ".join(re.findall(r"[A-Za-z']+", fillers[2])[:3])  # a line it says today
    style = Style(
        voice_guide="Warm and exact.",
        audience="Commuters who like science.",
        avoid=(phrase,),
        sign_off="Keep looking up.",
    )
    spec = SPEC.model_copy(update={"show": SPEC.show.model_copy(update={"style": style})})
    sent = capture(tmp_path, spec=spec)
    for body in sent:
        system = body["system"][0]
        assert "Voice: Warm and exact." in system and "Audience: Commuters" in system
        assert f'Never say these phrases, in any form: "{phrase}".' in system
        assert '"Keep looking up."' in system
    styled = script_for(tmp_path, spec)

    def heard(text: str) -> str:
        return " " + " ".join(re.findall(r"[a-z0-9']+", text.lower())) + " "

    assert heard(phrase) in heard(" ".join(fillers))
    assert not [t.text for t in styled.turns if heard(phrase) in heard(t.text)]
    assert styled.turns[-1].text.endswith("Keep looking up.")


def test_estimate_prices_the_edited_system_template(example_dir: Path) -> None:
    """A longer system.txt is a longer prefix on every Claude call: the estimate grows."""
    folder = example_dir / "long"
    folder.mkdir()
    (folder / "system.txt").write_text(TEMPLATES["system"].default + " Be exact." * 400 + "\n")
    settings = RunSettings(llm="claude", tts="espeak")
    plain = estimate_batch(load_batch_file(example_dir / "batch.yaml"), settings)
    longer = estimate_batch(load_batch_file(_batch(example_dir, prompts="long")), settings)
    for a, b in zip(plain.episodes, longer.episodes, strict=True):
        assert all(b.stages[s] > a.stages[s] for s in CLAUDE_STAGES - {"quality"}), b.stages


# -- bad templates: exit 2, nothing written ----------------------------------------------------
def _edit(example_dir: Path, file: str, text: str) -> Path:
    folder = example_dir / "my-prompts"
    export_prompts(folder, force=True)
    (folder / file).write_text(text)
    return _batch(example_dir, prompts="my-prompts")


@pytest.mark.parametrize(
    ("file", "text", "words"),
    [
        (
            "script.txt",
            "Write about {topic} with {host} and {host_b}.\n",
            "unknown placeholder {host}",
        ),
        ("judge.txt", "Judge it against {sources}.\n", "unknown placeholder {sources}"),
        ("notes.txt", "Notes for {title!r}.\n", "{title!r} is not a placeholder"),
        ("social.txt", "Posts for {title.upper}.\n", "{title.upper} is not a placeholder"),
        ("system.txt", "You work on {show.\n", "my-prompts/system.txt"),
        ("scrpt.txt", "Write it.\n", "my-prompts/scrpt.txt: is not a prompt template"),
    ],
)
def test_a_bad_template_exits_2_naming_the_file_and_writes_nothing(
    file: str, text: str, words: str, example_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``batch`` and ``estimate`` both refuse it before anything runs."""
    batch = _edit(example_dir, file, text)
    out = example_dir / "out"
    assert main(["batch", str(batch), "--out", str(out)]) == 2
    assert main(["estimate", str(batch)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert words in err and file in err, err
    assert not out.exists()


def test_an_unknown_placeholder_names_those_the_template_may_use(
    example_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message lists the placeholders the file may use, so the fix is in sight."""
    batch = _edit(example_dir, "script.txt", "About {topic}, {wordz} words.\n")
    assert main(["batch", str(batch), "--out", str(example_dir / "out")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "my-prompts/script.txt: unknown placeholder {wordz}; script.txt may use" in err
    assert "{words}" in err and "{revision}" in err


def test_a_missing_prompts_folder_exits_2(
    example_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = _batch(example_dir, prompts="nowhere")
    assert main(["estimate", str(batch)]) == 2
    assert "prompts: nowhere does not exist" in capsys.readouterr().err


def test_export_refuses_to_overwrite_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An edited copy is never lost by exporting again: exit 2, the file untouched;
    ``--force`` writes the default back."""
    folder = tmp_path / "prompts"
    assert main(["prompts", "export", str(folder)]) == 0
    (folder / "judge.txt").write_text("Judge it.\n")
    capsys.readouterr()
    assert main(["prompts", "export", str(folder)]) == 2
    err = "".join(capsys.readouterr().err.split())
    assert f"{folder / 'system.txt'}:exists(and7more);pass--forcetooverwrite" in err
    assert (folder / "judge.txt").read_text() == "Judge it.\n"
    assert main(["prompts", "export", str(folder), "--force"]) == 0
    assert (folder / "judge.txt").read_text() == TEMPLATES["judge"].default + "\n"


def test_a_folder_with_only_some_templates_keeps_the_other_defaults(tmp_path: Path) -> None:
    """A missing file is its default; hidden files (an editor's) are ignored."""
    (tmp_path / "social.txt").write_text("Announce '{title}' on {show}.{length}\n")
    (tmp_path / ".social.txt.swp").write_bytes(b"\x00\x01")
    prompts = load_prompts(tmp_path)
    assert set(prompts.edited) == {"social"}
    assert prompts.text("script") == TEMPLATES["script"].default
    assert prompts.text("social") == "Announce '{title}' on {show}.{length}"


# -- fingerprints follow what shapes each stage ------------------------------------------------
def _changed(before: dict[str, str], after: dict[str, str]) -> dict[str, set[str]]:
    """llm -> the stages whose config changed (for any episode)."""
    found: dict[str, set[str]] = {"offline": set(), "claude": set()}
    for key, value in after.items():
        if before[key] != value:
            llm, _, stage = key.split("/")
            found[llm].add(stage)
    return found


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_an_edited_template_changes_the_fingerprints_of_the_stages_it_shapes(
    name: str, example_dir: Path
) -> None:
    """With Claude, exactly the stages whose prompts the template writes; offline, none
    (no offline stage reads a template)."""
    pinned = json.loads(PINNED.read_text())
    batch = _edit(example_dir, f"{name}.txt", TEMPLATES[name].default + " Be exact.\n")
    changed = _changed(pinned, _configs(batch))
    assert changed == {"offline": set(), "claude": set(TEMPLATES[name].shapes)}


@pytest.mark.parametrize(
    ("style", "offline"),
    [
        ({"avoid": ["so that's"]}, {"script", "review", "quality", "social"}),
        ({"sign_off": "Keep wondering."}, {"script"}),
        ({"words_per_minute": 170}, {"research", "script", "review", "quality"}),
        ({"voice_guide": "Warm.", "audience": "Teachers."}, set()),
    ],
)
def test_a_style_field_changes_the_fingerprints_of_the_stages_it_shapes(
    style: dict[str, Any], offline: set[str], example_dir: Path
) -> None:
    """Offline, the stages that honour the field; with Claude, every stage that calls
    Claude (the style is in the show's system block); never the audio or mastering."""
    pinned = json.loads(PINNED.read_text())
    changed = _changed(pinned, _configs(_batch(example_dir, style=style)))
    assert changed == {"offline": offline, "claude": CLAUDE_STAGES}


def test_templates_and_style_pickle_inside_the_settings_and_the_spec(example_dir: Path) -> None:
    """They travel to the agents (Ray pickles settings and specs) and come back equal."""
    import pickle

    batch = _edit(example_dir, "script.txt", "About {topic}.\n")
    spec = load_batch_file(batch)
    styled: EpisodeSpec = spec.episodes[0].model_copy(
        update={"show": spec.show.model_copy(update={"style": Style(avoid=("well",))})}
    )
    settings = RunSettings(prompts=spec.prompts)
    assert pickle.loads(pickle.dumps(settings)) == settings
    assert pickle.loads(pickle.dumps(styled)) == styled
    assert settings.prompts.text("script") == "About {topic}."
