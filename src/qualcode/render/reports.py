"""Renderers for the theme and quote reports."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from qualcode.render.tabular import Table, to_csv, to_json, to_markdown, to_rich
from qualcode.reports.quotes import Quote, QuotesReport
from qualcode.reports.themes import ThemesReport


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = int(round(seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _scope(include_suggested: bool) -> str:
    return "accepted and suggested codings" if include_suggested else "accepted codings"


def themes_table(report: ThemesReport) -> Table:
    rows = []
    for r in report.rows:
        name = ("  " * r.depth) + r.name + (" (removed)" if r.status != "active" else "")
        rows.append([r.code_id, name, r.segments, r.sources, r.speakers, f"{r.share_of_sources:.0%}"])
    return Table(
        title="Themes and codes",
        columns=["code", "name", "segments", "sources", "speakers", "% sources"],
        rows=rows, numeric=("segments", "sources", "speakers", "% sources"),
        caption=(f"Counts include codes below each theme; {_scope(report.include_suggested)}; "
                 f"{report.total_sources} sources, {report.total_segments} segments."),
    )


def render_themes(report: ThemesReport, fmt: str) -> Any:
    if fmt == "json":
        return to_json([asdict(r) for r in report.rows])
    table = themes_table(report)
    if fmt == "csv":
        table.rows = [[r.code_id, r.name, r.parent_id or "", r.depth, r.segments, r.sources, r.speakers,
                       r.share_of_sources, r.direct.segments, r.direct.sources, r.direct.speakers]
                      for r in report.rows]
        table.columns = ["code_id", "name", "parent_id", "depth", "segments", "sources", "speakers",
                         "share_of_sources", "direct_segments", "direct_sources", "direct_speakers"]
        return to_csv(table)
    if fmt == "md":
        return "# Theme frequencies\n\n" + to_markdown(table)
    return to_rich(table)


def cite(q: Quote) -> str:
    where = format_seconds(q.timestamp) if q.timestamp is not None else (f"line {q.line}" if q.line else "")
    parts = [q.source, q.speaker or "", where, f"segment {q.segment_id}" if q.segment_id else ""]
    return ", ".join(p for p in parts if p)


def quote_dict(q: Quote) -> dict[str, Any]:
    return {"code_id": q.code_id, "code": q.code_name, "source": q.source, "speaker": q.speaker,
            "participant": q.participant, "segment_id": q.segment_id, "timestamp": q.timestamp,
            "line": q.line, "text": q.text, "status": q.status, "coder": q.coder, "score": q.score}


def render_quotes(report: QuotesReport, fmt: str) -> Any:
    if fmt == "json":
        return to_json([quote_dict(q) for q in report.quotes])
    if fmt == "md":
        return quotes_markdown(report)
    columns = ["code_id", "source", "speaker", "segment_id", "timestamp", "line", "text"]
    rows = [[q.code_id, q.source, q.speaker, q.segment_id, format_seconds(q.timestamp), q.line, q.text]
            for q in report.quotes]
    table = Table(title="Quotes", columns=columns, rows=rows, numeric=("segment_id", "line"),
                  caption=f"{len(report.quotes)} quotes from {_scope(report.include_suggested)}.")
    if fmt == "csv":
        table.columns = ["code_id", "code", "source", "speaker", "participant", "segment_id",
                         "timestamp", "line", "status", "coder", "score", "text"]
        table.rows = [[q.code_id, q.code_name, q.source, q.speaker, q.participant, q.segment_id, q.timestamp,
                       q.line, q.status, q.coder, q.score, q.text] for q in report.quotes]
        return to_csv(table)
    return to_rich(table)


def quotes_markdown(report: QuotesReport) -> str:
    out = ["# Quotes by code", "", f"_{len(report.quotes)} quotes from {_scope(report.include_suggested)}._", ""]
    by_code: dict[str, list[Quote]] = {}
    for q in report.quotes:
        by_code.setdefault(q.code_id, []).append(q)
    for code_id, name, depth in report.codes:
        out.append(f"{'#' * min(depth + 2, 6)} {name} (`{code_id}`)")
        out.append("")
        quotes = by_code.get(code_id, [])
        if not quotes:
            out += ["_No coded segments._", ""]
        for q in quotes:
            body = q.text.strip().replace("\n\n", "\n>\n> ").replace("\n", "\n> ")
            out += [f"> {body}", ">", f"> — {cite(q)}", ""]
    return "\n".join(out)
