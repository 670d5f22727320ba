"""The HTML report: one self-contained file (inline CSS, SVG and a little JavaScript; no
network, no external fonts), readable on a laptop and printable (print CSS: no navigation,
sections start on new pages, charts kept whole).

Charts are inline SVG drawn by :mod:`qualcode.render.charts`, so they show even with
JavaScript off; the script only adds sortable tables and marks the page ready
(``<body data-ready="yes">``), which the browser test checks.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from qualcode.render.charts import PALETTE, Chart, bar_chart, heatmap, to_svg
from qualcode.render.document import Block, Figure, Heading, Para, to_docx
from qualcode.render.reports import cite, percent, scope, themes_table
from qualcode.reports.full import DISAGREEMENTS_LISTED
from qualcode.render.analysis import (agreement_table, character_agreement_table, disagreements_table, matrix_table,
                                      pairs_table)
from qualcode.render.tabular import Table, _cell
from qualcode.reports.full import FullReport

# A report for a meeting; the full list is `report agreement --disagreements`.
DISAGREEMENTS_SHOWN = DISAGREEMENTS_LISTED

CSS = """
:root { --ink: #222; --muted: #666; --line: #ddd; --accent: #4e79a7; }
* { box-sizing: border-box; }
body { font: 15px/1.5 Helvetica, Arial, sans-serif; color: var(--ink); margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--line); padding: .5rem 2rem;
      z-index: 1; font-size: 14px; }
nav a { margin-right: 1.2rem; color: var(--accent); text-decoration: none; }
h1 { font-size: 1.8rem; margin: .2rem 0; } h2 { border-bottom: 2px solid var(--accent); padding-bottom: .2rem;
     margin-top: 2.5rem; } h3 { margin-top: 1.6rem; }
