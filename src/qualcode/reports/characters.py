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
        inside = np.clip(pos - self.starts[np.maximum(i, 0)], 0, self.ends[np.maximum(i, 0)] - self.starts[np.maximum(i, 0)])
        return np.where(i >= 0, self.before[np.maximum(i, 0)] + inside, 0)


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


def speech_map(db: "Database", src_ids: list[int]) -> SpeechMap:
    """The speech characters of these sources (a segment cut by labels or stamps counts
    only its pieces)."""
    wanted = json.dumps(src_ids)
    srcs, starts, ends = (_ints(col) for col in db.execute(
        "SELECT group_concat(source_id), group_concat(start), group_concat(end) FROM segments "
        "WHERE kind = 'speech' AND pieces IS NULL AND source_id IN (SELECT value FROM json_each(?))",
        [wanted]).fetchone())
    extra = [(src, a, b) for src, pieces in db.execute(
        "SELECT source_id, pieces FROM segments WHERE kind = 'speech' AND pieces IS NOT NULL "
        "AND source_id IN (SELECT value FROM json_each(?))", [wanted]) for a, b in json.loads(pieces)]
    if extra:
        more = np.array(extra, dtype=np.int64)
        srcs, starts, ends = (np.concatenate((srcs, more[:, k])) for k in range(3))
    return SpeechMap(srcs * _SOURCE + starts, srcs * _SOURCE + ends)


def character_tallies(db: "Database", code_ids: list[str], coders: list[str],
                      src_ids: list[int]) -> tuple[int, dict[str, BinaryTally]]:
    """The number of speech characters of these sources, and per code the counts of
    characters coded by each coder and by exactly j coders."""
    speech = speech_map(db, src_ids)
    code_index = {c: i for i, c in enumerate(code_ids)}
    coder_index = {c: i for i, c in enumerate(coders)}
    code_col, coder_col, starts, ends = _codings(db, code_index, coder_index, src_ids)
    tallies = {c: BinaryTally(len(coders), units=speech.units) for c in code_ids}
    if not len(starts):
        return speech.units, tallies
    starts, ends = speech(starts), speech(ends)
    keep = ends > starts
    m = len(coders)
    group = code_col[keep] * m + coder_col[keep]
    lo, hi = group * _SHIFT + starts[keep], group * _SHIFT + ends[keep]
    order = np.argsort(lo, kind="stable")
    lo, hi = _union(lo[order], hi[order])
    groups = lo // _SHIFT
    per_group = np.bincount(groups, weights=hi - lo, minlength=len(code_ids) * m)
    # Events on each code's line: the groups of one code share its shift.
    code_of = groups // m
    at = np.concatenate((code_of * _SHIFT + lo % _SHIFT, code_of * _SHIFT + hi % _SHIFT))
    step = np.concatenate((np.ones(len(lo), dtype=np.int64), -np.ones(len(hi), dtype=np.int64)))
    order = np.argsort(at, kind="stable")
    at, step = at[order], step[order]
    count = np.cumsum(step)[:-1]  # coders coding the characters between event i and i + 1
    length = np.diff(at)
    spans = count > 0  # a code's count is back at 0 after its last event
    cell = (at[:-1][spans] // _SHIFT) * (m + 1) + count[spans]
    by_cell = np.bincount(cell, weights=length[spans], minlength=len(code_ids) * (m + 1))
    for code, i in code_index.items():
        tally = tallies[code]
        tally.per_coder = Counter({k: int(per_group[i * m + k]) for k in range(m) if per_group[i * m + k]})
        tally.histogram = Counter({j: int(by_cell[i * (m + 1) + j]) for j in range(1, m + 1) if by_cell[i * (m + 1) + j]})
    return speech.units, tallies


def _codings(db: "Database", code_index: dict[str, int], coder_index: dict[str, int],
             src_ids: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Code number, coder number and global start and end of every accepted coding of these
    codes by these coders in these sources: one row per (code, coder) group, its columns
    parsed in C, so a million codings never become a million Python tuples."""
    parts: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]] = []
    for code_id, coder, srcs, starts, ends in db.execute(
            "SELECT code_id, coder, group_concat(source_id), group_concat(start), group_concat(end) FROM codings "
            "WHERE status = 'accepted' AND coder IS NOT NULL AND source_id IN (SELECT value FROM json_each(?)) "
            "GROUP BY code_id, coder", [json.dumps(src_ids)]):
        if code_id in code_index and coder in coder_index:
            parts.append((code_index[code_id], coder_index[coder], _ints(srcs), _ints(starts), _ints(ends)))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    sizes = [len(p[2]) for p in parts]
    code_col = np.repeat(np.array([p[0] for p in parts], dtype=np.int64), sizes)
    coder_col = np.repeat(np.array([p[1] for p in parts], dtype=np.int64), sizes)
    srcs = np.concatenate([p[2] for p in parts])
    return (code_col, coder_col, srcs * _SOURCE + np.concatenate([p[3] for p in parts]),
            srcs * _SOURCE + np.concatenate([p[4] for p in parts]))
