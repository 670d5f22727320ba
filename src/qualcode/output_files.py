"""Writing an output file: the one function every command that writes a file goes through.

The rule (docs/reports.md, "Output files"):

* Never over the open project, its ``-wal``/``-shm``/``-journal`` files, or a file the command
  is reading: ``qualcode export csv qualcode.db`` used to replace the project with a CSV.
* Never over something that is not a regular file (a folder, a device), nor over an SQLite
  database (another project, most likely).
* An existing file is replaced only when it is of the kind being written: its suffix is the
  format's (``themes.csv`` for CSV), and a Word, Excel or REFI-QDA file must have been made by
  qualcode (its metadata says so), so a paper's draft or an NVivo project is never replaced.
  Anything else is refused with one line: choose another name, or delete the file first.
* The file is written to a temporary file in the same folder, then renamed over the target
  (``os.replace``), so a crash or a full disk leaves the old file whole, never half a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database

SQLITE_MAGIC = b"SQLite format 3\x00"
PROJECT_COMPANIONS = ("", "-wal", "-shm", "-journal")
GENERATOR = "qualcode"

# Zip formats that people also make with other tools: replaced only when qualcode made them.
# Each names the member that carries the maker's name.
_MAKER_MEMBERS = {".docx": "docProps/core.xml", ".xlsx": "docProps/core.xml", ".qdpx": "project.qde"}


# A spreadsheet reads a cell that starts with one of these as a formula (or, for tab and
# carriage return, shifts it); an apostrophe in front makes it text (OWASP's advice for CSV).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: Any) -> Any:
    """``value`` safe for a CSV cell: text that starts like a formula gets a leading apostrophe
    (numbers stay numbers). :func:`restored` undoes it when qualcode reads the file back."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restored(value: str) -> str:
    """A cell as it was before :func:`neutralised`."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def project_file(db: "Database") -> Path | None:
    """The file of an open project (None for an in-memory database)."""
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main" and file:
            return Path(file)
    return None


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def check_output(path: Path, *, project: Path | None = None, db: "Database | None" = None,
                 inputs: Iterable[Path] = (), suffixes: Iterable[str] = ()) -> None:
    """Refuse ``path`` as an output when writing it could destroy something (see the module doc):
    ``project`` (or the open ``db``'s file) is the project, ``suffixes`` those of the format
    being written (lower case, with the dot)."""
    if project is None and db is not None:
        project = project_file(db)
    if project is not None:
        for companion in PROJECT_COMPANIONS:
            if _same(path, Path(f"{project}{companion}")):
                raise QualcodeError(f"{path} is the open project{' (its ' + companion[1:] + ' file)' if companion else ''};"
                                    " choose another file name for the output")
    for source in inputs:
        if _same(path, source):
            raise QualcodeError(f"{path} is the file this command reads; choose another file name for the output")
    if not os.path.lexists(path):
        return
    if not path.is_file():
        raise QualcodeError(f"{path} exists and is not a file; choose another name for the output")
    reason = _not_ours(path, tuple(suffixes))
    if reason:
        raise QualcodeError(f"{path} already exists and {reason}, so qualcode will not replace it; "
                            "choose another file name, or delete it first")


def _not_ours(path: Path, suffixes: tuple[str, ...]) -> str:
    """Why an existing file must not be replaced ('' when it may be)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise QualcodeError(f"cannot read {path} ({exc.strerror}); check the folder and permissions") from None
    if head == SQLITE_MAGIC:
        return "is an SQLite database (a qualcode project?)"
    suffix = path.suffix.lower()
    if suffixes and suffix not in suffixes:
        return f"is not a {'/'.join(suffixes)} file"
    member = _MAKER_MEMBERS.get(suffix)
    if member is not None and head[:2] == b"PK" and not _made_by_qualcode(path, member):
        return "was not written by qualcode"
    return ""


def _made_by_qualcode(path: Path, member: str) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            with zf.open(member) as fh:
                return GENERATOR.encode() in fh.read(64 * 1024)
    except (OSError, KeyError, zipfile.BadZipFile, zlib.error, EOFError):
        return False


def write_output(path: Path, data: bytes | str | Callable[[Path], None], *, project: Path | None = None,
                 db: "Database | None" = None, inputs: Iterable[Path] = (), suffixes: Iterable[str] = ()) -> None:
    """Check ``path`` (:func:`check_output`), then write ``data`` atomically: text as UTF-8,
    bytes as they are, or a function that writes the temporary file it is given."""
    check_output(path, project=project, db=db, inputs=inputs, suffixes=suffixes)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise QualcodeError(f"cannot write {path} ({exc.strerror}); check the folder and permissions") from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, str):
                fh.write(data.encode("utf-8"))
            elif isinstance(data, bytes):
                fh.write(data)
        if callable(data):
            data(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a normal file is what users expect
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise QualcodeError(f"cannot write {path} ({exc.strerror}); nothing was written; "
                            "check the folder, permissions and free space") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
