"""Agreement statistics: percent agreement, Cohen's kappa, Krippendorff's alpha (nominal),
Gwet's AC1 and prevalence.

Two forms of the same formulas:

- :func:`cohen_kappa`, :func:`krippendorff_alpha_nominal` and :func:`gwet_ac1` take ratings as written in the
  literature (a table of coders' values, ``None`` for missing), so they can be checked
  against published worked examples (see tests/test_agreement.py).
- :class:`BinaryTally` computes the same figures for "coded / not coded" data from counts
  alone, which is how the agreement report scales to a million codings: a unit nobody coded
  is only counted, never visited.

Sources: Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
Psychological Measurement* 20(1), 37–46. Krippendorff, K. (2011). Computing Krippendorff's
alpha-reliability. Annenberg School for Communication, University of Pennsylvania
(https://repository.upenn.edu/asc_papers/43), sections A (binary data, two observers) and
C (nominal data, any number of observers, missing values). Gwet, K. L. (2008). Computing
inter-rater reliability and its variance in the presence of high agreement. *British Journal
of Mathematical and Statistical Psychology* 61, 29–48 (AC1, any number of raters, missing
ratings); Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability*, 4th ed., chapter 2.

Why AC1 and prevalence beside kappa: with a rare code (few units coded) kappa's chance
agreement is close to 1, so a handful of disagreements drives kappa towards 0 although the
coders agree on almost every unit (the "kappa paradox"); AC1's chance agreement does not
grow with imbalance. Teams report prevalence so a reader can tell which case applies.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import permutations
from typing import Hashable, Sequence


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa for two coders' ratings of the same units; ``None`` when chance
    agreement is 1 (both coders used one and the same category throughout)."""
    if len(a) != len(b) or not a:
        raise ValueError("two equally long, non-empty rating lists are needed")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha_nominal(units: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha for nominal data. ``units`` holds, per unit, the values the
    coders gave (``None`` = missing). Units with fewer than two values are not pairable and
    are left out. ``None`` when there is no variation at all (expected disagreement 0)."""
    coincidence: Counter[tuple[Hashable, Hashable]] = Counter()
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        for i, j in permutations(range(m), 2):
            coincidence[(values[i], values[j])] += 1 / (m - 1)  # type: ignore[assignment]
    totals: Counter[Hashable] = Counter()
    for (c, _k), o in coincidence.items():
        totals[c] += o
    n = sum(totals.values())
    disagreeing = sum(o for (c, k), o in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if expected == 0:
        return None
    return 1 - (n - 1) * disagreeing / expected


def gwet_ac1(units: Sequence[Sequence[Hashable | None]],
             categories: Sequence[Hashable] | None = None) -> float | None:
    """Gwet's AC1 for nominal ratings (``None`` = missing), any number of raters (Gwet 2008,
    equations 14–15 generalised to missing ratings as in the Handbook, 4th ed., 2.5):
    ``pa`` averages, over units with two or more ratings, the share of agreeing rater pairs;
    ``pe`` = Σ π_k (1 − π_k) / (q − 1), π_k the mean share of a unit's ratings in category k
    (over units with at least one rating), q the number of categories (``categories`` when
    given, else those used). ``None`` when fewer than two categories make q − 1 zero or no
    unit has two ratings."""
    rated = [[v for v in unit if v is not None] for unit in units]
    rated = [r for r in rated if r]
    cats = list(categories) if categories is not None else sorted({v for r in rated for v in r}, key=repr)
    q = len(cats)
    pairable = [r for r in rated if len(r) >= 2]
    if q < 2 or not pairable:
        return None
    pa = sum(sum(n * (n - 1) for n in Counter(r).values()) / (len(r) * (len(r) - 1)) for r in pairable) / len(pairable)
    pi = {k: sum(r.count(k) / len(r) for r in rated) / len(rated) for k in cats}
    pe = sum(p * (1 - p) for p in pi.values()) / (q - 1)
    return (pa - pe) / (1 - pe)


@dataclass
class BinaryTally:
    """Counts for "coded / not coded" ratings by ``coders`` coders on ``units`` units, no
    missing values: ``histogram[j]`` units were coded by exactly j coders, and
    ``per_coder[k]`` is how many units coder k coded."""

    coders: int
    units: int = 0
    histogram: Counter[int] = field(default_factory=Counter)
    per_coder: Counter[int] = field(default_factory=Counter)

    def add(self, other: "BinaryTally") -> None:
        self.units += other.units
        self.histogram.update(other.histogram)
        self.per_coder.update(other.per_coder)

    def _full(self) -> dict[int, int]:
        hist = dict(self.histogram)
        hist[0] = self.units - sum(v for j, v in hist.items() if j)
        return hist

    def percent_agreement(self) -> float | None:
        """Share of units on which all coders agree (all coded it, or none did)."""
        if not self.units:
            return None
        hist = self._full()
        return (hist.get(0, 0) + hist.get(self.coders, 0)) / self.units

    def kappa(self) -> float | None:
        """Cohen's kappa; only for two coders (``None`` otherwise or when undefined)."""
        if self.coders != 2 or not self.units:
            return None
        n = self.units
        pa, pb = self.per_coder.get(0, 0) / n, self.per_coder.get(1, 0) / n
        observed = (n - self.histogram.get(1, 0)) / n
        expected = pa * pb + (1 - pa) * (1 - pb)
        if expected == 1:
            return None
        return (observed - expected) / (1 - expected)

    def alpha(self) -> float | None:
        """Krippendorff's alpha (nominal, two values); ``None`` when there is no variation."""
        m = self.coders
        if m < 2 or not self.units:
            return None
        hist = self._full()
        ones = sum(j * h for j, h in hist.items())
        zeros = sum((m - j) * h for j, h in hist.items())
        n = ones + zeros
        disagreeing = sum(2 * j * (m - j) * h for j, h in hist.items()) / (m - 1)
        if ones == 0 or zeros == 0:
            return None
        return 1 - (n - 1) * disagreeing / (2 * ones * zeros)

    def prevalence(self) -> float | None:
        """Share of the ratings that are "coded": the units coded, averaged over coders."""
        if not self.units or not self.coders:
            return None
        return sum(self.per_coder.values()) / (self.units * self.coders)

    def ac1(self) -> float | None:
        """Gwet's AC1 with two categories (coded / not coded) and no missing ratings; ``None``
        when there is no variation (nobody coded a unit, or every coder coded every unit),
        like kappa and alpha, although the formula would give 1."""
        m = self.coders
        prevalence = self.prevalence()
        if m < 2 or prevalence is None or prevalence in (0, 1):
            return None
        hist = self._full()
        pa = sum(h * (j * (j - 1) + (m - j) * (m - j - 1)) for j, h in hist.items()) / (m * (m - 1) * self.units)
        pe = 2 * prevalence * (1 - prevalence)
        return (pa - pe) / (1 - pe)
