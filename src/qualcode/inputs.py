"""Input files a command reads: refuse what cannot be read in one line, and name the right
command when a file is meant for another one.

Every command that reads a file the user names (``codebook validate|load|diff``,
``import qdc|qdpx|codings``) calls :func:`check_input` first. A folder, a dangling symbolic
link or a loop of links, an unreadable file, and a file of the wrong kind (a REFI-QDA
codebook given to ``codebook load``, a YAML codebook given to ``import qdc``, a workbook
given to ``import codings``) each become one :class:`QualcodeError` that says what to do,
before anything is read into the project. The kind is decided by the suffix first and the
first bytes second, so a misnamed file is caught too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from qualcode.errors import QualcodeError

Kind = Literal["codebook", "qdc", "qdpx", "codings"]

# What each kind of file is, and the command that reads it.
COMMANDS: dict[str, str] = {
    "codebook": "qualcode codebook load",
    "qdc": "qualcode import qdc",
    "qdpx": "qualcode import qdpx",
    "codings": "qualcode import codings",
}
DESCRIPTIONS: dict[str, str] = {
    "codebook": "a YAML codebook",
    "qdc": "a REFI-QDA codebook (.qdc)",
    "qdpx": "a REFI-QDA project (.qdpx)",
    "codings": "a CSV of codings",
}
SUFFIX_KINDS: dict[str, str] = {
    ".yaml": "codebook", ".yml": "codebook", ".qdc": "qdc", ".qdpx": "qdpx", ".qde": "qdpx",
}
ROOT_KINDS = {b"codebook": "qdc", b"project": "qdpx"}  # REFI-QDA XML root elements
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
ZIP_MAGIC = b"PK\x03\x04"


def check_input(path: Path, kind: Kind) -> None:
    """Raise one QualcodeError if ``path`` cannot be read as ``kind``, else return."""
    _check_readable(path)
    head = _head(path)
    found = _kind_of(path, head)
    if found is not None and found != kind:
        raise QualcodeError(f"{path} is {DESCRIPTIONS[found]}, not {DESCRIPTIONS[kind]}; "
                            f"use `{COMMANDS[found]} {path}`")
    if kind == "codings" and (path.suffix.lower() in (".xlsx", ".xls", ".ods") or head.startswith(ZIP_MAGIC)):
        raise QualcodeError(f"{path} is a workbook, not CSV; save it from your spreadsheet as "
                            "\"CSV UTF-8 (comma delimited)\" and import that file")


def _check_readable(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise QualcodeError(f"{path} is a symbolic link that leads nowhere (or round in a loop); "
                            "give the file itself")
    if not path.exists():
        raise QualcodeError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise QualcodeError(f"{path} is a folder; give a file inside it")
    if not path.is_file():
        raise QualcodeError(f"{path} is not a regular file (a pipe or device); save it as a file first")


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(512)
    except OSError as exc:
        raise QualcodeError(f"cannot read {path} ({exc.strerror or exc}); check its permissions") from None


def _kind_of(path: Path, head: bytes) -> str | None:
    if head.startswith(ZIP_MAGIC):
        return "qdpx" if path.suffix.lower() not in (".xlsx", ".xls", ".ods", ".docx") else None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):  # XML: the root element says what it is, whatever the suffix
        root = _ROOT.search(text)
        found = ROOT_KINDS.get(root.group(2).lower()) if root else None
        return found or (SUFFIX_KINDS.get(path.suffix.lower()) if path.suffix.lower() in (".qdc", ".qdpx", ".qde") else None)
    return SUFFIX_KINDS.get(path.suffix.lower())


def refuse_as_transcript(path: Path, head: bytes) -> None:
    """For ``ingest``: a codebook or REFI-QDA file given as a transcript is refused, naming the
    command that reads it (a YAML codebook was ingested as 140 turns of "speech")."""
    found = _kind_of(path, head)
    if found == "qdpx" and head.startswith(ZIP_MAGIC) and path.suffix.lower() not in (".qdpx", ".qde") \
            and b"project.qde" not in head:
        found = None  # another zip archive: the transcript reader says what it is
    if found is not None:
        raise QualcodeError(f"{path} is {DESCRIPTIONS[found]}, not a transcript; use `{COMMANDS[found]} {path}`")
