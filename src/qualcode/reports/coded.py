"""Fast access to "which segments carry which code" for the reports.

Every report starts from the same facts: for each code (and, for agreement, each coder),
the set of segments coded with it; and, for each segment, its source and who spoke it.
Fetching one row per coding into Python is what makes reports slow on big projects, so
the sets come from one aggregate query per report (``group_concat`` over the covering index
``codings_report``, migration m005) and are parsed in C (``json.loads``); the rest is set
algebra. A coding that spans several turns (imported from another tool, ``segment_id``
NULL) counts in every segment it overlaps.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from qualcode.reports.common import status_clause

if TYPE_CHECKING:
    from sqlite_utils import Database


_shared: dict[tuple[object, ...], Any] | None = None


@contextlib.contextmanager
def shared_reads() -> Iterator[None]:
    """Within this block, reports built together (``report html``) read the coded sets and
    the segment table once. Results are shared, so callers must not change them in place."""
    global _shared
    outer = _shared
    _shared = {} if outer is None else outer
    try:
        yield
    finally:
        _shared = outer


def _ids(text: str | None) -> list[int]:
    return json.loads(f"[{text}]") if text else []


def coded_sets(db: "Database", *, include_suggested: bool = False, coders: list[str] | None = None,
               by_coder: bool = False) -> dict[tuple[str, str | None], set[int]]:
    """{(code id, coder or None): segment ids}. Without ``by_coder`` the coder is None and the
    sets hold every coder's segments."""
    cache_key = ("sets", id(db), include_suggested, tuple(coders) if coders is not None else None, by_coder)
    if _shared is not None and cache_key in _shared:
        return _shared[cache_key]
    status = status_clause(include_suggested)
    where, params = "", []
    if coders is not None:
        where = f" AND c.coder IN ({','.join('?' * len(coders))})"
        params = list(coders)
    # Grouping by code and coder follows the index order (status, code_id, coder, segment_id),
    # so SQLite streams it; merging coders' sets is then cheap set algebra.
    unindexed = status.replace("c.status", "+c.status")  # few codings lack a segment: use segment_id's index
    out: dict[tuple[str, str | None], set[int]] = {}
    for code_id, coder, segs in db.execute(
            f"SELECT c.code_id, c.coder, group_concat(DISTINCT c.segment_id) FROM codings c "
            f"WHERE {status} AND c.segment_id IS NOT NULL{where} GROUP BY 1, 2", params):
        key = (code_id, coder if by_coder else None)
        if key in out:
            out[key].update(_ids(segs))
        else:
            out[key] = set(_ids(segs))
    for code_id, coder, seg in db.execute(
            f"SELECT c.code_id, c.coder, s.id FROM codings c JOIN segments s ON s.source_id = c.source_id "
            f"AND s.start < c.end AND s.end > c.start WHERE c.segment_id IS NULL AND {unindexed}{where}", params):
        out.setdefault((code_id, coder if by_coder else None), set()).add(seg)
    if _shared is not None:
        _shared[cache_key] = out
    return out


def by_code(sets: dict[tuple[str, str | None], set[int]]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for (code_id, _coder), segs in sets.items():
        out.setdefault(code_id, set()).update(segs)
    return out


@dataclass
class Segments:
    """Per segment id (list index): its source id, who spoke it, whether it is speech."""

    source: list[int]
    who: list[str]
    speech: list[bool]

    def sources_of(self, segs: set[int]) -> set[int]:
        return set(map(self.source.__getitem__, segs))

    def who_of(self, segs: set[int]) -> set[str]:
        return set(map(self.who.__getitem__, segs))


def segment_table(db: "Database") -> Segments:
    key = ("segments", id(db))
    if _shared is not None and key in _shared:
        return _shared[key]
    top = db.execute("SELECT coalesce(max(id), 0) FROM segments").fetchone()[0]
    source, who, speech = [0] * (top + 1), [""] * (top + 1), [False] * (top + 1)
    people = {sid: (f"p:{pid}" if pid is not None else f"s:{sid}")
              for sid, pid in db.execute("SELECT id, participant_id FROM speakers")}
    for seg, src, speaker, kind in db.execute("SELECT id, source_id, speaker_id, kind FROM segments"):
        source[seg] = src
        who[seg] = people.get(speaker, f"n:{src}") if speaker is not None else f"n:{src}"
        speech[seg] = kind == "speech"
    table = Segments(source, who, speech)
    if _shared is not None:
        _shared[key] = table
    return table


def rolled_up(direct: dict[str, set[int]], up: dict[str, list[str]]) -> dict[str, set[int]]:
    """Each code's segments together with those of every code below it."""
    out: dict[str, set[int]] = {}
    for code_id, segs in direct.items():
        for anc in up.get(code_id, [code_id]):
            if anc in out:
                out[anc] |= segs
            else:
                out[anc] = set(segs)
    return out
