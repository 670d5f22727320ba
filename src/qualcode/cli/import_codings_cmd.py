"""``qualcode import codings FILE.csv``: apply a spreadsheet of codings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from qualcode.cli.context import check_output_path, emit, open_db, say, settings
from qualcode.cli.exchange import import_app


@import_app.command("codings")
def import_codings_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with columns source, segment and/or quote, code, coder, memo.")],
    unmatched: Annotated[Optional[Path], typer.Option(
        "--unmatched", help="Write the rows that did not match (with the problem) to this CSV.")] = None,
) -> None:
    """Apply a spreadsheet of codings in one transaction, reporting rows that do not match.

    Columns: source, segment and/or quote, code, coder, optional memo."""
    from qualcode.coding.import_csv import import_codings, unmatched_csv

    if unmatched is not None:
        check_output_path(ctx, unmatched, fmt="csv", inputs=(file,))
    r = import_codings(open_db(ctx), file, coder=settings(ctx).coder_name)
    say(ctx, f"Imported {file}: {r.rows} row(s); {r.added} coding(s) added, {r.accepted_suggestions} suggestion(s) "
             f"accepted, {r.already_present} already present, {r.memos_added} memo(s), {len(r.unmatched)} unmatched"
             + (f"; {r.folded} duplicate(s) folded (rows repeating an earlier row's coding)" if r.folded else ""))
    for u in r.unmatched[:20]:
        say(ctx, f"  row {u.row}: {u.reason}")
    if len(r.unmatched) > 20:
        say(ctx, f"  … and {len(r.unmatched) - 20} more (pass --unmatched FILE to get them all)")
    if unmatched is not None and r.unmatched:
        emit(ctx, unmatched_csv(r), unmatched, fmt="csv", inputs=(file,))
