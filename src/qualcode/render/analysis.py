"""Renderers for the matrix, co-occurrence and agreement reports."""

from __future__ import annotations

from dataclasses import asdict
from operator import itemgetter
from typing import Any

from rich.console import Group

from qualcode.render.document import Block, Heading, Para, to_docx, to_markdown_doc
from qualcode.render.reports import format_seconds, scope
from qualcode.render import tabular
from qualcode.render.tabular import Indented, Table, to_data, to_json, to_rich
from qualcode.reports.agreement import AgreementReport, Disagreement
from qualcode.reports.cooccurrence import CooccurrenceReport
from qualcode.reports.matrix import MatrixReport

# ---------------------------------------------------------------- matrix


def matrix_json(report: MatrixReport) -> list[dict[str, Any]]:
    out = []
    for r in report.rows:
        item: dict[str, Any] = {"code_id": r.code_id, "name": r.name, "depth": r.depth, "counts": r.counts,
                                "total": r.total}
        if r.percent is not None:
            item["percent"] = r.percent
        out.append(item)
    return out


def matrix_caption(report: MatrixReport) -> str:
    base = {"none": "counts", "row": "n (% of the code's coded " + report.unit + ")",
            "column": "n (% of all " + report.unit + " with that value)"}[report.percent]
    bases = ", ".join(f"{v}: {n}" for v, n in report.bases.items())
    return (f"Coded {report.unit} by {report.title}, codes rolled up; {base}; "
            f"{scope(report.include_suggested)}. {report.unit.capitalize()} per value: {bases}.")


def matrix_table(report: MatrixReport) -> Table:
    rows = []
    for r in report.rows:
        cells: list[Any] = []
        for v in report.values:
            n = r.counts[v]
            cells.append(f"{n} ({r.percent[v]:g}%)" if r.percent is not None else n)
        rows.append([r.code_id, Indented(r.name, r.depth), *cells, r.total])
    return Table(title=f"Codes by {report.title}", columns=["code", "name", *report.values, "total"],
                 rows=rows, numeric=(*report.values, "total"), caption=matrix_caption(report))


def render_matrix(report: MatrixReport, fmt: str) -> Any:
    if fmt == "json":
        return to_json(matrix_json(report))
    if fmt in ("csv", "xlsx"):
        columns = ["code_id", "name", "depth", *report.values, "total"]
        if report.percent != "none":
            columns += [f"{v} %" for v in report.values]
        rows = [[r.code_id, Indented(r.name, r.depth), r.depth, *(r.counts[v] for v in report.values), r.total,
                 *((r.percent or {}).get(v) for v in report.values if r.percent is not None)]
                for r in report.rows]
        return to_data([Table(f"Codes by {report.title}", columns, rows)], fmt)
    blocks: list[Block] = [Heading(f"Matrix: codes by {report.title}", 1), matrix_table(report)]
    if fmt == "md":
        return to_markdown_doc(blocks)
    if fmt == "docx":
        return to_docx(blocks, title=f"Codes by {report.title}")
    return to_rich(matrix_table(report))

# ---------------------------------------------------------------- co-occurrence


def pairs_table(report: CooccurrenceReport, limit: int | None = None) -> Table:
    names = dict(report.codes)
    pairs = report.pairs[:limit] if limit else report.pairs
    return Table(
        title="Co-occurring codes", columns=["rank", "a", "b", "segments", "jaccard"],
        rows=[[k + 1, f"{names[p.a]} ({p.a})", f"{names[p.b]} ({p.b})", p.segments, f"{p.jaccard:.3f}"]
              for k, p in enumerate(pairs)],
        numeric=("rank", "segments", "jaccard"),
        caption=(f"Segments coded with both codes; Jaccard = both / either; {scope(report.include_suggested)}"
                 + ("; codes rolled up to top-level themes" if report.top_level else "") + "."))


def cooccurrence_matrix_table(report: CooccurrenceReport) -> Table:
    ids = [c for c, _ in report.codes]
    cells = report.matrix()
    return Table(title="Co-occurrence matrix", columns=["code", *ids],
                 rows=[[a, *(cells.get((a, b), 0) for b in ids)] for a in ids], numeric=tuple(ids),
                 caption="Segments coded with both codes; the diagonal is each code's own number of segments.")


