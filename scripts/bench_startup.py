"""How long a user waits: first line, Ray up, first stage, done, for one ``run``.

Runs ``python -m podcast_factory run`` (offline, one short episode) as a user would, a
few times, reading its stderr as it comes, and prints for each run the seconds from
starting the process to: the first line of output, "Starting Ray" (where the tree
prints it), the first progress line (Ray is up and the batch has started), the first
line that shows an episode in a stage, the end.

    .venv/bin/python scripts/bench_startup.py                 # this tree, 3 runs
    .venv/bin/python scripts/bench_startup.py --root /tmp/old --runs 5   # another tree

``--root`` points at a copy of the repository (e.g. ``git archive HEAD~3 | tar -x -C
/tmp/old``) to measure before and after a change on the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("research", "script", "review", "audio", "quality", "summary", "social", "completed")


def one_run(root: Path) -> dict[str, float]:
    """Seconds to the first line, the first progress line, the first stage, the end."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "120"}
        for key in [k for k in env if k.endswith("_API_KEY")]:
            del env[key]
        cmd = [
            sys.executable, "-m", "podcast_factory", "run", "How tides work",
            "--source", str(root / "examples" / "sources" / "tides.md"),
            "--minutes", "1.5", "--out", str(Path(tmp) / "out"), "--no-memory",
        ]  # fmt: skip
        start = time.monotonic()
        proc = subprocess.Popen(
            cmd, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        marks: dict[str, float] = {}
        assert proc.stderr is not None
        for line in proc.stderr:
            now = time.monotonic() - start
            marks.setdefault("first line", now)
            if line.startswith("Starting Ray"):
                marks.setdefault("ray starting", now)
            if line.startswith("[") and "s]" in line:
                marks.setdefault("first progress", now)
                if any(f"{s}=" in line for s in STAGES):
                    marks.setdefault("first stage", now)
        proc.wait()
        marks["done"] = time.monotonic() - start
        if proc.returncode not in (0, 1):  # 1: an episode did not pass; still timed
            raise SystemExit(f"run failed with exit code {proc.returncode}")
        return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository to measure")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = [one_run(args.root.resolve()) for _ in range(args.runs)]
    keys = ("first line", "ray starting", "first progress", "first stage", "done")
    print(" | ".join(f"{k:>14}" for k in ("run", *keys)))
    for i, row in enumerate(rows, 1):
        print(" | ".join([f"{i:>14}", *(f"{row.get(k, float('nan')):>14.2f}" for k in keys)]))
    medians = [statistics.median(r.get(k, float("nan")) for r in rows) for k in keys]
    print(" | ".join(["median".rjust(14), *(f"{m:>14.2f}" for m in medians)]))


if __name__ == "__main__":
    main()
