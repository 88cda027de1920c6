"""The command line's grammar: every verb, its flags and their help.

Kept apart from ``cli`` (which dispatches) and light to import, so ``--help`` and the
first line a verb prints come before the heavy imports (Ray, the SDKs).
"""

from __future__ import annotations

import argparse
import sys

from podcast_factory.workflow import PRESETS

OK, SOME_FAILED, BAD_INPUT = 0, 1, 2
"""Exit codes: every episode completed; some episode did not; bad input or usage."""


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with our message format on usage errors (its default is 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(BAD_INPUT, f"error: {message}\n")


def _add_provider_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--llm",
        choices=["offline", "claude"],
        help="research/script/judge provider (default: claude if ANTHROPIC_API_KEY "
        "is set, else offline)",
    )
    p.add_argument(
        "--tts",
        choices=["espeak", "elevenlabs"],
        help="speech provider (default: elevenlabs if ELEVENLABS_API_KEY is set, else espeak)",
    )
    for flag, what in (
        ("--research-model", "research"),
        ("--script-model", "script writing"),
        ("--quality-model", "judging"),
    ):
        p.add_argument(flag, metavar="MODEL", help=f"Claude model for {what}")
    p.add_argument("--tts-model", metavar="MODEL", help="ElevenLabs model")
    p.add_argument(
        "--max-concurrent",
        action="append",
        default=[],
        metavar="PROVIDER=N",
        help="requests a provider may have open at once, batch-wide (default anthropic=8, "
        "elevenlabs=2, a free ElevenLabs tier); repeat for each provider",
    )
    p.add_argument(
        "--rpm",
        action="append",
        default=[],
        metavar="PROVIDER=N",
        help="requests a minute a provider may get, batch-wide (default anthropic=50)",
    )
    p.add_argument(
        "--replicas",
        action="append",
        default=[],
        metavar="STAGE=N",
        help="actors for a stage's agent, e.g. master=4 on a cluster (default 1 each; an "
        "actor uses one core, see docs/scaling.md); repeat for each stage",
    )
    p.add_argument(
        "--attempts",
        type=int,
        metavar="N",
        help="tries per provider request on 429, 529, 5xx, timeouts (default 4)",
    )
    p.add_argument(
        "--web-searches",
        type=int,
        metavar="N",
        help="web searches Claude research may make per episode (default 0)",
    )
    p.add_argument(
        "--economy",
        action="store_true",
        help="send Claude requests through the Message Batches API: half the token "
        "price, results in minutes to hours (web searches cost the same)",
    )
    p.add_argument(
        "--dialogue",
        action="store_true",
        help="voice both hosts through ElevenLabs Text to Dialogue (eleven_v3): several "
        "turns a request, each turn's timing kept",
    )


def _add_run_options(p: argparse.ArgumentParser) -> None:
    _add_provider_options(p)
    p.add_argument("--out", required=True, help="run directory (created; reruns resume)")
    p.add_argument("--budget", metavar="USD", help="batch budget in dollars (default: none)")
    p.add_argument("--episode-cap", metavar="USD", help="most one episode may cost")
    p.add_argument("--address", help="Ray cluster address (default: a local Ray instance)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.add_argument("--job", action="store_true", help=argparse.SUPPRESS)  # a Ray job's driver
    # a pause before every provider call: slows a batch down for demos and tests
    p.add_argument("--provider-latency", type=float, default=0.0, help=argparse.SUPPRESS)
    _add_workflow_options(p)
    p.add_argument(
        "--memory-dir",
        metavar="DIR",
        help="where series memory is kept (default: $PODCAST_FACTORY_MEMORY or "
        "~/.podcast-factory/memory)",
    )
    p.add_argument(
        "--no-memory",
        action="store_true",
        help="neither read nor write the show's series memory",
    )
    _add_private_sources_option(p)
    _add_analyse_option(p)


def _add_analyse_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--analyse-failures",
        action="store_true",
        help="with Claude, have it read the evidence of each episode that did not "
        "complete and write the analysis's summary and action (one small, budgeted call "
        "per failed episode); the rules' analysis is written either way",
    )


def _add_private_sources_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-private-sources",
        action="store_true",
        help="fetch source URLs on this machine or your own network (loopback, private and "
        "link-local addresses); refused by default",
    )


