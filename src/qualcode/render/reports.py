"""Renderers for the theme and quote reports: Rich table, Markdown, CSV, JSON, DOCX."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from qualcode.render.document import Block, Heading, Para, Quoted, to_docx, to_markdown_doc
from qualcode.render.tabular import Indented, Table, to_data, to_json, to_rich
from qualcode.reports.quotes import Quote, QuotesReport
from qualcode.reports.themes import ThemesReport


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = int(round(seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def scope(include_suggested: bool) -> str:
    return "accepted and suggested codings" if include_suggested else "accepted codings"


def percent(x: float) -> str:
    return f"{x:.0%}"


def themes_table(report: ThemesReport) -> Table:
    rows = []
    for r in report.rows:
        name = Indented(r.name + (" (removed)" if r.status != "active" else ""), r.depth)
        rows.append([r.code_id, name, r.segments, r.sources, r.speakers, percent(r.share_of_sources),
                     percent(r.share_of_segments), percent(r.share_of_speakers)])
    return Table(
        title="Themes and codes",
        columns=["code", "name", "segments", "sources", "speakers", "% sources", "% segments", "% speakers"],
        rows=rows, numeric=("segments", "sources", "speakers", "% sources", "% segments", "% speakers"),
        caption=(f"Counts include codes below each theme; {scope(report.include_suggested)}; "
                 f"{report.total_sources} sources, {report.total_segments} segments, "
                 f"{report.total_speakers} speakers (participants where linked"
                 + ("" if report.include_facilitators else "; facilitators not counted") + ")."),
    )


def themes_blocks(report: ThemesReport) -> list[Block]:
    return [Heading("Theme frequencies", 1), themes_table(report)]


def render_themes(report: ThemesReport, fmt: str) -> Any:
    if fmt == "json":
        return to_json([asdict(r) for r in report.rows])
    if fmt in ("csv", "xlsx"):
        columns = ["code_id", "name", "parent_id", "depth", "segments", "sources", "speakers", "share_of_sources",
                   "share_of_segments", "share_of_speakers", "direct_segments", "direct_sources", "direct_speakers"]
        rows = [[r.code_id, Indented(r.name, r.depth), r.parent_id or "", r.depth, r.segments, r.sources, r.speakers,
                 r.share_of_sources, r.share_of_segments, r.share_of_speakers, r.direct.segments, r.direct.sources,
                 r.direct.speakers] for r in report.rows]
        return to_data([Table("Themes and codes", columns, rows)], fmt)
    if fmt == "md":
        return to_markdown_doc(themes_blocks(report))
    if fmt == "docx":
        return to_docx(themes_blocks(report), title="Theme frequencies")
    return to_rich(themes_table(report))


def cite(q: Quote) -> str:
    """``source, speaker (attribute values), timestamp or line, segment id``."""
    where = format_seconds(q.timestamp) if q.timestamp is not None else (f"line {q.line}" if q.line else "")
    who = q.speaker or ""
    if q.attributes:
        who += " (" + ", ".join(str(v) for v in q.attributes.values()) + ")"
    parts = [q.source, who, where, f"segment {q.segment_id}" if q.segment_id else ""]
    return ", ".join(p for p in parts if p)


def quote_dict(q: Quote) -> dict[str, Any]:
    return {"code_id": q.code_id, "code": q.code_name, "source": q.source, "speaker": q.speaker,
            "participant": q.participant, "attributes": q.attributes, "segment_id": q.segment_id,
            "timestamp": q.timestamp, "line": q.line, "text": q.text, "trimmed": q.trimmed, "status": q.status,
            "coder": q.coder, "score": q.score}


def quotes_blocks(report: QuotesReport) -> list[Block]:
    note = f"{len(report.quotes)} quotes from {scope(report.include_suggested)}"
    if report.pseudonymised:
        note += "; speakers and names pseudonymised"
    out: list[Block] = [Heading("Quotes by code", 1), Para(note + ".", "note")]
    by_code: dict[str, list[Quote]] = {}
    for q in report.quotes:
        by_code.setdefault(q.code_id, []).append(q)
    for code_id, name, depth in report.codes:
        out.append(Heading(name, depth + 2, code=code_id))
        quotes = by_code.get(code_id, [])
        if not quotes:
            out.append(Para("No coded segments.", "note"))
        out += [Quoted(q.text, cite(q)) for q in quotes]
    return out


def render_quotes(report: QuotesReport, fmt: str) -> Any:
    if fmt == "json":
        return to_json([quote_dict(q) for q in report.quotes])
    if fmt == "md":
        return to_markdown_doc(quotes_blocks(report))
    if fmt == "docx":
        return to_docx(quotes_blocks(report), title="Quotes by code")
    if fmt in ("csv", "xlsx"):
        columns = ["code_id", "code", "source", "speaker", "participant", "attributes", "segment_id",
                   "timestamp", "line", "status", "coder", "score", "text"]
        rows = [[q.code_id, q.code_name, q.source, q.speaker, q.participant,
                 "; ".join(f"{k}={v}" for k, v in q.attributes.items()), q.segment_id, q.timestamp,
                 q.line, q.status, q.coder, q.score, q.text] for q in report.quotes]
        return to_data([Table("Quotes", columns, rows)], fmt)
    rows = [[q.code_id, q.source, q.speaker, q.segment_id, format_seconds(q.timestamp), q.line, q.text]
            for q in report.quotes]
    return to_rich(Table(title="Quotes", columns=["code_id", "source", "speaker", "segment_id", "timestamp",
                                                  "line", "text"], rows=rows, numeric=("segment_id", "line"),
                         caption=f"{len(report.quotes)} quotes from {scope(report.include_suggested)}."))
