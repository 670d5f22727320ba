"""Gold codings from a project: another coder's decisions, or a codings CSV.

Both become the benchmark's shapes (documents, coded spans, segments), so that a project is
scored under exactly the protocol of ``nlp/benchmark.py``. In a project the *utterance*
unit is the project's own speech segments (turns); *sentence* splits them like the
benchmark does.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.nlp.benchmark import GoldSpan, Segment, segment_text
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


def project_segments(db: "Database", unit: str) -> list[Segment]:
    """The project's speech turns as scoring units; a facilitator's (their speaker's role) are
    marked, as `suggest` skips them."""
    rows = db.execute("SELECT s.source_id, s.start, s.text, sp.role FROM segments s "
                      "LEFT JOIN speakers sp ON sp.id = s.speaker_id WHERE s.kind = 'speech' "
                      "ORDER BY s.source_id, s.ordinal").fetchall()
    out: list[Segment] = []
    for source_id, start, text, role in rows:
        # A turn is one utterance even when it spans lines; same length, so offsets hold. They
        # move from the turn's text to the source's (exact for one-span turns); the turn's
        # speaker, not its text, says whether a facilitator said it.
        for p in segment_text(str(source_id), text.replace("\n", " "), unit, roles=False):
            out.append(Segment(str(source_id), start + p.start, start + p.end, p.text, len(out),
                               facilitator=role == "facilitator"))
    return out


def coder_spans(db: "Database", coder: str) -> list[GoldSpan]:
    rows = db.execute("SELECT source_id, code_id, start, end FROM codings WHERE coder = ? AND status = 'accepted'",
                      [coder]).fetchall()
    if not rows:
        known = [r[0] for r in db.execute("SELECT DISTINCT coder FROM codings WHERE coder IS NOT NULL "
                                          "AND status = 'accepted' ORDER BY coder")]
        hint = f"coders with accepted codings: {', '.join(known)}" if known else "nobody has accepted codings yet"
        raise QualcodeError(f"coder '{coder}' has no accepted codings to use as gold; {hint}")
    return [GoldSpan(str(r[0]), r[1], int(r[2]), int(r[3]), coder) for r in rows]


def csv_spans(db: "Database", path: Path) -> list[GoldSpan]:
    """Gold from a CSV with columns ``source,code,start,end`` (character offsets in the
    source text) or ``segment,code`` (segment ids, as `qualcode segments` shows)."""
    sources = {r[0]: r[1] for r in db.execute("SELECT name, id FROM sources").fetchall()}
    segments = {r[0]: (r[1], r[2], r[3]) for r in db.execute("SELECT id, source_id, start, end FROM segments")}
    codes = {r[0] for r in db.execute("SELECT id FROM codes").fetchall()}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise QualcodeError(f"cannot read {path} ({exc.strerror}); check the path") from None
    spans = []
    for n, row in enumerate(rows, start=2):
        try:
            code = row["code"].strip()
            if code not in codes:
                raise QualcodeError(f"{path}:{n}: unknown code id '{code}'; run `qualcode codebook show` to list ids")
            if row.get("segment"):
                source_id, start, end = segments[int(row["segment"])]
            else:
                source_id, start, end = sources[row["source"]], int(row["start"]), int(row["end"])
        except (KeyError, TypeError, ValueError):
            raise QualcodeError(f"{path}:{n}: needs columns source,code,start,end or segment,code with a known "
                                "source name or segment id and whole-number offsets") from None
        spans.append(GoldSpan(str(source_id), code, start, end, row.get("coder") or None))
    if not spans:
        raise QualcodeError(f"{path} has no codings; it needs a header and one row per coding")
    return spans
