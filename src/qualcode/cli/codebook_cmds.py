"""``qualcode codebook validate|load|diff|show|export|history|orphans|retire|remap``.

The evolution commands (diff, history, orphans, retire, remap) live in
:mod:`qualcode.cli.codebook_evolution`, which adds them to this group; the edits (add, move,
rename, describe) in :mod:`qualcode.cli.codebook_edit_cmds`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from qualcode.cli.context import emit, open_db, say, settings
from qualcode.errors import QualcodeError

app = typer.Typer(help="Codebooks: validate, load (with a diff), show, export; add, move, rename and describe "
                       "codes; how the codebook evolved.",
                  no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="The codebook YAML file.")]


@app.command()
def validate(ctx: typer.Context, file: FileArg) -> None:
    """Check a codebook file and report every problem with its line number."""
    from qualcode.codebook import validate_codebook
    from qualcode.render.terminal import visible

    book, problems = validate_codebook(file)
    if problems:
        for line, message in problems:
            typer.echo(visible(f"{file}:{line}: {message}"), err=True)
        raise QualcodeError(f"{file}: {len(problems)} problem(s); fix them and validate again")
    assert book is not None
    themes = sum(1 for c in book.codes if book.children(c.id))
    say(ctx, f"{file}: OK, {len(book.codes)} codes ({themes} with children)")


@app.command()
def load(ctx: typer.Context, file: FileArg,
         yes: Annotated[bool, typer.Option("--yes", "-y",
                                           help="Apply the changes without asking (for scripts).")] = False,
         ) -> None:
    """Load a codebook as the project's new version, showing the changes and asking first.

    The diff lists added, removed, changed, renamed (renamed_from) and merged (merged_into)
    codes; renames and merges carry codings over, removed codes keep theirs as orphans."""
    from qualcode.cli.codebook_evolution import confirm_load, render_diff
    from qualcode.codebook import load_codebook
    from qualcode.codebook.store import plan_codebook, store_codebook
    from qualcode.coding.ledger import write_transaction
    from qualcode.render.terminal import stderr_console

    book = load_codebook(file)
    db = open_db(ctx)
    plan = plan_codebook(db, book)
    if plan.same_text:
        say(ctx, f"{file}: unchanged since the last load; nothing to do")
        return
    if not plan.first:
        for line in render_diff(plan):
            if not settings(ctx).quiet:
                stderr_console().print(line)
        confirm_load(file, plan, yes)
    with write_transaction(db):  # store_codebook plans again under the lock: what it writes is current
        result = store_codebook(db, book, loaded_by=settings(ctx).coder_name)
    moves = "".join(f", {len(items)} {label}" for items, label in
                    ((result.renamed, "renamed"), (result.merged, "merged")) if items)
    moves += f"; {_duplicates(result.folded)}" if result.folded else ""
    say(ctx, f"Loaded {file} as version {result.version_id}: {len(result.added)} added, "
             f"{len(result.changed)} changed, {len(result.removed)} removed, {result.unchanged} unchanged{moves}")
    if result.removed:
        say(ctx, f"Removed codes keep their codings ({result.orphaned_codings} now orphaned): "
                 + ", ".join(result.removed), style="yellow")


@app.command()
def show(ctx: typer.Context,
         fmt: Annotated[str, typer.Option("--format", "-f", help="tree or json.")] = "tree") -> None:
    """Print the project's codebook as a tree (ids, names, keyword and example counts)."""
    from rich.tree import Tree

    from qualcode.codebook.store import active_codes
    from qualcode.render.terminal import styled
    from qualcode.render.tabular import to_json

    codes = active_codes(open_db(ctx))
    if not codes:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    if fmt == "json":
        from dataclasses import asdict

        return emit(ctx, to_json([{k: v for k, v in asdict(c).items() if k != "line"} for c in codes]), None)
    if fmt != "tree":
        raise typer.BadParameter("choose tree or json", param_hint="--format")
    root = Tree(styled(("Codebook", "bold")))
    nodes: dict[str | None, Tree] = {None: root}
    for code in codes:
        # The id in brackets: without colour (piped, NO_COLOR) "Dark humour dark-humour" ran together.
        counts = ", ".join(_count(len(items), what) for items, what in (
            (code.keywords, "keyword"), (code.patterns, "pattern"), (code.examples, "example")))
        label = styled((code.name, "bold"), " (", (code.id, "dim"), ")  ", (counts, "dim"))
        nodes[code.id] = nodes.get(code.parent_id, root).add(label)
    emit(ctx, root, None)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@app.command()
def export(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of the terminal.")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help=(
        "yaml (loads back unchanged), md or docx (a document for an appendix: definitions, criteria, "
        "examples, counts), csv or xlsx [default: from --output's suffix, else yaml]."))] = None,
    include_suggested: Annotated[bool, typer.Option(help="md/docx/csv: count pending suggestions too.")] = False,
) -> None:
    """Write the project's current codebook as YAML, or as a document with counts (md, docx, csv)."""
    from qualcode.cli.context import choose_format
    from qualcode.codebook.edit import project_codebook
    from qualcode.codebook.export import codebook_to_yaml

    fmt = choose_format(fmt, output, ("yaml", "md", "docx", "csv", "xlsx"), default="yaml", ctx=ctx)
    db = open_db(ctx)
    book = project_codebook(db)
    if not book.codes:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    if fmt == "yaml":
        return emit(ctx, codebook_to_yaml(book), output, fmt=fmt)
    from qualcode.render.codebook_doc import render_codebook
    from qualcode.reports.themes import themes_report

    emit(ctx, render_codebook(book, themes_report(db, include_suggested=include_suggested), fmt), output, fmt=fmt)


from qualcode.cli import codebook_evolution  # noqa: E402,F401  (adds diff, history, orphans, retire, remap)


def _duplicates(count: int) -> str:
    """A carried coding that a coder already had under the target code is kept once."""
    return f"{count} duplicate{'s' if count != 1 else ''} folded (a coder's same coding under both codes, kept once)"
from qualcode.cli import codebook_edit_cmds  # noqa: E402,F401  (adds add, move, rename, describe)
