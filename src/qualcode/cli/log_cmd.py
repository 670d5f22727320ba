"""``qualcode log``: the audit trail of decisions, filtered."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from qualcode.cli.context import emit, open_db, say


def log(
    ctx: typer.Context,
    coder: Annotated[Optional[list[str]], typer.Option("--by", help="Only this person's events; repeatable.")] = None,
    action: Annotated[Optional[list[str]], typer.Option(
        "--action", "-a", help="Only this action (accept, reject, code, uncode, recode, import, merge, suggest, "
                               "codebook-load, ...); repeatable.")] = None,
    code: Annotated[Optional[list[str]], typer.Option("--code", "-c", help="Only codings of this code.")] = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", "-s", help="Only codings in this source.")] = None,
    coding: Annotated[Optional[int], typer.Option("--coding", help="The history of one coding.")] = None,
    since: Annotated[Optional[str], typer.Option(help="Only events at or after this date/time (2026-05-01).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Only the most recent N.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Show the history of decisions: who did what, when, and from which state."""
    from qualcode.coding.events import EventFilter, describe, list_events
    from qualcode.render.tabular import Table, to_json, to_rich

    flt = EventFilter(coder or [], action or [], code or [], source or [], coding, since, limit)
    events = list_events(open_db(ctx), flt)
    if fmt == "json":
        from dataclasses import asdict

        return emit(ctx, to_json([asdict(e) for e in events]), None)
    if fmt != "table":
        raise typer.BadParameter("choose table or json", param_hint="--format")
    if not events:
        say(ctx, "No events match.")
        return
    table = Table("", ["id", "at", "who", "action", "what"],
                  [[e.id, e.at[:16].replace("T", " "), e.actor or "", e.action, describe(e)] for e in events],
                  numeric=("id",))
    emit(ctx, to_rich(table), None)
