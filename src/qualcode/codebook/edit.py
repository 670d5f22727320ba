"""Editing the project's codebook from the command line, as researchers do while coding.

Inductive coding creates codes while reading and groups them into themes afterwards. Each
edit here (add a code, move it under another, rename it, describe it) builds the new
codebook from the current one, writes it as YAML (the format ``codebook export`` writes and
``codebook load`` reads) and stores it as a new codebook version through
:func:`qualcode.codebook.store.store_codebook`, so an edit is exactly a load of the edited
file: versioned, with its diff, ids stable and every coding kept.

Every edit is one ``batch`` of events: the version's ``codebook-load`` event and a
``codebook-edit`` event holding the ``codes`` rows as they were before, so ``undo``
(:func:`revert_edit`) puts the codes table back exactly and removes the version, as long
as no later version was stored and no coding uses a code the edit created.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from qualcode.codebook.loader import ID_RE, parse_codebook
from qualcode.codebook.model import Code, Codebook
from qualcode.coding.common import new_batch
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from qualcode.codebook.store import LoadResult

# Where an edited version says it came from (codebook_versions.path, shown by `codebook history`).
EDIT_PATH = "(edited: codebook {verb})"


@dataclass
class Edit:
    """One stored edit: the code it is about, what changed, and its undo batch."""
    code: Code  # as it is after the edit
    result: "LoadResult"
    batch: str
    before: Code | None = None  # as it was (None for a new code)

    def changes(self) -> list[tuple[str, str, str]]:
        """What changed in the code: (field, before, after), for the screen."""
        if self.before is None or self.result.version_id is None:
            return []
        fields = (("name", "name"), ("parent", "parent_id"), ("description", "description"),
                  ("include", "include"), ("exclude", "exclude"))
        return [(label, getattr(self.before, attr) or "", getattr(self.code, attr) or "") for label, attr in fields
                if getattr(self.before, attr) != getattr(self.code, attr)]

    @property
    def code_id(self) -> str:
        return self.code.id


def project_codebook(db: "Database") -> Codebook:
    """The project's current codebook: its active codes with the name, language, description
    and references of the last version (an empty codebook when none was loaded yet)."""
    from qualcode.codebook.store import active_codes

    row = db.execute("SELECT name, language, yaml FROM codebook_versions ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return Codebook(codes=[])
    stored, _ = parse_codebook(row[2])
    return Codebook(codes=active_codes(db), name=row[0] or "", language=row[1] or "en",
                    description=stored.description if stored else "",
                    references=stored.references if stored else [])


def slug(name: str) -> str:
    """A code id from a code's name: 'Feeling numb / detached' -> 'feeling-numb-detached'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].rstrip("-")


def _known_ids(db: "Database") -> dict[str, str]:
    """Every id the project has used (removed, renamed and merged codes too) -> its status:
    an id is never reused, so old codings and REFI-QDA GUIDs never change meaning."""
    return {str(r[0]): str(r[1]) for r in db.execute("SELECT id, status FROM codes").fetchall()}


