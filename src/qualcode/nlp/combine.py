"""How the layers' scores combine into one calibrated score per (segment, code).

*Zero-shot* (no decisions needed) for code *c* and segment *s*::

    z = sim(s, c) + CONTEXT * (sim of the turns just before and after)
      - background(c)                                       # the corpus mean of the above: how
                                                            #   generic the code's words are
      + NAME * share of the code name's distinctive words in s   # the code's own name
      + lexical(s, c)                                       # lexical: keywords and patterns
                                                            #   (negated matches count against)
      - EXCLUDE * sim(s, exclusion criteria of c)            # what the code's exclude sends elsewhere

where, when the semantic layer is on (``nlp/semantic.py``), ``sim`` also counts the
sentence-embedding score: ``sim = TF-IDF sim + SEMANTIC * semantic``, so the context and the
background apply to both (a code whose description is close in meaning to every turn,
like a generic "Communication", gets a high background and gains nothing).

*Learned* codes use their classifier's probability alone: the classifier takes the zero-shot
score as a feature, so it starts from the codebook and learns how far to trust it. (Blending
in the zero-shot score while a code had under ten accepted examples was measured: it only
lowered macro-F1 on the benchmark, and it kept a code learned from six clear examples just
under the boundary.)

*Calibrated*: once the researcher's decisions are enough for the calibration layer
(``nlp/calibration.py``), every code without a classifier is scored by that layer's
probability instead of ``z``, and learned classifiers start from it.

All are mapped onto one scale by a logistic curve whose midpoint is the layer's decision
boundary, so that **0.5 means "worth suggesting" for every layer** and scores order the
review the same way across codes. A code is suggested for a segment when its score is at
least 0.5 and it is among the segment's best ``TOP_ZERO_SHOT`` (zero-shot) or
``TOP_LEARNED`` (learned) codes, or when its keywords or patterns matched or at least
``NAME_HIT`` of its name's distinctive words occur. The constants
were chosen on the benchmark datasets (docs/suggestions.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    import numpy

CONTEXT = 0.5
BACKGROUND_PRIOR = 50  # segments at which the corpus background counts half
NAME = 0.5
NAME_HIT = 0.5  # share of the name's distinctive words that counts as a match, like a keyword
LEXICAL = 1.3  # one single-word keyword (0.35) then reaches the zero-shot boundary on its own
ZERO_SHOT_BOUNDARY = 0.45
ZERO_SHOT_SCALE = 0.08
SEMANTIC = 0.75  # weight of the sentence-embedding score beside the TF-IDF similarity (docs/suggestions.md)
TOP_ZERO_SHOT = 2
TOP_LEARNED = 3
TOP_CALIBRATED = 4  # once the calibration layer scores every code (nlp/calibration.py)
BOUNDARY = 0.5  # the calibrated score at which a code is suggested
SHARED_NAME = 0.25  # share of a name match on words other codes' names also have that counts
EXCLUDE = 1.0  # weight of the similarity to a code's exclusion criteria, counted against it

def neighbours(M: "numpy.ndarray", groups: Sequence[Any]) -> "numpy.ndarray":
    """For each row, the sum of the rows just before and after it in the same group."""
    import numpy

    n = M.shape[0]
    out = numpy.zeros_like(M)
    if n < 2:
        return out
    same = numpy.array([groups[i] == groups[i + 1] for i in range(n - 1)], dtype=bool)
    out[1:][same] += M[:-1][same]
    out[:-1][same] += M[1:][same]
    return out


def zero_shot(sim: "numpy.ndarray", name_share: "numpy.ndarray", lexical: "numpy.ndarray",
              groups: Sequence[Any], semantic: "numpy.ndarray | None" = None,
              exclude: "numpy.ndarray | None" = None) -> "numpy.ndarray":
    if sim.shape[0] == 0:
        return sim.copy()
    if semantic is not None:
        sim = sim + SEMANTIC * semantic
    smoothed = sim + CONTEXT * neighbours(sim, groups)
    # A code's background level (how similar an unrelated turn is) is estimated from the
    # corpus; with few segments the estimate is shrunk towards 0 rather than trusted.
    n = sim.shape[0]
    centred = smoothed - smoothed.mean(axis=0, keepdims=True) * (n / (n + BACKGROUND_PRIOR))
    z = centred + NAME * name_share + LEXICAL * lexical
    if exclude is not None:  # what the code's own exclusion criteria send elsewhere
        z = z - EXCLUDE * exclude
    return z


def logistic(x: "numpy.ndarray") -> "numpy.ndarray":
    import numpy

    return 1.0 / (1.0 + numpy.exp(-numpy.clip(x, -50, 50)))


def calibrate_zero_shot(z: "numpy.ndarray") -> "numpy.ndarray":
    return logistic((z - ZERO_SHOT_BOUNDARY) / ZERO_SHOT_SCALE)


def calibrate_learned(p: "numpy.ndarray", boundary: float) -> "numpy.ndarray":
    import numpy

    p = numpy.clip(p, 1e-6, 1 - 1e-6)
    return logistic(numpy.log(p / (1 - p)) - numpy.log(boundary / (1 - boundary)))


def suggestion_mask(score: "numpy.ndarray", learned: "numpy.ndarray", lexical_hit: "numpy.ndarray",
                    calibrated: bool = False, rank_by: "numpy.ndarray | None" = None) -> "numpy.ndarray":
    """Which (segment, code) pairs to suggest; ``learned`` marks learned codes (per column).
    ``calibrated``: every score is the calibration layer's (one probability scale for all
    codes), so one cap, ``TOP_CALIBRATED``, applies to all of them. ``rank_by`` (default
    ``score``) orders each segment's codes for the caps."""
    import numpy

    if score.size == 0:
        return numpy.zeros(score.shape, dtype=bool)
    order = numpy.argsort(-(score if rank_by is None else rank_by), axis=1, kind="stable")
    rank = numpy.empty_like(order)
    rows = numpy.arange(score.shape[0])[:, None]
    rank[rows, order] = numpy.arange(score.shape[1])[None, :]
    if calibrated:
        top = rank < TOP_CALIBRATED
    else:
        top = numpy.where(learned[None, :], rank < TOP_LEARNED, rank < TOP_ZERO_SHOT)
    return (score >= BOUNDARY) & (top | lexical_hit)
