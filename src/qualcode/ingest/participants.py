"""Participants: the people behind speaker labels, with their attributes.

A CSV, YAML list or ``.xlsx`` sheet maps ``source`` + ``speaker`` label to a ``participant``
id; every further column is an attribute of the person (role, training year, ...). ``source``
``*`` maps the label in every source. The same participant id in several sources is the same
person, so their rows must agree: a participant with two values for one attribute is refused,
naming both rows (attributes of a session, such as site, group or date, belong to the source:
:mod:`qualcode.ingest.source_attributes`). A ``role`` column also sets the speaker's role
(:mod:`qualcode.ingest.roles`). One transaction; rows naming a source or speaker that is not
in the project are reported, not fatal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

REQUIRED = ("source", "speaker", "participant")
HEADER = "source,speaker,participant then one column per attribute"
_SESSION_HINT = ("a participant's attributes must agree on every row; attributes of a session (site, group, "
                 "date) belong in a sources file (qualcode sources import)")


@dataclass
class ParticipantsResult:
    participants: int = 0
    speakers_linked: int = 0
    unmatched: list[str] = field(default_factory=list)
    facilitators: int = 0     # speakers the file's role column made facilitators


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    from qualcode.ingest.tables import check_one_value, read_table

    rows = read_table(path, "participants file", REQUIRED, HEADER)
    for line, row in rows:
        for col in REQUIRED:
            if not row.get(col):
                raise QualcodeError(f"{path}:{line}: empty '{col}'; every row needs source, speaker and participant")
    check_one_value(path, rows, "participant", "participant", _SESSION_HINT, ignore=("source", "speaker"))
    linked: dict[tuple[str, str], tuple[str, int]] = {}
    for line, row in rows:
        key = (row["source"], row["speaker"])
        pid, first = linked.setdefault(key, (row["participant"], line))
        if pid != row["participant"]:
            raise QualcodeError(f"{path}:{first} and {path}:{line}: speaker '{key[1]}' of {key[0]} is mapped to "
                                f"{pid} and to {row['participant']}; one speaker label is one person")
    return rows


def import_participants(db: "Database", path: Path) -> ParticipantsResult:
    """Store the file's participants and link their speaker labels, in one transaction. A
    participant whose rows disagree is refused (naming the rows); values already in the
    project are replaced by the file's. A ``role`` column also sets each speaker's role."""
    from qualcode.ingest.roles import role_from_value

    rows = _read_rows(path)
    result = ParticipantsResult()
    people: dict[str, dict[str, Any]] = {}
    links: list[tuple[int, str, str, str, str | None]] = []
    for line, row in rows:
        pid = row["participant"]
        attrs = {k: v for k, v in row.items() if k not in REQUIRED and k != "pseudonym" and v != ""}
        person = people.setdefault(pid, {"pseudonym": None, "attributes": {}})
        person["pseudonym"] = person["pseudonym"] or row.get("pseudonym") or None
        person["attributes"].update(attrs)
        links.append((line, row["source"], row["speaker"], pid, role_from_value(row.get("role", ""))))
    with db.atomic():
        for pid, person in people.items():
            old = db.execute("SELECT attributes FROM participants WHERE id = ?", [pid]).fetchone()
            attrs = {**(json.loads(old[0]) if old else {}), **person["attributes"]}
            db.execute(
                "INSERT INTO participants (id, pseudonym, attributes) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET pseudonym = coalesce(excluded.pseudonym, pseudonym), "
                "attributes = excluded.attributes",
                [pid, person["pseudonym"], json.dumps(attrs, ensure_ascii=False)])
        for line, source, speaker, pid, role in links:
            if source == "*":  # the same label means the same person in every source
                where, params = "label = ?", [speaker]
            else:
                where, params = "label = ? AND source_id = (SELECT id FROM sources WHERE name = ?)", [speaker, source]
            cur = db.execute(f"UPDATE speakers SET participant_id = ? WHERE {where}", [pid, *params])
            if role is not None:
                db.execute(f"UPDATE speakers SET role = ?, role_from = 'participants' WHERE {where}", [role, *params])
                result.facilitators += cur.rowcount if role == "facilitator" else 0
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
    from qualcode.ingest.roles import default_role

    new = new.strip()
    if not new:
        raise QualcodeError("the new label is empty; give the label to use, e.g. 'Interviewer 2'")
    if new == old:
        raise QualcodeError(f"'{old}' is already called that; nothing to do")
    from qualcode.store.queries import speakers_labelled

    rows = speakers_labelled(db, old, source, "sp.id, sp.source_id, src.name, sp.participant_id")
    result = RenameResult()
    with db.atomic():
        for speaker_id, sid, name, participant in rows:
            target = db.execute("SELECT id, participant_id FROM speakers WHERE source_id = ? AND label = ?",
                                [sid, new]).fetchone()
            if target is None:
                # A role guessed from the old label is guessed again; a role someone chose stays.
                db.execute("UPDATE speakers SET label = ?, role = CASE role_from WHEN 'label' THEN ? ELSE role END "
                           "WHERE id = ?", [new, default_role(new), speaker_id])
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
