"""The ``qualcode`` command: global options, command groups, and the one place where
library errors become a one-line message and exit status 1."""

from __future__ import annotations

import sqlite3
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from qualcode import __version__
from qualcode.cli import codebook_cmds, coding_cmds, ingest_cmd, project_cmds, report_cmds, suggest_cmd
from qualcode.cli import evaluate_cmd
from qualcode.cli.context import Settings
from qualcode.cli.exchange import export_app, import_app
from qualcode.errors import QualcodeError


class QualcodeGroup(TyperGroup):
    """Turns QualcodeError (a user's mistake) into ``Error: …`` on stderr and exit 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            from qualcode.render.terminal import visible

            typer.echo(f"Error: {visible(str(exc))}", err=True)
            raise typer.Exit(1) from None
        except sqlite3.DatabaseError as exc:  # OperationalError and a damaged file's DatabaseError
            if "locked" in str(exc):
                typer.echo("Error: the project is busy (another qualcode command is writing); "
                           "try again when it has finished", err=True)
                raise typer.Exit(1) from None
            from qualcode.project import explain_database_error

            message = explain_database_error(exc)  # read-only, disk full, newer schema, damaged file
            if message is None:
                raise
            typer.echo(f"Error: {message}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=QualcodeGroup,
    name="qualcode",
    help="Code qualitative transcripts: ingest, apply a codebook, review NLP suggestions, report.",
    no_args_is_help=True,
    # Never show local variables in a traceback: they may hold transcript text.
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    # Help and usage errors as plain text: Rich markup mode read "[default: …]" in our help
    # texts (and any bracket in a docstring) as markup tags and deleted them.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qualcode {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[Optional[str], typer.Option(
        "--db", envvar="QUALCODE_DB", help="Project database file [default: ./qualcode.db].")] = None,
    coder: Annotated[Optional[str], typer.Option(
        "--coder", envvar="QUALCODE_CODER", help="Who is deciding [default: your OS user name].")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only print data and errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    ctx.obj = Settings(db=db, coder=coder, quiet=quiet)


project_cmds.register(app)
ingest_cmd.register(app)
app.add_typer(codebook_cmds.app, name="codebook")
suggest_cmd.register(app)
evaluate_cmd.register(app)
coding_cmds.register(app)
from qualcode.cli import log_cmd, memo_cmds, merge_cmd, review_cmd  # noqa: E402  (issue 6: the coding workflow)
review_cmd.register(app)
app.add_typer(memo_cmds.app, name="memo")
log_cmd.register(app)
merge_cmd.register(app)
from qualcode.cli import assign_cmd  # noqa: E402  (issue 18: blind double coding)
assign_cmd.register(app)
app.add_typer(report_cmds.app, name="report")
from qualcode.cli import interop_cmds  # noqa: E402,F401  (adds import/export qdpx, qdc, csv)
from qualcode.cli import import_codings_cmd  # noqa: E402,F401  (adds import codings)
from qualcode.cli import privacy_cmds  # noqa: E402,F401  (adds participants identifying)
# Modules that add commands to the import/export groups are imported above this line.
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


def main() -> None:
    app()
