"""Opening REFI-QDA files without trusting them.

A ``.qdpx`` is a zip from another machine. Nothing is extracted to disk: members are read
into memory, and only after every check has passed:

- member names must be relative and stay inside the archive (no ``..``, no ``/abs``, no
  ``C:\\``): a zip-slip archive is refused whole, even though we never write its paths;
- sizes are bounded before reading (members, total, and compression ratio, which catches
  zip bombs whose headers tell the truth) and again while reading (headers can lie);
- XML is parsed with lxml with entity resolution, DTD loading and network access off and
  ``huge_tree`` off; a document that declares a DTD at all is refused, since REFI-QDA
  files never need one (this closes external entities and entity-expansion bombs alike).

lxml rather than defusedxml: lxml is what validates against the XSDs too, and its parser
options give the same protection without a second XML stack.
"""

from __future__ import annotations

import re
import urllib.parse
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from lxml import etree

MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 512 * 1024 * 1024      # one file, uncompressed
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # the whole archive, uncompressed
MAX_RATIO = 200                            # uncompressed / compressed, for members over 1 MiB
RATIO_FLOOR = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveError(QualcodeError):
    """An archive or XML document that is refused."""


@dataclass
class Archive:
    """The checked members of a .qdpx: ``project`` is project.qde's bytes; ``files`` maps a
    lower-cased member path to its real name (``Sources/`` and ``sources/`` both occur)."""

    path: Path
    project: bytes
    zf: zipfile.ZipFile | None
    files: dict[str, zipfile.ZipInfo]

    def read_source(self, internal: str) -> bytes | None:
        """The bytes of ``internal://NAME`` (looked up in sources/, any case), or None."""
        if self.zf is None:
            return None
        name = internal.split("://", 1)[-1].lstrip("/")
        name = urllib.parse.unquote(name).lower() if "%" in name else name.lower()
        info = self.files.get(f"sources/{name}") or self.files.get(name)
        if info is None:
            return None
        return _read_member(self.zf, info)

    def read_extra(self, name: str) -> bytes | None:
        """Another member by its exact (case-insensitive) path, or None."""
        info = self.files.get(name.lower())
        return _read_member(self.zf, info) if self.zf is not None and info is not None else None

    def close(self) -> None:
        if self.zf is not None:
            self.zf.close()


def _check_name(name: str, archive: Path) -> None:
    unix = name.replace("\\", "/")
    if unix.startswith("/") or _DRIVE.match(unix):
        raise ArchiveError(f"{archive}: refused: member '{name}' has an absolute path; "
                           "the archive is not a REFI-QDA export you can trust")
    if ".." in PurePosixPath(unix).parts:
        raise ArchiveError(f"{archive}: refused: member '{name}' points outside the archive (zip slip); "
                           "the archive is not a REFI-QDA export you can trust")


def _check_sizes(infos: list[zipfile.ZipInfo], archive: Path) -> None:
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(f"{archive}: refused: {len(infos)} files in the archive (limit {MAX_MEMBERS})")
    total = 0
    for info in infos:
        if info.file_size > MAX_MEMBER_BYTES:
            raise ArchiveError(f"{archive}: refused: '{info.filename}' unpacks to {info.file_size} bytes "
                               f"(limit {MAX_MEMBER_BYTES}); possible zip bomb")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise ArchiveError(f"{archive}: refused: '{info.filename}' is compressed {info.file_size // max(1, info.compress_size)}:1 "
                               f"(limit {MAX_RATIO}:1); possible zip bomb")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise ArchiveError(f"{archive}: refused: the archive unpacks to {total} bytes "
                           f"(limit {MAX_TOTAL_BYTES}); possible zip bomb")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read at most the declared size (and the limit): a lying header cannot inflate us."""
    limit = min(info.file_size, MAX_MEMBER_BYTES)
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, OSError, EOFError) as exc:  # zlib: damaged deflate data
        raise ArchiveError(f"cannot read '{info.filename}' from the archive ({exc}); "
                           "export the project again") from None
    if len(data) > limit:
        raise ArchiveError(f"refused: '{info.filename}' unpacks to more than its header says; possible zip bomb")
    return data


def open_archive(path: Path) -> Archive:
    """Open a .qdpx (or a bare project.qde / .qde file) after checking every member."""
    if not path.exists():
        raise QualcodeError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise QualcodeError(f"{path}: is a folder; give the .qdpx file")
    if not zipfile.is_zipfile(path):
        head = path.read_bytes()[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"<"):  # a bare project.qde: no sources come with it
            return Archive(path, path.read_bytes(), None, {})
        raise ArchiveError(f"{path}: is neither a .qdpx (zip) archive nor REFI-QDA XML; "
                           "export the project from your QDA tool as REFI-QDA")
    try:
        zf = zipfile.ZipFile(path)
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"{path}: damaged zip archive ({exc}); export the project again") from None
    try:
        for info in infos:
            _check_name(info.filename, path)
        _check_sizes(infos, path)
        files = {i.filename.replace("\\", "/").lower(): i for i in infos}
        qde = files.get("project.qde") or next(
            (i for n, i in files.items() if n.endswith(".qde") and "/" not in n), None)
        if qde is None:
            raise ArchiveError(f"{path}: no project.qde in the archive; this is not a REFI-QDA project "
                               "(a codebook alone is a .qdc: use `qualcode import qdc`)")
        project = _read_member(zf, qde)
    except Exception:
        zf.close()
        raise
    return Archive(path, project, zf, files)


_PROLOG_DTD = re.compile(r"^\s*(?:<\?xml[^>]*\?>)?(?:\s|<!--.*?-->|<\?.*?\?>)*<!DOCTYPE", re.S)


def _declares_dtd(data: bytes) -> bool:
    """Whether the prolog (before the root element) has a <!DOCTYPE>."""
    head = data[:65536]
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return bool(_PROLOG_DTD.match(head[2:].decode(encoding, errors="replace")))
    return bool(_PROLOG_DTD.match(head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf")))


def parse_xml(data: bytes, what: str) -> "etree._ElementTree":
    """Parse untrusted XML: no entities, no DTD, no network, no huge trees."""
    from lxml import etree

    if _declares_dtd(data):
        raise ArchiveError(f"{what}: refused: the XML declares a DTD (<!DOCTYPE>), which REFI-QDA files "
                           "never do; it may hide entity expansion or external entities")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True)
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else 1
        raise ArchiveError(f"{what}:{line}: malformed XML ({exc.msg}); export it again from your QDA tool") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ArchiveError(f"{what}: refused: the XML declares a DTD (<!DOCTYPE>), which REFI-QDA files "
                           "never do; it may hide entity expansion or external entities")
    return tree
