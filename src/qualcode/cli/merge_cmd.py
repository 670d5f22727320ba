"""``qualcode merge OTHER.db``: another coder's decisions, side by side with ours."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.context import open_db, say, settings


def merge(
    ctx: typer.Context,
    other: Annotated[Path, typer.Argument(help="The other coder's project file (built from the same sources).")],
) -> None:
    """Bring in another coder's project built from the same sources (matched by sha256).

    Their accepted, rejected and removed codings and their memos come in beside ours; both
    coders' decisions are kept. Mismatched sources are refused before anything is written."""
    from qualcode.coding.merge import merge_project

    r = merge_project(open_db(ctx), other, actor=settings(ctx).coder_name)
    coders = ", ".join(f"{name} {n}" for name, n in sorted(r.by_coder.items())) or "none"
    say(ctx, f"Merged {other}: {r.sources_matched} source(s) matched, {r.codings_added} coding(s) added "
             f"({coders}), {r.codings_already_present} already present, {r.memos_added} memo(s) added"
             + (f"; {r.codings_folded} duplicate(s) folded (their codings that are one coding here)"
                if r.codings_folded else ""))
    if r.suggestions_skipped:
        say(ctx, f"Not merged: {r.suggestions_skipped} pending suggestion(s) (run `qualcode suggest` here instead)")
