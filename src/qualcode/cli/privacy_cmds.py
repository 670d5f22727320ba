"""``participants identifying``: which attributes pseudonymised output must never show."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from qualcode.cli.context import open_db, say
from qualcode.cli.project_cmds import participants_app


@participants_app.command("identifying")
def participants_identifying(
    ctx: typer.Context,
    attributes: Annotated[Optional[list[str]], typer.Argument(
        help="Attribute names that identify a person (e.g. email phone employer).")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Forget the attributes named before.")] = False,
) -> None:
    """Mark attributes as identifying: --pseudonymise drops them and masks their values in text.

    email, e-mail, phone, telephone, mobile and address always are; with no names, list them."""
    from qualcode.reports.pseudonymise import identifying_attributes, set_identifying_attributes

    db = open_db(ctx)
    if attributes or clear:
        set_identifying_attributes(db, [] if clear else [a for arg in attributes or [] for a in arg.split(",")])
    say(ctx, "Identifying attributes: " + ", ".join(sorted(identifying_attributes(db))))
