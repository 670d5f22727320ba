"""Merging another coder's project: ``qualcode merge OTHER.db``.

Two researchers ingest the same files into their own projects and code independently.
Merging brings the other project's *decisions* (accepted, rejected and removed codings, with
their coder, times, scores and evidence) and memos into this one, side by side with ours:
nothing of ours is changed. Sources are matched by the sha256 of their original bytes and
must have been segmented identically; a coding names a code id that this project must
know (a code our codebook renamed or merged since is followed to its current code).
Anything that does not match is refused before anything is written; the merge is one
transaction, and merging the same file again adds nothing.

The other file is opened read-only and never migrated.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.coding import ledger
from qualcode.coding.common import code_aliases, new_batch, now
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class MergeResult:
    file: str
    sources_matched: int = 0
    codings_added: int = 0
    codings_already_present: int = 0
    codings_folded: int = 0  # their codings that became one of ours made by this merge (same span, code, coder)
    suggestions_skipped: int = 0  # the other project's pending machine suggestions
    memos_added: int = 0
    by_coder: dict[str, int] = field(default_factory=dict)


def _open_other(path: Path, db: "Database") -> sqlite3.Connection:
    if not path.is_file():
        raise QualcodeError(f"{path}: no such project file; give the other coder's .db file")
    own = db.execute("PRAGMA database_list").fetchone()[2]
    if own and Path(own).resolve() == path.resolve():
        raise QualcodeError(f"{path} is this project; give the other coder's project file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        raise QualcodeError(f"{path} is not a qualcode project (not an SQLite database)") from None
    if not {"sources", "segments", "codings", "codes", "memos"} <= tables:
        conn.close()
        raise QualcodeError(f"{path} is not a qualcode project; give a project made with `qualcode init`")
    return conn


def _match_sources(db: "Database", other: sqlite3.Connection, path: Path) -> tuple[dict[int, int], dict[int, int]]:
    """Other source id -> ours, other segment id -> ours; refuses any mismatch."""
    ours = {r[0]: (r[1], r[2]) for r in db.execute("SELECT sha256, id, name FROM sources").fetchall()}
    sources: dict[int, int] = {}
    missing: list[str] = []
    for oid, name, sha in other.execute("SELECT id, name, sha256 FROM sources ORDER BY name"):
        if sha in ours:
            sources[oid] = ours[sha][0]
        else:
            missing.append(name)
    if missing:
        raise QualcodeError(f"{path} has {len(missing)} source(s) that are not in this project ({', '.join(missing)}); "
                            "both projects must ingest the same files (matched by content); ingest them here first")
    segments: dict[int, int] = {}
    for oid, local in sources.items():
        theirs = other.execute("SELECT id, ordinal, start, end FROM segments WHERE source_id = ? ORDER BY ordinal",
                               [oid]).fetchall()
        mine = db.execute("SELECT id, ordinal, start, end FROM segments WHERE source_id = ? ORDER BY ordinal",
                          [local]).fetchall()
        if [t[1:] for t in theirs] != [m[1:] for m in mine]:
            name = db.execute("SELECT name FROM sources WHERE id = ?", [local]).fetchone()[0]
            raise QualcodeError(f"source {name} is split into segments differently in {path}; ingest it with the "
                                "same options (--speaker-pattern, format) in both projects")
        segments.update({t[0]: m[0] for t, m in zip(theirs, mine)})
    return sources, segments


def _check_codes(db: "Database", other: sqlite3.Connection, path: Path) -> dict[str, str]:
    """Their code id -> ours: the same id, or where our codebook renamed or merged it since.
    A removed or retired code of ours keeps its id (their codings join its orphans)."""
    aliases = code_aliases(db)
    ours = {r[0] for r in db.execute("SELECT id FROM codes").fetchall()}
    theirs = {r[0] for r in other.execute("SELECT DISTINCT code_id FROM codings WHERE status != 'suggested'")}
    unknown = sorted(theirs - ours)
    if unknown:
        raise QualcodeError(f"{path} codes with {len(unknown)} code(s) this project does not have "
                            f"({', '.join(unknown)}); load the same codebook here first")
    return {code: aliases.get(code, code) for code in theirs}


def merge_project(db: "Database", path: Path, *, actor: str) -> MergeResult:
    """Bring the other project's decisions and memos in, in one transaction."""
    other = _open_other(path, db)
    try:
        with ledger.write_transaction(db):
            sources, segments = _match_sources(db, other, path)
            codes = _check_codes(db, other, path)
            result = MergeResult(file=str(path), sources_matched=len(sources))
            coding_ids = _merge_codings(db, other, sources, segments, codes, result, actor)
            _merge_memos(db, other, sources, coding_ids, result)
        return result
    finally:
        other.close()


