"""``qualcode ingest FILES…`` (and ``--dry-run``, which parses without writing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from qualcode.cli.context import emit, open_db, progress_bar, say, speaker_count
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.ingest.preview import Preview

PARSER_NAMES = ("text", "markdown", "vtt", "srt", "docx", "rtf", "pdf", "whisper")
OUTPUTS = ("table", "json")


def _attributes(values: list[str]) -> dict[str, str]:
    attrs = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{value!r} is not key=value", param_hint="--attr")
        attrs[key.strip()] = val.strip()
    return attrs


def resolve_format(fmt: Optional[str], parser: Optional[str]) -> tuple[str, Optional[str]]:
    """``--format`` names the output (table, json) or, as before ``--as`` existed, a parser.
    Returns (output format, parser override)."""
    if parser is not None and parser not in PARSER_NAMES:
        raise typer.BadParameter(f"choose one of: {', '.join(PARSER_NAMES)}", param_hint="--as")
    if fmt is None or fmt in OUTPUTS:
        return fmt or "table", parser
    if fmt in PARSER_NAMES:
        if parser is not None and parser != fmt:
            raise typer.BadParameter(f"says {fmt} but --as says {parser}; give the parser once, with --as",
                                     param_hint="--format")
        return "table", fmt
    raise typer.BadParameter(f"choose table or json (output), or a parser: {', '.join(PARSER_NAMES)}",
                             param_hint="--format")


def ingest(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(
        help="Transcript files: .txt .md .vtt .srt .docx .rtf .pdf .json (format sniffed from content).")],
    group: Annotated[Optional[str], typer.Option(help="Group these sources belong to (e.g. focus-group-1).")] = None,
    attr: Annotated[Optional[list[str]], typer.Option(help="Source attribute key=value; repeatable.")] = None,
    parser: Annotated[Optional[str], typer.Option(
        "--as", "--parser", help=f"Read the files as this format instead of detecting it: {', '.join(PARSER_NAMES)}.")] = None,
    fmt: Annotated[Optional[str], typer.Option(
        "--format", "-f", help="Output: table or json. A parser name here works like --as.")] = None,
    speaker_pattern: Annotated[Optional[str], typer.Option(
        help="Regex with a (?P<label>...) group (and optional (?P<ts>...)) for a speaker convention the detector misses.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace a changed file already ingested under the same name.")] = False,
    keep_going: Annotated[bool, typer.Option(help="Ingest the good files and list the failures.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what would be ingested (format, encoding, speakers, first turns); write nothing.")] = False,
    show: Annotated[int, typer.Option(help="With --dry-run as a table: how many turns to show per file.")] = 5,
) -> None:
    """Ingest transcripts: sources, speakers, and one segment per speaker turn.

    All files land in one transaction (or none do). Re-ingesting the same bytes is a no-op."""
    output, parser = resolve_format(fmt, parser)
    if dry_run:
        return _dry_run(ctx, files, output, parser, speaker_pattern, keep_going, show)
    from qualcode.ingest.service import IngestOptions, ingest_files

    options = IngestOptions(group=group, attributes=_attributes(attr or []), fmt=parser,
                            speaker_pattern=speaker_pattern, replace=replace, keep_going=keep_going)
    db = open_db(ctx)
    with progress_bar(ctx, len(files), "Ingesting") as advance:
        results = ingest_files(db, files, options, progress=advance)
    if output == "json":
        from dataclasses import asdict

        emit(ctx, json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2) + "\n", None)
    failed = 0
    for r in results:
        if r.status == "failed":
            failed += 1
            typer.echo(_visible(f"Failed: {r.message}"), err=True)
        elif r.status == "unchanged":
            say(ctx, f"{r.path}: {r.message}")
        else:
            notes = f", {r.notes} non-speech notes" if r.notes else ""
            say(ctx, f"{r.path}: {r.status}: {speaker_count(r.speakers, r.facilitators)}, {r.turns} turns, "
                     f"{r.words:,} words{notes}")
            for notice in r.notices:
                say(ctx, f"{r.path}: {notice}")
    if failed:
        raise QualcodeError(f"{failed} of {len(results)} files failed (listed above); the others were ingested")


def _dry_run(ctx: typer.Context, files: list[Path], output: str, parser: Optional[str],
             speaker_pattern: Optional[str], keep_going: bool, show: int) -> None:
    from qualcode.ingest.preview import preview_file

    failed = 0
    for path in files:
        try:
            preview = preview_file(path, fmt=parser, speaker_pattern=speaker_pattern)
        except QualcodeError as exc:
            if not keep_going:
                raise
            failed += 1
            typer.echo(_visible(f"Failed: {exc}"), err=True)
            continue
        if output == "json":
            emit(ctx, json.dumps(preview.as_json(), ensure_ascii=False) + "\n", None)
            for notice in preview.notices:
                say(ctx, f"{path}: {notice}")
        else:
            for renderable in _preview_tables(preview, show):
                emit(ctx, renderable, None)
    say(ctx, "Dry run: nothing was written.")
    if failed:
        raise QualcodeError(f"{failed} of {len(files)} files cannot be ingested (listed above)")


def _preview_tables(preview: "Preview", show: int) -> list[Any]:
    from qualcode.render.reports import format_seconds
    from qualcode.render.tabular import Table, to_rich
    from qualcode.render.terminal import plain

    words = sum(s.words for s in preview.speakers)
    extra = [f"{preview.notes} non-speech notes"] if preview.notes else []
    extra.extend(preview.notices)
    if preview.metadata.get("legend"):
        extra.append("legend: " + ", ".join(f"{k} = {v}" for k, v in preview.metadata["legend"].items()))
    if preview.metadata.get("header"):
        extra.append(f"{len(preview.metadata['header'])} header lines kept as metadata")
    facilitators = sum(1 for s in preview.speakers if s.role == "facilitator")
    labelled = sum(1 for s in preview.speakers if s.label is not None)  # as ingest counts speakers
    summary = (f"{preview.file}: {preview.format}, {preview.encoding}; "
               f"{speaker_count(labelled, facilitators)}, {len(preview.turns)} turns, {words:,} words\n")
    summary += "".join(f"  {line}\n" for line in extra)
    speakers = Table("", ["speaker", "role", "turns", "words"],
                     [[s.label if s.label is not None else "(unlabelled)", s.role or "", s.turns, s.words]
                      for s in preview.speakers], numeric=("turns", "words"))
    first = Table("", ["#", "speaker", "time", "text"],
                  [[i, t.speaker or "", format_seconds(t.timestamp), _shorten(t.text)]
                   for i, t in enumerate(preview.turns[:show], start=1)], numeric=("#",))
    # As Text, so that a terminal wraps the summary between words ("1 facilitat/or" at 80 columns)
    return [plain(summary.rstrip("\n")), to_rich(speakers)] + ([to_rich(first)] if show > 0 else [])


def _shorten(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _visible(text: str) -> str:
    from qualcode.render.terminal import visible  # Rich only when there is something to show

    return visible(text)
