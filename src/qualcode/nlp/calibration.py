"""The calibration layer: one small model over all codes, fitted on all the decisions.

A per-code classifier (``nlp/learned.py``) needs five accepted and five rejected examples of
its code; in a sparse codebook (a median of two codings per code) most codes never get
them. What the decisions do show, pooled over every code, is how far each of the codebook's
signals predicts what *this* researcher applies in *this* project: the code's name, its
keywords and patterns, its description and examples, the turns around a segment, and
whether the code is the segment's best or second-best by the codebook alone. This layer
fits that: a logistic regression over every reviewed segment x every code (applied or not),
on the eight features in ``FEATURES``, unweighted so that its output is a probability. One
feature is about the code rather than the segment: how rare its keyword, pattern or name
matches are in the project (a match on 3 turns of 7,000 is far likelier to be meant than
one on 300), which is what lets the layer trust a rare code's match without having seen
the code applied.

When it is fitted, codes without a classifier of their own are scored by it, mapped so that
0.5 is the probability with the best F1 on the decisions (the same "0.5 means worth
suggesting" as every other layer); learned classifiers start from its logit (their offset)
and are fitted without class weights, so that every code's score is a probability on one
scale and a classifier trained on five examples does not crowd out the rest. Each learned
code is then suggested from its own threshold, the one with the best F1 expected under its
probabilities over the segments not yet reviewed (``expected_f1_threshold``): one shared
threshold let a frequent code's classifier flood the project. It is fitted
only when at most ``MAX_LEARNED`` of the codes have a classifier and the others have
``MIN_POSITIVE`` accepted codings between them: on serdif_usability, where 21 of 22 codes
have a classifier after a quarter of the sessions, the classifiers already carry what the
decisions teach, and the layer cost P@1 (0.481 -> 0.441 on 8 sessions).

Measured on the benchmark after 25 % review, P@1 / macro-F1 without the layer -> with it
(docs/suggestions.md): pdpilot_interviews utterances 0.224 / 0.213 -> 0.253 / 0.225,
sentences 0.168 / 0.147 -> 0.216 / 0.175; scrum_quality utterances 0.223 / 0.126 ->
0.283 / 0.136, sentences 0.130 / 0.061 -> 0.217 / 0.077 (the codebook alone: 0.232 / 0.219,
0.190 / 0.152, 0.211 / 0.129, 0.163 / 0.061). Tried and dropped: a per-code prior
from the reviewed share (even leaving the row's own source out, it suppressed codes not yet
seen and halved macro-F1), a per-code observed/expected correction, fitting only on the
codes without a classifier (pdpilot macro-F1 0.219 -> 0.130), F-beta thresholds, and
keeping learned codes class-weighted from the zero-shot offset (scrum sentences P@1 0.160).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from qualcode.nlp.learned import Labels, reviewed_rows

if TYPE_CHECKING:
    import numpy

MIN_POSITIVE = 10  # accepted codings, over the codes without a classifier, before fitting
MAX_LEARNED = 2 / 3  # share of the codes with a classifier of their own above which it is not
C = 1.0  # inverse L2 strength on the standardised features
FEATURES = ("zero-shot", "similarity", "context", "name", "lexical", "best", "second", "rare match",
            "semantic")  # the last only when the semantic layer is on


@dataclass
class Calibration:
    coef: "numpy.ndarray"  # one weight per feature, on the raw (unstandardised) scale
    intercept: float
    threshold: float  # the probability with the best F1 on the decisions: maps to 0.5
    positives: int  # accepted (segment, code) pairs it was fitted on
    segments: int  # reviewed segments it was fitted on

    def describe(self) -> dict[str, Any]:
        return {"weights": {n: round(float(w), 2) for n, w in zip(FEATURES, self.coef)},
                "threshold": round(self.threshold, 3), "accepted": self.positives, "segments": self.segments}


@dataclass
class Signals:
    """The zero-shot layers' outputs the features are made of (segments x codes each)."""
    zero_shot: "numpy.ndarray"
    similarity: "numpy.ndarray"
    context: "numpy.ndarray"  # similarity of the turns just before and after
    name: "numpy.ndarray"
    lexical: "numpy.ndarray"
    match: "numpy.ndarray"  # bool: a keyword, a pattern or the code's name matched
    semantic: "numpy.ndarray | None" = None  # sentence-embedding score (nlp/semantic.py), when on

    def __post_init__(self) -> None:
        import numpy

        # How rare a code's matches are in the corpus (log inverse share of the segments they
        # fire on): a name or keyword that matches three turns in the project is far likelier
        # to be what the researcher means than one that matches three hundred.
        n = self.match.shape[0]
        self.match_rarity = numpy.log((n + 1) / (self.match.sum(axis=0) + 1))

    def features(self, rows: "numpy.ndarray | slice") -> "numpy.ndarray":
        """rows x codes x FEATURES."""
        import numpy

        z = self.zero_shot[rows]
        order = numpy.argsort(-z, axis=1, kind="stable")
        rank = numpy.empty_like(order)
        rank[numpy.arange(z.shape[0])[:, None], order] = numpy.arange(z.shape[1])[None, :]
        columns = [z, self.similarity[rows], self.context[rows], self.name[rows], self.lexical[rows],
                   (rank == 0).astype(float), (rank == 1).astype(float), self.match[rows] * self.match_rarity[None, :]]
        if self.semantic is not None:
            columns.append(self.semantic[rows])
        return numpy.stack(columns, axis=-1)

    def logit(self, cal: Calibration, step: int = 2000) -> "numpy.ndarray":
        """The calibrated logit of every (segment, code), a block of segments at a time."""
        import numpy

        out = numpy.empty_like(self.zero_shot)
        for a in range(0, out.shape[0], step):
            out[a:a + step] = self.features(slice(a, a + step)) @ cal.coef + cal.intercept
        return out