def _add_workflow_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workflow",
        choices=sorted(PRESETS),
        help="a preset instead of the batch file's workflow: full (default), script-only "
        "(research and script), revoice (speak existing scripts again, no research or "
        "writing paid)",
    )
    p.add_argument(
        "--revisions",
        type=int,
        metavar="N",
        help="times a script the quality check fails is revised and voiced again (0-5, default 1)",
    )
    p.add_argument(
        "--from",
        dest="inputs_from",
        metavar="DIR",
        help="run directory to take existing research and scripts from (revoice)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="podcast-factory", description="Topics and sources in, finished two-host episodes out."
    )
    sub = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    run = sub.add_parser(
        "run",
        help="make one episode",
        description="Make one episode of TOPIC from the given sources.",
    )
    run.add_argument("topic", metavar="TOPIC")
    run.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="P",
        help="a .md/.txt/.html file or http(s) URL; repeat for more",
    )
    run.add_argument("--minutes", type=float, default=3.0, help="target length (default 3)")
    run.add_argument("--id", dest="episode_id", help="episode id (default: from the topic)")
    run.add_argument("--show", metavar="NAME", help='the show\'s name (default "Podcast Factory")')
    run.add_argument(
        "--hosts",
        metavar="A,B",
        help='the two hosts\' names, the first opens (default "Alex,Sam")',
    )
    run.add_argument(
        "--voices",
        metavar="V1,V2",
        help="a voice per host for the speech provider in use, e.g. en-us+f3,en-gb-x-rp+m3 "
        "(espeak-ng) or two ElevenLabs voice ids; 'podcast-factory voices' lists them",
    )
    run.add_argument(
        "--language",
        metavar="TAG",
        help="the show's language, a BCP 47 tag such as de, es-MX or pt-BR (default en): "
        "the episode is researched, written, checked and spoken in it",
    )
    run.add_argument(
        "--show-file",
        metavar="FILE",
        help="a YAML file with the show's fields, as a batch file's show: block (name, "
        "hosts, tagline, tone, intro, outro, language, style); --show, --hosts, --voices and "
        "--language override it",
    )
    _add_run_options(run)

    batch = sub.add_parser(
        "batch",
        help="make many episodes from a YAML batch file",
        description="Make every episode of a YAML batch file.",
    )
    batch.add_argument("file", metavar="FILE")
    batch.add_argument("--concurrency", type=int, help="episodes at once (default 4)")
    _add_run_options(batch)

    estimate = sub.add_parser(
        "estimate",
        help="what a batch would cost, spending nothing",
        description="Expected cost per episode and stage with the configured providers. "
        "Calls no API.",
    )
    estimate.add_argument("file", metavar="FILE")
    _add_provider_options(estimate)
    _add_workflow_options(estimate)
    estimate.add_argument("--json", action="store_true", help="machine-readable output")
    estimate.add_argument(
        "--memory-dir",
        metavar="DIR",
        help="where series memory is kept; the show's earlier bills calibrate the estimate "
        "(default: $PODCAST_FACTORY_MEMORY or ~/.podcast-factory/memory)",
    )
    estimate.add_argument(
        "--no-memory",
        action="store_true",
        help="the static estimate only, not calibrated on the show's earlier bills",
    )

    report = sub.add_parser(
        "report",
        help="status, quality and cost of a run directory",
        description="Show what a run directory holds.",
    )
    report.add_argument("dir", metavar="DIR")
    report.add_argument("--json", action="store_true", help="machine-readable output")
    report.add_argument(
        "--html",
        action="store_true",
        help="also write DIR/index.html: one self-contained page with every episode's "
        "player, chapters, transcript, notes, verdicts and costs, and the batch's timeline",
    )

    publish = sub.add_parser(
        "publish",
        help="write or update the show's podcast feed",
        description="Write the RSS feed FILE (iTunes and Podcasting 2.0 tags) with every "
        "completed episode of the RUN_DIRs, merged into FILE when it exists: an episode "
        "published before is updated, never duplicated, and no old episode is dropped. "
        "Failed, rejected and damaged episodes are left out. Upload each episode folder "
        "to URL/<episode id>/.",
    )
    publish.add_argument("run_dirs", metavar="RUN_DIR", nargs="+")
    publish.add_argument("--feed", required=True, metavar="FILE", help="the feed to write")
    publish.add_argument(
        "--base-url",
        required=True,
        metavar="URL",
        help="where the episode folders are served: URL/<episode id>/audio.mp3",
    )

    submit = sub.add_parser(
        "submit",
        help="run a batch as a Ray job on a cluster",
        description="Submit FILE as a Ray job to the cluster at --address (its dashboard, "
        "e.g. http://HEAD:8265), follow its progress and print its result. The code, the "
        "batch file and its local sources travel with the job; the run directory is "
        "written on the head node. The cluster's token is read from RAY_AUTH_TOKEN, "
        "RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token.",
    )
    submit.add_argument("file", metavar="FILE")
    submit.add_argument("--address", required=True, help="the cluster's dashboard address")
    submit.add_argument(
        "--out",
        help="run directory on the head node (default ~/podcast-factory/runs/<job id>)",
    )
    submit.add_argument(
        "--no-wait", action="store_true", help="print the job id and return at once"
    )
    submit.add_argument(
        "--forward-keys",
        action="store_true",
        help="send ANTHROPIC_API_KEY / ELEVENLABS_API_KEY with the job (Ray keeps a job's "
        "environment in its job table; by default the cluster's own keys are used)",
    )
    submit.add_argument("--json", action="store_true", help="print the result as JSON")
    submit.add_argument("--budget", metavar="USD", help="batch budget in dollars")
    submit.add_argument("--episode-cap", metavar="USD", help="most one episode may cost")
    submit.add_argument("--concurrency", type=int, help="episodes at once (default 4)")
    submit.add_argument("--no-memory", action="store_true", help="no series memory")
    _add_private_sources_option(submit)
    _add_analyse_option(submit)
    _add_provider_options(submit)
    _add_workflow_options(submit)

    job = sub.add_parser(
        "job",
        help="follow or fetch the result of a submitted batch",
        description="Follow the job ID on the cluster at --address until it ends, then "
        "print its result.",
    )
    job.add_argument("job_id", metavar="ID")
    job.add_argument("--address", required=True, help="the cluster's dashboard address")
    job.add_argument("--json", action="store_true", help="print the result as JSON")

    voices = sub.add_parser(
        "voices",
        help="the voices each speech provider offers",
        description="List the voices a host can have: espeak-ng's languages and variants "
        "from the installed library (a voice is LANGUAGE or LANGUAGE+VARIANT, e.g. "
        "en-us+f3), and with ELEVENLABS_API_KEY the ElevenLabs voices of the account "
        "(a free request). Use them in --voices or a batch file's voice:.",
    )
    voices.add_argument(
        "--tts",
        choices=["espeak", "elevenlabs"],
        help="one provider only (default: espeak-ng, and ElevenLabs when a key is set)",
    )
    voices.add_argument(
        "--language",
        metavar="TAG",
        help="only the voices that speak this language (a BCP 47 tag: de, es-MX, pt-BR): "
        "espeak-ng's, and the ElevenLabs voices the API says are verified in it",
    )
    voices.add_argument("--json", action="store_true", help="machine-readable output")

    memory = sub.add_parser(
        "memory",
        help="what a show's series memory holds",
        description="Episodes produced, facts covered and lessons learned for SHOW (its "
        "name as in the batch file).",
    )
    memory.add_argument("show", metavar="SHOW")
    memory.add_argument("--memory-dir", metavar="DIR", help="where series memory is kept")
    memory.add_argument("--json", action="store_true", help="machine-readable output")

    prompts = sub.add_parser(
        "prompts",
        help="the prompt templates Claude is sent",
        description="The prompts Claude is sent are templates, one file each. Export the "
        "defaults, edit the copies, and name their folder in a batch file (prompts: DIR, "
        "relative to the file). A missing file keeps its default; an unknown file or "
        "placeholder stops the batch before it runs.",
    )
    action = prompts.add_subparsers(dest="action", required=True, parser_class=_Parser)
    export = action.add_parser(
        "export",
        help="write the default templates into DIR",
        description="Write every default template into DIR (created if need be) and list "
        "the placeholders each may use. Existing templates are not overwritten unless "
        "--force is given.",
    )
    export.add_argument("dir", metavar="DIR")
    export.add_argument("--force", action="store_true", help="overwrite templates in DIR")
    return parser
