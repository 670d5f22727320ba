"""Start-up time of ``qualcode --help`` and ``qualcode COMMAND --help``, as a ratio to a bare
interpreter (``python -c pass``) on the same machine, and to ``qc --help`` when the peer
qualitative-coding is installed.

    python benchmarks/startup.py [--runs 15]

    python benchmarks/startup.py --qualcode /path/to/bin/qualcode   # another console script

Each figure is the median of ``--runs`` runs, wall-clock and CPU (user + system of the child):
CPU time moves less than wall time when other work shares the machine. Target: every ratio
within 6x. The children may write .pyc files (PYTHONDONTWRITEBYTECODE is dropped for them), as
an installed package has them: otherwise every run would compile qualcode's modules again.
`qualcode --version` goes through Typer, as every command that is not a help request does:
it is shown for comparison, outside the target.
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
COMMANDS = ("--help", "sources --help", "report --help", "ingest --help", "review --help", "import --help",
            "codebook add --help", "--db x.db report themes -h")
ENTRY = "qualcode.cli.entry"  # the console script's module (pyproject.toml)


def qualcode(script: str | None) -> list[str]:
    """``script``, else the installed ``qualcode`` script beside this interpreter, else
    ``python -m qualcode``."""
    path = Path(script) if script else Path(sys.executable).with_name("qualcode")
    if not path.exists():
        return [sys.executable, "-m", "qualcode"]
    if ENTRY not in path.read_text(encoding="utf-8", errors="replace"):
        print(f"note: {path} does not run {ENTRY} (installed before it existed: `make` reinstalls)")
    return [str(path)]


def measure(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of running ``argv`` (output discarded)."""
    walls, cpus = [], []
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
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
    parser.add_argument("--qualcode", metavar="SCRIPT", help="the qualcode console script to measure")
    args = parser.parse_args()
    program = qualcode(args.qualcode)

    for warm in (["--help"], ["--version"], ["report", "--help"]):
        measure(program + warm, 2)  # the file cache and .pyc files first
    bare_wall, bare_cpu = measure([sys.executable, "-c", "pass"], args.runs)
    print(f"{'python -c pass':<36} {bare_wall:6.3f} s wall  {bare_cpu:6.3f} s CPU   (the unit)")
    worst, worst_cpu = 0.0, 0.0
    for command in COMMANDS:
        wall, cpu = measure(program + command.split(), args.runs)
        worst, worst_cpu = max(worst, wall / bare_wall), max(worst_cpu, cpu / max(bare_cpu, 1e-3))
        line(f"qualcode {command}", wall, cpu, bare_wall, bare_cpu)
    # What help no longer pays, and every other command still does: Typer (with Click) alone,
    # and a command that runs through it.
    line("python -c 'import typer'", *measure([sys.executable, "-c", "import typer"], args.runs), bare_wall, bare_cpu)
    line("qualcode --version (Typer)", *measure(program + ["--version"], args.runs), bare_wall, bare_cpu)
    qc = shutil.which("qc")
    if qc:
        wall, cpu = measure([qc, "--help"], max(3, args.runs // 3))
        print(f"{'qc --help':<36} {wall:6.3f} s wall  {cpu:6.3f} s CPU   {wall / bare_wall:4.1f}x wall")
    else:
        print(f"{'qc --help':<36} (qc is not installed: pip install qualitative-coding to compare)")
    print(f"worst ratio of a help request to a bare interpreter: {worst:.1f}x wall, {worst_cpu:.1f}x CPU "
          f"(target {TARGET:.0f}x)")


def line(label: str, wall: float, cpu: float, bare_wall: float, bare_cpu: float) -> None:
    print(f"{label:<36} {wall:6.3f} s wall  {cpu:6.3f} s CPU   "
          f"{wall / bare_wall:4.1f}x wall  {cpu / max(bare_cpu, 1e-3):4.1f}x CPU")


if __name__ == "__main__":
    main()
