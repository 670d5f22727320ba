"""Binary documents: Word (.docx, python-docx), RTF (striprtf) and text PDFs (pypdf).

Each is turned into plain text (one line per paragraph, blank lines kept), normalised,
and parsed with the plain-text speaker conventions, so a Word transcript and its .txt
export give the same turns. The stored text is this extracted text: offsets refer to it.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError
from qualcode.ingest.decode import normalise
from qualcode.ingest.labels import TS_RE, name_like
from qualcode.ingest.model import Transcript
from qualcode.ingest.text import parse_text

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.text.paragraph import Paragraph
    from pypdf import PageObject


def _finish(raw: str, name: str, fmt: str, encoding: str, speaker_pattern: str | None) -> Transcript:
    text = normalise(raw)
    if not text.strip():
        raise QualcodeError(f"{name}: has no text; nothing to ingest")
    return parse_text(text, encoding=encoding, fmt=fmt, speaker_pattern=speaker_pattern)


# A .docx is a zip that python-docx unpacks whole into memory: bounded before it does, as
# REFI-QDA archives are (interop/archive.py). Word's XML deflates about 5-15:1; a zip bomb
# holding 800 MB of XML in 2.3 MB runs at hundreds to one.
DOCX_MAX_MEMBERS = 10_000
DOCX_MAX_MEMBER_BYTES = 128 * 1024 * 1024  # a document.xml of a million words is about 60 MB
DOCX_MAX_TOTAL_BYTES = 512 * 1024 * 1024
DOCX_MAX_RATIO = 100           # uncompressed / compressed, for members (and the whole) over 1 MiB
DOCX_RATIO_FLOOR = 1024 * 1024


def check_docx_archive(data: bytes, name: str) -> None:
    """Refuse a .docx whose members would unpack to too much (a decompression bomb). The
    central directory's sizes bound what zipfile will inflate (it stops at the declared
    size and fails the CRC check), so checking them before parsing suffices."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise QualcodeError(f"{name}: is not a readable Word .docx file (a damaged zip); open it in Word "
                            "and save it again as .docx") from None
    check_members(infos, name)


def check_members(infos: list[zipfile.ZipInfo], name: str) -> None:
    refused = f"{name}: refused: not a Word file that is safe to open"
    if len(infos) > DOCX_MAX_MEMBERS:
        raise QualcodeError(f"{refused} ({len(infos):,} parts, limit {DOCX_MAX_MEMBERS:,}); possible zip bomb")
    total = packed_total = 0
    for info in infos:
        size, packed = info.file_size, max(1, info.compress_size)
        packed_total += packed
        if size > DOCX_MAX_MEMBER_BYTES:
            raise QualcodeError(f"{refused} ('{info.filename}' unpacks to {size:,} bytes, limit "
                                f"{DOCX_MAX_MEMBER_BYTES:,}); possible zip bomb")
        if size > DOCX_RATIO_FLOOR and size > DOCX_MAX_RATIO * packed:
            raise QualcodeError(f"{refused} ('{info.filename}' is compressed {size // packed:,}:1, limit "
                                f"{DOCX_MAX_RATIO}:1); possible zip bomb")
        total += size
    if total > DOCX_MAX_TOTAL_BYTES:
        raise QualcodeError(f"{refused} (it unpacks to {total:,} bytes, limit {DOCX_MAX_TOTAL_BYTES:,}); "
                            "possible zip bomb")
    if total > DOCX_RATIO_FLOOR and total > DOCX_MAX_RATIO * packed_total:  # many small bombs
        raise QualcodeError(f"{refused} (its parts are compressed {total // packed_total:,}:1, limit "
                            f"{DOCX_MAX_RATIO}:1); possible zip bomb")


