"""GUIDs for REFI-QDA objects.

Exports use deterministic GUIDs (UUIDv5 of a stable key such as the code id or source
name), so exporting the same project twice gives identical files. Objects that came in
from another tool keep the GUID they had there (remembered in ``refi_ids``, migration
m006), so NVivo or ATLAS.ti recognise their own codes and sources when the work returns.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

# Fixed namespace for qualcode's UUIDv5 GUIDs (a random UUID chosen once; never change it).
NAMESPACE = uuid.UUID("6f0c8a52-3b1e-4d0e-9a57-0d1c2f6b9e41")


def stable_guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


class Guids:
    """The GUID of each object on export: remembered from an import, else stable_guid."""

    def __init__(self, db: "Database") -> None:
        self._known: dict[tuple[str, str], str] = {
            (r[0], r[1]): r[2] for r in db.execute("SELECT kind, local_id, guid FROM refi_ids").fetchall()
        }
        self._given: dict[tuple[str, str], str] = {}
        self._used: set[str] = set()

    def __call__(self, kind: str, local_id: str) -> str:
        key = (kind, local_id)
        if key in self._given:
            return self._given[key]
        value = self._known.get(key) or stable_guid(kind, local_id)
        if value in self._used:  # two objects imported with one GUID: keep the file valid
            value = stable_guid(kind, local_id)
        self._used.add(value)
        self._given[key] = value
        return value


def remember(db: "Database", kind: str, local_id: str, guid: str) -> None:
    """Record where an imported object came from (the first GUID wins)."""
    if guid:
        db.execute("INSERT OR IGNORE INTO refi_ids (kind, local_id, guid) VALUES (?, ?, ?)", [kind, local_id, guid])


def known(db: "Database", kind: str) -> dict[str, str]:
    """guid → local id for objects of ``kind`` imported before."""
    return {r[0]: r[1] for r in db.execute("SELECT guid, local_id FROM refi_ids WHERE kind = ?", [kind]).fetchall()}


def slugify(name: str, taken: set[str], fallback: str = "code") -> str:
    """A code id from a name: ASCII, lower case, hyphens; unique against ``taken``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-") or fallback
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug
