"""The entry points the CLI calls: read a file safely, then import or export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError
from qualcode.interop.archive import open_archive, parse_xml
from qualcode.interop.importer import ImportSummary, import_codebook, import_project
from qualcode.interop.reader import read_codebook, read_project

if TYPE_CHECKING:
    from sqlite_utils import Database

QDC_MAX_BYTES = 64 * 1024 * 1024


def import_qdpx(db: "Database", path: Path, *, coder: str, positions: str | None = None,
                segment_by: str = "auto", dry_run: bool = False) -> ImportSummary:
    archive = open_archive(path)
    try:
        project = read_project(parse_xml(archive.project, f"{path.name}:project.qde"), f"{path.name}:project.qde")
        return import_project(db, project, archive, file=str(path), coder=coder, positions=positions,
                              segment_by=segment_by, dry_run=dry_run)
    finally:
        archive.close()


def import_qdc(db: "Database", path: Path, *, coder: str, dry_run: bool = False) -> ImportSummary:
    if not path.exists() or path.is_dir():
        raise QualcodeError(f"{path}: no such file; check the path")
    if path.stat().st_size > QDC_MAX_BYTES:
        raise QualcodeError(f"{path}: refused: {path.stat().st_size} bytes is too large for a codebook")
    project = read_codebook(parse_xml(path.read_bytes(), path.name), path.name)
    if not project.codes:
        raise QualcodeError(f"{path}: the codebook has no codes; nothing to import")
    return import_codebook(db, project, file=str(path), coder=coder, dry_run=dry_run)
