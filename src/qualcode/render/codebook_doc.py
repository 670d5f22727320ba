"""The codebook as a document for an appendix (Markdown, DOCX) or a spreadsheet (CSV):
each code with its definition, inclusion and exclusion criteria, example quotes, and how
often it was applied (segments, sources, speakers; rolled up for themes)."""

from __future__ import annotations

from qualcode.codebook.model import Code, Codebook
from qualcode.render.document import Block, Heading, Para, Quoted, to_docx, to_markdown_doc
from qualcode.render.tabular import Indented, Table, to_data
from qualcode.reports.themes import ThemeRow, ThemesReport

CSV_COLUMNS = ["code_id", "name", "parent_id", "depth", "description", "include", "exclude", "examples",
               "keywords", "segments", "sources", "speakers", "direct_segments"]


def _depths(book: Codebook) -> dict[str, int]:
    parent = {c.id: c.parent_id for c in book.codes}
    out = {}
    for c in book.codes:
        depth, up = 0, c.parent_id
        while up is not None and depth < 50:
            depth, up = depth + 1, parent.get(up)
        out[c.id] = depth
    return out


def _ordered(book: Codebook) -> list[Code]:
    out: list[Code] = []

    def visit(parent: str | None) -> None:
        for code in book.children(parent):
            out.append(code)
            visit(code.id)
    visit(None)
    return out


def _counts(row: ThemeRow | None) -> str:
    if row is None:
        return "Not applied yet."
    direct = f" ({row.direct.segments} coded with this code itself)" if row.direct.segments != row.segments else ""
    return (f"Applied to {row.segments} segments{direct} in {row.sources} sources, "
            f"by {row.speakers} speakers.")


def codebook_blocks(book: Codebook, report: ThemesReport) -> list[Block]:
    rows = {r.code_id: r for r in report.rows}
    depths = _depths(book)
    out: list[Block] = [Heading(book.name or "Codebook", 1)]
    if book.description:
        out.append(Para(book.description))
    scope = "accepted and suggested codings" if report.include_suggested else "accepted codings"
    out.append(Para(f"{len(book.codes)} codes. Counts from {scope} in {report.total_sources} sources "
                    f"({report.total_segments} segments); a theme's counts include the codes below it.", "note"))
    summary = Table("Overview", ["code", "name", "segments", "sources", "speakers"],
                    [[c.id, Indented(c.name, depths[c.id]), *(_triple(rows.get(c.id)))] for c in _ordered(book)],
                    numeric=("segments", "sources", "speakers"))
    out.append(summary)
    for code in _ordered(book):
        out.append(Heading(code.name, min(depths[code.id] + 2, 6), code=code.id))
        for label, text in (("Definition", code.description), ("Include", code.include), ("Exclude", code.exclude)):
            if text:
                out.append(Para(f"{label}: {text.strip()}"))
        if code.keywords:
            out.append(Para("Keywords: " + ", ".join(code.keywords)))
        out += [Quoted(example, "") for example in code.examples]
        out.append(Para(_counts(rows.get(code.id)), "note"))
    if book.references:
        out.append(Heading("References", 2))
        out += [Para(ref) for ref in book.references]
    return out


def _triple(row: ThemeRow | None) -> list[int]:
    return [row.segments, row.sources, row.speakers] if row else [0, 0, 0]


def render_codebook(book: Codebook, report: ThemesReport, fmt: str) -> str | bytes:
    """``fmt`` is md, docx, csv or xlsx."""
    if fmt in ("csv", "xlsx"):
        rows = {r.code_id: r for r in report.rows}
        depths = _depths(book)
        return to_data([Table(book.name or "Codebook", CSV_COLUMNS, [
            [c.id, Indented(c.name, depths[c.id]), c.parent_id or "", depths[c.id], c.description, c.include,
             c.exclude, " | ".join(c.examples), ", ".join(c.keywords), *_triple(rows.get(c.id)),
             rows[c.id].direct.segments if c.id in rows else 0] for c in _ordered(book)])], fmt)
    blocks = codebook_blocks(book, report)
    return to_docx(blocks, title=book.name or "Codebook") if fmt == "docx" else to_markdown_doc(blocks)
