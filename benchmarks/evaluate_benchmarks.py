"""Suggestion quality on every dataset of the gold benchmark, at both units, with the curve.

Prints one Markdown table (the one in docs/suggestions.md) with the benchmark README's
keyword and prior baselines beside qualcode's figures, and checks the issue's quality bar:

    python benchmarks/evaluate_benchmarks.py [--benchmark ../shared/benchmark] [--repeats 3]

The same figures come from `qualcode evaluate FOLDER --curve` one dataset at a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# From ../shared/benchmark/README.md: keyword P@1, keyword macro-F1, keyword false alarm, prior P@1.
BASELINES = {
    ("serdif_usability", "sentence"): (0.115, 0.081, 0.27, 0.104),
    ("serdif_usability", "utterance"): (0.185, 0.111, 0.27, 0.101),
    ("scrum_quality", "sentence"): (0.117, 0.043, 0.43, 0.137),
    ("scrum_quality", "utterance"): (0.202, 0.064, 0.34, 0.116),
    ("pdpilot_interviews", "sentence"): (0.116, 0.140, 0.35, 0.151),
    ("pdpilot_interviews", "utterance"): (0.179, 0.202, 0.49, 0.167),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmark", type=Path, default=ROOT.parent / "shared" / "benchmark")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="seed of the document splits (split r uses seed + r)")
    parser.add_argument("--fractions", default="0,0.1,0.25,0.5")
    parser.add_argument("--dataset", action="append", help="only this dataset; repeatable")
    parser.add_argument("--embeddings", default=None, metavar="MODEL",
                        help="semantic layer model (minilm, off) [default: minilm when installed]; "
                             "embeddings are cached in benchmarks/_work/embeddings.db")
    args = parser.parse_args()

    from qualcode.nlp.benchmark import load_benchmark, segment_text
    from qualcode.nlp.evaluate import evaluate_segments
    from qualcode.nlp.pipeline import make_pipeline

    fractions = [float(f) for f in args.fractions.split(",")]
    embedder = _embedder(args.embeddings)
    print(f"semantic layer: {embedder.model.key if embedder else 'off'}")
    print("| dataset | unit | reviewed | P@1 | P@3 | R@3 | micro-F1 | macro-F1 | false alarm | learned codes "
          "| same documents unreviewed: P@1 / macro-F1 | bar |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    failures: list[str] = []
    below: list[str] = []
    for name in args.dataset or sorted({k[0] for k in BASELINES}):
        bench = load_benchmark(args.benchmark / name)
        nlp = make_pipeline(bench.language)
        for unit in ("utterance", "sentence"):
            started = time.perf_counter()
            segments = [s for doc, text in bench.documents.items() for s in segment_text(doc, text, unit)]
            results = evaluate_segments(nlp, bench.codes, segments, bench.spans, dataset=name, unit=unit,
                                        fractions=fractions, repeats=args.repeats, seed=args.seed,
                                        embedder=embedder)
            kw_p1, kw_macro, kw_fa, prior_p1 = BASELINES.get((name, unit), (0, 0, 1, 0))
            print(f"| {name} | {unit} | keyword baseline | {kw_p1:.3f} | | | | {kw_macro:.3f} | {kw_fa:.2f} | | | |")
            zero = results[0].metrics
            for r in results:
                m = r.metrics
                if r.reviewed == 0:
                    ok = m.p_at_1 > max(kw_p1, prior_p1) and m.macro_f1 > kw_macro and m.false_alarm <= kw_fa
                elif r.reviewed == 0.25 and (name, unit) == ("serdif_usability", "utterance"):
                    ok = m.macro_f1 >= 0.33 and m.p_at_1 >= 0.50
                else:
                    ok = m.p_at_1 > zero.p_at_1 and m.macro_f1 > zero.macro_f1
                # the bar is before review and after 25 %; other shares are the curve
                barred = r.reviewed in (0, 0.25)
                verdict = ("met" if ok else "NOT met") if barred else ("above 0 %" if ok else "below 0 %")
                if not ok:
                    (failures if barred else below).append(f"{name}/{unit}/{r.reviewed:.0%}")
                same = r.without_review
                same_txt = f"{same.p_at_1:.3f} / {same.macro_f1:.3f}" if same else ""
                print(f"| {name} | {unit} | {r.reviewed:.0%} | {m.p_at_1:.3f} | {m.p_at_3:.3f} | {m.r_at_3:.3f} | "
                      f"{m.micro_f1:.3f} | {m.macro_f1:.3f} | {m.false_alarm:.3f} | {r.learned_codes} | {same_txt} | "
                      f"{verdict} |", flush=True)
            print(f"<!-- {name} {unit}: {time.perf_counter() - started:.0f} s -->", flush=True)
    print()
    print("bar not met: " + (", ".join(failures) if failures else "none"))
    print("curve below the zero-review figures (no bar): " + (", ".join(below) if below else "none"))


def _embedder(name: str | None):  # type: ignore[no-untyped-def]
    """The semantic layer's embedder, caching vectors in a project file under benchmarks/_work."""
    from qualcode.coding.embeddings import EmbeddingCache
    from qualcode.nlp.semantic import Embedder, resolve
    from qualcode.project import init_project, open_project

    model = resolve(name)
    if model is None:
        return None
    path = ROOT / "benchmarks" / "_work" / "embeddings.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    db = open_project(path) if path.exists() else init_project(path)[0]
    return Embedder(model, EmbeddingCache(db, model))


if __name__ == "__main__":
    main()
