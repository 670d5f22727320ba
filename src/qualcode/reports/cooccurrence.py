"""Code co-occurrence: which codes are applied to the same segments.

Two codes co-occur in a segment (a speaker turn) when both are applied to it, by any coder;
a coding that spans several turns counts in each turn it overlaps, so overlapping codings
co-occur. ``segments`` is the number of segments carrying both codes; ``jaccard`` is that
number divided by the number of segments carrying either (Jaccard, 1901), so a pair of
frequent codes does not outrank a pair that always goes together. Pairs are ranked by
segments, then Jaccard. ``top_level`` first rolls every code up to its top-level theme.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.coding.common import require_codes
from qualcode.reports.coded import code_masks
from qualcode.reports.common import ancestors, code_tree

if TYPE_CHECKING:
    import numpy as np
    from sqlite_utils import Database


@dataclass
class Pair:
    a: str
    b: str
    segments: int
    jaccard: float


@dataclass
class CooccurrenceReport:
    codes: list[tuple[str, str]]        # (id, name) in codebook order
    totals: dict[str, int]              # segments per code
    pairs: list[Pair]                   # ranked, only pairs that co-occur
    include_suggested: bool
    top_level: bool

    def matrix(self) -> dict[tuple[str, str], int]:
        """Segments per (code, code): the diagonal is each code's own total."""
        out = {(a, a): n for a, n in self.totals.items()}
        for p in self.pairs:
            out[(p.a, p.b)] = out[(p.b, p.a)] = p.segments
        return out


def cooccurrence_report(db: "Database", *, include_suggested: bool = False, top_level: bool = False,
                        codes: list[str] | None = None, min_segments: int = 1,
                        include_facilitators: bool = False) -> CooccurrenceReport:
    import numpy as np  # counting in arrays, not Python sets: see reports/coded.py

    tree = code_tree(db)
    wanted = set(require_codes(db, codes or []))
    up = ancestors(tree)
    to = {cid: (chain[-1] if top_level else cid) for cid, chain in up.items()}
    nodes = [n for n in tree if (not top_level or n.parent_id is None) and (not wanted or n.id in wanted)]
    keep = {n.id for n in nodes}
    segs: dict[str, np.ndarray] = {}  # boolean arrays over segment ids (reports/coded.py)
    for code_id, found in code_masks(db, include_suggested=include_suggested,
                                     include_facilitators=include_facilitators).items():
        target = to.get(code_id, code_id)
        if target in keep:
            segs[target] = segs[target] | found if target in segs else found
    order = {n.id: k for k, n in enumerate(nodes)}
    totals = {cid: int(np.count_nonzero(found)) for cid, found in segs.items()}
    present = sorted(segs, key=order.__getitem__)
    pairs: dict[tuple[str, str], int] = {}
    if present:
        stacked = np.stack([segs[c] for c in present])
        for i, a in enumerate(present[:-1]):  # a code against every later one at once
            for b, both in zip(present[i + 1:], np.count_nonzero(stacked[i + 1:] & stacked[i], axis=1).tolist()):
                if both:
                    pairs[(a, b)] = both
    ranked_pairs = [Pair(a, b, n, round(n / (totals[a] + totals[b] - n), 3))
                    for (a, b), n in pairs.items() if n >= min_segments]
    ranked_pairs.sort(key=lambda p: (-p.segments, -p.jaccard, order[p.a], order[p.b]))
    return CooccurrenceReport([(n.id, n.name) for n in nodes], {n.id: totals.get(n.id, 0) for n in nodes},
                              ranked_pairs, include_suggested, top_level)
