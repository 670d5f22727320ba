"""``accept``, ``reject`` and ``code``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from qualcode.cli.context import open_db, say, settings

CodeOpt = Annotated[Optional[list[str]], typer.Option("--code", "-c", help="Only this code id; repeatable.")]
SourceOpt = Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Only this source name; repeatable.")]
MinOpt = Annotated[Optional[float], typer.Option(min=0, max=1, help="Only suggestions scoring at least this.")]
MaxOpt = Annotated[Optional[float], typer.Option(min=0, max=1, help="Only suggestions scoring at most this.")]


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
    app.command()(accept)
    app.command()(reject)
    app.command()(code)
