"""The parts of project.qde: codings with their users, sources with selections, variables
and cases, sets. Each returns lxml elements in the order the Project schema requires."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.interop.descriptions import SEPARATOR, case_description
from qualcode.interop.ids import Guids, stable_guid
from qualcode.interop.masking import Masking
from qualcode.interop.positions import PositionMap
from qualcode.interop.targets import Target
from qualcode.interop.xmlbuild import Builder, value_element, variable_type, xsd_datetime

if TYPE_CHECKING:
    from lxml import etree
    from sqlite_utils import Database

    from qualcode.interop.exporter import ExportSummary


def users_and_codings(db: "Database", users: dict[str, str], summary: "ExportSummary") -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT id, source_id, code_id, start, end, coder, created_at FROM codings WHERE status = 'accepted' "
        "ORDER BY source_id, start, end, code_id, coder, id").fetchall()
    summary.not_exported_codings = db.execute("SELECT count(*) FROM codings WHERE status != 'accepted'").fetchone()[0]
    out = []
    for r in rows:
        coder = r[5] or "unknown"
        users.setdefault(coder, "")
        out.append({"id": r[0], "source_id": r[1], "code_id": r[2], "start": r[3], "end": r[4], "coder": coder,
                    "created_at": r[6]})
    summary.codings = len(out)
    return out


def variable_types(db: "Database") -> dict[str, str]:
    """Every attribute name of participants and sources, with the type that holds its values."""
    values: dict[str, list[Any]] = {}
    for (attrs,) in db.execute("SELECT attributes FROM participants UNION ALL SELECT attributes FROM sources"):
        for key, value in json.loads(attrs or "{}").items():
            values.setdefault(str(key), []).append(value)
    return {k: variable_type(v) for k, v in sorted(values.items())}


def _values(b: Builder, parent: "etree._Element", guids: Guids, types: dict[str, str], attrs: dict[str, Any]) -> None:
    for key in sorted(attrs):
        if attrs[key] is not None and key in types:
            value_element(b, parent, guids("variable", key), types[key], attrs[key])


@dataclass
class MemoIndex:
    """The memos of a project by what they are attached to: (target type, target id) → note
    GUIDs (for ``NoteRef``s) and texts (for ``Description``s)."""

    refs: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    texts: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, target: tuple[str, str], guid: str, text: str) -> None:
        self.refs.setdefault(target, []).append(guid)
        self.texts.setdefault(target, []).append(text)


@dataclass
class SourceFile:
    """One source as written into the archive: its bytes, and the map from qualcode offsets to
    positions in those bytes."""

    data: bytes
    pm: PositionMap
    moved: dict[int, int]


def _source_file(db: "Database", source_id: int, name: str, text: str, boundaries: set[int], target: Target,
                 mask: Masking) -> SourceFile:
    """The original file of an imported source when its text is unchanged (so NVivo gets its
    own text back, byte for byte), else the stored text in the target's line breaks."""
    from qualcode.ingest.decode import decode, normalise

    row = db.execute("SELECT data FROM source_originals WHERE source_id = ?", [source_id]).fetchone()
    if row is not None and not mask.active:
        data = bytes(row[0])
        raw = decode(data, name)[0]
        if normalise(raw) == text:
            pm = PositionMap.from_raw(raw, target.positions, target.crlf_one)
            return SourceFile(data if target.keep_bom else raw.encode("utf-8"), pm, {b: b for b in boundaries})
    masked, moved = mask.source(name, text, boundaries)
    pm = PositionMap.for_export(masked, target.positions, target.crlf_one, target.newline)
    return SourceFile(pm.raw.encode("utf-8"), pm, moved)


def _selection(b: Builder, el: "etree._Element", pm: PositionMap, moved: dict[int, int], guid: str,
               start: int, end: int, user: str | None = None, created: str | None = None) -> "etree._Element":
    attrs = {"guid": guid, "startPosition": str(pm.to_position(moved[start])),
             "endPosition": str(pm.to_position(moved[end], end=True))}
    if user:
        attrs["creatingUser"] = user
    if xsd_datetime(created):
        attrs["creationDateTime"] = xsd_datetime(created) or ""
    return b.sub(el, "PlainTextSelection", attrs)


