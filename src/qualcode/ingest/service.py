"""Storing transcripts in a project: sources, speakers and one segment per turn.

A batch is one transaction: if any file fails, nothing from the batch lands (unless
``keep_going``, which stores the good files and reports the failures).
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from qualcode.errors import QualcodeError
from qualcode.ingest import read_transcript
from qualcode.ingest.model import Transcript
from qualcode.ingest.roles import speaker_roles

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class IngestResult:
    path: str
    name: str
    status: str  # added | unchanged | replaced | failed
    source_id: int | None = None
    speakers: int = 0  # every speaker label, facilitators included
    facilitators: int = 0  # of them, facilitators (left out of reports, as in `qualcode sources`)
    turns: int = 0    # speech turns
    words: int = 0    # words spoken (speech turns; notes are nobody's words), as `qualcode sources` counts
    notes: int = 0    # non-speech segments ([laughter], (inaudible), ...)
    message: str = ""
    notices: list[str] = field(default_factory=list)  # what the reader skipped or guessed


@dataclass
class IngestOptions:
    group: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    fmt: str | None = None
    speaker_pattern: str | None = None
    replace: bool = False
    keep_going: bool = False


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def count_words(text: str) -> int:
    return len(text.split())


def ingest_files(db: "Database", paths: list[Path], options: IngestOptions,
                 progress: Callable[[int], None] | None = None) -> list[IngestResult]:
    """Ingest ``paths`` in one transaction. Raises QualcodeError on the first bad file
    unless ``options.keep_going``."""
    results: list[IngestResult] = []
    seen_names: dict[str, str] = {}
    from qualcode.coding.ledger import write_transaction

    # The write lock first: what a replace checks (no decided codings) holds when it deletes.
    with write_transaction(db):
        for path in paths:
            try:
                if path.name in seen_names and seen_names[path.name] != str(path):
                    raise QualcodeError(
                        f"{path}: another file in this batch is also named {path.name}; "
                        "source names must be unique, rename one"
                    )
                seen_names[path.name] = str(path)
                with db.atomic():  # a savepoint: a failed file leaves no trace
                    results.append(_ingest_one(db, path, options))
            except QualcodeError as exc:
                if not options.keep_going:
                    raise
                results.append(IngestResult(str(path), path.name, "failed", message=str(exc)))
            if progress:
                progress(1)
    return results


def _ingest_one(db: "Database", path: Path, options: IngestOptions) -> IngestResult:
    transcript, data = read_transcript(path, fmt=options.fmt, speaker_pattern=options.speaker_pattern)
    sha = hashlib.sha256(data).hexdigest()
    same = db.execute("SELECT id, name FROM sources WHERE sha256 = ?", [sha]).fetchone()
    if same is not None:
        return IngestResult(str(path), path.name, "unchanged", source_id=same[0],
                            message=f"already ingested as {same[1]} (same bytes); nothing to do")
    status = "added"
    old = db.execute("SELECT id FROM sources WHERE name = ?", [path.name]).fetchone()
    if old is not None:
        if not options.replace:
            raise QualcodeError(
                f"{path}: a different version of {path.name} is already in the project; "
                "pass --replace to replace it"
            )
        coded = db.execute(
            "SELECT count(*) FROM codings WHERE source_id = ? AND status != 'suggested'", [old[0]]
        ).fetchone()[0]
        if coded:
            raise QualcodeError(
                f"{path}: cannot replace {path.name}: it has {coded} coding(s) a coder accepted or "
                "rejected that refer to the old text; export them first or ingest the new version "
                "under another name"
            )
        participants = _participant_links(db, old[0])
        _delete_source(db, old[0])
        status = "replaced"
    else:
        participants = {}
    source_id, words = _store(db, path, transcript, sha, options)
    # A replaced source keeps its participants, and the roles someone chose (not guessed ones).
    for label, (participant, role, role_from) in participants.items():
        db.execute("UPDATE speakers SET participant_id = ? WHERE source_id = ? AND label = ?",
                   [participant, source_id, label])
        if role_from != "label":
            db.execute("UPDATE speakers SET role = ?, role_from = ? WHERE source_id = ? AND label = ?",
                       [role, role_from, source_id, label])
    notes = sum(1 for t in transcript.turns if t.kind != "speech")
    facilitators = db.execute("SELECT count(*) FROM speakers WHERE source_id = ? AND role = 'facilitator'",
                              [source_id]).fetchone()[0]
    return IngestResult(str(path), path.name, status, source_id=source_id,
                        speakers=len(transcript.speakers), facilitators=facilitators,
                        turns=len(transcript.turns) - notes, words=words, notes=notes, notices=list(transcript.notices))


def _participant_links(db: "Database", source_id: int) -> dict[str, tuple[str | None, str, str]]:
    rows = db.execute("SELECT label, participant_id, role, role_from FROM speakers WHERE source_id = ? "
                      "AND (participant_id IS NOT NULL OR role_from != 'label')", [source_id]).fetchall()
    return {label: (participant, role, role_from) for label, participant, role, role_from in rows}


def _delete_source(db: "Database", source_id: int) -> None:
    from qualcode.coding.ledger import withdraw_source_suggestions

    withdraw_source_suggestions(db, source_id)
    for table in ("segments", "speakers"):
        db.execute(f"DELETE FROM {table} WHERE source_id = ?", [source_id])
    db.execute("DELETE FROM sources WHERE id = ?", [source_id])


def _store(db: "Database", path: Path, transcript: Transcript, sha: str,
           options: IngestOptions) -> tuple[int, int]:
    """Insert the source, its speakers and segments; return the source id and the words spoken."""
    text = transcript.text
    cursor = db.execute(
        "INSERT INTO sources (name, path, format, encoding, sha256, text, words, source_group, "
        "attributes, metadata, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [path.name, str(path), transcript.format, transcript.encoding, sha, text,
         count_words(text), options.group, json.dumps(options.attributes, ensure_ascii=False),
         json.dumps(_metadata(transcript), ensure_ascii=False), now()],
    )
    source_id = int(cursor.lastrowid or 0)
    speaker_ids: dict[str, int] = {}
    for label, role in speaker_roles(transcript).items():
        cur = db.execute("INSERT INTO speakers (source_id, label, role) VALUES (?, ?, ?)",
                         [source_id, label, role])
        speaker_ids[label] = int(cur.lastrowid or 0)
    line_starts = _line_index(text)
    rows = []
    for ordinal, turn in enumerate(transcript.turns, start=1):
        turn_text = turn.text(text)
        rows.append((
            source_id, speaker_ids.get(turn.speaker) if turn.speaker is not None else None,
            ordinal, turn.start, turn.end, _line_of(line_starts, turn.start), turn.timestamp,
            turn.kind, turn_text, json.dumps(turn.pieces) if len(turn.pieces) > 1 else None,
            count_words(turn_text),
        ))
    db.conn.executemany(
        "INSERT INTO segments (source_id, speaker_id, ordinal, start, end, line, timestamp, kind, "
        "text, pieces, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return source_id, sum(row[-1] for row in rows if row[7] == "speech")


def _metadata(transcript: Transcript) -> dict[str, object]:
    """The reader's metadata, with its notices kept for the record."""
    if not transcript.notices:
        return transcript.metadata
    return {**transcript.metadata, "notices": transcript.notices}


def _line_index(text: str) -> list[int]:
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def _line_of(line_starts: list[int], offset: int) -> int:
    return bisect.bisect_right(line_starts, offset)
