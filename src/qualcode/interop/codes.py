"""Bringing REFI-QDA codes into the project's codebook.

Imported codes join the current codebook and are stored as a new codebook version (YAML
and diff, like ``codebook load``), so ``codebook show|export`` and later loads keep working.
A code matches an existing one by the GUID it was imported with before, else by the same
name under the same parent; otherwise it is added with an id made from its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qualcode.codebook.model import Code, Codebook
from qualcode.interop.ids import known, remember, slugify
from qualcode.interop.reader import RCode

if TYPE_CHECKING:
    from sqlite_utils import Database

_RGB6 = re.compile(r"^#[0-9A-Fa-f]{6}$")
_RGB3 = re.compile(r"^#[0-9A-Fa-f]{3}$")


@dataclass
class CodesResult:
    ids: dict[str, str] = field(default_factory=dict)  # REFI GUID → code id
    added: int = 0
    matched: int = 0
    not_codable: int = 0


def colour(value: str | None) -> str | None:
    value = (value or "").strip()
    if _RGB6.match(value):
        return value.lower()
    if _RGB3.match(value):
        return "#" + "".join(c * 2 for c in value[1:]).lower()
    return None


def hints_from_yaml(text: str | None) -> dict[str, Code]:
    """The codes of a qualcode codebook YAML shipped inside a qualcode export, by the GUID the
    export gave them: they restore ids, criteria, keywords and patterns REFI-QDA cannot hold."""
    from qualcode.codebook.loader import parse_codebook
    from qualcode.interop.ids import stable_guid

    if not text:
        return {}
    book, _problems = parse_codebook(text, "qualcode/codebook.yaml")
    return {stable_guid("code", c.id): c for c in book.codes} if book is not None else {}


def import_codes(db: "Database", codes: list[RCode], *, origin: str, path: str, coder: str,
                 hints: dict[str, Code] | None = None) -> CodesResult:
    """Add ``codes`` (parents before children) to the codebook. Call inside a transaction."""
    from qualcode.interop.ids import stable_guid

    from qualcode.codebook.export import codebook_to_yaml
    from qualcode.codebook.loader import parse_codebook
    from qualcode.codebook.store import active_codes, current_codebook, store_codebook

    result = CodesResult()
    current = current_codebook(db)
    book = Codebook(codes=active_codes(db), name=current.name if current else "",
                    description=current.description if current else "",
                    language=current.language if current else "en",
                    references=current.references if current else [])
    by_guid = {stable_guid("code", c.id): c.id for c in book.codes}  # exported by this project
    by_guid.update(known(db, "code"))
    existing = {c.id for c in book.codes}
    taken = {r[0] for r in db.execute("SELECT id FROM codes").fetchall()}
    by_name = {(c.parent_id, c.name): c.id for c in book.codes}
    new: list[Code] = []
    for rc in codes:
        parent = result.ids.get(rc.parent) if rc.parent else None
        result.not_codable += 0 if rc.codable else 1
        match = by_guid.get(rc.guid)
        if match not in existing:
            match = by_name.get((parent, rc.name))
        if match is not None:
            result.ids[rc.guid] = match
            result.matched += 1
            remember(db, "code", match, rc.guid)
            continue
        hint = (hints or {}).get(rc.guid)
        if hint is not None and hint.id not in taken:
            taken.add(hint.id)
            code = Code(id=hint.id, name=rc.name or hint.name, parent_id=parent, description=rc.description,
                        include=hint.include, exclude=hint.exclude, colour=colour(rc.color),
                        keywords=hint.keywords, patterns=hint.patterns, examples=hint.examples)
        else:
            code = Code(id=slugify(rc.name, taken), name=rc.name or "unnamed code", parent_id=parent,
                        description=rc.description, colour=colour(rc.color))
        new.append(code)
        by_name[(parent, rc.name)] = code.id
        result.ids[rc.guid] = code.id
        remember(db, "code", code.id, rc.guid)
    result.added = len(new)
    if not new:
        return result
    book.codes += new
    if not book.name:
        book.name = f"Imported from {origin}" if origin else "Imported codebook"
    book.path = path
    book.text = codebook_to_yaml(book)
    parsed, problems = parse_codebook(book.text, path)
    if parsed is None or problems:  # our own YAML must load; anything else is a bug
        raise AssertionError(f"imported codebook does not load: {problems[:3]}")
    store_codebook(db, parsed, loaded_by=coder)
    return result