def _coded_selections(b: Builder, el: "etree._Element", file: SourceFile, name: str, guids: Guids,
                      coded: list[dict[str, Any]], memos: MemoIndex, users: dict[str, str], target: Target,
                      mask: Masking) -> None:
    """One selection per coder and range (QualCoder, and the standard, take the coder from
    the selection), each with that coder's codings. For QualCoder, one selection per coding,
    whose date is the coding's and whose Description holds the coding's memos."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for c in coded:
        own = c["id"] if target.selection_per_coding else 0
        groups.setdefault((c["start"], c["end"], c["coder"], own), []).append(c)
    for (start, end, coder, own), group in sorted(groups.items(), key=lambda kv: kv[0]):
        key = f"{name}:{start}:{end}:{coder}" + (f":{own}" if own else "")
        notes = memos.texts.get(("coding", str(own)), []) if target.memo_descriptions and own else []
        created = min((c["created_at"] or "" for c in group), default="") or None
        sel = _selection(b, el, file.pm, file.moved, stable_guid("selection", key), start, end, users[coder], created)
        if notes:
            b.sub(sel, "Description", text=SEPARATOR.join(mask.text(n) for n in notes))
        for c in group:
            attrs_c = {"guid": guids("coding", str(c["id"])), "creatingUser": users[c["coder"]]}
            if xsd_datetime(c["created_at"]):
                attrs_c["creationDateTime"] = xsd_datetime(c["created_at"]) or ""
            coding = b.sub(sel, "Coding", attrs_c)
            b.sub(coding, "CodeRef", {"targetGUID": guids("code", c["code_id"])})
            for note in memos.refs.get(("coding", str(c["id"])), []):
                b.sub(coding, "NoteRef", {"targetGUID": note})


def sources(db: "Database", b: Builder, guids: Guids, codings: list[dict[str, Any]], memos: MemoIndex,
            users: dict[str, str], target: Target, summary: "ExportSummary", types: dict[str, str], mask: Masking
            ) -> tuple[tuple["etree._Element | None", dict[str, bytes]], dict[str, list[tuple[str, str]]]]:
    """The <Sources> element, the text files (archive path → bytes) and, per participant, the
    (source GUID, selection GUID) of each of their turns."""
    by_source: dict[int, list[dict[str, Any]]] = {}
    for c in codings:
        by_source.setdefault(c["source_id"], []).append(c)
    turns: dict[str, list[tuple[str, str]]] = {}
    files: dict[str, bytes] = {}
    rows = db.execute("SELECT id, name, text, attributes, ingested_at FROM sources ORDER BY name").fetchall()
    if not rows:
        return (None, files), turns
    holder = b.el("Sources")
    for source_id, name, text, attrs, ingested_at in rows:
        sguid = guids("source", name)
        attrs_src = {"guid": sguid, "name": mask.source_name(name), "plainTextPath": f"internal://{sguid}.txt"}
        if xsd_datetime(ingested_at):
            attrs_src["creationDateTime"] = xsd_datetime(ingested_at) or ""
        el = b.sub(holder, "TextSource", attrs_src)
        source_memos = memos.texts.get(("source", str(source_id)), []) + memos.texts.get(("source", name), [])
        if target.memo_descriptions and source_memos:
            b.sub(el, "Description", text=SEPARATOR.join(mask.text(m) for m in source_memos))
        coded = by_source.get(source_id, [])
        speakers = db.execute(
            "SELECT seg.start, seg.end, sp.participant_id FROM segments seg JOIN speakers sp ON sp.id = seg.speaker_id "
            "WHERE seg.source_id = ? AND sp.participant_id IS NOT NULL ORDER BY seg.ordinal", [source_id]).fetchall()
        turn_ranges: dict[tuple[int, int], str] = {(s, e): p for s, e, p in speakers}
        file = _source_file(db, source_id, name, text, {x for c in coded for x in (c["start"], c["end"])}
                            | {x for r in turn_ranges for x in r}, target, mask)
        files[f"sources/{sguid}.txt"] = file.data
        _coded_selections(b, el, file, name, guids, coded, memos, users, target, mask)
        for (start, end), pid in sorted(turn_ranges.items()):
            sel_guid = stable_guid("selection", f"{name}:{start}:{end}")
            sel = _selection(b, el, file.pm, file.moved, sel_guid, start, end)
            if target.case_codes:  # QualCoder links a case to text through a code with the case's GUID
                coding = b.sub(sel, "Coding", {"guid": stable_guid("case-coding", f"{name}:{start}:{end}")})
                b.sub(coding, "CodeRef", {"targetGUID": guids("participant", pid)})
            turns.setdefault(pid, []).append((sguid, sel_guid))
        for note in memos.refs.get(("source", str(source_id)), []) + memos.refs.get(("source", name), []):
            b.sub(el, "NoteRef", {"targetGUID": note})
        _values(b, el, guids, types, mask.attributes(json.loads(attrs or "{}")))
        summary.sources += 1
    return (holder, files), turns


def cases(db: "Database", b: Builder, guids: Guids, turns: dict[str, list[tuple[str, str]]],
          summary: "ExportSummary", mask: Masking, types: dict[str, str]
          ) -> tuple["etree._Element | None", "etree._Element | None"]:
    variables = None
    if types:
        variables = b.el("Variables")
        for key, kind in types.items():
            b.sub(variables, "Variable", {"guid": guids("variable", key), "name": key, "typeOfVariable": kind})
    rows = db.execute("SELECT id, attributes FROM participants ORDER BY id").fetchall()
    if not rows:
        return variables, None
    holder = b.el("Cases")
    labels: dict[str, list[tuple[str, str]]] = {}
    for pid, label, source in db.execute(
            "SELECT sp.participant_id, sp.label, s.name FROM speakers sp JOIN sources s ON s.id = sp.source_id "
            "WHERE sp.participant_id IS NOT NULL ORDER BY s.name, sp.label").fetchall():
        labels.setdefault(pid, []).append((label, source))
    for pid, attrs in rows:
        case = b.sub(holder, "Case", {"guid": guids("participant", pid), "name": mask.participant(pid)})
        if labels.get(pid) and not mask.active:  # labels are often names
            b.sub(case, "Description", text=case_description(labels[pid]))
        _values(b, case, guids, types, mask.attributes(json.loads(attrs or "{}")))
        refs = turns.get(pid, [])
        for source_guid in sorted({s for s, _ in refs}):
            b.sub(case, "SourceRef", {"targetGUID": source_guid})
        for _, sel_guid in refs:
            b.sub(case, "SelectionRef", {"targetGUID": sel_guid})
    summary.participants = len(rows)
    return variables, holder


def sets(db: "Database", b: Builder, guids: Guids) -> "etree._Element | None":
    rows = db.execute("SELECT source_group, name FROM sources WHERE source_group IS NOT NULL AND source_group != '' "
                      "ORDER BY source_group, name").fetchall()
    if not rows:
        return None
    holder = b.el("Sets")
    current = None
    el = None
    for group, name in rows:
        if group != current:
            el = b.sub(holder, "Set", {"guid": guids("set", group), "name": group})
            current = group
        assert el is not None
        b.sub(el, "MemberSource", {"targetGUID": guids("source", name)})
    return holder


def case_codes(db: "Database", b: Builder, codes_el: "etree._Element", guids: Guids,
               turns: dict[str, list[tuple[str, str]]], mask: Masking) -> None:
    """For QualCoder: one code per participant who speaks, with the case's GUID. QualCoder
    turns the codings of such a code into the case's links to text and drops the code."""
    taken = {str(r[0]) for r in db.execute("SELECT name FROM codes").fetchall()}
    for pid in sorted(turns):
        name = base = f"Case: {mask.participant(pid)}"
        n = 2
        while name in taken:  # QualCoder's code names are unique across the whole codebook
            name, n = f"{base} ({n})", n + 1
        taken.add(name)
        b.sub(codes_el, "Code", {"guid": guids("participant", pid), "name": name, "isCodable": "true"})
