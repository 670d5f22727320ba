"""Small helpers shared by the coding modules: time, code and source lookups."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def require_codes(db: "Database", code_ids: Iterable[str]) -> list[str]:
    ids = list(code_ids)
    if not ids:
        return ids
    known = {r[0] for r in db.execute("SELECT id FROM codes").fetchall()}
    if not known:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    for code_id in ids:
        if code_id not in known:
            import difflib

            close = difflib.get_close_matches(code_id, sorted(known), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise QualcodeError(f"unknown code id '{code_id}'; {hint}run `qualcode codebook show` to list ids")
    return ids


def require_sources(db: "Database", names: Iterable[str]) -> list[int]:
    ids = []
    for name in names:
        row = db.execute("SELECT id FROM sources WHERE name = ?", [name]).fetchone()
        if row is None:
            raise QualcodeError(f"unknown source '{name}'; run `qualcode sources` to list source names")
        ids.append(int(row[0]))
    return ids
