"""``qualcode suggest``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from qualcode.cli.context import open_db, progress_bar, say

SourceOpt = Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Only this source name; repeatable.")]


def suggest(
    ctx: typer.Context,
    source: SourceOpt = None,
    min_score: Annotated[float, typer.Option(min=0, max=1, help="Store only suggestions scoring at least this.")] = 0.0,
    model: Annotated[Optional[str], typer.Option(help="An installed spaCy pipeline to use instead of the offline default.")] = None,
) -> None:
    """Suggest codes for every segment from the codebook's keywords and patterns.

    Each suggestion has a score in [0, 1], its method and its evidence (the matched words and
    their offsets). Running it again updates pending suggestions, never duplicates them."""
    from qualcode.coding.common import require_sources
    from qualcode.coding.suggestions import run_suggest

    db = open_db(ctx)
    source_ids = require_sources(db, source or [])
    total = db.execute("SELECT count(*) FROM segments WHERE kind = 'speech'").fetchone()[0]
    with progress_bar(ctx, total, "Suggesting") as advance:
        result = run_suggest(db, model=model, min_score=min_score, sources=source_ids or None, progress=advance)
    say(ctx, f"{result.segments:,} segments ({result.words:,} words) in {result.seconds:.1f} s: "
             f"{result.new} new, {result.updated} updated, {result.withdrawn} withdrawn; "
             f"{result.suggested} suggestions pending review")


def register(app: typer.Typer) -> None:
    app.command()(suggest)
