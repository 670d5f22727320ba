"""Cases (→ participants) and notes (→ memos) of a REFI-QDA import.

A case becomes a participant whose id is the case name and whose attributes are the case's
variable values. It is linked to speakers through what the case refers to: the speakers of
the segments its ``SelectionRef``s cover (this is how qualcode exports a participant's
turns), or the selections coded with a code that has the case's GUID (QualCoder's way), or,
for a ``SourceRef``, the speaker in that source whose label is the case name; and through
the ``Speaks as:`` lines of its description (:mod:`.descriptions`), which QualCoder keeps
when it drops every other link.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from qualcode.interop.archive import Archive
from qualcode.interop.descriptions import speaker_links
from qualcode.interop.ids import known, remember
from qualcode.interop.reader import RProject
from qualcode.interop.xmlbuild import stored_datetime

if TYPE_CHECKING:
    from sqlite_utils import Database

    from qualcode.interop.importer import ImportSummary


def import_cases(db: "Database", project: RProject, sources: dict[str, Any],
                 selections: dict[str, tuple[int, int, int]], summary: "ImportSummary", *,
                 links: dict[str, list[str]] | None = None, source_ids: dict[str, int] | None = None) -> None:
    for case in project.cases:
        pid = case.name or case.guid
        old = db.execute("SELECT attributes FROM participants WHERE id = ?", [pid]).fetchone()
        attrs = {**(json.loads(old[0]) if old else {}), **case.variables}
        db.execute("INSERT INTO participants (id, attributes) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET "
                   "attributes = excluded.attributes", [pid, json.dumps(attrs, ensure_ascii=False)])
        remember(db, "participant", pid, case.guid)
        summary.participants += 1
        speaker_ids: set[int] = set()
        for ref in case.selections + (links or {}).get(case.guid, []):
            if ref in selections:
                source_id, start, end = selections[ref]
                speaker_ids |= {r[0] for r in db.execute(
                    "SELECT DISTINCT speaker_id FROM segments WHERE source_id = ? AND start < ? AND end > ? "
                    "AND speaker_id IS NOT NULL", [source_id, end, start]).fetchall()}
        named = [(sources[ref].id, pid) for ref in case.sources if ref in sources]
        named += [((source_ids or {})[s], label) for label, s in speaker_links(case.description)
                  if s in (source_ids or {})]
        for source_id, label in named:
            row = db.execute("SELECT id FROM speakers WHERE source_id = ? AND label = ?", [source_id, label]).fetchone()
            if row is not None:
                speaker_ids.add(int(row[0]))
        for speaker_id in speaker_ids:
            db.execute("UPDATE speakers SET participant_id = ? WHERE id = ?", [pid, speaker_id])
        summary.speakers_linked += len(speaker_ids)


def _note_text(note: Any, archive: Archive | None) -> str | None:
    from qualcode.errors import QualcodeError
    from qualcode.ingest.decode import decode

    if note.content is not None:
        return str(note.content)
    if note.plain_path and note.plain_path.startswith("internal://") and archive is not None:
        data = archive.read_source(note.plain_path)
        if data is not None:
            try:
                return decode(data, note.name or note.guid)[0]
            except QualcodeError:
                return None
    return None


def import_notes(db: "Database", project: RProject, archive: Archive | None,
                 targets: dict[str, list[tuple[str, str]]], summary: "ImportSummary") -> None:
    from qualcode.coding.ledger import add_memo

    seen = known(db, "memo")
    for note in project.notes:
        if note.guid in seen:
            summary.skip("note", note.name, "already imported")
            continue
        text = _note_text(note, archive)
        if text is None or not text.strip():
            summary.skip("note", note.name, "no text (or its text file is not in the archive)")
            continue
        author = project.users.get(note.user or "", None)
        for target_type, target_id in targets.get(note.guid) or [("project", "")]:
            memo_id = add_memo(db, target_type, target_id or None, text, author=author,
                               created_at=stored_datetime(note.created))
            remember(db, "memo", str(memo_id), note.guid)
            summary.memos_added += 1


def import_described(db: "Database", memos: list[tuple[str, str, str | None, str]], summary: "ImportSummary") -> None:
    """Memos read from Descriptions, unless their target already has a memo with that text
    (a qualcode export carries each memo as a Note too; importing twice adds nothing)."""
    from qualcode.coding.ledger import add_memo

    for target_type, target_id, author, text in memos:
        if db.execute("SELECT 1 FROM memos WHERE target_type = ? AND coalesce(target_id, '') = ? AND trim(text) = ?",
                      [target_type, target_id, text.strip()]).fetchone():
            continue
        add_memo(db, target_type, target_id or None, text, author=author)
        summary.memos_added += 1
