"""``qualcode memo add|list|show``: notes on the project, a source, a code or a coding."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from qualcode.cli.context import emit, open_db, say, settings

app = typer.Typer(help="Memos: the analyst's notes on the project, a source, a code or a coding.",
                  no_args_is_help=True)

SourceOpt = Annotated[Optional[str], typer.Option("--source", "-s", help="About this source (name).")]
CodeOpt = Annotated[Optional[str], typer.Option("--code", "-c", help="About this code (id).")]
CodingOpt = Annotated[Optional[int], typer.Option("--coding", help="About this coding (id, see `qualcode codings`).")]


@app.command()
def add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The memo's text; '-' reads it from standard input.")],
    source: SourceOpt = None, code: CodeOpt = None, coding: CodingOpt = None,
) -> None:
    """Write a memo (on the project unless --source, --code or --coding says what it is about)."""
    from qualcode.coding.memos import add_memo, target_for

    if text == "-":
        text = sys.stdin.read()
    db = open_db(ctx)
    target_type, target_id = target_for(db, source=source, code=code, coding=coding)
    memo_id = add_memo(db, target_type, target_id, text, author=settings(ctx).coder_name)
    named = f" {source or code or coding}" if target_id else ""
    say(ctx, f"Memo {memo_id} added to the {target_type}{named}")


@app.command("list")
def list_cmd(
    ctx: typer.Context, source: SourceOpt = None, code: CodeOpt = None, coding: CodingOpt = None,
    project: Annotated[bool, typer.Option("--project", help="Only memos on the project as a whole.")] = False,
    author: Annotated[Optional[str], typer.Option(help="Only this author's memos.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List memos (oldest first) with their target, author and time."""
    from qualcode.coding.memos import list_memos, target_for
    from qualcode.render.tabular import Table, to_json, to_rich

    db = open_db(ctx)
    kind, tid = ("project", None) if project else target_for(db, source=source, code=code, coding=coding)
    everything = not project and kind == "project"
    memos = list_memos(db, None if everything else kind, tid, author=author)
    if fmt == "json":
        from dataclasses import asdict

        return emit(ctx, to_json([asdict(m) for m in memos]), None)
    if fmt != "table":
        raise typer.BadParameter("choose table or json", param_hint="--format")
    if not memos:
        say(ctx, "No memos yet; write one with `qualcode memo add \"...\"`")
        return
    rows = []
    for m in memos:
        first = (m.text.splitlines() or [""])[0]
        rows.append([m.id, m.target, m.author or "", m.created_at[:16].replace("T", " "),
                     first[:80] + ("…" if len(first) > 80 or len(m.text.splitlines()) > 1 else "")])
    emit(ctx, to_rich(Table("", ["id", "about", "author", "at", "memo"], rows, numeric=("id",))), None)


@app.command()
def show(ctx: typer.Context, memo_id: Annotated[int, typer.Argument(help="The memo's id (see `qualcode memo list`).")]
         ) -> None:
    """Print one memo in full."""
    from qualcode.coding.memos import get_memo

    from qualcode.render.terminal import plain

    memo = get_memo(open_db(ctx), memo_id)
    emit(ctx, plain(f"Memo {memo.id} on {memo.target}\nby {memo.author or 'unknown'} at {memo.created_at}\n\n"
                    f"{memo.text}"), None)

