"""The parts of project.qde: codings with their users, sources with selections, variables
and cases, sets. Each returns lxml elements in the order the Project schema requires."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from qualcode.interop.ids import Guids, stable_guid
from qualcode.interop.masking import Masking
from qualcode.interop.positions import PositionMap
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


def sources(db: "Database", b: Builder, guids: Guids, codings: list[dict[str, Any]],
            memo_refs: dict[tuple[str, str], list[str]], users: dict[str, str], positions: str,
            summary: "ExportSummary", types: dict[str, str], mask: Masking
            ) -> tuple[tuple["etree._Element | None", dict[str, str]], dict[str, list[tuple[str, str]]]]:
    """The <Sources> element, the text files (archive path → text) and, per participant, the
    (source GUID, selection GUID) of each of their turns."""
    by_source: dict[int, list[dict[str, Any]]] = {}
    for c in codings:
        by_source.setdefault(c["source_id"], []).append(c)
    coding_memos = {k[1]: v for k, v in memo_refs.items() if k[0] == "coding"}
    turns: dict[str, list[tuple[str, str]]] = {}
    files: dict[str, str] = {}
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
        ranges: dict[tuple[int, int], list[dict[str, Any]]] = {}
        for c in by_source.get(source_id, []):
            ranges.setdefault((c["start"], c["end"]), []).append(c)
        speakers = db.execute(
            "SELECT seg.start, seg.end, sp.participant_id FROM segments seg JOIN speakers sp ON sp.id = seg.speaker_id "
            "WHERE seg.source_id = ? AND sp.participant_id IS NOT NULL ORDER BY seg.ordinal", [source_id]).fetchall()
        turn_ranges: dict[tuple[int, int], str] = {(s, e): p for s, e, p in speakers}
        text, moved = mask.source(name, text, {x for r in (*ranges, *turn_ranges) for x in r})
        files[f"sources/{sguid}.txt"] = text
        pm = PositionMap.for_export(text, positions)
        for start, end in sorted(set(ranges) | set(turn_ranges)):
            sel_guid = stable_guid("selection", f"{name}:{start}:{end}")
            attrs_sel = {"guid": sel_guid, "startPosition": str(pm.to_position(moved[start])),
                         "endPosition": str(pm.to_position(moved[end]))}
            coded = ranges.get((start, end), [])
            if coded:
                attrs_sel["creatingUser"] = users[coded[0]["coder"]]
            sel = b.sub(el, "PlainTextSelection", attrs_sel)
            for c in coded:
                attrs_c = {"guid": guids("coding", str(c["id"])), "creatingUser": users[c["coder"]]}
                if xsd_datetime(c["created_at"]):
                    attrs_c["creationDateTime"] = xsd_datetime(c["created_at"]) or ""
                coding = b.sub(sel, "Coding", attrs_c)
                b.sub(coding, "CodeRef", {"targetGUID": guids("code", c["code_id"])})
                for note in coding_memos.get(str(c["id"]), []):
                    b.sub(coding, "NoteRef", {"targetGUID": note})
            if (start, end) in turn_ranges:
                turns.setdefault(turn_ranges[(start, end)], []).append((sguid, sel_guid))
        for note in memo_refs.get(("source", str(source_id)), []) + memo_refs.get(("source", name), []):
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
    for pid, attrs in rows:
        case = b.sub(holder, "Case", {"guid": guids("participant", pid), "name": mask.participant(pid)})
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
