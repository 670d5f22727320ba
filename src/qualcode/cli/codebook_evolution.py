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
    from rich.text import Text

    from qualcode.codebook.store import LoadResult


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_diff(plan: "LoadResult") -> list["Text"]:
    """The changes a load makes, one line each (code ids shown as written)."""
    from qualcode.render.terminal import plain, styled

    notes = [plain(f"  note: {n}") for n in plan.notes]
    if not plan.has_changes:
        return [plain("No code changes (only the file's wording or layout differs).")] + notes
    lines = [plain("Changes to the codebook:")]
    lines += [styled("  ", ("+ added", "green"), f"    {cid}") for cid in plan.added]
    lines += [styled("  ", ("~ changed", "yellow"), f"  {cid}") for cid in plan.changed]
    lines += [styled("  ", ("→ renamed", "cyan"),
                     f"  {old} → {new} ({_plural(plan.carried.get(old, 0), 'coding')} carried over)")
              for old, new in plan.renamed]
    lines += [styled("  ", ("⇒ merged", "cyan"),
                     f"   {old} into {new} ({_plural(plan.carried.get(old, 0), 'coding')} carried over)")
              for old, new in plan.merged]
    lines += [styled("  ", ("- removed", "red"), f"  {cid}") for cid in plan.removed]
    if plan.removed:
        lines.append(plain(f"  Removed codes keep their codings ({plan.orphaned_codings} will be orphaned until you "
                           "retire or remap them)."))
    return lines + notes


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
    from qualcode.codebook import load_codebook
    from qualcode.codebook.store import plan_codebook

    plan = plan_codebook(open_db(ctx), load_codebook(file))
    if plan.same_text:
        emit(ctx, f"{file}: identical to the current codebook\n", None)
        return
    if plan.first:
        emit(ctx, f"{file}: the project has no codebook yet; loading adds {_plural(len(plan.added), 'code')}\n", None)
        return
    for line in render_diff(plan):
        emit(ctx, line, None)


@app.command()
def history(
    ctx: typer.Context,
    version: Annotated[Optional[int], typer.Option("--version", "-v", help="Print this version's YAML.")] = None,
) -> None:
    """List the codebook versions loaded into the project (who, when, what changed)."""
    from qualcode.codebook.store import history as versions
    from qualcode.codebook.store import version_yaml
    from qualcode.render.tabular import Table, to_rich

    db = open_db(ctx)
    if version is not None:
        return emit(ctx, version_yaml(db, version), None)
    rows = versions(db)
    if not rows:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    lines = []
    for v in rows:
        d = v.diff
        parts = [f"{len(d.get(k, []))} {k}" for k in ("added", "changed", "renamed", "merged", "removed") if d.get(k)]
        lines.append([v.id, v.loaded_at[:16].replace("T", " "), v.loaded_by or "", v.codes, ", ".join(parts) or "-",
                      v.path])
    emit(ctx, to_rich(Table("", ["version", "loaded at", "by", "codes", "changes", "file"], lines,
                            numeric=("version", "codes"))), None)


@app.command()
def orphans(ctx: typer.Context) -> None:
    """List removed codes that still hold codings (retire or remap them)."""
    from qualcode.codebook.store import orphans as find
    from qualcode.render.tabular import Table, to_rich

    found = find(open_db(ctx))
    if not found:
        say(ctx, "No orphaned codings.")
        return
    emit(ctx, to_rich(Table("", ["code", "name", "codings"], [[o.code_id, o.name, o.codings] for o in found],
                            numeric=("codings",))), None)
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

