"""``qualcode report themes|quotes|matrix|cooccurrence|agreement|html|docx|charts``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from qualcode.cli.context import choose_format, emit, open_db, require_suffix

app = typer.Typer(help="Reports for papers: themes, quotes, matrices, co-occurrence, agreement; "
                       "table, Markdown, CSV, JSON, DOCX or one HTML file.", no_args_is_help=True)

FormatOpt = Annotated[Optional[str], typer.Option(
    "--format", "-f", help="table, md, csv, json, docx or xlsx [default: from --output's suffix, else table].")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of the terminal.")]
SuggestedOpt = Annotated[bool, typer.Option(help="Count pending suggestions too, not only accepted codings.")]
PseudoOpt = Annotated[bool, typer.Option(
    "--pseudonymise", "--pseudonymize",
    help="Show participant pseudonyms instead of speaker labels and mask names in quoted text.")]
FacilitatorsOpt = Annotated[bool, typer.Option(
    "--include-facilitators",
    help="Count facilitators (moderators, interviewers) as speakers and quote them too; by default "
         "their turns are left out, except codings someone made on them by hand.")]
CodesOpt = Annotated[Optional[list[str]], typer.Option("--code", "-c", help="Only this code id; repeatable.")]
# metavar: `by` is a coder elsewhere (`log --by CODER`); here it names an attribute.
ByOpt = Annotated[str, typer.Option(
    "--by", metavar="ATTRIBUTE",
    help="Attribute for the columns: site, group, participant, source, speaker.role (facilitator or "
         "participant), participant.NAME or source.NAME; role is a participant attribute called role if "
         "there is one, else the speaker role.")]
FORMATS = ("table", "md", "csv", "json", "docx", "xlsx")


def write(ctx: typer.Context, content: Any, output: Path | None, fmt: str | None = None) -> None:
    """Print text or a table, or write it (or bytes: DOCX, XLSX, PNG) to ``output``."""
    emit(ctx, content, output, fmt=fmt)


@app.command()
def themes(ctx: typer.Context, fmt: FormatOpt = None, output: OutputOpt = None,
           include_suggested: SuggestedOpt = False, pseudonymise: PseudoOpt = False,
           include_facilitators: FacilitatorsOpt = False) -> None:
    """Theme and code frequencies: segments, sources, speakers and their shares (rolled up)."""
    from qualcode.render.reports import render_themes
    from qualcode.reports.themes import themes_report

    fmt = choose_format(fmt, output, FORMATS, ctx=ctx)
    del pseudonymise  # counts only: nothing in this report names a person
    report = themes_report(open_db(ctx), include_suggested=include_suggested, include_facilitators=include_facilitators)
    write(ctx, render_themes(report, fmt), output, fmt)


@app.command()
def quotes(
    ctx: typer.Context, code: CodesOpt = None,
    per_code: Annotated[Optional[int], typer.Option(
        min=1, help="At most this many quotes per code, spread across participants and sources.")] = None,
    rollup: Annotated[bool, typer.Option(help="Under a theme, also list quotes of the codes below it.")] = False,
    full_turns: Annotated[bool, typer.Option(
        help="Quote whole turns instead of the sentences that carry the coded words.")] = False,
    attr: Annotated[Optional[list[str]], typer.Option(
        "--attr", help="Only this participant or source attribute in citations; repeatable [default: all].")] = None,
    fmt: FormatOpt = None, output: OutputOpt = None, include_suggested: SuggestedOpt = False,
    pseudonymise: PseudoOpt = False, include_facilitators: FacilitatorsOpt = False,
) -> None:
    """Illustrative quotes per code with citation: source, speaker, attributes, time or line."""
    from qualcode.render.reports import render_quotes
    from qualcode.reports.quotes import quotes_report

    fmt = choose_format(fmt, output, FORMATS, ctx=ctx)
    report = quotes_report(open_db(ctx), codes=code, per_code=per_code, include_suggested=include_suggested,
                           rollup=rollup, trim=not full_turns, pseudonymise=pseudonymise, attributes=attr,
                           include_facilitators=include_facilitators)
    write(ctx, render_quotes(report, fmt), output, fmt)


@app.command()
def matrix(
    ctx: typer.Context, by: ByOpt,
    count: Annotated[str, typer.Option(help="Count coded segments, participants or sources.")] = "segments",
    percent: Annotated[str, typer.Option(help="none, row (of the code's total) or column (of the group).")] = "none",
    fmt: FormatOpt = None, output: OutputOpt = None, include_suggested: SuggestedOpt = False,
    pseudonymise: PseudoOpt = False, include_facilitators: FacilitatorsOpt = False,
) -> None:
    """Code × attribute matrix (NVivo's matrix coding query), with counts or percentages."""
    from qualcode.render.analysis import render_matrix
    from qualcode.reports.matrix import matrix_report

    fmt = choose_format(fmt, output, FORMATS, ctx=ctx)
    report = matrix_report(open_db(ctx), by, unit=count, percent=percent, include_suggested=include_suggested,
                           pseudonymise=pseudonymise, include_facilitators=include_facilitators)
    write(ctx, render_matrix(report, fmt), output, fmt)


@app.command()
def cooccurrence(
    ctx: typer.Context, code: CodesOpt = None,
    top_level: Annotated[bool, typer.Option(help="Roll codes up to their top-level themes first.")] = False,
    view: Annotated[str, typer.Option(help="pairs (ranked list) or matrix, for table and CSV.")] = "pairs",
    fmt: FormatOpt = None, output: OutputOpt = None, include_suggested: SuggestedOpt = False,
    pseudonymise: PseudoOpt = False, include_facilitators: FacilitatorsOpt = False,
) -> None:
    """Codes applied to the same or overlapping segments: ranked pairs with Jaccard, or a matrix."""
    from qualcode.render.analysis import render_cooccurrence
    from qualcode.reports.cooccurrence import cooccurrence_report

    fmt = choose_format(fmt, output, FORMATS, ctx=ctx)
    if view not in ("pairs", "matrix"):
        raise typer.BadParameter("choose pairs or matrix", param_hint="--view")
    del pseudonymise  # counts of codes only: nothing here names a person
    report = cooccurrence_report(open_db(ctx), include_suggested=include_suggested, top_level=top_level, codes=code,
                                 include_facilitators=include_facilitators)
    write(ctx, render_cooccurrence(report, fmt, view), output, fmt)


@app.command()
def agreement(
    ctx: typer.Context,
    coders: Annotated[Optional[str], typer.Option(help="Coders to compare, comma-separated [default: all].")] = None,
    source: Annotated[Optional[list[str]], typer.Option(
        "--source", "-s", help="Only this source; repeatable [default: sources every coder coded].")] = None,
    code: CodesOpt = None,
    disagreements: Annotated[bool, typer.Option(help="Only list the disagreements.")] = False,
    characters: Annotated[bool, typer.Option(
        "--characters", help="Also compare character by character (NVivo's coding comparison unit).")] = False,
    fmt: FormatOpt = None, output: OutputOpt = None, pseudonymise: PseudoOpt = False,
    include_facilitators: FacilitatorsOpt = False,
) -> None:
    """Inter-coder agreement per code and overall: prevalence, percent, Cohen's kappa,
    Krippendorff's alpha, Gwet's AC1; by turn, and with --characters by character."""
    from qualcode.render.analysis import render_agreement
    from qualcode.reports.agreement import agreement_report
    from qualcode.reports.full import DISAGREEMENTS_LISTED

    fmt = choose_format(fmt, output, FORMATS, ctx=ctx)
    names = [c.strip() for c in coders.split(",") if c.strip()] if coders else None
    # A table or document to read lists the first disagreements under the figures (all are
    # counted); the data formats and --disagreements list every one.
    listed = None if disagreements or fmt in ("csv", "xlsx", "json") else DISAGREEMENTS_LISTED
    report = agreement_report(open_db(ctx), coders=names, sources=source, codes=code, pseudonymise=pseudonymise,
                              include_facilitators=include_facilitators, characters=characters,
                              max_disagreements=listed)
    write(ctx, render_agreement(report, fmt, disagreements), output, fmt)


def _full(ctx: typer.Context, by: str | None, per_code: int, include_suggested: bool, pseudonymise: bool,
          title: str | None, include_facilitators: bool = False, characters: bool = False) -> Any:
    from qualcode.reports.full import full_report

    return full_report(open_db(ctx), by=by, per_code=per_code, include_suggested=include_suggested,
                       pseudonymise=pseudonymise, title=title, include_facilitators=include_facilitators,
                       characters=characters)


FullByOpt = Annotated[Optional[str], typer.Option(
    "--by", metavar="ATTRIBUTE", help="Attribute for the matrix [default: role, group or site, whichever exists].")]
PerCodeOpt = Annotated[int, typer.Option(min=1, help="Quotes per code.")]
TitleOpt = Annotated[Optional[str], typer.Option(help="Report title [default: the codebook's name].")]
# As `report agreement --characters`, and off by default for the same reason: at a million
# codings the character level costs about as much as the rest of the report.
FullCharactersOpt = Annotated[bool, typer.Option(
    "--characters", help="Add agreement character by character (NVivo's coding comparison unit) to the "
                         "agreement section.")]


@app.command()
def html(ctx: typer.Context, output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
         by: FullByOpt = None, per_code: PerCodeOpt = 3, title: TitleOpt = None,
         include_suggested: SuggestedOpt = False, pseudonymise: PseudoOpt = False,
         include_facilitators: FacilitatorsOpt = False, characters: FullCharactersOpt = False) -> None:
    """The whole report as one self-contained HTML file: tables, charts, quotes, agreement, memos."""
    from qualcode.render.html import render_html

    require_suffix(output, "html")
    report = _full(ctx, by, per_code, include_suggested, pseudonymise, title, include_facilitators, characters)
    write(ctx, render_html(report), output, "html")


@app.command()
def docx(ctx: typer.Context, output: Annotated[Path, typer.Option("--output", "-o", help="The .docx file to write.")],
         by: FullByOpt = None, per_code: PerCodeOpt = 3, title: TitleOpt = None,
         include_suggested: SuggestedOpt = False, pseudonymise: PseudoOpt = False,
         include_facilitators: FacilitatorsOpt = False, characters: FullCharactersOpt = False) -> None:
    """The whole report as a Word document (headings, tables, charts, quotes) for a paper."""
    from qualcode.render.html import render_docx

    require_suffix(output, "docx")
    report = _full(ctx, by, per_code, include_suggested, pseudonymise, title, include_facilitators, characters)
    write(ctx, render_docx(report), output, "docx")


@app.command()
def charts(ctx: typer.Context, folder: Annotated[Path, typer.Argument(help="Folder for the chart files.")],
           by: FullByOpt = None,
           image: Annotated[str, typer.Option("--image", help="svg, png or both.")] = "both",
           include_suggested: SuggestedOpt = False, include_facilitators: FacilitatorsOpt = False) -> None:
    """Write the report's charts as SVG and PNG files for papers (themes, matrix, co-occurrence)."""
    from qualcode.render.charts import to_png, to_svg
    from qualcode.render.html import charts as make_charts

    if image not in ("svg", "png", "both"):
        raise typer.BadParameter("choose svg, png or both", param_hint="--image")
    report = _full(ctx, by, 1, include_suggested, False, None, include_facilitators)
    for name, chart in make_charts(report).items():
        if image in ("svg", "both"):
            write(ctx, to_svg(chart), folder / f"{name}.svg", "svg")
        if image in ("png", "both"):
            write(ctx, to_png(chart), folder / f"{name}.png", "png")
