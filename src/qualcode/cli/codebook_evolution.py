"""``qualcode codebook diff|history|orphans|retire|remap``: how the codebook evolved, and
rendering of a load's changes (shared with ``codebook load``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from qualcode.cli.codebook_cmds import FileArg, app
from qualcode.cli.context import emit, open_db, say, settings
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from rich.table import Table

    from qualcode.codebook.store import LoadResult


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_diff(plan: "LoadResult") -> list[str]:
    """The changes a load makes, one line each (Rich markup)."""
    if not plan.has_changes:
        return ["No code changes (only the file's wording or layout differs)."] + [f"  note: {n}" for n in plan.notes]
    lines = ["Changes to the codebook:"]
    lines += [f"  [green]+ added[/]    {cid}" for cid in plan.added]
    lines += [f"  [yellow]~ changed[/]  {cid}" for cid in plan.changed]
    lines += [f"  [cyan]→ renamed[/]  {old} → {new} ({_plural(plan.carried.get(old, 0), 'coding')} carried over)"
              for old, new in plan.renamed]
    lines += [f"  [cyan]⇒ merged[/]   {old} into {new} ({_plural(plan.carried.get(old, 0), 'coding')} carried over)"
              for old, new in plan.merged]
    lines += [f"  [red]- removed[/]  {cid}" for cid in plan.removed]
    if plan.removed:
        lines.append(f"  Removed codes keep their codings ({plan.orphaned_codings} will be orphaned until you "
                     "retire or remap them).")
    return lines + [f"  note: {n}" for n in plan.notes]


def confirm_load(file: Path, plan: "LoadResult", yes: bool) -> None:
    """Ask before applying a codebook that changes codes; refuse when nobody can answer."""
    if yes or not plan.has_changes:
        return
    if not sys.stdin.isatty():
        raise QualcodeError(f"loading {file} changes the codebook (see above) and there is no terminal to confirm; "
                            "pass --yes to apply it")
    if not typer.confirm("Apply these changes?", default=False, err=True):
        raise QualcodeError("not loaded; the project is unchanged")


@app.command()
def diff(ctx: typer.Context, file: FileArg) -> None:
    """Show what loading FILE would change (added, removed, changed, renamed, merged), without loading it."""
    from rich.text import Text

    from qualcode.codebook import load_codebook
    from qualcode.codebook.store import plan_codebook

    plan = plan_codebook(open_db(ctx), load_codebook(file))
    if plan.same_text:
        typer.echo(f"{file}: identical to the current codebook")
        return
    if plan.first:
        typer.echo(f"{file}: the project has no codebook yet; loading adds {_plural(len(plan.added), 'code')}")
        return
    for line in render_diff(plan):
        emit(ctx, Text.from_markup(line), None)


@app.command()
def history(
    ctx: typer.Context,
    version: Annotated[Optional[int], typer.Option("--version", "-v", help="Print this version's YAML.")] = None,
) -> None:
    """List the codebook versions loaded into the project (who, when, what changed)."""
    from rich.table import Table

    from qualcode.codebook.store import history as versions
    from qualcode.codebook.store import version_yaml

    db = open_db(ctx)
    if version is not None:
        return emit(ctx, version_yaml(db, version), None)
    rows = versions(db)
    if not rows:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    table = Table("version", "loaded at", "by", "codes", "changes", "file")
    for v in rows:
        d = v.diff
        parts = [f"{len(d.get(k, []))} {k}" for k in ("added", "changed", "renamed", "merged", "removed") if d.get(k)]
        _row(table, str(v.id), v.loaded_at[:16].replace("T", " "), v.loaded_by or "", str(v.codes),
                      ", ".join(parts) or "-", v.path)
    emit(ctx, table, None)


@app.command()
def orphans(ctx: typer.Context) -> None:
    """List removed codes that still hold codings (retire or remap them)."""
    from rich.table import Table

    from qualcode.codebook.store import orphans as find

    found = find(open_db(ctx))
    if not found:
        say(ctx, "No orphaned codings.")
        return
    table = Table("code", "name", "codings")
    for o in found:
        _row(table, o.code_id, o.name, str(o.codings))
    emit(ctx, table, None)
    say(ctx, "Keep them out of the way with `qualcode codebook retire CODE`, or give them to a current code "
             "with `qualcode codebook remap CODE NEW_CODE`.")


@app.command()
def retire(ctx: typer.Context,
           code_id: Annotated[str, typer.Argument(help="A removed code's id (see `qualcode codebook orphans`).")],
           ) -> None:
    """Retire a removed code: its codings are kept but no longer reported as orphaned."""
    from qualcode.codebook.store import retire_code

    count = retire_code(open_db(ctx), code_id, actor=settings(ctx).coder_name)
    say(ctx, f"Retired {code_id} ({_plural(count, 'coding')} kept)")


@app.command()
def remap(ctx: typer.Context,
          code_id: Annotated[str, typer.Argument(help="A removed or retired code's id.")],
          new_code: Annotated[str, typer.Argument(help="The current code that takes its codings.")]) -> None:
    """Give a removed code's codings to a current code (as if it had been merged into it)."""
    from qualcode.codebook.store import remap_code

    moved, folded = remap_code(open_db(ctx), code_id, new_code, actor=settings(ctx).coder_name)
    say(ctx, f"Remapped {_plural(moved, 'coding')} from {code_id} to {new_code}"
             + (f"; {_plural(folded, 'duplicate')} folded (a coder's same coding under both codes, kept once)"
                if folded else ""))


def _row(table: "Table", *cells: str) -> None:
    """A table row of plain text: names and memos may hold brackets Rich would read as markup."""
    from rich.text import Text

    table.add_row(*(Text(c) for c in cells))