def docx_text(data: bytes, name: str, notices: list[str] | None = None) -> str:
    """Paragraphs and table rows in document order; a table row [time,] speaker, text
    becomes ``[time ]speaker: text``, and a paragraph opening with a bold name and a tab
    (transcription services' Word files) ``speaker: text``. What is not read (text boxes,
    comments, notes, headers and footers) is added to ``notices``."""
    from docx import Document
    from docx.table import Table

    check_docx_archive(data, name)
    try:
        document = Document(io.BytesIO(data))
    except Exception:  # python-docx raises zipfile, KeyError and its own errors alike
        raise QualcodeError(f"{name}: is not a readable Word .docx file; open it in Word and "
                            "save it again as .docx") from None
    tracked = any(True for _ in document.element.body.iter(f"{_W}ins", f"{_W}del"))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [c.text.strip() for c in row.cells]
                cells = [c for i, c in enumerate(cells) if c and c not in cells[:i]]
                if len(cells) >= 2:
                    lines.append(" ".join(cells[:-2] + [f"{cells[-2]}: {cells[-1]}"]))
                elif cells:
                    lines.append(cells[0])
                lines.append("")
        else:
            lines.append(_paragraph_text(block, tracked))
    if notices is not None:
        try:
            notices.extend(_not_read(document, tracked))
        except Exception:  # a damaged comments or header part: the text itself was read
            notices.append("could not check the document for comments, notes and headers (a damaged part)")
    return "\n".join(lines)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# After a bold name: a tab, or a time mark in brackets ("Dr. Okafor [00:00:05] …").
_TAB_AFTER_NAME = re.compile(r"^(?:[ \t]*\t|\s+\[\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\])")


def _paragraph_text(paragraph: "Paragraph", tracked: bool) -> str:
    """The paragraph's text, tracked insertions included (python-docx leaves runs inside
    ``w:ins`` out, which would drop words a transcriber added), with a leading bold name
    followed by a tab turned into ``Name: `` (bold is markup, like a colon)."""
    from docx.text.run import Run

    if tracked and paragraph._p.find(f"{_W}ins") is not None:
        runs = [Run(r, paragraph) for r in paragraph._p.iter(f"{_W}r")
                if r.getparent().tag in (f"{_W}p", f"{_W}ins", f"{_W}hyperlink")]
        text = "".join(r.text for r in runs)
    else:
        runs, text = [], paragraph.text
    if "\t" not in text[:80] and "[" not in text[:80]:
        return text
    label = ""
    for run in runs or paragraph.runs:
        if not (run.bold or (run.style is not None and run.style.font.bold)):
            break
        label += run.text.split("\t", 1)[0]
        if "\t" in run.text:
            break
    name = label.strip()
    rest = text[len(label):]
    if name and not name.endswith(":") and _TAB_AFTER_NAME.match(rest) and name_like(name) and rest.strip():
        return f"{name}: {rest.strip()}"
    return text


def _not_read(document: "DocumentObject", tracked: bool) -> list[str]:
    """One notice naming the parts of the document that qualcode does not read."""
    body = document.element.body
    counts = {
        "text box": sum(1 for box in body.iter(f"{_W}txbxContent")
                        if not any(a.tag.endswith("}Fallback") for a in box.iterancestors())),
        "comment": 0, "footnote": 0, "endnote": 0,
    }
    for part in document.part.package.iter_parts():
        partname = str(part.partname)
        for kind in ("comment", "footnote", "endnote"):
            if partname == f"/word/{kind}s.xml":
                from docx.oxml import parse_xml

                root = parse_xml(part.blob)
                counts[kind] = sum(1 for el in root.iter(f"{_W}{kind}")
                                   if el.get(f"{_W}type") not in ("separator", "continuationSeparator",
                                                                 "continuationNotice"))
    found = [f"{n} {kind}{'es' if kind == 'text box' and n != 1 else 's' if n != 1 else ''}"
             for kind, n in counts.items() if n]
    if any(p.text.strip() for section in document.sections for hf in (section.header, section.footer)
           if not hf.is_linked_to_previous for p in hf.paragraphs):
        found.append("the page header/footer")
    notices = []
    if found:
        notices.append(f"not read: {', '.join(found)} (qualcode reads the paragraphs and tables of the main text)")
    if tracked:
        notices.append("tracked changes: insertions read as accepted text, deletions left out")
    return notices


