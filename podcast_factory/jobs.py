"""A batch as a Ray job: submit it to a cluster, follow it, fetch its result.

The job carries what it needs in its ``runtime_env``: a working directory staged from
this machine (the project's code, the batch file, its local sources and prompt templates,
with the batch file rewritten to point at the staged copies), so the cluster runs the same
code on the same inputs whatever is installed there besides the dependencies, and the environment
the run needs (provider base URLs, where series memory lives). API keys are not sent
unless asked for (``forward_keys``): Ray keeps a job's ``runtime_env`` in its job table
for anyone with access to the cluster to read, so by default the cluster's own
environment provides them.

The entrypoint is the ``batch`` verb with ``--address auto``: the supervisor runs beside
the job's driver on the head node and writes the run directory there. The driver prints
progress lines and, last, one line ``podcast-factory-result: {json}`` from which
``fetch_result`` reads the ``BatchResult``.

Ray 2.60 clusters started by ``ray.init`` or with a token file require a token on every
request: it is read from ``RAY_AUTH_TOKEN``, the file named by ``RAY_AUTH_TOKEN_PATH``,
or ``~/.ray/auth_token``, and sent as a bearer header; it never reaches logs or errors.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from podcast_factory.errors import ClusterError, UserInputError
from podcast_factory.models import BatchResult

RESULT_PREFIX = "podcast-factory-result: "
"""Marks the one log line that carries the batch's result, for ``fetch_result``."""
ENV_FORWARDED = (
    "ANTHROPIC_BASE_URL",
    "ELEVENLABS_BASE_URL",
    "PODCAST_FACTORY_MEMORY",
)
KEYS = ("ANTHROPIC_API_KEY", "ELEVENLABS_API_KEY")
TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED"}


class JobOutcome(BaseModel):
    """What became of a submitted batch."""

    model_config = ConfigDict(frozen=True)

    job_id: str
    status: str
    """Ray's job status: SUCCEEDED (the driver ran to the end, whatever the episodes
    did), FAILED, STOPPED."""
    result: BatchResult | None = None
    """The batch's result as the driver printed it; None if it never got that far."""
    message: str = ""


def auth_token(env: Mapping[str, str]) -> str | None:
    """The cluster token the way Ray looks for it: RAY_AUTH_TOKEN, the file named by
    RAY_AUTH_TOKEN_PATH, then ~/.ray/auth_token."""
    token = env.get("RAY_AUTH_TOKEN", "").strip()
    if token:
        return token
    named = env.get("RAY_AUTH_TOKEN_PATH", "").strip()
    path = Path(named).expanduser() if named else Path.home() / ".ray" / "auth_token"
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        if named:
            raise UserInputError("RAY_AUTH_TOKEN_PATH", f"cannot read {path}") from None
        return None


def client(address: str, env: Mapping[str, str]) -> Any:
    """A JobSubmissionClient for ``address`` (the dashboard's http address), with the
    token as a bearer header when there is one."""
    from ray.job_submission import JobSubmissionClient

    if not re.match(r"^https?://[^/\s]+", address):
        raise UserInputError(
            "address", f"{address!r} is not a cluster address; give http://HEAD:8265"
        )
    token = auth_token(env)
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        return JobSubmissionClient(address, headers=headers)
    except Exception as exc:  # connection refused, 401/403, not a Ray dashboard
        raise ClusterError(address, f"cannot connect: {_clean(exc, token)}") from None


def stage_package(project: Path, into: Path) -> Path:
    """Copy the installable package (links followed) into ``into``; return its folder.

    It travels as the job's ``py_modules``, not inside its ``working_dir``: Ray may
    remove the entrypoint's working directory once the driver connects, and a module
    imported after that (or a data file such as the price table read after it) must
    still be there."""
    target = into / "podcast_factory"
    shutil.copytree(
        project / "podcast_factory", target, ignore=shutil.ignore_patterns("__pycache__")
    )
    return target


