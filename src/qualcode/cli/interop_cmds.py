"""``export qdpx|qdc|csv`` and ``import qdpx|qdc``: REFI-QDA exchange and codings as CSV."""

from __future__ import annotations

import contextlib
import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Iterator, Optional

import typer

from qualcode.cli.context import choose_format, open_db, print_text, require_suffix, say, settings, write_file
from qualcode.cli.exchange import export_app, import_app
from qualcode.inputs import check_input

if TYPE_CHECKING:
    from sqlite_utils import Database

    from qualcode.interop.importer import ImportSummary

FileArg = Annotated[Path, typer.Argument(help="The file to write or read.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Report what would come in and what would be skipped; write nothing.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Summary as 'table' (for people) or 'json'.")]


def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> None:
    if value is not None and value not in allowed:
        raise typer.BadParameter(f"choose one of: {', '.join(allowed)}", param_hint=option)


class Tool(str, Enum):
    """The REFI-QDA client an export is for (``--for``)."""

    nvivo = "nvivo"
    atlas = "atlas"
    maxqda = "maxqda"
    qualcoder = "qualcoder"


@export_app.command("qdpx")
def export_qdpx_cmd(
    ctx: typer.Context, file: FileArg,
    tool: Annotated[Optional[Tool], typer.Option(
        "--for", help="The tool that will read the file: its positions, memos and case links "
                      "(docs/refi-qda.md). Without it: what NVivo, ATLAS.ti and MAXQDA read.")] = None,
    positions: Annotated[Optional[str], typer.Option(
        help="Override how selection positions count: 'codepoints' (QualCoder) or 'utf16' "
             "(NVivo, ATLAS.ti, MAXQDA). Without it: as --for says.")] = None,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help="Cases by pseudonym, names in texts and "
                                               "memos masked (see docs/reports.md).")] = False,
) -> None:
    """Export the project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    from qualcode.interop.exporter import export_qdpx
    from qualcode.interop.targets import target

    _choice(positions, ("codepoints", "utf16"), "--positions")
    require_suffix(file, "qdpx", "FILE")
    chosen = target(tool.value if tool else None, positions)
    s = export_qdpx(open_db(ctx), file, target=chosen, pseudonymise=pseudonymise)
    say(ctx, f"Wrote {file} for {chosen.label}: {s.sources} source(s), {s.codes} code(s), {s.codings} accepted "
             f"coding(s), {s.memos} memo(s), {s.participants} case(s); positions in {s.positions}"
             + ("; pseudonymised" if s.pseudonymised else ""))
    if tool is None:
        say(ctx, "For QualCoder, export with --for qualcoder (it counts positions and reads memos differently)")
    if s.not_exported_codings:
        say(ctx, f"Not exported: {s.not_exported_codings} suggested or rejected coding(s) "
                 "(REFI-QDA has no pending suggestions)")


@export_app.command("qdc")
def export_qdc_cmd(ctx: typer.Context, file: FileArg) -> None:
    """Export the codebook alone as a REFI-QDA codebook (.qdc)."""
    from qualcode.interop.exporter import export_qdc

    require_suffix(file, "qdc", "FILE")
    count = export_qdc(open_db(ctx), file)
    say(ctx, f"Wrote {file}: {count} code(s)")


@export_app.command("csv")
def export_csv_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The CSV file to write ('-' for standard output); "
                                               "a .xlsx name writes an Excel workbook.")],
    status: Annotated[Optional[list[str]], typer.Option(
        "--status", help="Export codings with this status (accepted, suggested, rejected); repeatable "
                         "[default: accepted].")] = None,
) -> None:
    """Export codings as CSV (or .xlsx): source, segment, quote, code, coder, status, start, end, memo."""
    from qualcode.interop.csv_export import codings_table
    from qualcode.render.tabular import to_csv, to_xlsx

    fmt = "table" if str(file) == "-" else choose_format(None, file, ("csv", "xlsx"), default="csv", ctx=ctx)
    table = codings_table(open_db(ctx), status)
    if fmt == "table":
        sys.stdout.write(to_csv(table))
        return
    write_file(ctx, file, to_csv(table) if fmt == "csv" else to_xlsx([table]), fmt=fmt,
               note=f": {len(table.rows)} coding(s)")


@contextlib.contextmanager
def _target(ctx: typer.Context, dry_run: bool) -> Iterator["Database"]:
    """The project to import into; a new one is created (and removed again if the import fails)."""
    from qualcode.project import init_project

    path = settings(ctx).db_path
    if path.exists():
        yield open_db(ctx)
        return
    if dry_run:  # nothing may be written: rehearse in memory
        from qualcode.imports import import_sqlite_utils
        from qualcode.store.migrations import migrate

        db = import_sqlite_utils().Database(memory=True)
        migrate(db)
        yield db
        return
    db, _ = init_project(path)
    try:
        yield db
    except BaseException:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    say(ctx, f"Created project {path}")


@import_app.command("qdpx")
def import_qdpx_cmd(
    ctx: typer.Context, file: FileArg, dry_run: DryRunOpt = False, fmt: FormatOpt = "table",
    positions: Annotated[Optional[str], typer.Option(help="Override how the file counts positions: 'codepoints' "
                                                     "or 'utf16' [default: from the producing tool].")] = None,
    segments: Annotated[str, typer.Option(help="Segments of imported sources: 'auto' (speaker turns if "
                                          "labelled, else lines), 'turns' or 'lines'.")] = "auto",
) -> None:
    """Import a REFI-QDA project (.qdpx, or a bare project.qde) into this project (created if missing)."""
    from qualcode.interop.service import import_qdpx

    _choice(fmt, ("table", "json"), "--format")
    _choice(positions, ("codepoints", "utf16"), "--positions")
    _choice(segments, ("auto", "turns", "lines"), "--segments")
    check_input(file, "qdpx")  # before a project is created for it
    with _target(ctx, dry_run) as db:
        summary = import_qdpx(db, file, coder=settings(ctx).coder_name, positions=positions,
                              segment_by=segments, dry_run=dry_run)
    _show(summary, fmt)


@import_app.command("qdc")
def import_qdc_cmd(ctx: typer.Context, file: FileArg, dry_run: DryRunOpt = False, fmt: FormatOpt = "table") -> None:
    """Import a REFI-QDA codebook (.qdc): its codes join the project's codebook."""
    from qualcode.interop.service import import_qdc

    _choice(fmt, ("table", "json"), "--format")
    check_input(file, "qdc")
    with _target(ctx, dry_run) as db:
        summary = import_qdc(db, file, coder=settings(ctx).coder_name, dry_run=dry_run)
    _show(summary, fmt)


def _show(s: "ImportSummary", fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(s.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    verb = "Would import" if s.dry_run else "Imported"
    lines = [f"{verb} {s.file} ({s.origin or 'unknown tool'}; positions counted as {s.positions})",
             f"  codes: {s.codes_added} added, {s.codes_matched} already in the project"]
    if s.positions != "n/a":
        lines += [f"  sources: {len(s.sources_added)} added, {len(s.sources_matched)} already in the project",
                  f"  codings: {s.codings_added} added ({s.codings_without_segment} not inside one turn: counted in each turn they touch), "
                  f"{s.codings_already_present} already in the project"
                  + (f", {s.codings_folded} duplicate(s) folded (the file codes the same span twice)"
                     if s.codings_folded else ""),
                  f"  coders: {', '.join(s.users) or 'none named'}",
                  f"  memos: {s.memos_added}; participants: {s.participants} "
                  f"({s.speakers_linked} speaker(s) linked)"]
    for item in s.skipped:
        lines.append(f"  skipped {item['count']} {item['kind']}(s) ({item['name']}): {item['reason']}")
    lines += [f"  note: {n}" for n in s.notes]
    print_text("\n".join(lines) + "\n")  # names from the file: escaped on a terminal
