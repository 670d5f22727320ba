"""Agreement counts at the character level, as NVivo's coding comparison computes them.

The units are the characters of the speech segments of the compared sources (the words
people said: not the speaker labels, time stamps or headings between them). Per code, each
coder rates each character "coded" (inside one of their accepted codings of that code) or
"not coded"; the result is a :class:`BinaryTally` per code, so every statistic of the turn
level (percent agreement, kappa, alpha, AC1, prevalence) applies unchanged.

A million codings cover hundreds of millions of characters, so no character is visited:
everything is interval arithmetic in numpy, with no Python loop per coding.

1. The speech segments, in source order, define a monotone map from a source offset to
   "speech characters before it" (:class:`SpeechMap`). A coding's span ``[start, end)`` maps
   to an interval whose length is exactly the number of speech characters it covers, and
   overlaps are preserved, so the rest is done on one line of characters.
2. Each coder's codings of a code are merged into disjoint intervals (a coder who coded the
   same words twice coded them once).
3. The merged intervals of all coders become +1/−1 events; a running sum gives, between two
   consecutive events, how many coders coded those characters. Lengths summed by count give
   the histogram of :class:`BinaryTally`.

Steps 2 and 3 run for all codes at once: each (code, coder) group is shifted by a multiple
of :data:`_SHIFT`, larger than the speech of all sources together, so groups never overlap.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from qualcode.reports.statistics import BinaryTally

if TYPE_CHECKING:
    from sqlite_utils import Database

# Source offsets are made global as source_id * _SOURCE + offset; speech positions of
# different (code, coder) groups are kept apart as group * _SHIFT + position.
_SOURCE = 1 << 32
_SHIFT = 1 << 40


class SpeechMap:
    """Source offsets to positions on the line of speech characters of the chosen sources."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        order = np.argsort(starts, kind="stable")
        self.starts, self.ends = _union(starts[order], ends[order])
        lengths = self.ends - self.starts
        self.before = np.concatenate(([0], np.cumsum(lengths)))  # speech characters before piece i
        self.units = int(self.before[-1])

    def __call__(self, pos: np.ndarray) -> np.ndarray:
        i = np.searchsorted(self.starts, pos, side="right") - 1
        before = i < 0  # before the first speech character
        i[before] = 0
        inside = np.clip(pos - self.starts[i], 0, self.ends[i] - self.starts[i])
        out = self.before[i] + inside
        out[before] = 0
        return out


