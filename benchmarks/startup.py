"""Start-up time of ``qualcode --help`` and ``qualcode COMMAND --help``, as a ratio to a bare
interpreter (``python -c pass``) on the same machine, and to ``qc --help`` when the peer
qualitative-coding is installed.

    python benchmarks/startup.py [--runs 15]

Each figure is the median of ``--runs`` runs, wall-clock and CPU (user + system of the child):
CPU time moves less than wall time when other work shares the machine. Target: every ratio
within 6x.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 6.0
COMMANDS = ("--help", "sources --help", "report --help", "ingest --help", "review --help", "import --help")


def qualcode() -> list[str]:
    """The installed ``qualcode`` script beside this interpreter, else ``python -m qualcode``."""
    script = Path(sys.executable).with_name("qualcode")
    return [str(script)] if script.exists() else [sys.executable, "-m", "qualcode"]


def measure(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of running ``argv`` (output discarded)."""
    walls, cpus = [], []
    env = {**os.environ, "COLUMNS": "80"}
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    measure(qualcode() + ["--help"], 2)  # warm the file cache (and .pyc files) first
    bare_wall, bare_cpu = measure([sys.executable, "-c", "pass"], args.runs)
    print(f"{'python -c pass':<28} {bare_wall:6.3f} s wall  {bare_cpu:6.3f} s CPU   (the unit)")
    # The floor for a Typer command line: importing Typer (and Click, vendored) alone.
    wall, cpu = measure([sys.executable, "-c", "import typer"], args.runs)
    label = "python -c 'import typer'"
    print(f"{label:<28} {wall:6.3f} s wall  {cpu:6.3f} s CPU   "
          f"{wall / bare_wall:4.1f}x wall  {cpu / max(bare_cpu, 1e-3):4.1f}x CPU")
    worst = 0.0
    for command in COMMANDS:
        wall, cpu = measure(qualcode() + command.split(), args.runs)
        worst = max(worst, wall / bare_wall)
        print(f"{'qualcode ' + command:<28} {wall:6.3f} s wall  {cpu:6.3f} s CPU   "
              f"{wall / bare_wall:4.1f}x wall  {cpu / max(bare_cpu, 1e-3):4.1f}x CPU")
    qc = shutil.which("qc")
    if qc:
        wall, cpu = measure([qc, "--help"], max(3, args.runs // 3))
        print(f"{'qc --help':<28} {wall:6.3f} s wall  {cpu:6.3f} s CPU   {wall / bare_wall:4.1f}x wall")
    else:
        print("qc --help                    (qc is not installed: pip install qualitative-coding to compare)")
    print(f"worst ratio {worst:.1f}x a bare interpreter (target {TARGET:.0f}x)")


if __name__ == "__main__":
    main()
