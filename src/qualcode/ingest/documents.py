"""Binary documents: Word (.docx, python-docx), RTF (striprtf) and text PDFs (pypdf).

Each is turned into plain text (one line per paragraph, blank lines kept), normalised,
and parsed with the plain-text speaker conventions, so a Word transcript and its .txt
export give the same turns. The stored text is this extracted text: offsets refer to it.
"""

from __future__ import annotations

import io
import logging
import re

from qualcode.errors import QualcodeError
from qualcode.ingest.decode import normalise
from qualcode.ingest.labels import TS_RE
from qualcode.ingest.model import Transcript
from qualcode.ingest.text import parse_text


def _finish(raw: str, name: str, fmt: str, encoding: str, speaker_pattern: str | None) -> Transcript:
    text = normalise(raw)
    if not text.strip():
        raise QualcodeError(f"{name}: has no text; nothing to ingest")
    return parse_text(text, encoding=encoding, fmt=fmt, speaker_pattern=speaker_pattern)


def docx_text(data: bytes, name: str) -> str:
    """Paragraphs and table rows in document order; a table row [time,] speaker, text
    becomes ``[time ]speaker: text``."""
    from docx import Document
    from docx.table import Table

    try:
        document = Document(io.BytesIO(data))
    except Exception:  # python-docx raises zipfile, KeyError and its own errors alike
        raise QualcodeError(f"{name}: is not a readable Word .docx file; open it in Word and "
                            "save it again as .docx") from None
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
            lines.append(block.text)
    return "\n".join(lines)


def parse_docx(data: bytes, *, name: str, speaker_pattern: str | None = None) -> Transcript:
    return _finish(docx_text(data, name), name, "docx", "utf-8", speaker_pattern)


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


def pdf_text(data: bytes, name: str) -> str:
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
    return "\n".join(_drop_page_number(p) for p in pages)


def _drop_page_number(page: str) -> str:
    """Page numbers at the top or bottom of a page are not speech."""
    lines = page.split("\n")
    while lines and (not lines[-1].strip() or (lines[-1].strip().isdigit() and not TS_RE.match(lines[-1].strip()))):
        lines.pop()
    while lines and lines[0].strip().isdigit():
        lines.pop(0)
    return "\n".join(lines)


def parse_pdf(data: bytes, *, name: str, speaker_pattern: str | None = None) -> Transcript:
    return _finish(pdf_text(data, name), name, "pdf", "n/a", speaker_pattern)
