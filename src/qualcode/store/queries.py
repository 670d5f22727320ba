"""Small read-only queries behind the listing commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class SourceInfo:
    id: int
    name: str
    format: str
    encoding: str
    speakers: int  # every speaker label, facilitators included
    turns: int
    words: int
    group: str | None
    attributes: dict[str, Any]
    ingested_at: str
    facilitators: int = 0  # of the speakers, facilitators (reports leave them out)


@dataclass
class SpeakerInfo:
    source: str
    label: str
    turns: int
    words: int
    participant: str | None
    attributes: dict[str, Any]
    role: str = "participant"      # facilitator | participant
    role_from: str = "label"       # label | participants | user: who decided it


@dataclass
class SegmentInfo:
    id: int
    source: str
    ordinal: int
    speaker: str | None
    timestamp: float | None
    line: int
    words: int
    text: str


def list_sources(db: "Database") -> list[SourceInfo]:
    rows = db.execute(
        "SELECT s.id, s.name, s.format, s.encoding, "
        "(SELECT count(*) FROM speakers WHERE source_id = s.id), "
        "(SELECT count(*) FROM segments WHERE source_id = s.id AND kind = 'speech'), "
        "(SELECT coalesce(sum(words), 0) FROM segments WHERE source_id = s.id AND kind = 'speech'), "
        "s.source_group, s.attributes, s.ingested_at, "
        "(SELECT count(*) FROM speakers WHERE source_id = s.id AND role = 'facilitator') FROM sources s ORDER BY s.name"
    ).fetchall()
    return [SourceInfo(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]), r[9], r[10]) for r in rows]


def source_id(db: "Database", name: str) -> int:
    row = db.execute("SELECT id FROM sources WHERE name = ?", [name]).fetchone()
    if row is None:
        raise QualcodeError(f"unknown source '{name}'; run `qualcode sources` to list source names")
    return int(row[0])


def speakers_labelled(db: "Database", label: str, source: str | None, columns: str) -> list[Any]:
    """The speakers called ``label`` in every source (or in ``source``), by source name:
    ``columns`` of ``speakers sp JOIN sources src``. None is a one-line error."""
    sql = f"SELECT {columns} FROM speakers sp JOIN sources src ON src.id = sp.source_id WHERE sp.label = ?"
    params: list[Any] = [label]
    if source is not None:
        sql += " AND sp.source_id = ?"
        params.append(source_id(db, source))
    rows = db.execute(sql + " ORDER BY src.name", params).fetchall()
    if not rows:
        where = f" in {source}" if source is not None else ""
        raise QualcodeError(f"no speaker labelled '{label}'{where}; run `qualcode speakers` to list the labels")
    return rows


def list_speakers(db: "Database", source: str | None = None) -> list[SpeakerInfo]:
    where, params = "", []
    if source is not None:
        where, params = "WHERE sp.source_id = ?", [source_id(db, source)]
    rows = db.execute(
        "SELECT src.name, sp.label, count(seg.id), coalesce(sum(seg.words), 0), sp.participant_id, "
        "p.attributes, sp.role, sp.role_from FROM speakers sp JOIN sources src ON src.id = sp.source_id "
        "LEFT JOIN segments seg ON seg.speaker_id = sp.id "
        f"LEFT JOIN participants p ON p.id = sp.participant_id {where} "
        "GROUP BY sp.id ORDER BY src.name, min(seg.ordinal)", params
    ).fetchall()
    return [SpeakerInfo(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]) if r[5] else {}, r[6], r[7]) for r in rows]


def list_segments(db: "Database", source: str | None = None, speaker: str | None = None,
                  limit: int | None = None) -> list[SegmentInfo]:
    clauses: list[str] = []
    params: list[object] = []
    if source is not None:
        clauses.append("seg.source_id = ?")
        params.append(source_id(db, source))
    if speaker is not None:
        clauses.append("sp.label = ?")
        params.append(speaker)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = ("SELECT seg.id, src.name, seg.ordinal, sp.label, seg.timestamp, seg.line, seg.words, seg.text "
           "FROM segments seg JOIN sources src ON src.id = seg.source_id "
           f"LEFT JOIN speakers sp ON sp.id = seg.speaker_id {where} ORDER BY src.name, seg.ordinal")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [SegmentInfo(*r) for r in db.execute(sql, params).fetchall()]
