"""Participants: the people behind speaker labels, with their attributes.

A CSV (or YAML list) maps ``source`` + ``speaker`` label to a ``participant`` id; every
further column is an attribute (role, site, training year, group, ...). The same
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
            cur = db.execute(
                "UPDATE speakers SET participant_id = ? WHERE label = ? AND source_id = "
                "(SELECT id FROM sources WHERE name = ?)", [pid, speaker, source])
            if cur.rowcount:
                result.speakers_linked += cur.rowcount
            else:
                result.unmatched.append(f"line {line}: {source} / {speaker}")
    result.participants = len(people)
    return result
