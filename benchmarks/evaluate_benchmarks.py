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
# Development sets in this repository (not in ../shared/benchmark), scored at these units only.
LOCAL = {"paraphrase": (ROOT / "benchmarks" / "paraphrase", ("utterance",))}
# A shared dataset with its codebook stripped to the codes' names (issue 15.5: review must not
# make a names-only codebook worse): name -> (dataset, units).
# Score cuts for the pooled precision before review (the Makefile's DEMO_MIN_SCORE is one).
POOLED_FROM = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
NAMES_ONLY = {"scrum_quality_names_only": ("scrum_quality", ("utterance",))}


def targets(name: str, unit: str, r: "object") -> list[str]:
    """Issue 15's targets and its 'review never makes it worse' rule that ``r`` misses."""
    from qualcode.nlp.evaluate import EvalResult

    assert isinstance(r, EvalResult)
    m, same, sure = r.metrics, r.without_review, r.metrics.confident
    missed = []
    if same is not None and r.reviewed in (0.1, 0.25) and (m.p_at_1 < same.p_at_1 or m.macro_f1 < same.macro_f1):
        missed.append("worse than the codebook alone on the same documents")
    if (name, unit, r.reviewed) == ("paraphrase", "utterance", 0.0):
        if m.shown_p_at_1 < 0.5 or m.macro_f1 < 0.25:
            missed.append("shown P@1 ≥ 0.50 and macro-F1 ≥ 0.25")
        if sure is None or (sure.suggestions and sure.precision < 0.6):
            missed.append("≥ 0.9 right ≥ 60 %")
    if (name, unit, r.reviewed) == ("serdif_usability", "utterance", 0.25):
        if sure is None or (sure.suggestions and sure.precision < 0.75) or (m.ece or 0) > 0.10:
            missed.append("≥ 0.9 right ≥ 75 % and ECE ≤ 0.10")
        if m.p_at_1 < 0.50 or m.macro_f1 < 0.34:
            missed.append("P@1 ≥ 0.50 and macro-F1 ≥ 0.34")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmark", type=Path, default=ROOT.parent / "shared" / "benchmark")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="seed of the document splits (split r uses seed + r)")
    parser.add_argument("--fractions", default="0,0.1,0.25,0.5")
    parser.add_argument("--dataset", action="append", help="only this dataset; repeatable")
    parser.add_argument("--unit", action="append", choices=("utterance", "sentence"), help="only this unit; repeatable")
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
    seen: list[str] = []  # the user-visible table, printed after the ranking one
    pooled: dict[float, list[int]] = {}  # before review, every dataset and unit: score from -> [right, count]
    failures: list[str] = []
    below: list[str] = []
    missed: list[str] = []
    for name in args.dataset or [*sorted({k[0] for k in BASELINES}), *LOCAL, *NAMES_ONLY]:
        if name in NAMES_ONLY:
            folder, units = args.benchmark / NAMES_ONLY[name][0], NAMES_ONLY[name][1]
        else:
            folder, units = LOCAL.get(name, (args.benchmark / name, ("utterance", "sentence")))
        bench = load_benchmark(folder)
        if name in NAMES_ONLY:
            from qualcode.codebook.model import Code

            bench.codes = [Code(id=c.id, name=c.name, parent_id=c.parent_id) for c in bench.codes]
        nlp = make_pipeline(bench.language)
        for unit in [u for u in units if not args.unit or u in args.unit]:
            started = time.perf_counter()
            segments = [s for doc, text in bench.documents.items() for s in segment_text(doc, text, unit)]
            results = evaluate_segments(nlp, bench.codes, segments, bench.spans, dataset=name, unit=unit,
                                        fractions=fractions, repeats=args.repeats, seed=args.seed,
                                        embedder=embedder)
            kw_p1, kw_macro, kw_fa, prior_p1 = BASELINES.get((name, unit), (0, 0, 1, 0))
            if (name, unit) in BASELINES:
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
                seen.append(_seen_row(name, unit, r))
                if r.reviewed == 0 and name not in NAMES_ONLY:  # what `make demo` accepts from
                    for b in m.calibration:
                        for cut in (c for c in POOLED_FROM if b.start >= c - 1e-9):
                            pooled.setdefault(cut, [0, 0])
                            pooled[cut][0] += b.correct
                            pooled[cut][1] += b.suggestions
                missed += [f"{name}/{unit}/{r.reviewed:.0%}: {what}" for what in targets(name, unit, r)]
            print(f"<!-- {name} {unit}: {time.perf_counter() - started:.0f} s -->", flush=True)
    print()
    print("What the researcher sees: *shown P@1* is the share of coded segments whose first suggestion is "
          "right, *coverage* the share given any; *≥ 0.9* is the suggestions scoring at least 0.9 and how "
          "many of them are right; *ECE* the expected calibration error of the scores.")
    print()
    print("| dataset | unit | reviewed | shown P@1 | coverage | macro-F1 | false alarm | ≥ 0.9: right / count "
          "| ECE | same documents unreviewed: shown P@1 / macro-F1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(seen))
    print()
    print("Before review, pooled over the datasets and units above (the names-only copy left out): "
          "suggestions scoring at least")
    for cut, (right, count) in sorted(pooled.items()):
        print(f"- {cut:.1f}: " + (f"{right / count:.2f} right ({right} of {count})" if count else "none"))
    print()
    print("bar not met: " + (", ".join(failures) if failures else "none"))
    print("issue 15 targets missed: " + ("; ".join(missed) if missed else "none"))
    print("curve below the zero-review figures (no bar): " + (", ".join(below) if below else "none"))


def _seen_row(name: str, unit: str, r: "object") -> str:
    from qualcode.nlp.evaluate import EvalResult

    assert isinstance(r, EvalResult)
    m, same = r.metrics, r.without_review
    sure = m.confident
    sure_txt = f"{sure.precision:.2f} / {sure.suggestions}" if sure and sure.suggestions else "– / 0"
    same_txt = f"{same.shown_p_at_1:.3f} / {same.macro_f1:.3f}" if same else ""
    return (f"| {name} | {unit} | {r.reviewed:.0%} | {m.shown_p_at_1:.3f} | {m.coverage:.3f} | {m.macro_f1:.3f} | "
            f"{m.false_alarm:.3f} | {sure_txt} | {m.ece if m.ece is not None else 0:.3f} | {same_txt} |")


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
