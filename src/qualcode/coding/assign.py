"""Blind double coding: ``qualcode assign CODER --output FILE.db``.

Team projects (codebook thematic analysis) have two or more coders code the same sources
without seeing each other's work, then compare and reconcile. ``assign`` makes each coder's
copy of the project: the sources, segments, participants and codebook (every version),
with only that coder's own decisions and memos. Everything that would unblind them is left
out: other coders' codings and memos and the events about them, and, unless asked for,
the machine's pending suggestions (a suggestion is a hint that anchors a coder). With
``with_suggestions`` the suggestions come, each as it was before anyone decided it.
Deleted rows are vacuumed away, so the copy's file holds nothing of them.

``qualcode merge COPY.db`` brings each coder's decisions back (sources are matched by
content, which a copy keeps), ``report agreement`` compares the coders and ``review
--disagreements`` reconciles them (:mod:`qualcode.coding.reconcile`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.coding.common import now
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

# meta key of a copy made by assign: {"coder", "from", "at", "suggestions"}.
ASSIGNED = "assigned"


@dataclass
class AssignResult:
    output: str
    coder: str
    sources: int
    own_codings: int  # the coder's decisions, kept
    hidden_codings: int  # other coders' decisions, left out
    suggestions: int  # pending machine suggestions in the copy (0 unless asked for)
    hidden_suggestions: int
    hidden_memos: int


def _check_output(db: "Database", output: Path) -> None:
    own = db.execute("PRAGMA database_list").fetchone()[2]
    if own and Path(own).resolve() == output.resolve():
        raise QualcodeError(f"{output} is the open project; give a new file for the coder's copy")
    if output.exists():
        raise QualcodeError(f"{output} already exists; give a new file for the coder's copy (or delete that one)")
    if not output.parent.is_dir():
        raise QualcodeError(f"folder {output.parent} does not exist; create it first")


def assign_copy(db: "Database", output: Path, *, coder: str, with_suggestions: bool = False) -> AssignResult:
    """Write ``coder``'s blind copy of the project to ``output`` (a new file). Built under a
    temporary name and renamed when complete, so a failure leaves no half-made copy."""
    coder = coder.strip()
    if not coder:
        raise QualcodeError("name the coder, e.g. `qualcode assign alice --output alice.db`")
    _check_output(db, output)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        copy = sqlite3.connect(partial)
        try:
            db.conn.backup(copy)  # a consistent snapshot, also while others write
            result = _blind(copy, coder, with_suggestions, output)
            copy.execute("VACUUM")  # deleted rows must not survive in free pages
        finally:
            copy.close()
        partial.replace(output)
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
    return result


def _blind(copy: sqlite3.Connection, coder: str, with_suggestions: bool, output: Path) -> AssignResult:
    """Leave only ``coder``'s decisions (and, if asked, pending suggestions) in the copy."""
    own = "coder IS ? AND status != 'suggested'"
    count = lambda sql, *params: int(copy.execute(sql, params).fetchone()[0])  # noqa: E731
    with copy:
        mine = count(f"SELECT count(*) FROM codings WHERE {own}", coder)
        others = count(f"SELECT count(*) FROM codings WHERE NOT ({own}) AND status != 'suggested'", coder)
        pending = count("SELECT count(*) FROM codings WHERE status = 'suggested'")
        if with_suggestions:
            # Suggestions others decided come back undecided: the coder decides them afresh.
            copy.execute(f"UPDATE codings SET status = 'suggested', coder = NULL, decided_at = NULL "
                         f"WHERE origin = 'suggest' AND NOT ({own})", [coder])
            copy.execute("DELETE FROM codings WHERE status != 'suggested' AND NOT (coder IS ?)", [coder])
        else:
            copy.execute(f"DELETE FROM codings WHERE NOT ({own})", [coder])
        memos = count("SELECT count(*) FROM memos WHERE author IS NOT ? OR (target_type = 'coding' AND "
                      "CAST(target_id AS INTEGER) NOT IN (SELECT id FROM codings))", coder)
        copy.execute("DELETE FROM memos WHERE author IS NOT ? OR (target_type = 'coding' AND "
                     "CAST(target_id AS INTEGER) NOT IN (SELECT id FROM codings))", [coder])
        copy.execute("DELETE FROM events WHERE coding_id IS NOT NULL AND (coding_id NOT IN (SELECT id FROM codings) "
                     "OR actor IS NOT ?)", [coder])
        copy.execute("DELETE FROM meta WHERE key LIKE 'review-skipped:%' AND key != ?", [f"review-skipped:{coder}"])
        # Another tool's GUIDs of codings and memos left out: a new row reusing an id must not inherit one.
        copy.execute("DELETE FROM refi_ids WHERE (kind = 'coding' AND CAST(local_id AS INTEGER) NOT IN "
                     "(SELECT id FROM codings)) OR (kind = 'memo' AND CAST(local_id AS INTEGER) NOT IN "
                     "(SELECT id FROM memos))")
        left = count("SELECT count(*) FROM codings WHERE status = 'suggested'")
        sources = count("SELECT count(*) FROM sources")
        project = copy.execute("PRAGMA database_list").fetchone()[2]
        copy.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     [ASSIGNED, json.dumps({"coder": coder, "at": now(), "suggestions": with_suggestions,
                                            "file": Path(project).name.removesuffix(".partial")})])
    return AssignResult(str(output), coder, sources, mine, others, left, pending - left, memos)
