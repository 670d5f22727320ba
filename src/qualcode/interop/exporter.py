"""A project to a REFI-QDA .qdpx (project) or .qdc (codebook).

Deterministic by design: GUIDs are UUIDv5 of stable keys (or the GUIDs objects were
imported with), elements are written in a fixed order, and zip entries carry a fixed
timestamp, so exporting an unchanged project twice gives byte-identical files.

Only *accepted* codings are exported: REFI-QDA has no notion of a pending suggestion, and
another tool would show a suggestion as a decided coding. Each coder's codings of one range
share one ``PlainTextSelection`` whose ``creatingUser`` is that coder (QualCoder reads the
coder from the selection). Each participant's turns are also written as selections that
the participant's ``Case`` refers to. What differs between clients (positions, memos, case
links) is chosen by the target (:mod:`.targets`, ``--for``).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError
from qualcode.interop.ids import Guids
from qualcode.interop.masking import Masking, Pseudonymising
from qualcode.interop.reader import NS_CODEBOOK, NS_PROJECT
from qualcode.interop.codes import colour as valid_colour
from qualcode.interop.descriptions import join_memos
from qualcode.interop.export_parts import MemoIndex
from qualcode.interop.targets import STANDARD, Target
from qualcode.interop.xmlbuild import Builder, xsd_datetime

if TYPE_CHECKING:
    from lxml import etree
    from sqlite_utils import Database

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass
class ExportSummary:
    file: str
    positions: str
    target: str = "standard"
    sources: int = 0
    codes: int = 0
    codings: int = 0
    not_exported_codings: int = 0  # suggested or rejected
    memos: int = 0
    participants: int = 0
    users: list[str] = field(default_factory=list)
    pseudonymised: bool = False


def _origin(target: Target | None = None) -> str:
    from qualcode import __version__

    if target is None:
        return f"qualcode {__version__}"
    return f"qualcode {__version__}; positions={target.positions}" + ("; crlf=1" if target.crlf_one else "")


def _codes(db: "Database", b: Builder, parent: "etree._Element", guids: Guids, used: set[str],
           memos: MemoIndex, mask: Masking, target: Target = STANDARD) -> int:
    rows = db.execute("SELECT id, name, parent_id, description, colour, status FROM codes ORDER BY position").fetchall()
    keep = {r[0] for r in rows if r[5] == "active" or r[0] in used}
    children: dict[str | None, list[tuple[Any, ...]]] = {}
    for r in rows:
        if r[0] in keep:
            children.setdefault(r[2] if r[2] in keep else None, []).append(r)

    def add(holder: "etree._Element", parent_id: str | None) -> None:
        for cid, name, _pid, description, colour, _status in children.get(parent_id, []):
            attrs = {"guid": guids("code", cid), "name": name, "isCodable": "true"}
            if valid_colour(colour):
                attrs["color"] = valid_colour(colour) or ""
            el = b.sub(holder, "Code", attrs)
            notes = memos.texts.get(("code", cid), []) if target.memo_descriptions else []
            if description or notes:  # QualCoder's code memo is the Description
                b.sub(el, "Description", text=join_memos(mask.text(description or ""), [mask.text(n) for n in notes]))
            for note in memos.refs.get(("code", cid), []):
                b.sub(el, "NoteRef", {"targetGUID": note})
            add(el, cid)

    add(parent, None)
    return len(keep)


def codebook_xml(db: "Database") -> bytes:
    """The .qdc document for the project's codebook."""
    b = Builder(NS_CODEBOOK, "Codebook")
    root = b.root("CodeBook", {"origin": _origin()})
    count = _codes(db, b, b.sub(root, "Codes"), Guids(db), set(), MemoIndex(), Masking())
    if not count:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    return b.tostring()


def _memos(db: "Database", guids: Guids, users: dict[str, str]) -> tuple[list[tuple[Any, ...]], MemoIndex]:
    rows = db.execute("SELECT id, target_type, target_id, author, text, created_at FROM memos ORDER BY id").fetchall()
    index = MemoIndex()
    out = []
    for r in rows:
        g = guids("memo", str(r[0]))
        out.append((g, *r))
        index.add((r[1], str(r[2] or "")), g, r[4])
        if r[3]:
            users.setdefault(r[3], "")
    return out, index


