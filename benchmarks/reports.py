"""Report times over a project with N codings (default 1,000,000).

Builds a synthetic project directly in SQLite (so that building it takes seconds, not the
hours that suggesting a million codings would): the EM codebook (16 codes in 4 themes),
S sources of 1,000 turns each spoken by 10 participants with a role and site, and N accepted
codings spread over the turns by two coders (``kim`` codes every source, ``lee`` agrees with
kim about 80% of the time). Then times, in one process, each report the CLI runs:
themes, matrix --by role, co-occurrence, agreement (kim vs lee), quotes --per-code 3, and
the HTML and DOCX reports (all of them together). Each figure is the best of three runs, for
250,000, 500,000 and 1,000,000 codings, so that a report that does not grow linearly shows.

    python benchmarks/reports.py [--codings 250000,500000,1000000] [--work DIR] [--repeat 3]

``--work DIR`` builds the projects in DIR and keeps them, or times the projects already there
(building a million codings takes a while; reuse them while working on the reports).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

TURN = "I think the group helped. Hearing the seniors talk about their worst night made it normal."
TURNS_PER_SOURCE = 1000


def build(path: Path, codings: int) -> None:
    from qualcode.codebook import load_codebook
    from qualcode.codebook.store import store_codebook
    from qualcode.project import init_project

    db, _ = init_project(path)
    rng = random.Random(7)
    segments = max(1000, codings // 5)
    n_sources = max(1, segments // TURNS_PER_SOURCE)
    with db.atomic():
        store_codebook(db, load_codebook(ROOT / "codebooks" / "em_peer_support.yaml"), loaded_by="bench")
        codes = [r[0] for r in db.execute("SELECT id FROM codes WHERE status = 'active'")]
        roles, sites = ["resident", "chief resident", "attending"], ["North", "South"]
        db.conn.executemany("INSERT INTO participants (id, pseudonym, attributes) VALUES (?, ?, ?)", [
            (f"P{p:04d}", f"Person {p}", json.dumps({"role": roles[p % 3], "site": sites[p % 2]}))
            for p in range(n_sources * 10)])
        seg_id = 0
        turn_len = len(TURN) + 1
        for s in range(n_sources):
            text = "\n".join([TURN] * TURNS_PER_SOURCE)
            db.execute("INSERT INTO sources (id, name, format, encoding, sha256, text, words, source_group, "
                       "attributes, ingested_at) VALUES (?, ?, 'txt', 'utf-8', ?, ?, ?, ?, '{}', '2026-01-01')",
                       [s + 1, f"source{s:04d}.txt", f"{s:064d}", text, 17 * TURNS_PER_SOURCE, f"g{s % 4}"])
            db.conn.executemany("INSERT INTO speakers (id, source_id, label, participant_id) VALUES (?, ?, ?, ?)",
                                [(s * 10 + k + 1, s + 1, f"R{k}", f"P{s * 10 + k:04d}") for k in range(10)])
            db.conn.executemany(
                "INSERT INTO segments (id, source_id, speaker_id, ordinal, start, end, line, kind, text, words) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'speech', ?, 17)",
                [(seg_id + t + 1, s + 1, s * 10 + t % 10 + 1, t + 1, t * turn_len, t * turn_len + len(TURN), t + 1,
                  TURN) for t in range(TURNS_PER_SOURCE)])
            seg_id += TURNS_PER_SOURCE
        rows: list[tuple[int, int, str, int, int, str]] = []
        # One coding per segment, code and coder (the ledger's unique index): draw again on a repeat.
        taken: dict[str, set[tuple[int, str]]] = {"kim": set(), "lee": set()}
        for k in range(codings):
            coder = "kim" if k % 2 == 0 else "lee"
            if coder == "lee" and rng.random() < 0.9 and (rows[-1][1], rows[-1][2]) not in taken[coder]:
                src, seg, code, start, end, _ = rows[-1]
            else:
                while True:
                    seg, code = rng.randrange(seg_id) + 1, codes[rng.randrange(len(codes))]
                    if (seg, code) not in taken[coder]:
                        break
                src = (seg - 1) // TURNS_PER_SOURCE + 1
                start = ((seg - 1) % TURNS_PER_SOURCE) * turn_len
                end = start + len(TURN)
            taken[coder].add((seg, code))
            rows.append((src, seg, code, start, end, coder))
        db.conn.executemany(
            "INSERT INTO codings (source_id, segment_id, code_id, start, end, coder, status, origin, method, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, 'accepted', 'manual', 'manual', '2026-01-01')", rows)
    db.close()


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float, list[float]]:
    """The best of ``repeat`` runs (the machine may be busy with other work): wall-clock and
    CPU seconds (CPU time moves less when other processes share the cores), and every run."""
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), walls


def reports(db: Any) -> dict[str, Callable[[], object]]:
    """Each report the CLI runs, as the CLI computes and renders it (JSON, or the whole file)."""
    from qualcode.render.analysis import render_agreement, render_cooccurrence, render_matrix
    from qualcode.render.html import render_docx, render_html
    from qualcode.render.reports import render_quotes, render_themes
    from qualcode.reports.agreement import agreement_report
    from qualcode.reports.cooccurrence import cooccurrence_report
    from qualcode.reports.full import full_report
    from qualcode.reports.matrix import matrix_report
    from qualcode.reports.quotes import quotes_report
    from qualcode.reports.themes import themes_report

    return {
        "report themes": lambda: render_themes(themes_report(db), "json"),
        "report matrix --by role": lambda: render_matrix(matrix_report(db, "role"), "json"),
        "report cooccurrence": lambda: render_cooccurrence(cooccurrence_report(db), "json"),
        "report agreement (2 coders)": lambda: render_agreement(agreement_report(db), "json"),
        "report agreement --characters": lambda: render_agreement(agreement_report(db, characters=True), "json"),
        "report quotes --per-code 3": lambda: render_quotes(quotes_report(db, per_code=3), "json"),
        "report html (all of the above)": lambda: render_html(full_report(db)),
        "report docx (all of the above)": lambda: render_docx(full_report(db)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codings", default="250000,500000,1000000",
                        help="project sizes, comma-separated [default: 250000,500000,1000000]")
    parser.add_argument("--work", type=Path,
                        help="build the projects in this folder and keep them; reuse those already there")
    parser.add_argument("--repeat", type=int, default=3, help="runs per report (the best one counts)")
    args = parser.parse_args()
    sizes = [int(n.replace("_", "")) for n in args.codings.split(",")]

    from qualcode.project import open_project

    work = args.work or Path(tempfile.mkdtemp(prefix="qualcode-bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    table: dict[str, list[float]] = {}
    cpu_table: dict[str, list[float]] = {}
    try:
        for size in sizes:
            path = work / f"bench-{size}.db"
            t0 = time.perf_counter()
            reuse = path.exists()
            if not reuse:
                build(path, size)
            db = open_project(path)
            n = db.execute("SELECT count(*) FROM codings").fetchone()[0]
            segs = db.execute("SELECT count(*) FROM segments").fetchone()[0]
            print(f"{'reused' if reuse else 'built'} {n:,} codings over {segs:,} segments "
                  f"in {time.perf_counter() - t0:.1f} s", flush=True)
            for label, fn in reports(db).items():
                best, cpu, runs = timed(fn, args.repeat)
                table.setdefault(label, []).append(best)
                cpu_table.setdefault(label, []).append(cpu)
                print(f"  {label:<34} {best:6.2f} s, CPU {cpu:5.2f} s  (runs: {', '.join(f'{t:.2f}' for t in runs)})",
                      flush=True)
            db.close()
        growth = f"   growth ({sizes[-1] / sizes[0]:.0f}x codings)" if len(sizes) > 1 else ""
        for name, figures in (("wall-clock", table), ("CPU", cpu_table)):
            header = f"{name}, best of {args.repeat}, s"
            print(f"\n{header:<34}" + "".join(f"{size:>12,}" for size in sizes) + growth)
            for label, times in figures.items():
                print(f"{label:<34}" + "".join(f"{t:12.2f}" for t in times)
                      + (f"   {times[-1] / max(times[0], 1e-9):.1f}x" if growth else ""))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
