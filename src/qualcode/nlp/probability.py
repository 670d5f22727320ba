"""Each suggestion's score as a probability: the chance that the researcher accepts it.

The layers' scores (``nlp/combine.py``) decide *which* codes to suggest: 0.5 is every layer's
boundary, which orders a segment's codes but says nothing about how often a suggestion at
0.9 is right (before this module, 0.9-0.95 was right 4-32 % of the time on the benchmarks).
The score a researcher sees and filters on (``accept --min-score``) is this module's:

* **Before any decision**, a *prior*: a logistic regression over a few features of each
  shown suggestion (its layer score, whether it is the segment's first, keyword and name
  evidence, how many codes are shown with it, the codebook's size), fitted on the benchmark
  codings by ``benchmarks/fit_prior.py`` and stored in ``nlp/prior_map.py``. It is honest
  about how rarely a codebook alone is right, so before review few suggestions score high.
* **After decisions**, the same features plus the layer score are refitted on the
  researcher's own decisions (Platt scaling), *held out*: the reviewed documents are split
  in two, each half is scored by layers trained on the other half only, and the map learns
  from how those held-out suggestions were decided. (Fitting on the training decisions
  themselves would learn the classifiers' overconfidence.) Too few held-out decisions keep
  the prior.

``in_words`` turns a probability into what `review` and the evidence say ("about 8 in 10
suggestions like this were accepted").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from qualcode.nlp import prior_map
from qualcode.nlp.learned import Labels, reviewed_rows
from qualcode.nlp.sparse import standardised_logistic

if TYPE_CHECKING:
    import numpy

    from qualcode.nlp.engine import Prepared, ScoreTable

FEATURES = ("layer score", "first", "keyword", "name", "others shown", "codebook size")
MIN_HELD_OUT = 30  # held-out suggestions before the decisions replace the prior ...
MIN_EACH = 5  # ... with at least this many accepted and this many rejected among them
C = 1.0  # inverse L2 strength (standardised features) of the refit
SPARSE_BLEND = 0.5  # weight of the decisions' ordering against the codebook's when the calibration layer is fitted
SPARSE_DOCS = 3  # ... reached from this many reviewed documents (two: proportionally less; one: none)
# With the semantic layer the codebook's own ordering is stronger (pdpilot_interviews before
# review: P@1 0.277 against 0.232 without it), so the decisions get less of it: of 0, 0.25,
# 0.5 and 1, the largest share whose P@1 was never below the codebook alone's on the
# benchmarks (pdpilot, scrum and its names-only copy, 10 % and 25 %, seeds 0 and 1; 0.5 was
# below on the names-only copy with seed 1, 0.306 against 0.318), from SPARSE_DOCS reviewed
# documents only (with two, pdpilot after 25 %, a blend was above the codebook alone on one
# seed and below on the other).
SPARSE_BLEND_SEMANTIC = 0.25
MARGIN = 0.02  # held-out macro-F1 gain the decisions' suggestions need over the codebook's
BEST_Z = 0.30  # ... and whose zero-shot score is at least this (the boundary is 0.45)
BEST_MARGIN = 0.02  # ... and at least this above the segment's next best code's
MIN_CODEBOOK = 10  # the smallest codebook the prior was fitted on
BEST_CUT = 0.4  # prior probability from which a segment given nothing gets its best code (show_best)
# ... and from which a code only the semantic layer carries is shown (drop_semantic_only)
SEMANTIC_FLOOR = BEST_CUT


@dataclass
class Accuracy:
    """Where the probabilities come from, for the evidence."""
    source: str  # "benchmarks" (the prior) or "decisions"
    suggestions: int  # suggestions the map was fitted on
    accepted: int


def features(table: "ScoreTable", rows: Sequence[int] | None = None
             ) -> tuple["numpy.ndarray", "numpy.ndarray", "numpy.ndarray"]:
    """Rows, columns and FEATURES of the suggested (segment, code) pairs (of ``rows`` only,
    when given)."""
    import numpy

    mask = table.suggested if rows is None else numpy.zeros_like(table.suggested)
    if rows is not None and len(rows):
        mask[list(rows)] = table.suggested[list(rows)]
    ri, cj = mask.nonzero()
    if not len(ri):
        return ri, cj, numpy.zeros((0, len(FEATURES)))
    score = numpy.clip(table.score[ri, cj], 1e-4, 1 - 1e-4)
    shown = table.suggested.sum(axis=1)
    # first: the best code of the segment by the layers' one ordering
    masked = numpy.where(table.suggested, table.exact, -numpy.inf)
    first = masked.argmax(axis=1)[ri] == cj
    X = numpy.column_stack([
        numpy.clip(numpy.log(score / (1 - score)), -8, 8),
        first.astype(float),
        table.lexical[ri, cj],
        table.sim.name_share[ri, cj],
        numpy.log(shown[ri]),
        # the benchmarks' codebooks have 10 to 183 codes: a smaller one is taken as 10
        numpy.full(len(ri), numpy.log(max(len(table.codes), MIN_CODEBOOK))),
    ])
    return ri, cj, X


def _logit(p: "numpy.ndarray") -> "numpy.ndarray":
    import numpy

    p = numpy.clip(p, 1e-6, 1 - 1e-6)
    return numpy.log(p / (1 - p))


def _logistic(x: "numpy.ndarray") -> "numpy.ndarray":
    import numpy

    return 1.0 / (1.0 + numpy.exp(-numpy.clip(x, -50, 50)))


def prior(table: "ScoreTable") -> "numpy.ndarray":
    """The prior probability of every suggested pair (0 elsewhere)."""
    import numpy

    out = numpy.zeros(table.score.shape)
    ri, cj, X = features(table)
    # the semantic layer changes what the layer score means: a map fitted with it, or without
    m = prior_map
    coef, intercept, n, right = ((m.COEF, m.INTERCEPT, m.SUGGESTIONS, m.ACCEPTED) if table.semantic is not None else
                                 (m.LEXICAL_COEF, m.LEXICAL_INTERCEPT, m.LEXICAL_SUGGESTIONS, m.LEXICAL_ACCEPTED))
    if len(ri):
        out[ri, cj] = _logistic(X @ numpy.asarray(coef) + intercept)
    table.accuracy = Accuracy("benchmarks", n, right)
    return out


def drop_semantic_only(table: "ScoreTable", words_alone: "numpy.ndarray", floor: float | None = None) -> None:
    """Withdraw the zero-shot suggestions that only the semantic layer carries (the codebook's
    words alone leave them under the boundary) when the prior puts them under ``floor``
    (default ``SEMANTIC_FLOOR``), and re-estimate the rest (fewer codes shown beside them)."""
    import numpy

    floor = SEMANTIC_FLOOR if floor is None else floor
    if table.probability is None or floor <= 0:
        return
    weak = table.suggested & ~words_alone & (table.probability < floor)
    weak[:, table.learned_mask()] = False
    if not weak.any():
        return
    table.suggested = table.suggested & ~weak
    table.probability = prior(table)


def show_best(table: "ScoreTable", cut: float | None = None) -> None:
    """Give a segment that has no suggestion its best code when the prior says that, shown
    alone, it would be accepted at least ``cut`` (default ``BEST_CUT``) of the time, with the
    semantic layer on. The layers' 0.5 boundary is tuned for which codes to show; it leaves
    most turns that paraphrase a code with nothing, while the segment's best code is often
    right: a probability cut shows it where the benchmarks say it is worth a look."""
    import numpy

    cut = BEST_CUT if cut is None else cut
    # Only with the semantic layer: without it, the best code of a turn that shares no word
    # with the codebook is noise (a name word said in every turn, the neighbours' context),
    # and the prior without it cannot tell (measured: docs/suggestions.md).
    if cut >= 1 or table.score.size == 0 or table.calibration is not None or table.semantic is None:
        return
    empty = ~table.suggested.any(axis=1)
    if not empty.any():
        return
    rows = numpy.nonzero(empty)[0]
    ranked = numpy.where(table.learned_mask()[None, :], -numpy.inf, table.exact[rows])
    best = ranked.argmax(axis=1)
    # only a code the segment resembles clearly more than the code's average segment does
    # (BEST_Z), and never one whose keyword it negates (the negation counts against the code)
    ok = (numpy.isfinite(ranked[numpy.arange(len(rows)), best]) & (table.zero_shot[rows, best] >= BEST_Z)
          & (table.lexical[rows, best] >= 0))
    if len(table.codes) > 1:  # ... that stands out from the segment's next best code
        second = numpy.partition(table.zero_shot[rows], -2, axis=1)[:, -2]
        ok &= table.zero_shot[rows, best] - second >= BEST_MARGIN
    rows, best = rows[ok], best[ok]
    if not len(rows):
        return
    trial = table.suggested.copy()
    trial[rows, best] = True
    previous = table.suggested
    table.suggested = trial
    p = prior(table)[rows, best]
    table.suggested = previous
    keep = p >= cut
    table.suggested = table.suggested.copy()
    table.suggested[rows[keep], best[keep]] = True
    if table.probability is not None:
        table.probability = table.probability.copy()
        table.probability[rows[keep], best[keep]] = p[keep]


def _folds(rows: list[int], groups: Sequence[Any]) -> list[list[int]]:
    """Two halves of the reviewed rows: by document when there are two or more, else every
    other segment of the one document."""
    by_group: dict[Any, list[int]] = {}
    for i in rows:
        by_group.setdefault(groups[i], []).append(i)
    if len(by_group) >= 2:
        halves: list[list[int]] = [[], []]
        for members in sorted(by_group.values(), key=len, reverse=True):
            min(halves, key=len).extend(members)
        return halves
    # one document: every other segment (a researcher often decides a topic at a time, so
    # halves could hold different codes)
    return [rows[0::2], rows[1::2]] if len(rows) >= 2 else []


def recalibrate(table: "ScoreTable", prep: "Prepared", labels: dict[str, Labels]) -> None:
    """Check the decisions' layers against the codebook alone on held-out reviewed segments,
    keep whichever ranks (P@1) and suggests (macro-F1) better there, and replace
    ``table.probability`` by a map fitted on those held-out suggestions, when there are enough."""
    import dataclasses

    import numpy

    from qualcode.nlp.engine import decide
    from qualcode.nlp.metrics import score

    rows = reviewed_rows(labels)
    folds = _folds(rows, prep.groups)
    if not folds:
        return
    accepted: dict[int, set[str]] = {}
    for cid, lab in labels.items():
        for i in lab.positive:
            accepted.setdefault(i, set()).add(cid)
    base = decide(prep, None, recalibrate=False)
    subs = []
    for held in folds:
        out = set(held)
        train = {cid: Labels([i for i in lab.positive if i not in out], [i for i in lab.negative if i not in out])
                 for cid, lab in labels.items()}
        subs.append((held, decide(prep, {c: lab for c, lab in train.items() if lab.positive or lab.negative},
                                  recalibrate=False)))
    held_all = [i for held, _ in subs for i in held]
    gold = [accepted.get(i, set()) for i in held_all]
    learned_m = score([s.ranking(i) for held, s in subs for i in held],
                      [s.suggested_codes(i) for held, s in subs for i in held], gold)
    base_m = score([base.ranking(i) for i in held_all], [base.suggested_codes(i) for i in held_all], gold)
    # Review must never make it worse: where the decisions' layers, trained without these
    # segments, suggest worse on them than the codebook alone, the codebook's suggestions
    # stay. Segments are ranked by the decisions' layers alone when most codes have a
    # classifier of their own, and otherwise (the calibration layer is fitted: a sparse
    # codebook) by a blend with the codebook's ordering (SPARSE_BLEND*). Choosing the blend on the
    # held-out segments was tried: with two to four reviewed documents it followed the
    # split's noise (pdpilot_interviews, 25 %: P@1 0.246 against the codebook's 0.258 on
    # the same documents; an even blend 0.277).
    # (with fewer than MIN_HELD_OUT reviewed segments the comparison is noise: decisions win)
    keep_sugg = len(held_all) < MIN_HELD_OUT or learned_m.macro_f1 >= base_m.macro_f1 + MARGIN
    docs = len({prep.groups[i] for i in rows})
    # One reviewed document: the codebook ranks alone. The calibration layer fitted on it
    # ranked the other documents below the codebook, and the held-out check cannot show it
    # (its halves are alternate turns of that document, which share its topics:
    # pdpilot_interviews after 10 %, held-out P@1 0.33-0.54 for the decisions against
    # 0.17-0.27 for the codebook, then 0.276 against 0.286 on the other interviews).
    if table.calibration is None:
        alpha = 1.0
    elif docs < 2:
        alpha = 0.0
    elif table.semantic is not None:
        alpha = SPARSE_BLEND_SEMANTIC if docs >= SPARSE_DOCS else 0.0
    else:
        alpha = SPARSE_BLEND * min(1.0, docs / SPARSE_DOCS)

    def blend(t: "ScoreTable", a: float) -> "numpy.ndarray":
        return a * _logit(t.exact) + (1 - a) * _logit(base.exact)

    def chosen(t: "ScoreTable") -> "ScoreTable":
        exact = t.exact if alpha == 1 else base.exact if alpha == 0 else _logistic(blend(t, alpha))
        return dataclasses.replace(t, exact=exact,
                                   suggested=t.suggested if keep_sugg else base.suggested,
                                   score=t.score if keep_sugg else base.score)

    final = chosen(table)
    table.exact, table.suggested, table.score = final.exact, final.suggested, final.score
    table.validation = {"ranking": f"{alpha:.0%} decisions",
                        "suggestions": "decisions" if keep_sugg else "codebook",
                        "held-out P@1": [round(learned_m.p_at_1, 3), round(base_m.p_at_1, 3)],
                        "held-out macro-F1": [round(learned_m.macro_f1, 3), round(base_m.macro_f1, 3)]}
    parts_X, parts_y = [], []
    for held, sub in subs:
        ri, cj, X = features(chosen(sub), held)
        parts_X.append(X)
        parts_y.append(numpy.array([table.codes[j].id in accepted.get(i, ()) for i, j in zip(ri.tolist(), cj.tolist())]))
    X, y = numpy.vstack(parts_X), numpy.concatenate(parts_y).astype(float)
    table.probability = prior(table)
    if len(y) < MIN_HELD_OUT or y.sum() < MIN_EACH or (1 - y).sum() < MIN_EACH:
        return
    coef, intercept = standardised_logistic(X, y, c=C)
    ri, cj, Xf = features(table)
    prob = numpy.zeros(table.score.shape)
    if len(ri):
        prob[ri, cj] = _logistic(Xf @ coef + intercept)
    table.probability = prob
    table.accuracy = Accuracy("decisions", len(y), int(y.sum()))


def in_words(p: float, accuracy: Accuracy | None) -> str:
    """How sure the tool is, as a researcher reads it."""
    tenths = round(p * 10)
    share = "fewer than 1 in 10" if tenths < 1 else ("nearly all" if tenths >= 10 else f"about {tenths} in 10")
    if accuracy is not None and accuracy.source == "decisions":
        return (f"{share} suggestions like this were accepted (checked on {accuracy.suggestions} of your "
                "decisions held out from training)")
    return f"{share} suggestions like this were accepted in benchmark projects (no decisions of yours yet)"