def fit(F: "numpy.ndarray", y: "numpy.ndarray") -> Calibration:
    """L2-regularised logistic regression of ``y`` (rows x codes, 1 = applied) on ``F``
    (rows x codes x features); unweighted, so that it predicts probabilities."""
    from qualcode.nlp.sparse import standardised_logistic

    X = F.reshape(-1, F.shape[-1])
    t = y.reshape(-1).astype(float)
    w, b = standardised_logistic(X, t, c=C)
    return Calibration(w, b, best_threshold(X @ w + b, t), int(t.sum()), int(y.shape[0]))


def best_threshold(logit: "numpy.ndarray", y: "numpy.ndarray") -> float:
    """The probability at which suggesting every pair at or above it has the best F1 on ``y``."""
    import numpy

    order = numpy.argsort(-logit, kind="stable")
    hits = numpy.cumsum(y[order])
    f1 = 2 * hits / (numpy.arange(1, len(order) + 1) + max(float(y.sum()), 1.0))
    best = int(numpy.argmax(f1))
    return float(1.0 / (1.0 + numpy.exp(-logit[order][best])))


def expected_f1_threshold(probability: "numpy.ndarray") -> "numpy.ndarray":
    """Per column (code), the probability at or above which suggesting has the best expected
    F1 when ``probability`` (rows x codes) is taken at its word: suggesting the top *m* rows
    expects sum(top m) true positives out of sum(all) positives, so F1 = 2 sum(top m) /
    (m + sum(all)). A code that is frequent and well separated gets a high threshold; one
    whose probabilities are all low gets a low one, so that it is still suggested where it
    is likeliest (the F1-optimal threshold is half the best achievable F1, which differs by
    code: one shared threshold floods frequent codes and starves rare ones). 1.0 (suggest
    nothing) for a code when there are no rows."""
    import numpy

    m, k = probability.shape
    if m == 0:
        return numpy.ones(k)
    ranked = -numpy.sort(-probability, axis=0)
    hits = numpy.cumsum(ranked, axis=0)
    f1 = 2 * hits / (numpy.arange(1, m + 1)[:, None] + hits[-1][None, :])
    return ranked[numpy.argmax(f1, axis=0), numpy.arange(k)]


def calibrate(signals: Signals, code_ids: Sequence[str], labels: dict[str, Labels],
              has_model: "numpy.ndarray") -> Calibration | None:
    """Fit on every segment the labels cover (each reviewed segment x each code, 1 where the
    researcher applied it). None when more than ``MAX_LEARNED`` of the codes have a
    classifier (``has_model``), or the others have fewer than ``MIN_POSITIVE`` accepted
    codings between them."""
    import numpy

    reviewed = reviewed_rows(labels)
    if not reviewed or not len(code_ids) or has_model.mean() > MAX_LEARNED:
        return None
    row = {i: r for r, i in enumerate(reviewed)}
    applied = numpy.zeros((len(reviewed), len(code_ids)))
    for j, cid in enumerate(code_ids):
        if cid in labels:
            applied[[row[i] for i in labels[cid].positive], j] = 1
    if applied[:, ~has_model].sum() < MIN_POSITIVE:
        return None
    return fit(signals.features(numpy.asarray(reviewed)), applied)
