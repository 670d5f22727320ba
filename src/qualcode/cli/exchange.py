"""The ``import`` and ``export`` command groups. Commands join them from their own modules
(REFI-QDA in interop_cmds, codings spreadsheets in coding modules) so each stays small."""

from __future__ import annotations

import typer

import_app = typer.Typer(help="Bring work in: REFI-QDA projects (.qdpx) and codebooks (.qdc), codings from CSV.",
                         no_args_is_help=True)
export_app = typer.Typer(help="Send work out: REFI-QDA projects (.qdpx) and codebooks (.qdc), codings as CSV.",
                         no_args_is_help=True)

# Modules that add commands to these groups (imported here, when `import` or `export` is used).
from qualcode.cli import interop_cmds  # noqa: E402,F401  (adds import/export qdpx, qdc, csv)
from qualcode.cli import import_codings_cmd  # noqa: E402,F401  (adds import codings)