def stage_job(batch_file: Path, project: Path, into: Path) -> str:
    """Copy the batch file and its local sources into ``into`` (the job's working
    directory); return the batch file's name there. Sources are renamed
    ``sources/<n>-<name>`` so two files of the same name from different folders cannot
    collide."""
    data = yaml.safe_load(batch_file.read_text(encoding="utf-8"))
    base = batch_file.parent.resolve()
    copied: dict[Path, str] = {}
    for episode in data.get("episodes") or []:
        sources = episode.get("sources")
        if isinstance(sources, str):
            sources = [sources]
        staged = []
        for source in sources or []:
            if re.match(r"^https?://", str(source), re.IGNORECASE):
                staged.append(source)
                continue
            path = Path(str(source)).expanduser()
            path = (path if path.is_absolute() else base / path).resolve()
            if path not in copied:
                copied[path] = f"sources/{len(copied)}-{path.name}"
                (into / "sources").mkdir(exist_ok=True)
                shutil.copy2(path, into / copied[path])
            staged.append(copied[path])
        episode["sources"] = staged
    workflow = data.get("workflow")
    if isinstance(workflow, dict):
        for stage in workflow.get("stages") or []:
            if isinstance(stage, dict) and ".py:" in str(stage.get("agent", "")):
                file, _, cls = str(stage["agent"]).partition(":")
                path = Path(file).expanduser()
                path = (path if path.is_absolute() else base / path).resolve()
                target = f"agents/{len(copied)}-{path.name}"
                (into / "agents").mkdir(exist_ok=True)
                shutil.copy2(path, into / target)
                copied[path] = target
                stage["agent"] = f"{target}:{cls}"
    if isinstance(data.get("prompts"), str):  # the edited templates travel with the batch
        folder = (base / Path(data["prompts"]).expanduser()).resolve()
        shutil.copytree(folder, into / "prompts", ignore=shutil.ignore_patterns(".*"))
        data["prompts"] = "prompts"
    (into / "batch.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return "batch.yaml"


def submit_batch(
    batch_file: str | Path,
    address: str,
    *,
    out: str | None = None,
    options: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    forward_keys: bool = False,
    project: Path | None = None,
) -> str:
    """Submit a batch file as a Ray job; returns its submission id.

    ``out`` is the run directory on the cluster's head node (default
    ``~/podcast-factory/runs/<submission id>``); ``options`` are extra ``batch`` flags
    (``--llm claude``, ``--workflow script-only``...)."""
    env = dict(os.environ if env is None else env)
    file = Path(batch_file)
    if not file.is_file():
        raise UserInputError(str(batch_file), "batch file not found")
    from podcast_factory.batchfile import load_batch_file

    load_batch_file(file)  # bad input is refused here, before the cluster sees it
    jobs = client(address, env)
    project = project or Path(__file__).resolve().parent.parent
    submission = f"podcast-factory-{file.stem}-{uuid.uuid4().hex[:8]}"
    out = out or f"~/podcast-factory/runs/{submission}"
    env_vars = {k: env[k] for k in ENV_FORWARDED if env.get(k)}
    if forward_keys:
        env_vars |= {k: env[k] for k in KEYS if env.get(k)}
    with tempfile.TemporaryDirectory(prefix="podcast-factory-job-") as tmp:
        work, code = Path(tmp, "work"), Path(tmp, "code")
        work.mkdir()
        code.mkdir()
        name = stage_job(file, project, work)
        package = stage_package(project, code)
        entrypoint = " ".join(
            shlex.quote(part)
            for part in (
                "python",
                "-m",
                "podcast_factory.cli",
                "batch",
                name,
                "--out",
                out,
                "--address",
                "auto",
                "--job",
                *options,
            )
        )
        try:
            job_id: str = jobs.submit_job(
                entrypoint=entrypoint,
                submission_id=submission,
                runtime_env={
                    "working_dir": str(work),
                    "py_modules": [str(package)],
                    "env_vars": env_vars,
                },
                metadata={"tool": "podcast-factory", "batch": file.name},
            )
        except Exception as exc:
            raise ClusterError(address, f"job refused: {_clean(exc, auth_token(env))}") from None
    return job_id


async def follow_job(
    address: str,
    job_id: str,
    on_line: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
    poll_s: float = 1.0,
) -> JobOutcome:
    """Stream the job's log lines to ``on_line`` until it ends; return its outcome."""
    env = dict(os.environ if env is None else env)
    jobs = client(address, env)
    if on_line is not None:
        try:
            async for chunk in jobs.tail_job_logs(job_id):
                for line in chunk.splitlines():
                    if not line.startswith(RESULT_PREFIX):
                        on_line(line)
        except Exception:  # the log stream closed early: fall back to polling status
            pass
    while str(jobs.get_job_status(job_id)).rsplit(".", 1)[-1] not in TERMINAL:
        await asyncio.sleep(poll_s)
    return fetch_result(address, job_id, env)


def fetch_result(address: str, job_id: str, env: Mapping[str, str] | None = None) -> JobOutcome:
    """The outcome of a job that has ended (or is still running: result None)."""
    env = dict(os.environ if env is None else env)
    jobs = client(address, env)
    info = jobs.get_job_info(job_id)
    status = str(info.status).rsplit(".", 1)[-1]
    logs: str = jobs.get_job_logs(job_id)
    result = None
    for line in reversed(logs.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result = BatchResult.model_validate_json(line[len(RESULT_PREFIX) :])
            break
    return JobOutcome(job_id=job_id, status=status, result=result, message=info.message or "")


def wait_for_job(
    address: str,
    job_id: str,
    on_line: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float | None = None,
) -> JobOutcome:
    """Blocking ``follow_job`` for scripts."""
    started = time.monotonic()

    async def bounded() -> JobOutcome:
        if timeout_s is None:
            return await follow_job(address, job_id, on_line, env)
        return await asyncio.wait_for(
            follow_job(address, job_id, on_line, env), timeout_s - (time.monotonic() - started)
        )

    return asyncio.run(bounded())


def _clean(exc: BaseException, token: str | None) -> str:
    """An exception's text with the token cut out, whatever the library put in it."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.replace(token, "<token>") if token else text
