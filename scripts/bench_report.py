"""Figures out: tables for the terminal and the doc, the machine's facts, the doc's sections.

Why apart from the measuring code: ``docs/benchmarks.md`` is shared by every benchmark
and each rewrites only its own section (between ``<!-- bench:KEY:start/end -->``
markers), so the file handling lives in one place; and every section names the machine
and date it ran on, so a figure in the doc never lacks its conditions.
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTIONS = ("makespan", "overhead", "sequential", "memory", "speech", "scale", "growth")
"""Order of the sections in the doc (a new section goes in its place among these)."""
DOC_INTRO = """# Benchmarks

Made by `scripts/bench.py` (see `scripts/bench.py --help`); each section is rewritten in
place by the benchmark it names, with the machine and date it ran on. Every run uses the
real Ray runtime and the real supervisor (`podcast_factory.api.start_batch`), with Claude
and ElevenLabs reached through their real SDKs against the loopback provider simulator
(`podcast_factory.testing`, run in a child process of the benchmark), except where a
section says otherwise. `scripts/bench.py all` runs every section, each in a process of
its own, in about 18 minutes on the 2-core machine below.
"""


def machine() -> dict[str, str]:
    import ray

    cpu = "unknown"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.is_file():
        found = re.search(r'^PRETTY_NAME="?([^"\n]+)', release.read_text(), re.M)
        if found:
            os_name = f"{found[1]}, Linux {platform.release()}"
    load = os.getloadavg()
    return {
        "CPU": f"{cpu} x {os.cpu_count()}",
        "RAM": f"{mem_kib / 1024**2:.1f} GiB",
        "OS": os_name,
        "Python": platform.python_version(),
        "Ray": ray.__version__,
        "load at start": f"{load[0]:.2f} (1-min average; 0 is an idle machine)",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "code": code_version(),
    }


def code_version() -> str:
    """The commit measured, and whether tracked files differed from it (the bench
    scripts themselves are not counted)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.rstrip("\n") if done.returncode == 0 else ""

    head = git("log", "-1", "--format=%h %s")
    if not head:
        return "unknown (not a git checkout)"
    changed = [
        line[3:]
        for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if not line[3:].startswith(("scripts/bench", "docs/benchmarks.md"))
    ]
    summary = head if len(head) <= 80 else head[:77] + "..."
    return f"`{summary}`" + (f" with local changes to {', '.join(changed)}" if changed else "")


def machine_lines(facts: dict[str, str]) -> str:
    return "\n".join(f"- {k}: {v}" for k, v in facts.items())


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        pairs = enumerate(zip(row, widths, strict=True))
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in pairs))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def update_doc(key: str, body: str, path: Path = DOC) -> None:
    """Put ``body`` between this benchmark's markers, replacing what was there; a new
    section goes before the first section that comes after it in ``SECTIONS``."""
    start, end = f"<!-- bench:{key}:start -->", f"<!-- bench:{key}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text() if path.is_file() else DOC_INTRO
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        later = [k for k in SECTIONS[SECTIONS.index(key) + 1 :] if f"<!-- bench:{k}:start" in text]
        if later:
            marker = f"<!-- bench:{later[0]}:start -->"
            head, rest = text.split(marker, 1)
            text = head + block + "\n\n" + marker + rest
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f}"


def pct(value: float) -> str:
    return f"{value * 100:+.1f}%"


def statuses(found: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(found.items()))


def command(args: Any) -> str:
    """The command line that re-runs this benchmark, for the doc."""
    return "`.venv/bin/python scripts/bench.py " + " ".join(args.argv) + "`"


def report(key: str, title: str, text: str, table: str, args: Any) -> None:
    """Print the figures; unless ``--no-doc``, rewrite the benchmark's doc section."""
    print(f"\n{title}\n{table}\n")
    if not args.no_doc:
        update_doc(key, text)
        print(f"section '{key}' of {DOC.relative_to(ROOT)} updated")


def cpu_table(
    roles: dict[str, float], episodes: int, floor_cpu_s: float | None = None
) -> tuple[list[str], list[list[object]]]:
    """Headers and rows: CPU seconds per process role, and per episode."""
    rows: list[list[object]] = [
        [name, f"{cpu:.2f}", f"{cpu / episodes * 1000:.1f}"]
        for name, cpu in sorted(roles.items(), key=lambda kv: -kv[1])
        if cpu >= 0.005
    ]
    rows.append(["all Ray processes + driver", f"{sum(roles.values()):.2f}",
                 f"{sum(roles.values()) / episodes * 1000:.1f}"])  # fmt: skip
    if floor_cpu_s is not None:
        rows.append(["the floor (one process)", f"{floor_cpu_s:.2f}",
                     f"{floor_cpu_s / episodes * 1000:.1f}"])  # fmt: skip
    return ["process", "CPU s", "CPU ms/episode"], rows
