"""``qualcode ingest FILES…``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from qualcode.cli.context import open_db, progress_bar, say
from qualcode.errors import QualcodeError


def _attributes(values: list[str]) -> dict[str, str]:
    attrs = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{value!r} is not key=value", param_hint="--attr")
        attrs[key.strip()] = val.strip()
    return attrs


def ingest(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Transcript files (.txt, .md).")],
    group: Annotated[Optional[str], typer.Option(help="Group these sources belong to (e.g. focus-group-1).")] = None,
    attr: Annotated[Optional[list[str]], typer.Option(help="Source attribute key=value; repeatable.")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="Parser to use instead of detecting it: text or markdown.")] = None,
    speaker_pattern: Annotated[Optional[str], typer.Option(
        help="Regex with a (?P<label>...) group for a speaker convention the detector misses.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace a changed file already ingested under the same name.")] = False,
    keep_going: Annotated[bool, typer.Option(help="Ingest the good files and list the failures.")] = False,
) -> None:
    """Ingest transcripts: sources, speakers, and one segment per speaker turn.

    All files land in one transaction (or none do). Re-ingesting the same bytes is a no-op."""
    from qualcode.ingest.service import IngestOptions, ingest_files

    options = IngestOptions(group=group, attributes=_attributes(attr or []), fmt=fmt,
                            speaker_pattern=speaker_pattern, replace=replace, keep_going=keep_going)
    db = open_db(ctx)
    with progress_bar(ctx, len(files), "Ingesting") as advance:
        results = ingest_files(db, files, options, progress=advance)
    failed = 0
    for r in results:
        if r.status == "failed":
            failed += 1
            typer.echo(f"Failed: {r.message}", err=True)
        elif r.status == "unchanged":
            say(ctx, f"{r.path}: {r.message}")
        else:
            say(ctx, f"{r.path}: {r.status}: {r.speakers} speakers, {r.turns} turns, {r.words:,} words")
    if failed:
        raise QualcodeError(f"{failed} of {len(results)} files failed (listed above); the others were ingested")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
