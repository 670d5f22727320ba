"""``qualcode report themes|quotes``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from qualcode.cli.context import choose_format, emit, open_db

app = typer.Typer(help="Reports: theme frequencies and quotes, as table, Markdown, CSV or JSON.",
                  no_args_is_help=True)

FormatOpt = Annotated[Optional[str], typer.Option(
    "--format", "-f", help="table, md, csv or json [default: from --output's suffix, else table].")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of the terminal.")]
SuggestedOpt = Annotated[bool, typer.Option(help="Count pending suggestions too, not only accepted codings.")]
FORMATS = ("table", "md", "csv", "json")


@app.command()
def themes(ctx: typer.Context, fmt: FormatOpt = None, output: OutputOpt = None,
           include_suggested: SuggestedOpt = False) -> None:
    """Theme and code frequencies: segments, sources, speakers, share of sources (rolled up)."""
    from qualcode.render.reports import render_themes
    from qualcode.reports.themes import themes_report

    fmt = choose_format(fmt, output, FORMATS)
    report = themes_report(open_db(ctx), include_suggested=include_suggested)
    emit(ctx, render_themes(report, fmt), output)


@app.command()
def quotes(
    ctx: typer.Context,
    code: Annotated[Optional[list[str]], typer.Option("--code", "-c", help="Only this code id; repeatable.")] = None,
    per_code: Annotated[Optional[int], typer.Option(min=1, help="At most this many quotes per code.")] = None,
    rollup: Annotated[bool, typer.Option(help="Under a theme, also list quotes of the codes below it.")] = False,
    fmt: FormatOpt = None, output: OutputOpt = None, include_suggested: SuggestedOpt = False,
) -> None:
    """Quotes per code with source, speaker, segment id, and timestamp or line."""
    from qualcode.render.reports import render_quotes
    from qualcode.reports.quotes import quotes_report

    fmt = choose_format(fmt, output, FORMATS)
    report = quotes_report(open_db(ctx), codes=code, per_code=per_code,
                           include_suggested=include_suggested, rollup=rollup)
    emit(ctx, render_quotes(report, fmt), output)
