"""Participants: the people behind speaker labels, with their attributes.

A CSV (or YAML list) maps ``source`` + ``speaker`` label to a ``participant`` id; every
further column is an attribute (role, site, training year, group, ...). ``source`` ``*``
maps the label in every source. The same
participant id in several sources is the same person. One transaction; rows naming a
source or speaker that is not in the project are reported, not fatal.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

REQUIRED = ("source", "speaker", "participant")


@dataclass
class ParticipantsResult:
    participants: int = 0
    speakers_linked: int = 0
    unmatched: list[str] = field(default_factory=list)


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    if not path.exists():
        raise QualcodeError(f"{path}: no such file; check the path")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise QualcodeError(f"{path}:{mark.line + 1 if mark else 1}: invalid YAML; fix the syntax") from None
        if isinstance(data, dict) and isinstance(data.get("participants"), list):
            data = data["participants"]  # a top-level "participants:" key is allowed too
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise QualcodeError(f"{path}:1: expected a list of mappings with source, speaker, participant")
        return [(i + 1, {str(k): "" if v is None else str(v) for k, v in d.items()}) for i, d in enumerate(data)]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise QualcodeError(f"{path}: is not UTF-8 text; save the CSV as UTF-8") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise QualcodeError(f"{path}:1: missing column(s) {', '.join(missing)}; the header needs "
                            "source,speaker,participant then one column per attribute")
    return [(i + 2, {k: (v or "").strip() for k, v in row.items() if k is not None}) for i, row in enumerate(reader)]


def import_participants(db: "Database", path: Path) -> ParticipantsResult:
    rows = _read_rows(path)
    result = ParticipantsResult()
    people: dict[str, dict[str, Any]] = {}
    links: list[tuple[int, str, str, str]] = []
    for line, row in rows:
        for col in REQUIRED:
            if not row.get(col):
                raise QualcodeError(f"{path}:{line}: empty '{col}'; every row needs source, speaker and participant")
        pid = row["participant"]
        attrs = {k: v for k, v in row.items() if k not in REQUIRED and k != "pseudonym" and v != ""}
        person = people.setdefault(pid, {"pseudonym": row.get("pseudonym") or None, "attributes": {}})
        person["attributes"].update(attrs)
        links.append((line, row["source"], row["speaker"], pid))
    with db.atomic():
        for pid, person in people.items():
            old = db.execute("SELECT attributes FROM participants WHERE id = ?", [pid]).fetchone()
            attrs = {**(json.loads(old[0]) if old else {}), **person["attributes"]}
            db.execute(
                "INSERT INTO participants (id, pseudonym, attributes) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET pseudonym = coalesce(excluded.pseudonym, pseudonym), "
                "attributes = excluded.attributes",
                [pid, person["pseudonym"], json.dumps(attrs, ensure_ascii=False)])
        for line, source, speaker, pid in links:
            if source == "*":  # the same label means the same person in every source
                cur = db.execute("UPDATE speakers SET participant_id = ? WHERE label = ?", [pid, speaker])
            else:
                cur = db.execute(
                    "UPDATE speakers SET participant_id = ? WHERE label = ? AND source_id = "
                    "(SELECT id FROM sources WHERE name = ?)", [pid, speaker, source])
            if cur.rowcount:
                result.speakers_linked += cur.rowcount
            else:
                result.unmatched.append(f"line {line}: {source} / {speaker}")
    result.participants = len(people)
    return result


@dataclass
class RenameResult:
    renamed: int = 0          # speakers whose label changed
    merged: int = 0           # speakers folded into an existing label in the same source
    segments: int = 0         # segments now under the new label
    sources: list[str] = field(default_factory=list)


def rename_speaker(db: "Database", old: str, new: str, source: str | None = None) -> RenameResult:
    """Change speaker label ``old`` to ``new`` in every source (or one). Where the source
    already has ``new``, the two speakers merge. Segments keep their ids, so codings stay;
    the source text is not changed (it is the offsets' reference)."""
    new = new.strip()
    if not new:
        raise QualcodeError("the new label is empty; give the label to use, e.g. 'Interviewer 2'")
    if new == old:
        raise QualcodeError(f"'{old}' is already called that; nothing to do")
    sql = ("SELECT sp.id, sp.source_id, src.name, sp.participant_id FROM speakers sp "
           "JOIN sources src ON src.id = sp.source_id WHERE sp.label = ?")
    params: list[Any] = [old]
    if source is not None:
        from qualcode.store.queries import source_id as lookup_source

        sql += " AND sp.source_id = ?"
        params.append(lookup_source(db, source))
    rows = db.execute(sql + " ORDER BY src.name", params).fetchall()
    if not rows:
        where = f" in {source}" if source is not None else ""
        raise QualcodeError(f"no speaker labelled '{old}'{where}; run `qualcode speakers` to list the labels")
    result = RenameResult()
    with db.atomic():
        for speaker_id, sid, name, participant in rows:
            target = db.execute("SELECT id, participant_id FROM speakers WHERE source_id = ? AND label = ?",
                                [sid, new]).fetchone()
            if target is None:
                db.execute("UPDATE speakers SET label = ? WHERE id = ?", [new, speaker_id])
                result.renamed += 1
            else:
                if target[1] is not None and participant is not None and target[1] != participant:
                    raise QualcodeError(
                        f"{name}: '{old}' is participant {participant} but '{new}' is {target[1]}; "
                        "link them to one participant first (qualcode participants import)")
                db.execute("UPDATE segments SET speaker_id = ? WHERE speaker_id = ?", [target[0], speaker_id])
                db.execute("UPDATE speakers SET participant_id = coalesce(participant_id, ?) WHERE id = ?",
                           [participant, target[0]])
                db.execute("DELETE FROM speakers WHERE id = ?", [speaker_id])
                result.merged += 1
            result.sources.append(name)
        result.segments = db.execute(
            "SELECT count(*) FROM segments seg JOIN speakers sp ON sp.id = seg.speaker_id WHERE sp.label = ? "
            f"AND sp.source_id IN ({','.join('?' * len(rows))})", [new, *[r[1] for r in rows]]).fetchone()[0]
    return result