def _require_active(book: Codebook, code_id: str, role: str = "code") -> Code:
    code = book.by_id().get(code_id)
    if code is None:
        import difflib

        close = difflib.get_close_matches(code_id, [c.id for c in book.codes], n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise QualcodeError(f"unknown {role} id '{code_id}'; {hint}run `qualcode codebook show` to list ids")
    return code


def clean_name(name: str) -> str:
    """A code's name on one line, without control characters (they would garble every table)."""
    name = " ".join(name.split())
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise QualcodeError("a code name cannot hold control characters; type the name again")
    return name


def new_code(db: "Database", book: Codebook, name: str, *, code_id: str | None = None, parent: str | None = None,
             description: str = "") -> Code:
    """A code to add to ``book``: checks the name, the id (given, or made from the name) and the parent."""
    name = clean_name(name)
    if not name:
        raise QualcodeError("a new code needs a name, e.g. --new \"Numbing\"")
    same = [c.id for c in book.codes if c.name.lower() == name.lower()]
    if same:
        raise QualcodeError(f"the codebook already has a code named '{name}' ({same[0]}); use that id")
    if code_id is None:
        base = slug(name) or "code"
        known = _known_ids(db) | {c.id: "active" for c in book.codes}
        code_id, n = base, 2
        while code_id in known:
            code_id, n = f"{base}-{n}", n + 1
    elif not ID_RE.match(code_id):
        raise QualcodeError(f"id {code_id!r} is not a valid id: use letters, digits, '-', '_' or '.'")
    else:
        status = _known_ids(db).get(code_id)
        if status is not None:
            raise QualcodeError(f"the id '{code_id}' is already used by a{'n' if status == 'active' else ''} "
                                f"{status} code; choose another --id")
    if parent is not None:
        _require_active(book, parent, "parent code")
    return Code(id=code_id, name=name, parent_id=parent, description=description.strip())


def _store(db: "Database", book: Codebook, verb: str, *, actor: str | None, batch: str) -> "LoadResult":
    """Store the edited ``book`` as a new version (inside the caller's write transaction),
    with what undo needs to put the codes back."""
    from qualcode.codebook.export import codebook_to_yaml
    from qualcode.codebook.store import store_codebook
    from qualcode.coding.ledger import record_event

    path = EDIT_PATH.format(verb=verb)
    text = codebook_to_yaml(book)
    parsed, problems = parse_codebook(text, path)
    if parsed is None or problems:  # a bug, not a user's mistake: nothing is written
        raise QualcodeError(f"the edited codebook does not load back ({problems[:1]}); nothing was changed")
    columns = [r[1] for r in db.execute("PRAGMA table_info(codes)").fetchall()]
    before = [dict(zip(columns, r)) for r in db.execute("SELECT * FROM codes ORDER BY position, id").fetchall()]
    previous = db.execute("SELECT max(id) FROM codebook_versions").fetchone()[0]
    result = store_codebook(db, parsed, loaded_by=actor, batch=batch)
    if result.version_id is not None:
        record_event(db, actor=actor, action="codebook-edit", batch=batch,
                     detail={"edit": verb, "version": result.version_id, "previous_version": previous,
                             "codes_before": before})
    return result


def _edit(db: "Database", verb: str, code_id: str, change: Any, *, actor: str | None) -> Edit:
    from qualcode.coding.ledger import write_transaction

    with write_transaction(db):
        book = project_codebook(db)
        if not book.codes:
            raise QualcodeError("the project has no codebook yet; add a code with `qualcode codebook add NAME` "
                                "or load one with `qualcode codebook load FILE`")
        code = _require_active(book, code_id)
        edited = change(book, code)
        if edited is None:
            return Edit(code, _unchanged(book), "", code)
        batch = new_batch()
        return Edit(edited.by_id()[code_id], _store(db, edited, verb, actor=actor, batch=batch), batch, code)


def _unchanged(book: Codebook) -> "LoadResult":
    from qualcode.codebook.store import LoadResult

    return LoadResult(version_id=None, unchanged=len(book.codes))


def add_code(db: "Database", name: str, *, code_id: str | None = None, parent: str | None = None,
             description: str = "", actor: str | None, batch: str | None = None) -> Edit:
    """Add a code (at the end of its parent's children). Inside a caller's write
    transaction it joins it (``code --new`` codes the segment in the same one)."""
    from qualcode.coding.ledger import write_transaction

    with write_transaction(db):
        book = project_codebook(db)
        code = new_code(db, book, name, code_id=code_id, parent=parent, description=description)
        edited = replace(book, codes=[*book.codes, code])
        batch = batch or new_batch()
        return Edit(code, _store(db, edited, "add", actor=actor, batch=batch), batch)


def _descendants(book: Codebook, code_id: str) -> set[str]:
    out: set[str] = set()
    todo = [code_id]
    while todo:
        kids = [c.id for c in book.children(todo.pop())]
        out.update(kids)
        todo += kids
    return out


def move_code(db: "Database", code_id: str, parent: str | None, *, actor: str | None) -> Edit:
    """Put a code (with its children) under ``parent``, last among its children, or at the
    top level when ``parent`` is None."""
    def change(book: Codebook, code: Code) -> Codebook | None:
        if parent is not None:
            _require_active(book, parent, "parent code")
            if parent == code_id or parent in _descendants(book, code_id):
                raise QualcodeError(f"cannot move '{code_id}' under '{parent}': '{parent}' is "
                                    f"{'the code itself' if parent == code_id else 'one of its own sub-codes'}")
        if code.parent_id == parent:
            return None
        codes = [c for c in book.codes if c.id != code_id] + [replace(code, parent_id=parent)]
        return replace(book, codes=codes)

    return _edit(db, "move", code_id, change, actor=actor)


def rename_code(db: "Database", code_id: str, name: str, *, actor: str | None) -> Edit:
    """Give a code a new name; its id (and so every coding, memo and GUID) stays."""
    name = clean_name(name)
    if not name:
        raise QualcodeError("give the code's new name, e.g. `qualcode codebook rename numbing \"Emotional numbing\"`")

    def change(book: Codebook, code: Code) -> Codebook | None:
        same = [c.id for c in book.codes if c.id != code_id and c.name.lower() == name.lower()]
        if same:
            raise QualcodeError(f"the codebook already has a code named '{name}' ({same[0]}); choose another name")
        if code.name == name:
            return None
        return replace(book, codes=[replace(c, name=name) if c.id == code_id else c for c in book.codes])

    return _edit(db, "rename", code_id, change, actor=actor)


def describe_code(db: "Database", code_id: str, *, description: str | None = None, include: str | None = None,
                  exclude: str | None = None, actor: str | None) -> Edit:
    """Set a code's description and, optionally, its inclusion and exclusion criteria."""
    if description is None and include is None and exclude is None:
        raise QualcodeError("give a description (or --include / --exclude criteria) to set")

    def change(book: Codebook, code: Code) -> Codebook | None:
        new = replace(code, description=code.description if description is None else description.strip(),
                      include=code.include if include is None else include.strip(),
                      exclude=code.exclude if exclude is None else exclude.strip())
        if new.fingerprint() == code.fingerprint():
            return None
        return replace(book, codes=[new if c.id == code_id else c for c in book.codes])

    return _edit(db, "describe", code_id, change, actor=actor)


def revert_edit(db: "Database", detail: dict[str, Any]) -> None:
    """Undo one codebook edit (inside the caller's write transaction): the codes rows as
    they were before it, and its version gone. Refused when a later version was stored or
    a coding (outside the undone decision) uses a code the edit created."""
    version = int(detail["version"])
    latest = db.execute("SELECT max(id) FROM codebook_versions").fetchone()[0]
    if latest != version:
        raise QualcodeError(f"the codebook changed after that edit (version {latest} is newer than {version}); "
                            "undo would overwrite it. Edit the codebook again instead")
    before: list[dict[str, Any]] = detail["codes_before"]
    old_ids = {row["id"] for row in before}
    created = [str(r[0]) for r in db.execute("SELECT id FROM codes").fetchall() if r[0] not in old_ids]
    for code_id in created:
        used = db.execute("SELECT count(*) FROM codings WHERE code_id = ?", [code_id]).fetchone()[0]
        if used:
            raise QualcodeError(f"code '{code_id}' has been used since it was created ({used} coding(s)); remove "
                                "those codings first, or keep the code")
    if before:
        columns = list(before[0])
        sets = ", ".join(f"[{c}] = ?" for c in columns if c != "id")
        db.execute("UPDATE codes SET parent_id = NULL")  # restored below: a parent may be restored after its child
        db.conn.executemany(f"UPDATE codes SET {sets} WHERE id = ?",
                            [[row[c] for c in columns if c != "id"] + [row["id"]] for row in before])
    if created:
        marks = ",".join("?" * len(created))
        if db.execute(f"SELECT count(*) FROM memos WHERE target_type = 'code' AND target_id IN ({marks})",
                      created).fetchone()[0]:
            raise QualcodeError(f"code '{created[0]}' has memos written since it was created; keep the code")
        db.execute(f"UPDATE codes SET parent_id = NULL WHERE id IN ({marks})", created)
        db.execute(f"DELETE FROM codes WHERE id IN ({marks})", created)
    db.execute("DELETE FROM codebook_versions WHERE id = ?", [version])
