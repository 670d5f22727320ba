"""project.qde and .qdc XML to plain dataclasses.

Elements are matched by local name, so files that put the REFI-QDA namespace in the wrong
place (or leave it out) still read. Invalid-but-common constructs are tolerated: an empty
``<Sets/>`` (Taguette), empty ``<Description/>``s, upper- or lower-case GUIDs with or
without braces. GUIDs are normalised to lower case without braces for lookups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from qualcode.interop.archive import ArchiveError
from qualcode.interop.descriptions import split_memos

if TYPE_CHECKING:
    from lxml import etree

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
SOURCE_KINDS = ("TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource")


@dataclass
class RCode:
    guid: str
    name: str
    parent: str | None
    description: str
    color: str | None
    codable: bool
    notes: list[str] = field(default_factory=list)
    memos: list[str] = field(default_factory=list)  # after a "---" line in the Description


@dataclass
class RCoding:
    guid: str
    code: str
    user: str | None
    created: str | None
    notes: list[str] = field(default_factory=list)


@dataclass
class RSelection:
    guid: str
    start: int | None
    end: int | None
    user: str | None
    created: str | None
    codings: list[RCoding]
    notes: list[str] = field(default_factory=list)
    description: str = ""  # QualCoder's coding memo


@dataclass
class RSource:
    guid: str
    kind: str
    name: str
    plain_path: str | None
    content: str | None
    selections: list[RSelection]
    codings: list[RCoding]          # codings of the whole source
    notes: list[str]
    variables: dict[str, Any]
    other_selections: int = 0      # picture/PDF/audio selections, never imported
    description: str = ""          # QualCoder's source memo


@dataclass
class RNote:
    guid: str
    name: str
    content: str | None
    plain_path: str | None
    user: str | None
    created: str | None


@dataclass
class RCase:
    guid: str
    name: str
    description: str
    variables: dict[str, Any]
    sources: list[str]
    selections: list[str]


@dataclass
class RSet:
    guid: str
    name: str
    sources: list[str]
    codes: list[str]


@dataclass
class RProject:
    name: str
    origin: str
    users: dict[str, str]
    codes: list[RCode]
    sources: list[RSource] = field(default_factory=list)
    notes: list[RNote] = field(default_factory=list)
    cases: list[RCase] = field(default_factory=list)
    sets: list[RSet] = field(default_factory=list)
    project_notes: list[str] = field(default_factory=list)
    description: str = ""


def guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _local(el: "etree._Element") -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(el: "etree._Element", name: str) -> Iterator["etree._Element"]:
    return (c for c in el if _local(c) == name)


def _kid(el: "etree._Element", name: str) -> "etree._Element | None":
    return next(_kids(el, name), None)


def _text(el: "etree._Element", name: str) -> str:
    child = _kid(el, name)
    return (child.text or "") if child is not None else ""


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _refs(el: "etree._Element", name: str) -> list[str]:
    return [guid(r.get("targetGUID")) for r in _kids(el, name) if r.get("targetGUID")]


def _codes(parent: "etree._Element", parent_guid: str | None, out: list[RCode]) -> None:
    for el in _kids(parent, "Code"):
        description, memos = split_memos(_text(el, "Description"))
        code = RCode(guid=guid(el.get("guid")), name=(el.get("name") or "").strip(), parent=parent_guid,
                     description=description, color=el.get("color"),
                     codable=(el.get("isCodable") or "true").strip().lower() not in ("false", "0"),
                     notes=_refs(el, "NoteRef"), memos=memos)
        out.append(code)
        _codes(el, code.guid, out)


def _codebook(root: "etree._Element") -> list[RCode]:
    codes: list[RCode] = []
    book = root if _local(root) == "CodeBook" else _kid(root, "CodeBook")
    if book is not None:
        holder = _kid(book, "Codes")
        if holder is not None:
            _codes(holder, None, codes)
    return codes


def _coding(el: "etree._Element") -> RCoding | None:
    ref = _kid(el, "CodeRef")
    if ref is None or not ref.get("targetGUID"):
        return None
    return RCoding(guid(el.get("guid")), guid(ref.get("targetGUID")), guid(el.get("creatingUser")) or None,
                   el.get("creationDateTime"), _refs(el, "NoteRef"))


def _values(el: "etree._Element", variables: dict[str, tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for vv in _kids(el, "VariableValue"):
        ref = _kid(vv, "VariableRef")
        name = variables.get(guid(ref.get("targetGUID")) if ref is not None else "", ("", ""))[0]
        for child in vv:
            kind = _local(child)
            if not name or kind == "VariableRef" or not kind.endswith("Value"):
                continue
            raw = (child.text or "").strip()
            value: Any = raw
            if kind == "IntegerValue" and _int(raw) is not None:
                value = _int(raw)
            elif kind == "FloatValue":
                try:  # QualCoder writes every number as a Float, "34" included
                    value = _int(raw) if _int(raw) is not None else float(raw)
                except ValueError:
                    pass
            elif kind == "BooleanValue":
                value = raw.lower() in ("true", "1")
            out[name] = value
    return out


def _source(el: "etree._Element", variables: dict[str, tuple[str, str]]) -> RSource:
    kind = _local(el)
    selections = []
    other = 0
    for sel in el:
        name = _local(sel)
        if name == "PlainTextSelection":
            codings = [c for c in (_coding(x) for x in _kids(sel, "Coding")) if c is not None]
            selections.append(RSelection(guid(sel.get("guid")), _int(sel.get("startPosition")),
                                         _int(sel.get("endPosition")),
                                         guid(sel.get("creatingUser") or sel.get("modifyingUser")) or None,
                                         sel.get("creationDateTime") or sel.get("modifiedDateTime"), codings,
                                         _refs(sel, "NoteRef"), _text(sel, "Description")))
        elif name.endswith("Selection"):
            other += sum(1 for _ in _kids(sel, "Coding"))
    content_el = _kid(el, "PlainTextContent")
    return RSource(
        guid=guid(el.get("guid")), kind=kind, name=(el.get("name") or "").strip(),
        plain_path=el.get("plainTextPath"), content=content_el.text if content_el is not None else None,
        selections=selections, codings=[c for c in (_coding(x) for x in _kids(el, "Coding")) if c is not None],
        notes=_refs(el, "NoteRef"), variables=_values(el, variables), other_selections=other,
        description=_text(el, "Description"),
    )


def read_project(tree: "etree._ElementTree", what: str) -> RProject:
    root = tree.getroot()
    if _local(root) != "Project":
        hint = " (a codebook: use `qualcode import qdc`)" if _local(root) == "CodeBook" else ""
        raise ArchiveError(f"{what}: the root element is <{_local(root)}>, not <Project>{hint}; "
                           "give a REFI-QDA project")
    users = {}
    holder = _kid(root, "Users")
    for u in _kids(holder, "User") if holder is not None else []:
        users[guid(u.get("guid"))] = (u.get("name") or u.get("id") or guid(u.get("guid"))).strip()
    variables: dict[str, tuple[str, str]] = {}
    holder = _kid(root, "Variables")
    for v in _kids(holder, "Variable") if holder is not None else []:
        variables[guid(v.get("guid"))] = ((v.get("name") or "").strip(), v.get("typeOfVariable") or "Text")
    project = RProject(name=root.get("name") or "", origin=root.get("origin") or "", users=users,
                       codes=_codebook(root), project_notes=_refs(root, "NoteRef"),
                       description=_text(root, "Description").strip())
    holder = _kid(root, "Sources")
    for el in holder if holder is not None else []:
        if _local(el) in SOURCE_KINDS:
            project.sources.append(_source(el, variables))
    holder = _kid(root, "Notes")
    for el in _kids(holder, "Note") if holder is not None else []:
        content = _kid(el, "PlainTextContent")
        project.notes.append(RNote(guid(el.get("guid")), el.get("name") or "",
                                   content.text if content is not None else None, el.get("plainTextPath"),
                                   guid(el.get("creatingUser")) or None, el.get("creationDateTime")))
    holder = _kid(root, "Cases")
    for el in _kids(holder, "Case") if holder is not None else []:
        project.cases.append(RCase(guid(el.get("guid")), (el.get("name") or "").strip(),
                                   _text(el, "Description").strip(), _values(el, variables),
                                   _refs(el, "SourceRef"), _refs(el, "SelectionRef")))
    holder = _kid(root, "Sets")
    for el in _kids(holder, "Set") if holder is not None else []:
        project.sets.append(RSet(guid(el.get("guid")), (el.get("name") or "").strip(),
                                 _refs(el, "MemberSource"), _refs(el, "MemberCode")))
    return project


def read_codebook(tree: "etree._ElementTree", what: str) -> RProject:
    """A .qdc (or a project, whose codebook is taken) as a project with codes only."""
    root = tree.getroot()
    if _local(root) not in ("CodeBook", "Project"):
        raise ArchiveError(f"{what}: the root element is <{_local(root)}>, not <CodeBook>; give a REFI-QDA .qdc")
    return RProject(name="", origin=root.get("origin") or "", users={}, codes=_codebook(root))