def render_cooccurrence(report: CooccurrenceReport, fmt: str, view: str = "pairs") -> Any:
    if fmt == "json":
        return to_json([asdict(p) for p in report.pairs])
    if fmt in ("csv", "xlsx"):
        pairs = Table("Co-occurring codes", ["a", "b", "segments", "jaccard"],
                      [[p.a, p.b, p.segments, p.jaccard] for p in report.pairs])
        tables = [cooccurrence_matrix_table(report), pairs] if view == "matrix" else [pairs,
                                                                                     cooccurrence_matrix_table(report)]
        return to_data(tables, fmt)
    blocks: list[Block] = [Heading("Code co-occurrence", 1), pairs_table(report), cooccurrence_matrix_table(report)]
    if fmt == "md":
        return to_markdown_doc(blocks)
    if fmt == "docx":
        return to_docx(blocks, title="Code co-occurrence")
    return to_rich(cooccurrence_matrix_table(report) if view == "matrix" else pairs_table(report))

# ---------------------------------------------------------------- agreement


def _stat(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def agreement_json(report: AgreementReport, encoded: bool = False) -> dict[str, Any]:
    """The report as JSON data; ``encoded``: a long list of disagreements as JSON text already
    (:func:`disagreement_lines`), for :func:`~qualcode.render.tabular.to_json`."""
    return {"coders": report.coders, "sources": report.sources, "units": report.units,
            "overall": report.overall,
            "codes": [asdict(c) for c in report.codes],
            "disagreements": (disagreement_lines(report.disagreements)
                              if encoded and len(report.disagreements) > tabular.LARGE_JSON
                              else [disagreement_dict(d) for d in report.disagreements]),
            "characters": report.characters}


def disagreement_lines(found: list[Disagreement]) -> tabular.EncodedList:
    """The disagreements as :func:`~qualcode.render.tabular.to_json` writes a long list of
    :func:`disagreement_dict`, a column at a time: each distinct code, source, speaker and pair
    of coder lists encoded once, the numbers and texts in one pass of the C encoder each, and
    the lines filled in by one format. A big project has a hundred thousand disagreements, and
    encoding each as a dict took longer than computing the whole report."""
    if not found:
        return tabular.EncodedList([], 0)
    code, seg, source, speaker, line, timestamp, coded_by, not_coded_by, text = (
        tuple(map(itemgetter(k), found)) for k in range(9))
    columns = [_encoded(code, True), _encoded(seg), _encoded(source, True), _encoded(speaker, True), _encoded(line),
               _encoded(timestamp, True), _encoded(coded_by, True), _encoded(not_coded_by, True), _encoded(text)]
    # Every line is the same pieces of JSON between the values: the pieces for all lines are
    # made by multiplying one line's list, the values slotted in, and the whole joined once.
    pieces = [*(part for key in _DISAGREEMENT_KEYS for part in (key, "")), "},\n"] * len(found)
    for k, column in enumerate(columns):
        pieces[2 * k + 1::2 * len(columns) + 1] = column
    pieces[-1] = "}"
    return tabular.EncodedList(pieces, len(found))


# The keys as each line writes them: '{"code_id": ', ', "segment_id": ', ...
_DISAGREEMENT_KEYS = [f'{", " if k else "{"}"{name}": ' for k, name in enumerate(Disagreement._fields)]


def _encoded(column: tuple[Any, ...], repeated: bool = False) -> list[str]:
    """Each value of a column as JSON; ``repeated``: few distinct values (encoded once each)."""
    kinds = set(map(type, column))
    if kinds == {int}:  # ints (not bools, not floats): their repr is their JSON
        return list(map(int.__repr__, column))
    if repeated and kinds <= {str, type(None), tuple}:  # equal values of these have the same JSON
        distinct = list(set(column))
        return list(map(dict(zip(distinct, map(tabular._encode_item, distinct))).__getitem__, column))
    return tabular.encode_values(list(column))


def disagreement_dict(d: Disagreement) -> dict[str, Any]:
    # The fields are in the output's order: code_id, segment_id, source, speaker, line,
    # timestamp, coded_by, not_coded_by, text.
    return d._asdict()


def _share(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


_STATS = ("prevalence", "agreement", "kappa", "alpha", "AC1")


def _stat_cells(figures: dict[str, Any]) -> list[str]:
    return [_share(figures.get("prevalence")), _share(figures.get("percent_agreement")), _stat(figures.get("kappa")),
            _stat(figures.get("alpha")), _stat(figures.get("ac1"))]


def agreement_table(report: AgreementReport) -> Table:
    o = report.overall
    rows = [[c.code_id, c.name, *(c.coded[k] for k in report.coders),
             *_stat_cells({"prevalence": c.prevalence, "percent_agreement": c.percent_agreement, "kappa": c.kappa,
                           "alpha": c.alpha, "ac1": c.ac1})]
            for c in report.codes]
    rows.append(["(overall)", "all codes pooled", *("" for _ in report.coders), *_stat_cells(o)])
    return Table(
        title="Inter-coder agreement", columns=["code", "name", *report.coders, *_STATS],
        rows=rows, numeric=(*report.coders, *_STATS),
        caption=(f"{report.units} segments of {len(report.sources)} source(s) coded by {', '.join(report.coders)}; "
                 "each segment rated coded / not coded per code. Prevalence: share of segments coded (mean over "
                 "coders). Kappa: Cohen's (two coders only); alpha: Krippendorff's (nominal); AC1: Gwet's. Mean over "
                 f"codes: kappa {_stat(o['mean_kappa'])}, alpha {_stat(o['mean_alpha'])}, AC1 "
                 f"{_stat(o.get('mean_ac1'))}. n/a: undefined (no variation)."))


def character_agreement_table(report: AgreementReport) -> Table:
    """The same figures with the characters of those segments as units (NVivo's unit)."""
    o = (report.characters or {}).get("overall", {})
    rows = [[c.code_id, c.name, *_stat_cells(c.characters or {})] for c in report.codes]
    rows.append(["(overall)", "all codes pooled", *_stat_cells(o)])
    return Table(
        title="Agreement by character", columns=["code", "name", *_STATS], rows=rows, numeric=_STATS,
        caption=(f"{(report.characters or {}).get('units', 0)} characters spoken in those segments, each rated coded / not "
                 "coded per code (speaker labels and time stamps are not units). Mean over codes: kappa "
                 f"{_stat(o.get('mean_kappa'))}, alpha {_stat(o.get('mean_alpha'))}, AC1 {_stat(o.get('mean_ac1'))}."))


def disagreements_table(report: AgreementReport, limit: int | None = None) -> Table:
    shown = report.disagreements[:limit] if limit else report.disagreements
    total = max(report.disagreement_count, len(report.disagreements))
    more = total - len(shown)
    note = f" The first {len(shown)} are shown; `qualcode report agreement --disagreements` lists all." if more else ""
    return Table(
        title="Disagreements to discuss",
        columns=["source", "where", "segment", "speaker", "code", "coded by", "not coded by", "text"],
        rows=[[d.source, format_seconds(d.timestamp) if d.timestamp is not None else f"line {d.line}", d.segment_id,
               d.speaker, d.code_id, ", ".join(d.coded_by), ", ".join(d.not_coded_by), d.text]
              for d in shown],
        numeric=("segment",), caption=f"{total} disagreements.{note}")


def render_agreement(report: AgreementReport, fmt: str, disagreements_only: bool = False) -> Any:
    if fmt == "json":
        data = agreement_json(report, encoded=True)
        return to_json(data["disagreements"] if disagreements_only else data)
    if fmt in ("csv", "xlsx"):
        found = Table("Disagreements", ["source", "line", "timestamp", "segment_id", "speaker", "code_id", "coded_by",
                                        "not_coded_by", "text"],
                      [[d.source, d.line, d.timestamp, d.segment_id, d.speaker, d.code_id,
                        ";".join(d.coded_by), ";".join(d.not_coded_by), d.text] for d in report.disagreements])
        chars = ("prevalence", "percent_agreement", "kappa", "alpha", "ac1")
        codes = Table("Agreement", ["code_id", "name", *(f"coded_by_{k}" for k in report.coders),
                                    "percent_agreement", "kappa", "alpha", "prevalence", "ac1",
                                    *(f"characters_{k}" for k in chars)],
                      [[c.code_id, c.name, *(c.coded[k] for k in report.coders), c.percent_agreement,
                        c.kappa, c.alpha, c.prevalence, c.ac1, *((c.characters or {}).get(k) for k in chars)]
                       for c in report.codes])
        return to_data([found] if disagreements_only else [codes, found], fmt)
    tables = [disagreements_table(report)] if disagreements_only else [
        agreement_table(report), *([character_agreement_table(report)] if report.characters else []),
        disagreements_table(report)]
    if fmt in ("md", "docx"):
        blocks: list[Block] = [Heading("Inter-coder agreement", 1),
                               Para(f"Coders: {', '.join(report.coders)}. Sources: {', '.join(report.sources)}.")]
        blocks += tables
        return to_markdown_doc(blocks) if fmt == "md" else to_docx(blocks, title="Inter-coder agreement")
    return Group(*(to_rich(t) for t in tables))
