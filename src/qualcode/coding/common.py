"""Small helpers shared by the coding modules: time, code and source lookups."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def require_codes(db: "Database", code_ids: Iterable[str]) -> list[str]:
    ids = list(code_ids)
    if not ids:
        return ids
    known = {r[0] for r in db.execute("SELECT id FROM codes").fetchall()}
    if not known:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    for code_id in ids:
        if code_id not in known:
            import difflib

            close = difflib.get_close_matches(code_id, sorted(known), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise QualcodeError(f"unknown code id '{code_id}'; {hint}run `qualcode codebook show` to list ids")
    return ids


def require_sources(db: "Database", names: Iterable[str]) -> list[int]:
    ids = []
    for name in names:
        row = db.execute("SELECT id FROM sources WHERE name = ?", [name]).fetchone()
        if row is None:
            raise QualcodeError(f"unknown source '{name}'; run `qualcode sources` to list source names")
        ids.append(int(row[0]))
    return ids


def new_batch() -> str:
    """An id grouping the events of one decision, so that undo restores it as a whole."""
    import uuid

    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Turn:
    """A segment as the review and reconcile screens show it, with the turn before it."""
    source: str
    ordinal: int
    line: int
    timestamp: float | None
    speaker: str | None
    text: str
    pieces: list[tuple[int, int]]
    previous: tuple[str | None, str] | None  # (speaker, text) of the turn before, if any


def turn(db: "Database", segment_id: int) -> Turn:
    """Segment ``segment_id`` with its source, speaker and the turn before it (one line of
    error when there is no such segment)."""
    seg = db.execute(
        "SELECT src.name, s.ordinal, s.line, s.timestamp, sp.label, s.text, s.start, s.end, s.pieces, s.source_id "
        "FROM segments s JOIN sources src ON src.id = s.source_id LEFT JOIN speakers sp ON sp.id = s.speaker_id "
        "WHERE s.id = ?", [segment_id]).fetchone()
    if seg is None:
        raise QualcodeError(f"no segment with id {segment_id}")
    prev = db.execute(
        "SELECT sp.label, s.text FROM segments s LEFT JOIN speakers sp ON sp.id = s.speaker_id "
        "WHERE s.source_id = ? AND s.ordinal < ? ORDER BY s.ordinal DESC LIMIT 1", [seg[9], seg[1]]).fetchone()
    return Turn(seg[0], seg[1], seg[2], seg[3], seg[4], seg[5], segment_pieces(seg[6], seg[7], seg[8]),
                None if prev is None else (prev[0], prev[1]))


def segment_pieces(start: int, end: int, pieces_json: str | None) -> list[tuple[int, int]]:
    """A segment's spans of the source text (one span unless labels or stamps cut it)."""
    if pieces_json:
        return [(int(a), int(b)) for a, b in json.loads(pieces_json)]
    return [(start, end)]


def to_segment_offset(pieces: list[tuple[int, int]], offset: int) -> int:
    """The inverse of ``ingest.model.piece_offset``: a source offset as an offset into the
    segment's text (its pieces joined by a blank line)."""
    from qualcode.ingest.model import PIECE_SEPARATOR

    done = 0
    for start, end in pieces:
        if offset <= end:
            return done + max(0, offset - start)
        done += end - start + len(PIECE_SEPARATOR)
    return done - len(PIECE_SEPARATOR)


def code_aliases(db: "Database") -> dict[str, str]:
    """Every code id the project has known -> the active code that holds its codings now
    (itself when active; the end of the rename/merge chain otherwise). Removed and retired
    codes map to nothing: their codings are orphans."""
    rows = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, status, merged_into FROM codes").fetchall()}
    out: dict[str, str] = {}
    for code_id in rows:
        current, seen = code_id, set()
        while rows.get(current, ("", None))[0] in ("renamed", "merged") and current not in seen:
            seen.add(current)
            current = rows[current][1] or ""
        if rows.get(current, ("", None))[0] == "active":
            out[code_id] = current
    return out


def add_in(column: str, values: list[Any], clauses: list[str], params: list[Any]) -> None:
    """Add ``column IN (...)`` to a WHERE clause under construction, when there are values."""
    if values:
        clauses.append(f"{column} IN ({','.join('?' * len(values))})")
        params.extend(values)
