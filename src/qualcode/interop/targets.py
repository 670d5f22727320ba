"""What each REFI-QDA client reads: the conventions ``export qdpx --for TOOL`` writes.

The standard leaves room, and every client fills it its own way. What differs:

- **positions**: NVivo, ATLAS.ti and MAXQDA count UTF-16 code units, QualCoder counts code
  points (:mod:`.positions`); ATLAS.ti and MAXQDA count a CRLF line break as one.
- **line breaks in the text files**: MAXQDA wants CRLF (QualCoder has a MAXQDA switch that
  writes exactly this); the others read the text as written.
- **memos**: the standard's ``Note`` + ``NoteRef``; QualCoder ignores those and reads a memo
  from the ``Description`` of a selection, code or source, and a journal from a note *file*.
- **dates and memos of codings**: QualCoder stores both per coding but reads them from the
  selection, so for it every coding gets a selection of its own (still one coder each).
- **participants**: a ``Case`` referring to its turns with ``SelectionRef``; QualCoder links
  a case to text only through a code that carries the case's GUID, coded on that text.
- **byte-order mark**: QualCoder reads text files as UTF-8 without skipping a BOM, so a BOM
  would shift every position by one; the others drop it.

Without ``--for``, exports follow the standard as NVivo, ATLAS.ti and MAXQDA read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    positions: str                   # "utf16" | "codepoints"
    crlf_one: bool = False           # a CRLF line break counts one position
    newline: str = "\n"              # line breaks of exported (normalised) texts
    keep_bom: bool = True            # write an imported source's byte-order mark back
    memo_descriptions: bool = False  # memos also as Description, where QualCoder reads them
    case_codes: bool = False         # participants' turns coded with their case's GUID
    journal_files: bool = False      # project memos as note files (QualCoder journals)
    selection_per_coding: bool = False  # QualCoder keeps one date and memo per selection


STANDARD = Target("standard", "NVivo, ATLAS.ti and MAXQDA", "utf16")

TARGETS: dict[str, Target] = {
    "nvivo": Target("nvivo", "NVivo", "utf16"),
    "atlas": Target("atlas", "ATLAS.ti", "utf16", crlf_one=True),
    "maxqda": Target("maxqda", "MAXQDA", "utf16", crlf_one=True, newline="\r\n"),
    "qualcoder": Target("qualcoder", "QualCoder", "codepoints", keep_bom=False, memo_descriptions=True,
                        case_codes=True, journal_files=True, selection_per_coding=True),
}


def target(name: str | None, positions: str | None = None) -> Target:
    """The conventions for ``--for name`` (None: the standard), with ``--positions`` overriding
    how positions count."""
    from dataclasses import replace

    chosen = TARGETS[name] if name else STANDARD
    return replace(chosen, positions=positions) if positions else chosen