def parse_docx(data: bytes, *, name: str, speaker_pattern: str | None = None) -> Transcript:
    notices: list[str] = []
    raw = docx_text(data, name, notices)
    if speaker_pattern is None and "-->" in raw:
        from qualcode.ingest import exports

        lines = normalise(raw).split("\n")
        if exports.has_timed_blocks(lines[:200]):  # Teams: timing line, name, text
            transcript = exports.parse_timed_blocks(lines, fmt="docx", encoding="utf-8")
            transcript.notices[:0] = notices
            return transcript
    transcript = _finish(raw, name, "docx", "utf-8", speaker_pattern)
    transcript.notices[:0] = notices
    return transcript


_ANSICPG = re.compile(rb"\\ansicpg(\d+)")


def parse_rtf(data: bytes, *, name: str, speaker_pattern: str | None = None) -> Transcript:
    from striprtf.striprtf import rtf_to_text

    m = _ANSICPG.search(data[:2048])
    encoding = f"cp{int(m[1])}" if m else "cp1252"
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "cp1252"
    try:
        raw = rtf_to_text(data.decode("latin-1"), encoding=encoding, errors="replace")
    except Exception:  # striprtf has no error type of its own
        raise QualcodeError(f"{name}: is not a readable RTF file; open it and save it again "
                            "as .rtf or .docx") from None
    return _finish(raw, name, "rtf", encoding, speaker_pattern)


def pdf_text(data: bytes, name: str, notices: list[str] | None = None) -> str:
    """The text layer, page by page; a page without one (a scanned page in a typed
    transcript) is added to ``notices``."""
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # font warnings are not the user's business
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise QualcodeError(f"{name}: is a password-protected PDF; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except QualcodeError:
        raise
    except Exception:
        raise QualcodeError(f"{name}: is not a readable PDF; export the transcript again "
                            "(as .docx or .txt if you can)") from None
    if not any(p.strip() for p in pages):
        raise QualcodeError(f"{name}: is a PDF without a text layer (a scan?); run OCR on it "
                            "or export the transcript as .docx or .txt")
    if notices is not None:
        scans = [number for number, text in enumerate(pages, start=1)
                 if not text.strip() and _has_images(reader.pages[number - 1])]
        if scans:  # an empty page is not worth a word; a page that is only an image is
            noun = "page" if len(scans) == 1 else "pages"
            shown = ", ".join(str(n) for n in scans[:8]) + (", …" if len(scans) > 8 else "")
            notices.append(f"{len(scans)} {noun} skipped: an image without a text layer, a scan? "
                           f"(page {shown}); run OCR on the PDF to read them")
    return "\n".join(_drop_page_number(p) for p in pages)


def _has_images(page: "PageObject") -> bool:
    """Whether the page draws an image (``Do`` in its content, an image among its resources)."""
    try:
        contents = page.get_contents()
        return contents is not None and b"Do" in contents.get_data() and len(page.images) > 0
    except Exception:  # a damaged page: nothing to report about it
        return False


def _drop_page_number(page: str) -> str:
    """Page numbers at the top or bottom of a page are not speech."""
    lines = page.split("\n")
    while lines and (not lines[-1].strip() or (lines[-1].strip().isdigit() and not TS_RE.match(lines[-1].strip()))):
        lines.pop()
    while lines and lines[0].strip().isdigit():
        lines.pop(0)
    return "\n".join(lines)


def parse_pdf(data: bytes, *, name: str, speaker_pattern: str | None = None) -> Transcript:
    notices: list[str] = []
    transcript = _finish(pdf_text(data, name, notices), name, "pdf", "n/a", speaker_pattern)
    transcript.notices[:0] = notices
    return transcript
