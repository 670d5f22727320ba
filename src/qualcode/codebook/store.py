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

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class LoadResult:
    version_id: int | None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    orphaned_codings: int = 0

    @property
    def is_noop(self) -> bool:
        return self.version_id is None


def _row(code: Code, position: int, version_id: int) -> dict[str, Any]:
    return {
        "id": code.id, "name": code.name, "position": position,
        "description": code.description, "include_criteria": code.include,
        "exclude_criteria": code.exclude, "colour": code.colour,
        "keywords": json.dumps(code.keywords, ensure_ascii=False),
        "patterns": json.dumps(code.patterns, ensure_ascii=False),
        "examples": json.dumps(code.examples, ensure_ascii=False),
        "status": "active", "version_id": version_id,
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


def store_codebook(db: "Database", book: Codebook, *, loaded_by: str | None) -> LoadResult:
    """Store ``book`` as the project's new codebook version (call inside a transaction)."""
    sha = hashlib.sha256(book.text.encode("utf-8")).hexdigest()
    last = db.execute("SELECT sha256 FROM codebook_versions ORDER BY id DESC LIMIT 1").fetchone()
    if last is not None and last[0] == sha:
        return LoadResult(version_id=None, unchanged=len(book.codes))

    old = {c.id: c for c in active_codes(db)}
    new = book.by_id()
    result = LoadResult(version_id=None)
    result.added = [cid for cid in new if cid not in old]
    result.removed = [cid for cid in old if cid not in new]
    result.changed = [cid for cid in new if cid in old and new[cid].fingerprint() != old[cid].fingerprint()]
    result.unchanged = len(new) - len(result.added) - len(result.changed)

    diff = {"added": result.added, "removed": result.removed, "changed": result.changed}
    cursor = db.execute(
        "INSERT INTO codebook_versions (name, path, sha256, yaml, language, diff, loaded_by, loaded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [book.name, book.path, sha, book.text, book.language, json.dumps(diff), loaded_by,
         datetime.now(timezone.utc).isoformat(timespec="seconds")],
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
    if result.removed:
        marks = ",".join("?" * len(result.removed))
        db.execute(f"UPDATE codes SET status = 'removed', parent_id = NULL WHERE id IN ({marks})", result.removed)
        result.orphaned_codings = db.execute(
            f"SELECT count(*) FROM codings WHERE code_id IN ({marks}) AND status != 'rejected'", result.removed
        ).fetchone()[0]
    db.execute(
        "INSERT INTO events (at, actor, action, detail) VALUES (?, ?, 'codebook-load', ?)",
        [datetime.now(timezone.utc).isoformat(timespec="seconds"), loaded_by,
         json.dumps({"version": version_id, **diff})],
    )
    return result
