"""The ``qualcode`` command: global options, command groups, and the one place where
library errors become a one-line message and exit status 1."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from qualcode import __version__
from qualcode.cli.context import Settings
from qualcode.cli.lazy import LazyCommands, format_lazy_commands, readable_help
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    import sqlite3

# Every command: its name → ("module:attribute" of its function or Typer app, the one-line
# summary `qualcode --help` lists). A module is imported only when its command runs or shows
# its help, so `qualcode --help` starts without importing any command (tests/test_help.py
# checks which modules it imports, and that each summary matches the command's own help).
# A new command is one line here; a command joining a group is registered in the group's module.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("qualcode.cli.project_cmds:init", "Create a project database (./qualcode.db, or --db PATH)."),
    "segments": ("qualcode.cli.project_cmds:segments",
                 "List segments (speaker turns) with their ids and text: the ids to code one by hand."),
    "ingest": ("qualcode.cli.ingest_cmd:ingest",
               "Ingest transcripts: sources, speakers, and one segment per speaker turn."),
    "suggest": ("qualcode.cli.suggest_cmd:suggest",
                "Suggest codes for every segment: keywords and patterns, similarity to each code's description "
                "and examples, and classifiers learned from your accept/reject decisions."),
    "evaluate": ("qualcode.cli.evaluate_cmd:evaluate",
                 "Score suggestions against gold codings: P@1, P@3, R@3, micro and macro F1, false alarms."),
    "accept": ("qualcode.cli.coding_cmds:accept",
               "Accept pending suggestions in bulk (all, or filtered by code, source and score)."),
    "reject": ("qualcode.cli.coding_cmds:reject",
               "Reject pending suggestions in bulk (all, or filtered by code, source and score)."),
    "code": ("qualcode.cli.coding_cmds:code",
             'Code a whole segment by hand, or a span of it (--start/--end, or --quote "exact words").'),
    "uncode": ("qualcode.cli.coding_cmds:uncode",
               "Remove a coding: yours of CODE_ID on SEGMENT_ID, or one by --coding ID."),
    "undo": ("qualcode.cli.coding_cmds:undo",
             "Undo your last decision (accept, reject, code, uncode), restoring exactly the state before it."),
    "codings": ("qualcode.cli.coding_cmds:codings",
                "List codings with their ids (for `uncode --coding`, `memo add --coding`)."),
    "review": ("qualcode.cli.review_cmd:review",
               "Review pending suggestions one segment at a time, with single keys."),
    "log": ("qualcode.cli.log_cmd:log", "Show the history of decisions: who did what, when, and from which state."),
    "merge": ("qualcode.cli.merge_cmd:merge",
              "Bring in another coder's project built from the same sources (matched by sha256)."),
    "assign": ("qualcode.cli.assign_cmd:assign",
               "Make a copy of the project for blind double coding: the sources and codebook, without others' "
               "codings."),
    "sources": ("qualcode.cli.project_cmds:sources_app",
                "List the ingested sources (with no command: --format), or give them session attributes "
                "with `import`."),
    "speakers": ("qualcode.cli.project_cmds:speakers_app",
                 "List the speaker labels of each source (with no command: --source, --format), or fix one "
                 "with `rename`."),
    "participants": ("qualcode.cli.project_cmds:participants_app",
                     "Participants: the people behind speaker labels, and their attributes."),
    "codebook": ("qualcode.cli.codebook_cmds:app",
                 "Codebooks: validate, load (with a diff), show, export; add, move, rename and describe codes; "
                 "how the codebook evolved."),
    "memo": ("qualcode.cli.memo_cmds:app", "Memos: the analyst's notes on the project, a source, a code or a coding."),
    "report": ("qualcode.cli.report_cmds:app",
               "Reports for papers: themes, quotes, matrices, co-occurrence, agreement; table, Markdown, CSV, "
               "JSON, DOCX or one HTML file."),
    "import": ("qualcode.cli.exchange:import_app",
               "Bring work in: REFI-QDA projects (.qdpx) and codebooks (.qdc), codings from CSV."),
    "export": ("qualcode.cli.exchange:export_app",
               "Send work out: REFI-QDA projects (.qdpx) and codebooks (.qdc), codings as CSV."),
}


class _AsGiven:
    """Typer's coercion of a text option or a flag, without pydantic: the value as given."""

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        return value


def _as_given(param: Any) -> Any:
    """Typer 0.2x coerces an option's value through a pydantic TypeAdapter, importing pydantic
    (as long as importing Typer itself) the first time an option is parsed, and `qualcode
    COMMAND --help` parses the global options and -h/--help. These are text or flags: their
    values need no coercion."""
    descriptor = getattr(param, "type_descriptor", None)
    if getattr(descriptor, "annotation", None) in (str, bool) and getattr(param, "_runtime_param", 0) is None:
        param._runtime_param = _AsGiven()
    return param


class QualcodeGroup(TyperGroup):
    """The root group: loads each command on first use (:data:`COMMANDS`), and turns
    QualcodeError (a user's mistake) into ``Error: …`` on stderr and exit 1."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        readable_help(self)  # `--db FILE`, not `--db <str>`; each lazy command's own on loading
        # Commands registered on `app` directly stay as they are; COMMANDS load on first use.
        self.commands = LazyCommands(self.commands, COMMANDS)

    def get_params(self, ctx: Any) -> Any:
        return [_as_given(param) for param in super().get_params(ctx)]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        format_lazy_commands(self.commands, formatter)  # summaries without importing the commands

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            from qualcode.render.terminal import visible

            typer.echo(f"Error: {visible(str(exc))}", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            # Only a command that opened a project can raise sqlite3's errors: importing sqlite3
            # here for the isinstance check would slow down every start (and `--help`).
            sqlite3 = sys.modules.get("sqlite3")
            if sqlite3 is None or not isinstance(exc, sqlite3.DatabaseError):
                raise
            self._database_error(exc)  # OperationalError and a damaged file's DatabaseError

    @staticmethod
    def _database_error(exc: "sqlite3.DatabaseError") -> None:
        if "locked" in str(exc):
            typer.echo("Error: the project is busy (another qualcode command is writing); "
                       "try again when it has finished", err=True)
            raise typer.Exit(1) from None
        from qualcode.project import explain_database_error

        message = explain_database_error(exc)  # read-only, disk full, newer schema, damaged file
        if message is None:
            raise exc
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


def main() -> None:
    app()
