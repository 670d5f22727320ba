"""Scoring suggestions against gold codings, with an optional simulated review.

The gold is a set of coded spans over documents: a benchmark folder, another coder's
codings in the project, or a CSV. Documents are cut into the protocol's units
(``nlp/benchmark.py``), suggestions are computed fresh by the same engine ``qualcode
suggest`` uses, and scored with ``nlp/metrics.py``.

``simulate`` replays a researcher who reviews a share of the documents (chosen at random,
by document, never by segment): on those documents they accept what the gold says and
reject every other suggestion, so the learned layer trains on exactly that; the other
documents are scored. Each fraction is repeated over several random splits and the
scored segments are pooled. Facilitators' turns (``Segment.facilitator``) are never scored,
as ``suggest`` gives them nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from qualcode.codebook.model import Code
from qualcode.nlp.benchmark import GoldSpan, Segment, gold_codes
from qualcode.nlp.learned import labels_from_decisions
from qualcode.nlp.metrics import Metrics, score

if TYPE_CHECKING:
    from spacy.language import Language

    from qualcode.nlp.semantic import Embedder

CURVE = (0.0, 0.1, 0.25, 0.5)


@dataclass
class EvalResult:
    dataset: str
    unit: str
    reviewed: float  # share of documents reviewed before scoring
    repeats: int
    metrics: Metrics
    learned_codes: int  # codes with a classifier (mean over repeats, rounded)
    # the codebook-only suggestions scored on the same held-out documents: what reviewing gained
    without_review: Metrics | None = None


def evaluate_segments(nlp: "Language", codes: Sequence[Code], segments: Sequence[Segment],
                      spans: Sequence[GoldSpan], *, dataset: str, unit: str,
                      fractions: Sequence[float] = (0.0,), repeats: int = 3, seed: int = 0,
                      batch_size: int = 1000, embedder: "Embedder | None" = None) -> list[EvalResult]:
    """Score suggestions on ``segments`` against ``spans`` after reviewing each fraction;
    ``embedder`` turns the semantic layer on, as ``suggest`` does when it is installed."""
    from qualcode.nlp.analysis import analyse
    from qualcode.nlp.engine import decide, prepare
    from qualcode.nlp.lexical import LexicalMatcher

    matcher = LexicalMatcher(nlp, codes)
    analysed = list(analyse(nlp, matcher, (s.text for s in segments), batch_size=batch_size))
    groups = [s.doc_id for s in segments]
    gold = gold_codes(list(segments), spans)
    semantic = embedder.input(codes, [s.text for s in segments]) if embedder is not None else None
    prep = prepare(nlp, codes, analysed, groups, embeddings=semantic)
    base = decide(prep)
    docs = sorted(set(groups))
    # Facilitators' turns are context (analysed, neighbours) but, as in `suggest`, get no
    # suggestions: they are not scored, and a reviewer decides nothing on them beyond the
    # codings they made there.
    spoken = [i for i, s in enumerate(segments) if not s.facilitator]
    results = []
    for fraction in fractions:
        if fraction <= 0:
            results.append(EvalResult(dataset, unit, 0.0, 1, _score(base, spoken, gold), 0))
            continue
        rankings: list[list[str]] = []
        suggested: list[list[str]] = []
        scores: list[list[float]] = []
        golds: list[set[str]] = []
        held_out: list[int] = []
        learned = 0
        for r in range(repeats):
            order = list(docs)
            random.Random(seed + r).shuffle(order)
            n_train = min(max(1, round(fraction * len(docs))), len(docs) - 1)
            train = set(order[:n_train])
            in_train = {i for i, g in enumerate(groups) if g in train}
            reviewed = {i for i in in_train if gold[i] or not segments[i].facilitator}
            decisions = [(i, c, True) for i in reviewed for c in gold[i]]
            decisions += [(i, c, False) for i in reviewed if not segments[i].facilitator
                          for c in base.suggested_codes(i) - gold[i]]
            table = decide(prep, labels_from_decisions(decisions, reviewed))
            learned += len(table.learned.models)
            for i in spoken:
                if i not in in_train:
                    held_out.append(i)
                    rankings.append(table.ranking(i))
                    shown = table.shown(i)
                    suggested.append([c for c, _ in shown])
                    scores.append([s for _, s in shown])
                    golds.append(gold[i])
        results.append(EvalResult(dataset, unit, fraction, repeats, score(rankings, suggested, golds, scores),
                                  round(learned / repeats), _score(base, held_out, gold)))
    return results


def _score(table: "object", rows: Sequence[int] | range, gold: list[set[str]]) -> Metrics:
    """Score the table's suggestions on ``rows`` (repeats included: a row may come twice)."""
    from qualcode.nlp.engine import ScoreTable

    assert isinstance(table, ScoreTable)
    shown = [table.shown(i) for i in rows]
    return score([table.ranking(i) for i in rows], [[c for c, _ in s] for s in shown],
                 [gold[i] for i in rows], [[p for _, p in s] for s in shown])
