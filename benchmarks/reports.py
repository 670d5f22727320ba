"""Report times over a project with N codings (default 1,000,000).

Builds a synthetic project directly in SQLite (so that building it takes seconds, not the
hours that suggesting a million codings would): the EM codebook (16 codes in 4 themes),
S sources of 1,000 turns each spoken by 10 participants with a role and site, and N accepted
codings spread over the turns by two coders (``kim`` codes every source, ``lee`` agrees with
kim about 80% of the time). Then times, in one process, each report the CLI runs:
themes, matrix --by role, co-occurrence, agreement (kim vs lee), quotes --per-code 3, and
the HTML report (all of them together). Each figure is the best of three runs.

    python benchmarks/reports.py [--codings 1000000] [--keep] [--db PATH]

``--db PATH`` builds the project at PATH and keeps it, or times the project already there
(building a million codings takes a while; reuse it while working on the reports).
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
        rows = []
        for k in range(codings):
            coder = "kim" if k % 2 == 0 else "lee"
            if coder == "lee" and rng.random() < 0.9:
                src, seg, code, start, end, _ = rows[-1]
                rows.append((src, seg, code, start, end, coder))
                continue
            seg = rng.randrange(seg_id) + 1
            src = (seg - 1) // TURNS_PER_SOURCE + 1
            start = ((seg - 1) % TURNS_PER_SOURCE) * turn_len
            rows.append((src, seg, codes[rng.randrange(len(codes))], start, start + len(TURN), coder))
        # OR IGNORE: a random draw may repeat a coder's (span, code); the one-coding rule
        # (migration m008's unique index) keeps the first.
        db.conn.executemany(
            "INSERT OR IGNORE INTO codings (source_id, segment_id, code_id, start, end, coder, status, origin, method, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, 'accepted', 'manual', 'manual', '2026-01-01')", rows)
    db.close()


def timed(label: str, fn: object, repeat: int = 3) -> float:
    """The best of ``repeat`` runs (the machine may be busy with other work)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    print(f"{label:<34} {min(times):6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--db", type=Path,
                        help="build the project here and keep it, or reuse it if it exists (--codings is then ignored)")
    args = parser.parse_args()

    from qualcode.project import open_project
    from qualcode.render.analysis import render_agreement, render_cooccurrence, render_matrix
    from qualcode.render.html import render_html
    from qualcode.render.reports import render_quotes, render_themes
    from qualcode.reports.agreement import agreement_report
    from qualcode.reports.cooccurrence import cooccurrence_report
    from qualcode.reports.full import full_report
    from qualcode.reports.matrix import matrix_report
    from qualcode.reports.quotes import quotes_report
    from qualcode.reports.themes import themes_report

    work = Path(tempfile.mkdtemp(prefix="qualcode-bench-reports-"))
    path = args.db or work / "bench.db"
    try:
        t0 = time.perf_counter()
        reuse = path.exists()
        if not reuse:
            build(path, args.codings)
        db = open_project(path)
        n = db.execute("SELECT count(*) FROM codings").fetchone()[0]
        segs = db.execute("SELECT count(*) FROM segments").fetchone()[0]
        print(f"{'reused' if reuse else 'built'} {n:,} codings over {segs:,} segments "
              f"in {time.perf_counter() - t0:.1f} s")
        timed("report themes", lambda: render_themes(themes_report(db), "json"))
        timed("report matrix --by role", lambda: render_matrix(matrix_report(db, "role"), "json"))
        timed("report cooccurrence", lambda: render_cooccurrence(cooccurrence_report(db), "json"))
        timed("report agreement (2 coders)", lambda: render_agreement(agreement_report(db), "json"))
        timed("report agreement --characters", lambda: render_agreement(agreement_report(db, characters=True), "json"))
        timed("report quotes --per-code 3", lambda: render_quotes(quotes_report(db, per_code=3), "json"))
        timed("report html (all of the above)", lambda: render_html(full_report(db)))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
