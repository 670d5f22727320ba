"""``suggest``, ``accept``, ``reject`` and ``code``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from qualcode.cli.context import open_db, progress_bar, say, settings

CodeOpt = Annotated[Optional[list[str]], typer.Option("--code", "-c", help="Only this code id; repeatable.")]
SourceOpt = Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Only this source name; repeatable.")]
MinOpt = Annotated[Optional[float], typer.Option(min=0, max=1, help="Only suggestions scoring at least this.")]
MaxOpt = Annotated[Optional[float], typer.Option(min=0, max=1, help="Only suggestions scoring at most this.")]


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


def _decide(ctx: typer.Context, status: str, code: list[str] | None, source: list[str] | None,
            min_score: float | None, max_score: float | None) -> None:
    from qualcode.coding.decisions import DecisionFilter, decide

    coder = settings(ctx).coder_name
    count = decide(open_db(ctx), status, DecisionFilter(code or [], source or [], min_score, max_score), coder=coder)
    say(ctx, f"{status.capitalize()} {count} suggestion{'s' if count != 1 else ''} as {coder}")


def accept(ctx: typer.Context, code: CodeOpt = None, source: SourceOpt = None,
           min_score: MinOpt = None, max_score: MaxOpt = None) -> None:
    """Accept pending suggestions in bulk (all, or filtered by code, source and score)."""
    _decide(ctx, "accepted", code, source, min_score, max_score)


def reject(ctx: typer.Context, code: CodeOpt = None, source: SourceOpt = None,
           min_score: MinOpt = None, max_score: MaxOpt = None) -> None:
    """Reject pending suggestions in bulk (all, or filtered by code, source and score)."""
    _decide(ctx, "rejected", code, source, min_score, max_score)


def code(
    ctx: typer.Context,
    segment_id: Annotated[int, typer.Argument(help="Segment id (see `qualcode segments`).")],
    code_id: Annotated[str, typer.Argument(help="Code id (see `qualcode codebook show`).")],
) -> None:
    """Code a whole segment by hand."""
    from qualcode.coding.decisions import code_segment

    coder = settings(ctx).coder_name
    result = code_segment(open_db(ctx), segment_id, code_id, coder=coder)
    messages = {
        "created": f"Coded segment {segment_id} as {code_id} ({coder})",
        "accepted-suggestion": f"Accepted the suggestion of {code_id} for segment {segment_id} ({coder})",
        "already": f"Segment {segment_id} is already coded {code_id} by {coder}; nothing to do",
    }
    say(ctx, messages[result.action])


def register(app: typer.Typer) -> None:
    app.command()(suggest)
    app.command()(accept)
    app.command()(reject)
    app.command()(code)
