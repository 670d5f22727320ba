"""``qualcode codebook add|move|rename|describe``: edit the codebook without touching YAML.

Each edit stores a new codebook version (shown with its diff) and is one undoable
decision; ``codebook export`` writes the result back as YAML. The logic is in
:mod:`qualcode.codebook.edit`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from qualcode.cli.codebook_cmds import app
from qualcode.cli.context import open_db, say, settings

if TYPE_CHECKING:
    from qualcode.codebook.edit import Edit

CodeArg = Annotated[str, typer.Argument(help="The code's id (see `qualcode codebook show`).")]


def _report(ctx: typer.Context, edit: "Edit", done: str) -> None:
    from qualcode.cli.codebook_evolution import render_diff
    from qualcode.render.terminal import stderr_console

    if edit.result.version_id is None:
        say(ctx, f"Nothing to change: {done}")
        return
    if not settings(ctx).quiet:
        for line in render_diff(edit.result):
            stderr_console().print(line)
    for label, before, after in edit.changes():
        say(ctx, f"      {label}: {_short(before)} → {_short(after)}")
    say(ctx, f"{done} (codebook version {edit.result.version_id}; `qualcode undo` takes it back)")


def _short(value: str) -> str:
    value = " ".join(value.split())
    return "(none)" if not value else repr(value if len(value) <= 60 else value[:59] + "…")


@app.command()
def add(ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The new code's name, e.g. \"Numbing\".")],
        code_id: Annotated[Optional[str], typer.Option("--id", help="Its id [default: made from the name].")] = None,
        under: Annotated[Optional[str], typer.Option(help="The parent code's id [default: top level].")] = None,
        description: Annotated[str, typer.Option(help="What the code means.")] = "") -> None:
    """Add a code to the project's codebook (a new version; ids of other codes are kept)."""
    from qualcode.codebook.edit import add_code

    edit = add_code(open_db(ctx), name, code_id=code_id, parent=under, description=description,
                    actor=settings(ctx).coder_name)
    where = f" under {edit.code.parent_id}" if edit.code.parent_id else ""
    _report(ctx, edit, f"Added {edit.code_id} ({edit.code.name}){where}")


@app.command()
def move(ctx: typer.Context, code_id: CodeArg,
         under: Annotated[Optional[str], typer.Option(help="The new parent code's id (a theme).")] = None,
         top: Annotated[bool, typer.Option("--top", help="Move it to the top level.")] = False) -> None:
    """Move a code (with its sub-codes) under another code, or to the top level: group codes into themes."""
    from qualcode.codebook.edit import move_code

    if (under is None) == (not top):
        raise typer.BadParameter("give --under PARENT or --top (one of them)", param_hint="--under")
    edit = move_code(open_db(ctx), code_id, under, actor=settings(ctx).coder_name)
    _report(ctx, edit, f"Moved {code_id} " + (f"under {under}" if under else "to the top level"))


@app.command()
def rename(ctx: typer.Context, code_id: CodeArg,
           name: Annotated[str, typer.Argument(help="The code's new name.")]) -> None:
    """Give a code a new name; its id stays, so its codings, memos and exports stay with it."""
    from qualcode.codebook.edit import rename_code

    edit = rename_code(open_db(ctx), code_id, name, actor=settings(ctx).coder_name)
    _report(ctx, edit, f"Renamed {code_id} to {edit.code.name}")


@app.command()
def describe(ctx: typer.Context, code_id: CodeArg,
             description: Annotated[Optional[str], typer.Argument(help="What the code means.")] = None,
             include: Annotated[Optional[str], typer.Option(help="When to apply it.")] = None,
             exclude: Annotated[Optional[str], typer.Option(help="When not to apply it.")] = None) -> None:
    """Set a code's description (and its inclusion and exclusion criteria)."""
    from qualcode.codebook.edit import describe_code

    edit = describe_code(open_db(ctx), code_id, description=description, include=include, exclude=exclude,
                         actor=settings(ctx).coder_name)
    _report(ctx, edit, f"Described {code_id}")
