"""The benchmark protocol's metrics for code suggestions against gold codes.

For each segment a system gives a *ranking* (codes by score, best first) and a *suggested
set* (the codes it would actually suggest). Over segments with a gold code: P@1, P@3, R@3
of the ranking. Over all segments: micro and macro F1 of the suggested sets (suggestions on
uncoded text are false positives), and the false-alarm rate, the share of uncoded segments
given any suggestion. Macro-F1 averages over the codes that are gold somewhere in the
scored segments.
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

    def as_dict(self, per_code: bool = True) -> dict[str, Any]:
        out = {k: (round(v, 4) if isinstance(v, float) else v)
               for k, v in asdict(self).items() if k != "per_code"}
        if per_code:
            out["per_code"] = [{"code": c.code, "gold": c.gold, "suggested": c.suggested, "correct": c.correct,
                                "precision": round(c.precision, 4), "recall": round(c.recall, 4),
                                "f1": round(c.f1, 4)} for c in self.per_code]
        return out


def score(rankings: Sequence[Sequence[str]], suggested: Sequence[set[str]],
          gold: Sequence[set[str]]) -> Metrics:
    """Score ``rankings`` (best first) and ``suggested`` sets against ``gold``, segment by segment."""
    if not (len(rankings) == len(suggested) == len(gold)):
        raise ValueError("rankings, suggested and gold must have one entry per segment")
    p1 = p3 = r3 = 0.0
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
    return Metrics(
        segments=len(gold), coded=coded,
        p_at_1=p1 / coded if coded else 0.0, p_at_3=p3 / coded if coded else 0.0,
        r_at_3=r3 / coded if coded else 0.0, micro_f1=micro, macro_f1=macro,
        false_alarm=alarms / uncoded if uncoded else 0.0, per_code=per_code,
    )