def _notes(b: Builder, notes: "etree._Element", memos: list[tuple[Any, ...]], users: dict[str, str],
           mask: Masking, target: Target, files: dict[str, bytes]) -> None:
    """Memos as REFI-QDA notes (what they are attached to is said by NoteRefs elsewhere).
    For QualCoder, project memos are note files: it reads those as journals."""
    for g, memo_id, target_type, _target_id, author, text, created in memos:
        attrs = {"guid": g, "name": f"Memo {memo_id}"}
        as_file = target.journal_files and target_type == "project"
        if as_file:
            attrs["plainTextPath"] = f"internal://{g}.txt"
            files[f"sources/{g}.txt"] = mask.text(text).encode("utf-8")
        if author:
            attrs["creatingUser"] = users[author]
        if xsd_datetime(created):
            attrs["creationDateTime"] = xsd_datetime(created) or ""
        note = b.sub(notes, "Note", attrs)
        if not as_file:
            b.sub(note, "PlainTextContent", text=mask.text(text))


def project_xml(db: "Database", *, name: str, target: Target = STANDARD,
                mask: Masking | None = None) -> tuple[bytes, dict[str, bytes], ExportSummary]:
    """The project.qde document and the other files of the archive (name → bytes)."""
    from qualcode.interop.export_parts import case_codes, cases, sets, sources, users_and_codings, variable_types

    guids = Guids(db)
    mask = mask or Masking()
    summary = ExportSummary(file="", positions=target.positions, target=target.name, pseudonymised=mask.active)
    b = Builder(NS_PROJECT, "Project")
    root = b.root("Project", {"name": name, "origin": _origin(target)})
    users: dict[str, str] = {}
    memos, memo_index = _memos(db, guids, users)
    codings = users_and_codings(db, users, summary)
    for (user,) in db.execute("SELECT local_id FROM refi_ids WHERE kind = 'user'").fetchall():
        users.setdefault(user, "")  # imported users without codings still come back
    for user in sorted(users):
        users[user] = guids("user", user)
    summary.users = sorted(users)
    if users:
        holder = b.sub(root, "Users")
        for user in sorted(users):
            b.sub(holder, "User", {"guid": users[user], "name": user})
    book = b.el("CodeBook")
    codes_el = b.sub(book, "Codes")
    summary.codes = _codes(db, b, codes_el, guids, {c["code_id"] for c in codings}, memo_index, mask, target)
    root.append(book)
    types = variable_types(db)
    (sources_el, files), turns = sources(db, b, guids, codings, memo_index, users, target, summary, types, mask)
    if target.case_codes:
        case_codes(db, b, codes_el, guids, turns, mask)
    if not len(codes_el):
        root.remove(book)
    variables_el, cases_el = cases(db, b, guids, turns, summary, mask, types)
    for el in (variables_el, cases_el, sources_el):
        if el is not None:
            root.append(el)
    if memos:
        _notes(b, b.sub(root, "Notes"), memos, users, mask, target, files)
        summary.memos = len(memos)
    sets_el = sets(db, b, guids)
    if sets_el is not None:
        root.append(sets_el)
    for g in memo_index.refs.get(("project", ""), []):
        b.sub(root, "NoteRef", {"targetGUID": g})
    return b.tostring(), files, summary


def write_zip(path: Path, members: list[tuple[str, bytes]], db: "Database | None" = None) -> None:
    """Write a zip with fixed timestamps and permissions, through the guarded atomic writer
    (never over the open project or a file qualcode did not write)."""
    from qualcode.output_files import write_output

    def fill(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as zf:
            for member, data in members:
                info = zipfile.ZipInfo(member, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
    write_output(path, fill, db=db, suffixes=(".qdpx",))


def write_bytes(path: Path, data: bytes, db: "Database | None" = None, suffixes: tuple[str, ...] = ()) -> None:
    from qualcode.output_files import write_output

    write_output(path, data, db=db, suffixes=suffixes)


def export_qdpx(db: "Database", path: Path, *, target: Target = STANDARD,
                pseudonymise: bool = False) -> ExportSummary:
    from qualcode.interop.importer import CODEBOOK_MEMBER

    mask = Pseudonymising(db) if pseudonymise else Masking()
    xml, files, summary = project_xml(db, name=path.stem, target=target, mask=mask)
    members = [("project.qde", xml), *sorted(files.items())]
    book = db.execute("SELECT yaml FROM codebook_versions ORDER BY id DESC LIMIT 1").fetchone()
    if book is not None and not pseudonymise:  # ids, criteria, keywords, patterns (examples may quote names)
        members.append((CODEBOOK_MEMBER, str(book[0]).encode("utf-8")))
    write_zip(path, members, db)
    summary.file = str(path)
    return summary


def export_qdc(db: "Database", path: Path) -> int:
    data = codebook_xml(db)
    write_bytes(path, data, db, (".qdc",))
    return int(db.execute("SELECT count(*) FROM codes WHERE status = 'active'").fetchone()[0])

