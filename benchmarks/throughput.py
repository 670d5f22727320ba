"""Ingest and suggest throughput, and `report themes` time, on a generated corpus.

Builds a corpus of about N words by copying the sample transcripts (each copy gets a unique
header line so that it is a distinct source), then times (suggest's spaCy pass runs in as
many processes as there are CPUs, unless --workers 1; CPU time counts them all):
  ingest (read, decode, parse, store), suggest (default offline pipeline), report themes,
  suggest again with nothing changed (the per-segment cache), and suggest after a researcher
  decided the suggestions of every tenth source (retraining the learned layer).

    python benchmarks/throughput.py --words 1000000 [--codebook codebooks/em_peer_support.yaml]
    python benchmarks/throughput.py --words 20000 --unique --embeddings minilm   # the semantic layer
    python benchmarks/throughput.py --words 1000000 --unique --workers 1         # in one process

The default pipeline is measured with the semantic layer off (``--embeddings off``, what a
plain ``pip install qualcode`` runs); ``--embeddings minilm`` measures the first run (every
text embedded) and the re-run (every vector from the project's cache).
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def cpu(who: int | None = None) -> float:
    """CPU seconds of this process and of its finished children (suggest analyses many texts
    in worker processes), or of ``who`` alone: what the run cost, whatever else the machine
    is doing."""
    if who is not None:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime
    return cpu(resource.RUSAGE_SELF) + cpu(resource.RUSAGE_CHILDREN)


HEADER_TIME = re.compile(r"\s\d{1,2}:\d\d(?::\d\d)?$")


def make_corpus(folder: Path, words: int, unique: bool = False) -> tuple[list[Path], int]:
    samples = sorted((ROOT / "sample_transcripts").glob("*.txt")) + sorted((ROOT / "sample_transcripts").glob("*.md"))
    texts = [(p, p.read_text(encoding="utf-8")) for p in samples]
    files, total, i = [], 0, 0
    while total < words:
        src, text = texts[i % len(texts)]
        path = folder / f"copy{i:05d}_{src.name}"
        if unique:  # every line of speech distinct, so that no segment's analysis can be shared with a
            # copy; a speaker header ending in its time ("PGY2-C  9:27") stays a header
            text = "\n".join(f"{line} {i}" if line.strip() and not HEADER_TIME.search(line) else line
                             for line in text.split("\n"))
        path.write_text(f"Benchmark copy {i}\n{text}", encoding="utf-8")
        files.append(path)
        total += len(text.split())
        i += 1
    return files, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--codebook", type=Path, default=ROOT / "codebooks" / "em_peer_support.yaml")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--unique", action="store_true",
                        help="make every line of every copy distinct (no two segments share a text)")
    parser.add_argument("--embeddings", default="off", metavar="MODEL",
                        help="the semantic layer's model (minilm), or off [default: off]")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="processes that analyse texts [default: the CPUs this process may use]")
    args = parser.parse_args()
    if args.workers:
        from qualcode.nlp import analysis

        analysis.workers = lambda: args.workers  # type: ignore[assignment]

    from qualcode.codebook import load_codebook
    from qualcode.codebook.store import store_codebook
    from qualcode.coding.suggestions import run_suggest
    from qualcode.ingest.service import IngestOptions, ingest_files
    from qualcode.project import init_project
    from qualcode.reports.themes import themes_report

    work = Path(tempfile.mkdtemp(prefix="qualcode-bench-"))
    try:
        files, words = make_corpus(work, args.words, args.unique)
        db, _ = init_project(work / "bench.db")

        t0, c0 = time.perf_counter(), cpu()
        ingest_files(db, files, IngestOptions())
        t_ingest, c_ingest = time.perf_counter() - t0, cpu() - c0

        with db.atomic():
            store_codebook(db, load_codebook(args.codebook), loaded_by="bench")
        t0, c0, s0 = time.perf_counter(), cpu(), cpu(resource.RUSAGE_SELF)
        result = run_suggest(db, embeddings=args.embeddings)
        t_suggest, c_suggest, s_suggest = time.perf_counter() - t0, cpu() - c0, cpu(resource.RUSAGE_SELF) - s0
        first = db.execute("SELECT count(*) FROM codings").fetchone()[0]
        t0 = time.perf_counter()
        run_suggest(db, embeddings=args.embeddings)
        t_again = time.perf_counter() - t0
        # A researcher reviews every tenth source: accepts each turn's first suggestion (by score,
        # whatever the scale of the scores), rejects the rest.
        db.execute("WITH ranked AS (SELECT id, ROW_NUMBER() OVER (PARTITION BY segment_id ORDER BY score DESC, id) "
                   "AS r FROM codings WHERE source_id % 10 = 0) "
                   "UPDATE codings SET coder = 'bench', status = CASE WHEN id IN (SELECT id FROM ranked WHERE r = 1) "
                   "THEN 'accepted' ELSE 'rejected' END WHERE source_id % 10 = 0")
        db.conn.commit()
        decisions = db.execute("SELECT count(*) FROM codings WHERE coder = 'bench'").fetchone()[0]
        t0, c0 = time.perf_counter(), cpu()
        retrained = run_suggest(db, embeddings=args.embeddings)
        t_retrain, c_retrain = time.perf_counter() - t0, cpu() - c0
        # A sparse review, as on a large codebook: every other code is accepted at most 4 times,
        # too few for a classifier, so the calibration layer is fitted as well.
        db.execute("UPDATE codings SET status = 'suggested', coder = NULL WHERE coder = 'bench'")
        db.execute(
            "WITH first AS (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY segment_id "
            "ORDER BY score DESC, id) AS r FROM codings WHERE source_id % 10 = 0) WHERE r = 1), "
            "ranked AS (SELECT c.id, c.score, k.position % 2 AS sparse, ROW_NUMBER() OVER "
            "(PARTITION BY c.code_id ORDER BY c.id) AS n FROM codings c JOIN codes k ON k.id = c.code_id "
            "WHERE c.id IN (SELECT id FROM first)) "
            "UPDATE codings SET coder = 'bench', status = CASE WHEN id IN "
            "(SELECT id FROM ranked WHERE sparse = 0 OR n <= 4) THEN 'accepted' ELSE 'rejected' END "
            "WHERE source_id % 10 = 0")
        db.conn.commit()
        t0 = time.perf_counter()
        sparse = run_suggest(db, embeddings=args.embeddings)
        t_sparse = time.perf_counter() - t0
        db.execute("UPDATE codings SET status = 'accepted'")  # report over every suggestion
        db.conn.commit()

        t0 = time.perf_counter()
        report = themes_report(db)
        t_report = time.perf_counter() - t0

        codings = db.execute("SELECT count(*) FROM codings").fetchone()[0]
        print(f"corpus: {len(files)} files, {words:,} words ({result.words:,} words in speech segments)")
        print(f"ingest:  {t_ingest:7.2f} s  {words / t_ingest:12,.0f} words/s")
        print(f"suggest: {t_suggest:7.2f} s  {words / t_suggest:12,.0f} words/s  ({first:,} suggestions)")
        both = t_ingest + t_suggest
        print(f"ingest + suggest: {both:7.2f} s  {words / both:12,.0f} words/s")
        print(f"report themes: {t_report:7.3f} s over {codings:,} codings ({len(report.rows)} codes)")
        print(f"CPU time: ingest {c_ingest:.2f} s, suggest {c_suggest:.2f} s ({s_suggest:.2f} s in this process, "
              f"{max(0.0, c_suggest - s_suggest):.2f} s in workers), {words / (c_ingest + c_suggest):,.0f} words per CPU second")
        print(f"suggest again, nothing changed: {t_again:7.2f} s")
        print(f"suggest after {decisions:,} decisions (retraining {retrained.learned} codes): {t_retrain:7.2f} s "
              f"({c_retrain:.2f} s CPU)  {words / t_retrain:12,.0f} words/s")
        print(f"suggest after a sparse review (retraining {sparse.learned} codes, calibration layer"
              f"{' fitted' if sparse.calibrated else ' NOT fitted'}): {t_sparse:7.2f} s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
