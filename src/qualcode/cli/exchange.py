"""The ``import`` and ``export`` command groups. Commands join them from their own modules
(REFI-QDA in interop_cmds, codings spreadsheets in coding modules) so each stays small."""

from __future__ import annotations

import typer

import_app = typer.Typer(help="Bring work in: REFI-QDA projects (.qdpx) and codebooks (.qdc), codings from CSV.",
                         no_args_is_help=True)
export_app = typer.Typer(help="Send work out: REFI-QDA projects (.qdpx) and codebooks (.qdc), codings as CSV.",
                         no_args_is_help=True)
