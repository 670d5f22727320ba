"""Codebook versions in a project.

Loading a codebook stores a new version (its YAML and a diff against the previous one) and
upserts the ``codes`` table by id. Ids are stable, so codings survive edits. A code that
disappears from the codebook is marked ``removed``, never deleted: its codings are kept and
reported as orphaned.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from qualcode.codebook.loader import parse_codebook
from qualcode.codebook.model import Code, Codebook
from qualcode.coding.ledger import move_code, record_event, write_transaction

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class LoadResult:
    """What loading a codebook changes (or would change: see :func:`plan_codebook`)."""
    version_id: int | None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    orphaned_codings: int = 0  # codings of the codes this load removes
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old id, new id)
    merged: list[tuple[str, str]] = field(default_factory=list)  # (old id, into id)
    carried: dict[str, int] = field(default_factory=dict)  # old id -> codings carried over
    folded: int = 0  # carried codings that were a coder's second copy of the same coding (kept once)
    notes: list[str] = field(default_factory=list)
    first: bool = False  # the project had no codebook before
    same_text: bool = False  # byte-identical to the last version

    @property
    def is_noop(self) -> bool:
        return self.version_id is None

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.renamed or self.merged)

    def diff(self) -> dict[str, Any]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed,
                "renamed": [list(p) for p in self.renamed], "merged": [list(p) for p in self.merged]}


def _row(code: Code, position: int, version_id: int) -> dict[str, Any]:
    return {
        "id": code.id, "name": code.name, "position": position,
        "description": code.description, "include_criteria": code.include,
        "exclude_criteria": code.exclude, "colour": code.colour,
        "keywords": json.dumps(code.keywords, ensure_ascii=False),
        "patterns": json.dumps(code.patterns, ensure_ascii=False),
        "examples": json.dumps(code.examples, ensure_ascii=False),
        "status": "active", "version_id": version_id, "merged_into": None,
    }


def current_codebook(db: "Database") -> Codebook | None:
    """The codebook as last loaded into the project (None if none was loaded)."""
    row = db.execute("SELECT yaml, path FROM codebook_versions ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    book, _ = parse_codebook(row[0], row[1] or "<stored codebook>")
    return book


def active_codes(db: "Database") -> list[Code]:
    """Active codes in codebook order, read from the codes table."""
    rows = db.execute(
        "SELECT id, name, parent_id, description, include_criteria, exclude_criteria, colour, "
        "keywords, patterns, examples FROM codes WHERE status = 'active' ORDER BY position"
    ).fetchall()
    return [Code(id=r[0], name=r[1], parent_id=r[2], description=r[3] or "", include=r[4] or "",
                 exclude=r[5] or "", colour=r[6], keywords=json.loads(r[7]),
                 patterns=json.loads(r[8]), examples=json.loads(r[9])) for r in rows]


# Statuses of a code whose codings a rename or merge may still carry over.
MOVABLE = ("active", "removed", "retired")


def _sha(book: Codebook) -> str:
    return hashlib.sha256(book.text.encode("utf-8")).hexdigest()


def plan_codebook(db: "Database", book: Codebook) -> LoadResult:
    """What loading ``book`` would change, without changing anything."""
    last = db.execute("SELECT sha256 FROM codebook_versions ORDER BY id DESC LIMIT 1").fetchone()
    result = LoadResult(version_id=None, first=last is None)
    if last is not None and last[0] == _sha(book):
        result.same_text, result.unchanged = True, len(book.codes)
        return result
    statuses = {r[0]: r[1] for r in db.execute("SELECT id, status FROM codes").fetchall()}
    moves = [(old, c.id, "renamed") for c in book.codes for old in c.renamed_from if old != c.id]
    moves += [(old, into, "merged") for old, into in book.merges.items()]
    for old_id, new_id, kind in moves:
        if statuses.get(old_id) in MOVABLE:
            (result.renamed if kind == "renamed" else result.merged).append((old_id, new_id))
            result.carried[old_id] = db.execute("SELECT count(*) FROM codings WHERE code_id = ?",
                                                [old_id]).fetchone()[0]
        elif old_id not in statuses:
            result.notes.append(f"'{old_id}' ({kind} to '{new_id}') is not in the project; nothing to carry over")
    old_active = {c.id: c for c in active_codes(db)}
    new = book.by_id()
    moved = {old for old, _ in result.renamed + result.merged}
    targets = {n for _, n in result.renamed}
    result.added = [cid for cid in new if cid not in old_active and cid not in targets]
    result.removed = [cid for cid in old_active if cid not in new and cid not in moved]
    result.changed = [cid for cid in new if cid in old_active and cid not in targets
                      and new[cid].fingerprint() != old_active[cid].fingerprint()]
    result.unchanged = len(new) - len(result.added) - len(result.changed) - len(targets)
    if result.removed:
        marks = ",".join("?" * len(result.removed))
        result.orphaned_codings = db.execute(
            f"SELECT count(*) FROM codings WHERE code_id IN ({marks}) AND status NOT IN ('rejected', 'removed')",
            result.removed).fetchone()[0]
    return result


def store_codebook(db: "Database", book: Codebook, *, loaded_by: str | None, batch: str | None = None) -> LoadResult:
    """Store ``book`` as the project's new codebook version (call inside a transaction):
    upsert codes by id, carry renamed and merged codes' codings over, mark vanished codes
    removed (their codings stay, reported as orphaned). ``batch`` makes the version part of
    an undoable decision (an edit from :mod:`qualcode.codebook.edit`)."""
    result = plan_codebook(db, book)
    if result.same_text:
        return result
    at = _now()
    cursor = db.execute(
        "INSERT INTO codebook_versions (name, path, sha256, yaml, language, diff, loaded_by, loaded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [book.name, book.path, _sha(book), book.text, book.language, json.dumps(result.diff()), loaded_by, at],
    )
    version_id = int(cursor.lastrowid or 0)
    result.version_id = version_id

    # Parents first with NULL parent, then links: flat codebooks may name a later parent.
    codes_table = db["codes"]
    for position, code in enumerate(book.codes):
        row = _row(code, position, version_id)
        row["parent_id"] = None
        codes_table.upsert(row, pk="id")  # type: ignore[union-attr]
    for code in book.codes:
        db.execute("UPDATE codes SET parent_id = ? WHERE id = ?", [code.parent_id, code.id])
    for old, new in result.renamed:
        result.folded += move_codings(db, old, new, actor=loaded_by, status="renamed", version=version_id)[1]
        db.execute("UPDATE codes SET renamed_from = ? WHERE id = ?", [old, new])
    for old, into in result.merged:
        result.folded += move_codings(db, old, into, actor=loaded_by, status="merged", version=version_id)[1]
    if result.removed:
        marks = ",".join("?" * len(result.removed))
        db.execute(f"UPDATE codes SET status = 'removed', parent_id = NULL WHERE id IN ({marks})", result.removed)
    folded = {"folded": result.folded} if result.folded else {}
    record_event(db, actor=loaded_by, action="codebook-load", at=at, batch=batch,
                 detail={"version": version_id, **result.diff(), **folded})
    return result


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def move_codings(db: "Database", old: str, new: str, *, actor: str | None, status: str,
                 version: int | None = None) -> tuple[int, int]:
    """Give every coding of ``old`` to ``new`` (inside a transaction), recording each move in
    the events, and mark ``old`` as ``status`` (renamed or merged) into ``new``. Returns
    (codings moved, codings folded into a coder's same coding of ``new``): see
    :func:`qualcode.coding.ledger.move_code`."""
    moved, folded = move_code(db, old, new, actor=actor, detail={"from_code": old, "to_code": new, "version": version})
    if status == "renamed" and "refi_ids" in db.table_names():
        # Another tool's GUID for the code follows its rename.
        db.execute("UPDATE OR IGNORE refi_ids SET local_id = ? WHERE kind = 'code' AND local_id = ?", [new, old])
    db.execute("UPDATE codes SET status = ?, merged_into = ?, parent_id = NULL WHERE id = ?", [status, new, old])
    db.execute("UPDATE codes SET parent_id = NULL WHERE parent_id = ? AND status != 'active'", [old])
    return moved, folded


@dataclass
class Orphan:
    code_id: str
    name: str
    codings: int  # not rejected or removed


def orphans(db: "Database") -> list[Orphan]:
    """Removed codes that still hold codings: retire them or remap them to a current code."""
    rows = db.execute(
        "SELECT c.id, c.name, (SELECT count(*) FROM codings g WHERE g.code_id = c.id "
        "AND g.status NOT IN ('rejected', 'removed')) FROM codes c WHERE c.status = 'removed' ORDER BY c.position"
    ).fetchall()
    return [Orphan(r[0], r[1], int(r[2])) for r in rows if r[2]]


def _status(db: "Database", code_id: str) -> str:
    from qualcode.errors import QualcodeError

    row = db.execute("SELECT status FROM codes WHERE id = ?", [code_id]).fetchone()
    if row is None:
        raise QualcodeError(f"unknown code id '{code_id}'; run `qualcode codebook orphans` or "
                            "`qualcode codebook show` to list ids")
    return str(row[0])


def retire_code(db: "Database", code_id: str, *, actor: str | None) -> int:
    """Mark a removed code retired: its codings stay, no longer reported as orphaned.
    Returns how many codings it holds. One transaction."""
    from qualcode.errors import QualcodeError

    status = _status(db, code_id)
    if status != "removed":
        raise QualcodeError(f"code '{code_id}' is {status}, not removed; only a code that left the codebook can be "
                            "retired (delete it from the YAML and load it first)")
    with write_transaction(db):
        db.execute("UPDATE codes SET status = 'retired' WHERE id = ?", [code_id])
        count = db.execute("SELECT count(*) FROM codings WHERE code_id = ?", [code_id]).fetchone()[0]
        record_event(db, actor=actor, action="code-retire", detail={"code": code_id, "codings": count})
    return int(count)


def remap_code(db: "Database", old: str, new: str, *, actor: str | None) -> tuple[int, int]:
    """Give a removed (or retired) code's codings to an active code. One transaction.
    Returns (codings moved, codings folded into a coder's same coding of ``new``)."""
    from qualcode.errors import QualcodeError

    status = _status(db, old)
    if status not in ("removed", "retired"):
        raise QualcodeError(f"code '{old}' is {status}; only removed or retired codes can be remapped (to rename "
                            "an active code, use renamed_from in the codebook)")
    if _status(db, new) != "active":
        raise QualcodeError(f"code '{new}' is not in the current codebook; remap to an active code")
    with write_transaction(db):
        moved, folded = move_codings(db, old, new, actor=actor, status="merged")
        detail: dict[str, Any] = {"from_code": old, "to_code": new, "codings": moved}
        record_event(db, actor=actor, action="code-remap", detail={**detail, **({"folded": folded} if folded else {})})
    return moved, folded


@dataclass
class Version:
    id: int
    name: str
    path: str
    loaded_by: str | None
    loaded_at: str
    codes: int
    diff: dict[str, Any]


def history(db: "Database") -> list[Version]:
    """Every codebook version loaded into the project, oldest first."""
    rows = db.execute("SELECT id, name, path, loaded_by, loaded_at, yaml, diff FROM codebook_versions ORDER BY id"
                      ).fetchall()
    out = []
    for r in rows:
        book, _ = parse_codebook(r[5], r[2] or "<stored codebook>")
        out.append(Version(r[0], r[1] or "", r[2] or "", r[3], r[4], len(book.codes) if book else 0,
                           json.loads(r[6] or "{}")))
    return out


def version_yaml(db: "Database", version_id: int) -> str:
    from qualcode.errors import QualcodeError

    row = db.execute("SELECT yaml FROM codebook_versions WHERE id = ?", [version_id]).fetchone()
    if row is None:
        raise QualcodeError(f"no codebook version {version_id}; run `qualcode codebook history` to list versions")
    return str(row[0])