.meta, .caption { color: var(--muted); font-size: 13px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .6rem 0; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: #f0f3f7; cursor: pointer; user-select: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
blockquote { margin: .8rem 0; padding: .4rem 1rem; border-left: 4px solid var(--accent); background: #f7f9fb; }
blockquote footer { color: var(--muted); font-size: 13px; margin-top: .3rem; }
.memo { border: 1px solid var(--line); border-radius: 4px; padding: .5rem .8rem; margin: .6rem 0; }
@media print {
  body { background: #fff; font-size: 11pt; } nav { display: none; } main { max-width: none; padding: 0; }
  section { break-before: page; } section:first-of-type { break-before: auto; }
  figure, blockquote, tr { break-inside: avoid; } th { cursor: auto; }
  a { color: inherit; text-decoration: none; }
}
"""

SCRIPT = """
(function () {
  function key(cell) {
    var t = cell.textContent.trim().replace(/[%,]/g, '');
    var n = parseFloat(t);
    return isNaN(n) || !/^-?[0-9.]+/.test(t) ? cell.textContent.trim().toLowerCase() : n;
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('th').forEach(function (th, col) {
      th.title = 'Sort';
      th.addEventListener('click', function () {
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        var dir = th.dataset.dir === 'asc' ? -1 : 1;
        th.dataset.dir = dir === 1 ? 'asc' : 'desc';
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          return (x > y ? 1 : x < y ? -1 : 0) * dir;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  document.body.dataset.charts = document.querySelectorAll('svg.chart rect.bar, svg.chart rect.cell').length;
  document.body.dataset.ready = 'yes';
})();
"""


def charts(report: FullReport) -> dict[str, Chart]:
    """Every chart of the report by file stem: themes, matrix (if any), cooccurrence."""
    items, current, themes = [], PALETTE[0], 0
    for r in report.themes.rows:
        if r.depth == 0:
            current = report.colours.get(r.code_id) or PALETTE[themes % len(PALETTE)]
            themes += 1
        items.append((r.name, r.segments, current, r.depth))
    out = {"themes": bar_chart(items, "Theme frequencies (coded segments, rolled up)")}
    m = report.matrix
    if m is not None and m.values:
        shares = [[(r.counts[v] / m.bases[v]) if m.bases.get(v) else 0.0 for v in m.values] for r in m.rows]
        top = max([s for row in shares for s in row] + [1e-9])
        out["matrix"] = heatmap(
            [("  " * r.depth) + r.name for r in m.rows], m.values, [[s / top for s in row] for row in shares],
            [[f"{r.counts[v]}" for v in m.values] for r in m.rows],
            f"Codes by {m.title} (coded {m.unit}; shade: share of the group's {m.unit})")
    co = report.cooccurrence
    if co.codes:
        ids = [c for c, _ in co.codes]
        cells = co.matrix()
        jac = {(p.a, p.b): p.jaccard for p in co.pairs} | {(p.b, p.a): p.jaccard for p in co.pairs}
        out["cooccurrence"] = heatmap(  # columns numbered like the rows: code ids are too wide
            [f"{k + 1}. {name}" for k, (_cid, name) in enumerate(co.codes)], [str(k + 1) for k in range(len(ids))],
            [[1.0 if a == b and cells.get((a, a)) else jac.get((a, b), 0.0) for b in ids] for a in ids],
            [[str(cells.get((a, b), 0)) if cells.get((a, b)) else "" for b in ids] for a in ids],
            "Code co-occurrence (segments; shade: Jaccard)")
    return out


def _html_cell(value: object) -> str:
    text = _cell(value)
    stripped = text.lstrip(" ")  # indentation of child codes: keep it visible
    return "\u00a0" * (len(text) - len(stripped)) + escape(stripped)


def _table_html(table: Table, sortable: bool = True) -> str:
    head = "".join(f'<th class="num">{escape(c)}</th>' if c in table.numeric else f"<th>{escape(c)}</th>"
                   for c in table.columns)
    rows = []
    for row in table.rows:
        cells = "".join(f'<td class="num">{_html_cell(v)}</td>' if c in table.numeric
                        else f"<td>{_html_cell(v)}</td>" for c, v in zip(table.columns, row))
        rows.append(f"<tr>{cells}</tr>")
    cls = ' class="sortable"' if sortable else ""
    caption = f'<p class="caption">{escape(table.caption)}</p>' if table.caption else ""
    return (f'<div class="scroll"><table{cls}><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            f"</table></div>{caption}")


def _figure(chart: Chart) -> str:
    return f"<figure>{to_svg(chart)}</figure>"


def render_html(report: FullReport, generated: str | None = None) -> str:
    generated = generated or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    figures = charts(report)
    sections: list[tuple[str, str, str]] = []
    sections.append(("themes", "Themes", _table_html(themes_table(report.themes)) + _figure(figures["themes"])))
    if report.matrix is not None:
        body = _figure(figures["matrix"]) if "matrix" in figures else ""
        sections.append(("matrix", f"By {report.matrix.title}", body + _table_html(matrix_table(report.matrix))))
    co = report.cooccurrence
    body = (_figure(figures["cooccurrence"]) if "cooccurrence" in figures else "") + _table_html(pairs_table(co, 30))
    sections.append(("cooccurrence", "Co-occurrence", body))
    sections.append(("quotes", "Quotes", _quotes_html(report)))
    if report.agreement is not None:
        tables = [agreement_table(report.agreement),
                  *([character_agreement_table(report.agreement)] if report.agreement.characters else []),
                  disagreements_table(report.agreement, DISAGREEMENTS_SHOWN)]
        # Each table under its title, as in Markdown and DOCX: the turn and character tables
        # have the same columns, and only the title tells them apart.
        sections.append(("agreement", "Agreement", "".join(
            f"<h3>{escape(t.title)}</h3>{_table_html(t)}" for t in tables)))
    if report.memos:
        sections.append(("memos", "Memos", "".join(
            f'<div class="memo"><div class="meta">{escape(m.target)} · {escape(m.author or "")} · '
            f'{escape(m.created_at[:10])}</div><p>{escape(m.text)}</p></div>' for m in report.memos)))
    nav = "".join(f'<a href="#{sid}">{escape(title)}</a>' for sid, title, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{escape(title)}</h2>{html}</section>' for sid, title, html in sections)
    note = f"{scope(report.themes.include_suggested)}"
    if report.pseudonymised:
        note += "; speakers and names pseudonymised"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(report.title)}</title><style>{CSS}</style></head>\n"
            f'<body data-ready="no"><nav>{nav}</nav><main><h1>{escape(report.title)}</h1>'
            f'<p class="meta">qualcode report · {escape(generated)} · {report.themes.total_sources} sources, '
            f"{report.themes.total_segments} segments · {escape(note)}</p>\n{body}</main>"
            f"<script>{SCRIPT}</script></body></html>\n")


def _quotes_html(report: FullReport) -> str:
    out = []
    by_code: dict[str, list[str]] = {}
    for q in report.quotes.quotes:
        by_code.setdefault(q.code_id, []).append(
            f"<blockquote><p>{escape(q.text)}</p><footer>— {escape(cite(q))}</footer></blockquote>")
    counts = {r.code_id: r for r in report.themes.rows}
    for code_id, name, depth in report.quotes.codes:
        level = min(depth + 3, 6)
        row = counts.get(code_id)
        meta = (f'<p class="meta">{row.segments} segments, {row.sources} sources, {row.speakers} speakers '
                f"({percent(row.share_of_sources)} of sources)</p>") if row else ""
        out.append(f"<h{level}>{escape(name)}</h{level}>{meta}")
        out += by_code.get(code_id, ['<p class="meta">No coded segments.</p>'])
    return "".join(out)


def report_blocks(report: FullReport, with_figures: bool = False) -> list[Block]:
    """The same report as a document (Markdown, DOCX): headings, tables, quotes, memos."""
    from qualcode.render.reports import quotes_blocks

    blocks: list[Block] = [Heading(report.title, 1), Para(f"Counts from {scope(report.themes.include_suggested)}.",
                                                          "note")]
    figures = charts(report) if with_figures else {}

    def figure(name: str) -> list[Block]:
        return [Figure(figures[name])] if name in figures else []
    blocks += [Heading("Themes", 2), themes_table(report.themes), *figure("themes")]
    if report.matrix is not None:
        blocks += [Heading(f"By {report.matrix.title}", 2), matrix_table(report.matrix), *figure("matrix")]
    blocks += [Heading("Co-occurrence", 2), pairs_table(report.cooccurrence, 30), *figure("cooccurrence")]
    quotes = quotes_blocks(report.quotes)[2:]
    blocks += [Heading("Quotes", 2), *(_demote(b) for b in quotes)]
    if report.agreement is not None:
        blocks += [Heading("Agreement", 2), agreement_table(report.agreement),
                   *([character_agreement_table(report.agreement)] if report.agreement.characters else []),
                   disagreements_table(report.agreement, DISAGREEMENTS_SHOWN)]
    if report.memos:
        blocks.append(Heading("Memos", 2))
        for m in report.memos:
            blocks += [Para(f"{m.target} · {m.author or ''} · {m.created_at[:10]}", "note"), Para(m.text)]
    return blocks


def _demote(block: Block) -> Block:
    return Heading(block.text, block.level + 1, block.code) if isinstance(block, Heading) else block


def render_docx(report: FullReport) -> bytes:
    return to_docx(report_blocks(report, with_figures=True), title=report.title)

