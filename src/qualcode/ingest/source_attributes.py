"""Attributes of a session: a sources file gives each source (one transcript: an interview,
a focus group) its site, group, date, mode, ...

A CSV, YAML list or ``.xlsx`` sheet with a ``source`` column (the source's name as
``qualcode sources`` lists it) and one column per attribute. ``group`` sets the source's
group (as ``ingest --group`` does); every other column is stored in the source's attributes
(as ``ingest --attr`` does). An empty cell leaves that attribute as it is. Two rows giving
one source different values are refused, naming both rows. One transaction; rows naming a
source that is not in the project are reported, not fatal.

Reports use these like participant attributes (``report matrix --by site``); a name that is
both a participant and a source attribute is ambiguous there and must be written
``participant.NAME`` or ``source.NAME``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

HEADER = "source then one column per attribute (site, group, date, ...)"
GROUP = "group"


@dataclass
class SourcesResult:
    sources: int = 0                       # sources given attributes
    unmatched: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)   # the file's attribute columns
    also_participant: list[str] = field(default_factory=list)  # names participants use too


def import_sources(db: "Database", path: Path) -> SourcesResult:
    from qualcode.ingest.tables import check_one_value, read_table

    rows = read_table(path, "sources file", ("source",), HEADER)
    for line, row in rows:
        if not row.get("source"):
            raise QualcodeError(f"{path}:{line}: empty 'source'; every row names a source as `qualcode sources` "
                                "lists it")
    check_one_value(path, rows, "source", "source", "give each source one value per attribute")
    result = SourcesResult(attributes=[c for c in (rows[0][1] if rows else {}) if c != "source"])
    people = {k for (a,) in db.execute("SELECT attributes FROM participants") for k in json.loads(a or "{}")}
    result.also_participant = sorted(set(result.attributes) & people)
    merged: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in rows:
        first, values = merged.setdefault(row["source"], (line, {}))
        values.update({k: v for k, v in row.items() if k != "source" and v != ""})
    with db.atomic():
        for name, (line, values) in merged.items():
            found = db.execute("SELECT id, attributes FROM sources WHERE name = ?", [name]).fetchone()
            if found is None:
                result.unmatched.append(f"line {line}: {name}")
                continue
            group = values.pop(GROUP, None)
            attrs = {**json.loads(found[1] or "{}"), **values}
            db.execute("UPDATE sources SET attributes = ?, source_group = coalesce(?, source_group) WHERE id = ?",
                       [json.dumps(attrs, ensure_ascii=False), group, found[0]])
            result.sources += 1
    return result
