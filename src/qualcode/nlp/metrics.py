"""The benchmark protocol's metrics for code suggestions against gold codes.

For each segment a system gives a *ranking* (codes by score, best first) and a *suggested
set* (the codes it would actually suggest). Over segments with a gold code: P@1, P@3, R@3
of the ranking. Over all segments: micro and macro F1 of the suggested sets (suggestions on
uncoded text are false positives), and the false-alarm rate, the share of uncoded segments
given any suggestion. Macro-F1 averages over the codes that are gold somewhere in the
scored segments.

The ranking figures rank every code on every segment, including codes that are never shown.
What a researcher sees is the suggested set, so two figures are about it alone: *shown P@1*,
the share of coded segments whose best *suggested* code is right (a segment given nothing
counts as wrong), and *coverage*, the share of coded segments given any suggestion. When the
suggestions' scores are given, *calibration* buckets them by score and gives each bucket's
precision, and *ECE* (expected calibration error) is the suggestion-weighted mean distance
between a bucket's mean score and its precision: 0 when "0.8" is right 8 times in 10.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Sequence


@dataclass
class CodeScore:
    code: str
    gold: int
    suggested: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.suggested if self.suggested else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


# Score buckets for calibration: tenths, with the top tenth split where "sure" begins.
EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
CONFIDENT = 0.9


@dataclass
class Bucket:
    start: float  # scores from here (inclusive) ...
    end: float  # ... to here (exclusive, except 1.0)
    suggestions: int
    correct: int
    score_sum: float = 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.suggestions if self.suggestions else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.start, "to": self.end, "suggestions": self.suggestions,
                "precision": round(self.precision, 4)}


def calibration(scores: Sequence[float], right: Sequence[bool]) -> tuple[list[Bucket], float]:
    """Buckets of ``EDGES`` with their precision, and the expected calibration error."""
    buckets = [Bucket(a, b, 0, 0) for a, b in zip(EDGES, EDGES[1:])]
    for s, ok in zip(scores, right):
        b = next((b for b in buckets if s < b.end), buckets[-1])
        b.suggestions += 1
        b.correct += 1 if ok else 0
        b.score_sum += s
    n = sum(b.suggestions for b in buckets)
    ece = sum(abs(b.score_sum / b.suggestions - b.precision) * b.suggestions for b in buckets if b.suggestions)
    return buckets, (ece / n if n else 0.0)


@dataclass
class Metrics:
    segments: int
    coded: int
    p_at_1: float
    p_at_3: float
    r_at_3: float
    micro_f1: float
    macro_f1: float
    false_alarm: float
    per_code: list[CodeScore] = field(default_factory=list)
    shown_p_at_1: float = 0.0  # coded segments whose best suggested code is right
    coverage: float = 0.0  # coded segments given any suggestion
    calibration: list[Bucket] = field(default_factory=list)
    ece: float | None = None  # None when no scores were given
    confident: Bucket | None = None  # the suggestions scoring at least CONFIDENT

    def as_dict(self, per_code: bool = True) -> dict[str, Any]:
        out = {k: (round(v, 4) if isinstance(v, float) else v)
               for k, v in asdict(self).items() if k not in ("per_code", "calibration", "confident")}
        out["calibration"] = [b.as_dict() for b in self.calibration]
        out["confident"] = self.confident.as_dict() if self.confident else None
        if per_code:
            out["per_code"] = [{"code": c.code, "gold": c.gold, "suggested": c.suggested, "correct": c.correct,
                                "precision": round(c.precision, 4), "recall": round(c.recall, 4),
                                "f1": round(c.f1, 4)} for c in self.per_code]
        return out


def score(rankings: Sequence[Sequence[str]], suggested: Sequence[Sequence[str]] | Sequence[set[str]],
          gold: Sequence[set[str]], scores: Sequence[Sequence[float]] | None = None) -> Metrics:
    """Score ``rankings`` (best first) and ``suggested`` codes (best first, when ordered)
    against ``gold``, segment by segment; ``scores`` gives each suggested code's score, in
    the same order, for the calibration figures."""
    if not (len(rankings) == len(suggested) == len(gold)):
        raise ValueError("rankings, suggested and gold must have one entry per segment")
    p1 = p3 = r3 = 0.0
    shown_p1 = covered = 0
    coded = alarms = uncoded = 0
    counts: dict[str, list[int]] = {}
    for ranking, sugg, g in zip(rankings, suggested, gold):
        if g:
            coded += 1
            top = list(ranking[:3])
            hits = sum(1 for c in top if c in g)
            p1 += 1.0 if top and top[0] in g else 0.0
            p3 += hits / 3
            r3 += hits / len(g)
            shown = list(sugg)
            covered += 1 if shown else 0
            shown_p1 += 1 if shown and shown[0] in g else 0
        else:
            uncoded += 1
            alarms += 1 if sugg else 0
        for c in g:
            counts.setdefault(c, [0, 0, 0])[0] += 1
        for c in sugg:
            row = counts.setdefault(c, [0, 0, 0])
            row[1] += 1
            row[2] += 1 if c in g else 0
    per_code = [CodeScore(c, *v) for c, v in sorted(counts.items())]
    tp = sum(c.correct for c in per_code)
    n_sugg = sum(c.suggested for c in per_code)
    n_gold = sum(c.gold for c in per_code)
    micro = 2 * tp / (n_sugg + n_gold) if n_sugg + n_gold else 0.0
    gold_codes = [c for c in per_code if c.gold]
    macro = sum(c.f1 for c in gold_codes) / len(gold_codes) if gold_codes else 0.0
    metrics = Metrics(
        segments=len(gold), coded=coded,
        p_at_1=p1 / coded if coded else 0.0, p_at_3=p3 / coded if coded else 0.0,
        r_at_3=r3 / coded if coded else 0.0, micro_f1=micro, macro_f1=macro,
        false_alarm=alarms / uncoded if uncoded else 0.0, per_code=per_code,
        shown_p_at_1=shown_p1 / coded if coded else 0.0, coverage=covered / coded if coded else 0.0,
    )
    if scores is not None:
        flat = [(s, c in g) for sugg, sc, g in zip(suggested, scores, gold) for c, s in zip(sugg, sc)]
        metrics.calibration, metrics.ece = calibration([s for s, _ in flat], [ok for _, ok in flat])
        sure = [ok for s, ok in flat if s >= CONFIDENT]
        metrics.confident = Bucket(CONFIDENT, 1.0, len(sure), sum(sure))
    return metrics
