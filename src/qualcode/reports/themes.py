"""Theme frequencies: per code and rolled up to its parents.

A theme's figures count the distinct segments, sources and speakers coded with it *or any
code below it*; ``direct`` gives the code's own figures. Speakers count participants where
speakers are mapped to them (the same person across sources), else distinct speaker labels
per source. Facilitators are not speakers here (nor are their turns in the total of
segments) unless ``include_facilitators``; a coding someone made on a facilitator's turn
still counts as a coded segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qualcode.reports.coded import code_masks, reading_once, segment_arrays
from qualcode.reports.common import code_tree, descendants

if TYPE_CHECKING:
    import numpy as np
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
    share_of_segments: float = 0.0
    share_of_speakers: float = 0.0


@dataclass
class ThemesReport:
    rows: list[ThemeRow]
    total_sources: int
    total_segments: int
    include_suggested: bool
    total_speakers: int = 0
    include_facilitators: bool = False


@reading_once
def themes_report(db: "Database", *, include_suggested: bool = False,
                  include_facilitators: bool = False) -> ThemesReport:
    import numpy as np  # counting in arrays, not Python sets: see reports/coded.py

    tree = code_tree(db)
    direct = code_masks(db, include_suggested=include_suggested, include_facilitators=include_facilitators)
    below = descendants(tree)
    arrays = segment_arrays(db)
    total_sources = db.execute("SELECT count(*) FROM sources").fetchone()[0]
    total_segments = len(arrays.counted(include_facilitators))
    total_speakers = db.execute(
        "SELECT count(DISTINCT COALESCE('p:' || participant_id, 's:' || id)) FROM speakers"
        + ("" if include_facilitators else " WHERE role != 'facilitator'")).fetchone()[0]

    def counts(mask: "np.ndarray | None") -> Counts:
        if mask is None:
            return Counts()
        segments = int(np.count_nonzero(mask))
        if not segments:
            return Counts()
        return Counts(segments, arrays.sources_in(mask), arrays.speakers_in(mask, include_facilitators))

    def share(n: int, total: int) -> float:
        return round(n / total, 3) if total else 0.0

    out = []
    for node in tree:
        if node.status != "active" and node.id not in direct:
            continue
        # The theme's segments: its own and those of every code below it.
        parts = [direct[c] for c in sorted(below.get(node.id, {node.id})) if c in direct]
        rolled = np.logical_or.reduce(parts) if len(parts) > 1 else (parts[0] if parts else None)
        total = counts(rolled)
        out.append(ThemeRow(
            code_id=node.id, name=node.name, parent_id=node.parent_id, depth=node.depth,
            segments=total.segments, sources=total.sources, speakers=total.speakers,
            share_of_sources=share(total.sources, total_sources),
            direct=total if len(parts) == 1 and node.id in direct else counts(direct.get(node.id)),
            status=node.status, share_of_segments=share(total.segments, total_segments),
            share_of_speakers=share(total.speakers, total_speakers),
        ))
    return ThemesReport(out, total_sources, total_segments, include_suggested, total_speakers, include_facilitators)