def _union(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted intervals (by start) merged into disjoint ones."""
    if not len(starts):
        return starts, ends
    reach = np.maximum.accumulate(ends)
    new = np.empty(len(starts), dtype=bool)
    new[0] = True
    new[1:] = starts[1:] > reach[:-1]
    first = np.flatnonzero(new)
    last = np.concatenate((first[1:] - 1, [len(starts) - 1]))
    return starts[first], reach[last]


def _ints(text: str | None) -> np.ndarray:
    return np.array(json.loads(f"[{text or ''}]"), dtype=np.int64)


_SPEECH = ("SELECT group_concat(id), group_concat(source_id), group_concat(start), group_concat(end) FROM segments "
           "WHERE kind = 'speech' AND pieces IS NULL AND source_id IN (SELECT value FROM json_each(?))")
_PIECES = ("SELECT id, source_id, pieces FROM segments WHERE kind = 'speech' AND pieces IS NOT NULL "
           "AND source_id IN (SELECT value FROM json_each(?))")
# Every accepted coding by (code, coder): the covering index of migration m016, in its order
# (SQLite does not pick it unaided). One row per group, its columns parsed in C: a million
# codings never become a million Python tuples.
_CODINGS = ("SELECT code_id, coder, group_concat(source_id), group_concat(start), group_concat(end) "
            "FROM codings INDEXED BY codings_spans WHERE status = 'accepted' AND coder IS NOT NULL "
            "GROUP BY code_id, coder")


class CharacterReads:
    """The reads the character level needs, started beside the turn level's
    (:class:`~qualcode.reports.beside.Beside`): they take as long as the turn level's own."""

    def __init__(self, db: "Database", src_ids: list[int]) -> None:
        from qualcode.reports.beside import Beside

        wanted = json.dumps(src_ids)
        self.speech, self.codings = Beside(db, _SPEECH, [wanted]), Beside(db, _CODINGS)
        self.pieces = db.execute(_PIECES, [wanted]).fetchall()  # few: the turns cut by labels or stamps


def speech_map(reads: CharacterReads, skip: set[int] | None = None) -> SpeechMap:
    """The speech characters of these sources (a segment cut by labels or stamps counts
    only its pieces), leaving out the segments in ``skip`` (facilitators' turns nobody coded)."""
    ids, srcs, starts, ends = (_ints(col) for col in reads.speech.rows()[0])
    extra = [(seg, src, a, b) for seg, src, pieces in reads.pieces for a, b in json.loads(pieces)]
    if extra:
        more = np.array(extra, dtype=np.int64)
        ids, srcs, starts, ends = (np.concatenate((col, more[:, k])) for k, col in enumerate((ids, srcs, starts, ends)))
    if skip:
        kept = ~np.isin(ids, np.fromiter(skip, dtype=np.int64, count=len(skip)))
        srcs, starts, ends = srcs[kept], starts[kept], ends[kept]
    return SpeechMap(srcs * _SOURCE + starts, srcs * _SOURCE + ends)


def character_tallies(reads: CharacterReads, code_ids: list[str], coders: list[str],
                      skip: set[int] | None = None) -> tuple[int, dict[str, BinaryTally]]:
    """The number of speech characters of the sources read (but the segments in ``skip``),
    and per code the counts of characters coded by each coder and by exactly j coders."""
    speech = speech_map(reads, skip)
    m = len(coders)
    tallies = {c: BinaryTally(m, units=speech.units) for c in code_ids}
    groups, group_col, starts, ends = _codings(reads, set(code_ids), coders)
    if not groups:
        return speech.units, tallies
    # Codings in other sources map to empty intervals: no filter needed.
    starts, ends = speech(starts), speech(ends)
    keep = ends > starts
    # Rows come in index order (code, coder, source, start), so each group's intervals are
    # sorted and the groups follow one another: no sort before merging.
    lo, hi = group_col[keep] * _SHIFT + starts[keep], group_col[keep] * _SHIFT + ends[keep]
    if len(lo) > 1 and bool((lo[1:] < lo[:-1]).any()):  # SQLite does not promise group_concat's order
        order = np.argsort(lo, kind="stable")
        lo, hi = lo[order], hi[order]
    lo, hi = _union(lo, hi)
    group = lo // _SHIFT
    per_group = np.bincount(group, weights=hi - lo, minlength=len(groups))
    # Each code's events on a line of its own (its number in ``codes``).
    codes = list(dict.fromkeys(code for code, _k in groups))
    code_no = np.array([codes.index(code) for code, _k in groups], dtype=np.int64)[group]
    at = np.concatenate((code_no * _SHIFT + lo % _SHIFT, code_no * _SHIFT + hi % _SHIFT))
    step = np.concatenate((np.ones(len(lo), dtype=np.int64), -np.ones(len(hi), dtype=np.int64)))
    order = np.argsort(at, kind="stable")  # sorted runs (a coder's starts, ends): merged, not sorted afresh
    at, step = at[order], step[order]
    count = np.cumsum(step)[:-1]  # coders coding the characters between event i and i + 1
    spans = count > 0  # a code's count is back at 0 after its last event
    cell = (at[:-1][spans] // _SHIFT) * (m + 1) + count[spans]
    by_cell = np.bincount(cell, weights=np.diff(at)[spans], minlength=len(codes) * (m + 1))
    for g, (code, k) in enumerate(groups):
        if per_group[g]:
            tallies[code].per_coder[k] = int(per_group[g])
    for i, code in enumerate(codes):
        tallies[code].histogram = Counter({j: int(by_cell[i * (m + 1) + j]) for j in range(1, m + 1)
                                           if by_cell[i * (m + 1) + j]})
    return speech.units, tallies


def _codings(reads: CharacterReads, code_ids: set[str], coders: list[str]
             ) -> tuple[list[tuple[str, int]], np.ndarray, np.ndarray, np.ndarray]:
    """Every accepted coding of these codes by these coders, as (code, coder number) groups
    and, per coding, its group number and global start and end, in the index's order."""
    coder_no = {c: k for k, c in enumerate(coders)}
    groups: list[tuple[str, int]] = []
    cols: list[list[np.ndarray]] = [[], [], []]
    for code_id, coder, *texts in reads.codings.rows():
        if code_id in code_ids and coder in coder_no:
            groups.append((code_id, coder_no[coder]))
            for col, text in zip(cols, texts):
                col.append(np.fromstring(text, dtype=np.int64, sep=","))
    if not groups:
        empty = np.zeros(0, dtype=np.int64)
        return groups, empty, empty, empty
    group_col = np.repeat(np.arange(len(groups), dtype=np.int64), [len(a) for a in cols[0]])
    srcs, starts, ends = (np.concatenate(col) for col in cols)
    return groups, group_col, srcs * _SOURCE + starts, srcs * _SOURCE + ends