def _merge_codings(db: "Database", other: sqlite3.Connection, sources: dict[int, int], segments: dict[int, int],
                   codes: dict[str, str], result: MergeResult, actor: str) -> dict[int, int]:
    batch, at = new_batch(), now()
    mapped: dict[int, int] = {}
    created: set[int] = set()
    rows = other.execute(
        "SELECT id, source_id, segment_id, code_id, start, end, coder, status, origin, method, score, evidence, "
        "created_at, decided_at FROM codings ORDER BY id").fetchall()
    for r in rows:
        if r[7] == "suggested":
            result.suggestions_skipped += 1
            continue
        source_id, segment_id = sources[r[1]], segments.get(r[2]) if r[2] is not None else None
        r = (*r[:3], codes[r[3]], *r[4:])
        same = db.execute(
            "SELECT id FROM codings WHERE source_id = ? AND code_id = ? AND start = ? AND end = ? "
            "AND coder IS ? AND status = ?", [source_id, r[3], r[4], r[5], r[6], r[7]]).fetchone()
        new = ledger.NewCoding(source_id, segment_id, r[3], r[4], r[5], r[6], r[7], "merge", r[9], r[10], r[11],
                               r[12], r[13])
        added = ledger.Added(int(same[0]), False) if same is not None else ledger.add_coding(
            db, new, actor=actor, action="merge", batch=batch, event=False)
        mapped[r[0]] = added.coding_id
        if not added.created:
            if added.coding_id in created:  # two of theirs are one coding here (e.g. codes our codebook merged)
                ledger.note_fold(db, added.coding_id, actor=actor, batch=batch,
                                 detail={"file": result.file, "other_id": r[0], "origin": r[8], "coder": r[6]})
                result.codings_folded += 1
            else:
                result.codings_already_present += 1
            continue
        created.add(added.coding_id)
        ledger.record_event(db, actor=actor, action="merge", coding_id=added.coding_id, to_status=r[7], at=at,
                            detail={"file": result.file, "other_id": r[0], "origin": r[8], "coder": r[6]}, batch=batch)
        result.codings_added += 1
        result.by_coder[r[6] or "unknown"] = result.by_coder.get(r[6] or "unknown", 0) + 1
    return mapped


def _merge_memos(db: "Database", other: sqlite3.Connection, sources: dict[int, int], codings: dict[int, int],
                 result: MergeResult) -> None:
    for kind, tid, author, text, created in other.execute(
            "SELECT target_type, target_id, author, text, created_at FROM memos ORDER BY id").fetchall():
        target: Any = tid
        if kind == "source":
            target = sources.get(int(tid)) if tid is not None else None
        elif kind == "coding":
            target = codings.get(int(tid)) if tid is not None else None
        if kind in ("source", "coding") and target is None:
            continue  # about something that did not come across
        target = None if target is None else str(target)
        if db.execute("SELECT 1 FROM memos WHERE target_type = ? AND target_id IS ? AND author IS ? AND text = ?",
                      [kind, target, author, text]).fetchone():
            continue
        ledger.add_memo(db, kind, target, text, author=author, created_at=created)
        result.memos_added += 1

