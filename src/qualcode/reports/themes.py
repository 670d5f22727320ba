"""Theme frequencies: per code and rolled up to its parents.

A theme's figures count the distinct segments, sources and speakers coded with it *or any
code below it*; ``direct`` gives the code's own figures. Speakers count participants where
speakers are mapped to them (the same person across sources), else distinct speaker labels
per source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qualcode.reports.common import code_tree, descendants, status_clause

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class Counts:
    segments: int = 0
    sources: int = 0
    speakers: int = 0


@dataclass
class ThemeRow:
    code_id: str
    name: str
    parent_id: str | None
    depth: int
    segments: int
    sources: int
    speakers: int
    share_of_sources: float
    direct: Counts = field(default_factory=Counts)
    status: str = "active"


@dataclass
class ThemesReport:
    rows: list[ThemeRow]
    total_sources: int
    total_segments: int
    include_suggested: bool


def themes_report(db: "Database", *, include_suggested: bool = False) -> ThemesReport:
    tree = code_tree(db)
    below = descendants(tree)
    rows = db.execute(
        "SELECT c.code_id, c.segment_id, c.source_id, "
        "COALESCE('p:' || sp.participant_id, 's:' || s.speaker_id, 'n:' || c.source_id) "
        "FROM codings c LEFT JOIN segments s ON s.id = c.segment_id "
        "LEFT JOIN speakers sp ON sp.id = s.speaker_id "
        f"WHERE {status_clause(include_suggested)}"
    ).fetchall()
    by_code: dict[str, list[tuple[int, int, str]]] = {}
    for code_id, seg, src, who in rows:
        by_code.setdefault(code_id, []).append((seg if seg is not None else -src, src, who))
    total_sources = db.execute("SELECT count(*) FROM sources").fetchone()[0]
    total_segments = db.execute("SELECT count(*) FROM segments WHERE kind = 'speech'").fetchone()[0]

    def counts(ids: set[str]) -> Counts:
        items = [item for cid in ids for item in by_code.get(cid, [])]
        return Counts(len({i[0] for i in items}), len({i[1] for i in items}), len({i[2] for i in items}))

    out = []
    for node in tree:
        if node.status != "active" and node.id not in by_code:
            continue
        rolled = counts(below.get(node.id, {node.id}))
        out.append(ThemeRow(
            code_id=node.id, name=node.name, parent_id=node.parent_id, depth=node.depth,
            segments=rolled.segments, sources=rolled.sources, speakers=rolled.speakers,
            share_of_sources=round(rolled.sources / total_sources, 3) if total_sources else 0.0,
            direct=counts({node.id}), status=node.status,
        ))
    return ThemesReport(out, total_sources, total_segments, include_suggested)
