"""``qualcode assign CODER --output FILE.db``: a coder's blind copy of the project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.context import open_db, say


def assign(
    ctx: typer.Context,
    coder: Annotated[str, typer.Argument(help="The coder who will code the copy.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The copy to write (a new .db file).")],
    with_suggestions: Annotated[bool, typer.Option(
        "--with-suggestions", help="Bring the machine's suggestions, undecided [default: hidden, so they do "
                                   "not anchor the coder].")] = False,
) -> None:
    """Make a copy of the project for blind double coding: the sources and codebook, without others' codings.

    The coder works in the copy (`qualcode --db FILE --coder CODER review`, or `code`).
    `qualcode merge FILE` brings their decisions back, `report agreement` compares the coders,
    and `review --disagreements` reconciles them."""
    from qualcode.coding.assign import assign_copy

    r = assign_copy(open_db(ctx), output, coder=coder, with_suggestions=with_suggestions)
    say(ctx, f"Wrote {output} for {r.coder}: {r.sources} source(s), the codebook, {r.own_codings} coding(s) "
                    f"of {r.coder}'s own; left out {r.hidden_codings} coding(s) and {r.hidden_memos} memo(s) of "
                    f"other coders")
    if with_suggestions:
        say(ctx, f"{r.suggestions} suggestion(s) to review, all undecided")
    elif r.hidden_suggestions:
        say(ctx, f"{r.hidden_suggestions} pending suggestion(s) hidden (--with-suggestions brings them)")
    say(ctx, f"Next: qualcode --db {output} --coder {r.coder} review (or code), then "
                    f"qualcode merge {output} here")

