"""Memos: the analyst's notes on the project, a source, a code or a coding.

Targets follow the project's convention (shared with REFI-QDA import/export): ``project``
has no id, a ``source`` is its row id, a ``code`` its id, a ``coding`` its row id, all
stored as text. :func:`list_memos` is the library entry point reports use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.coding.common import require_codes, require_sources
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

TARGETS = ("project", "source", "code", "coding")


@dataclass
class Memo:
    id: int
    target_type: str  # project | source | code | coding
    target_id: str | None
    target: str  # for people: "project", a source name, a code id, "coding 12 (code in source)"
    author: str | None
    text: str
    created_at: str


def target_for(db: "Database", *, source: str | None = None, code: str | None = None,
               coding: int | None = None) -> tuple[str, str | None]:
    """(target_type, target_id) from what the user named; the project when nothing is."""
    named = [x for x in (source, code, coding) if x is not None]
    if len(named) > 1:
        raise QualcodeError("a memo is about one thing: give only one of --source, --code, --coding")
    if source is not None:
        return "source", str(require_sources(db, [source])[0])
    if code is not None:
        return "code", require_codes(db, [code])[0]
    if coding is not None:
        if db.execute("SELECT 1 FROM codings WHERE id = ?", [coding]).fetchone() is None:
            raise QualcodeError(f"no coding with id {coding}; run `qualcode codings` to list coding ids")
        return "coding", str(coding)
    return "project", None


def add_memo(db: "Database", target_type: str, target_id: str | None, text: str, *, author: str | None) -> int:
    """Store a memo (inside the caller's transaction, or its own); returns its id."""
    if target_type not in TARGETS:
        raise QualcodeError(f"a memo's target must be one of {', '.join(TARGETS)}")
    if not text.strip():
        raise QualcodeError("the memo is empty; write some text")
    from qualcode.coding.ledger import add_memo as store_memo

    return store_memo(db, target_type, target_id, text.strip(), author=author)


_SELECT = (
    "SELECT m.id, m.target_type, m.target_id, m.author, m.text, m.created_at, src.name, "
    "c.code_id, csrc.name FROM memos m "
    "LEFT JOIN sources src ON m.target_type = 'source' AND CAST(src.id AS TEXT) = m.target_id "
    "LEFT JOIN codings c ON m.target_type = 'coding' AND CAST(c.id AS TEXT) = m.target_id "
    "LEFT JOIN sources csrc ON csrc.id = c.source_id ")


def _memo(r: tuple[object, ...]) -> Memo:
    kind, tid = str(r[1]), None if r[2] is None else str(r[2])
    if kind == "source":
        label = str(r[6]) if r[6] is not None else f"source {tid}"
    elif kind == "coding":
        label = f"coding {tid} ({r[7]} in {r[8]})" if r[7] is not None else f"coding {tid}"
    elif kind == "code":
        label = str(tid)
    else:
        label = "project"
    return Memo(int(str(r[0])), kind, tid, label, None if r[3] is None else str(r[3]), str(r[4]), str(r[5]))


def list_memos(db: "Database", target_type: str | None = None, target_id: str | None = None, *,
               author: str | None = None) -> list[Memo]:
    """Memos, oldest first, optionally about one kind of target or one target."""
    clauses, params = [], []
    if target_type is not None:
        clauses.append("m.target_type = ?")
        params.append(target_type)
    if target_id is not None:
        clauses.append("m.target_id = ?")
        params.append(str(target_id))
    if author is not None:
        clauses.append("m.author = ?")
        params.append(author)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return [_memo(r) for r in db.execute(f"{_SELECT}{where} ORDER BY m.created_at, m.id", params).fetchall()]


def get_memo(db: "Database", memo_id: int) -> Memo:
    row = db.execute(f"{_SELECT}WHERE m.id = ?", [memo_id]).fetchone()
    if row is None:
        raise QualcodeError(f"no memo with id {memo_id}; run `qualcode memo list` to see memo ids")
    return _memo(row)
