"""``qualcode import codings FILE.csv``: a spreadsheet of codings, in one transaction.

Columns (a header row; names are case-insensitive):

- ``source`` (name, as `qualcode sources` lists it) and ``code`` (id): required;
- ``segment`` (id) and/or ``quote`` (the exact coded words): at least one. A segment alone
  codes the whole segment; a quote with a segment codes those words in it; a quote alone is
  looked for in the whole source and must occur exactly once;
- ``coder``: who coded it (else the importing coder); ``memo``: a memo on the coding;
- ``start``/``end`` (source offsets) and ``status``, as ``qualcode export csv`` writes them:
  offsets win over the quote when given; rows whose status is not ``accepted`` are skipped.

Rows that cannot be matched are reported (row number and reason, never the quote) and the
others are applied; either all matched rows land or, on any failure, none do.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.coding.common import code_aliases, new_batch
from qualcode.coding.decisions import Span, code_span, resolve_span
from qualcode.coding.ledger import note_fold, write_transaction
from qualcode.errors import QualcodeError
from qualcode.output_files import neutralised, restored

if TYPE_CHECKING:
    from sqlite_utils import Database


class NoMatch(Exception):
    """A row that does not match the project; its message is the reason."""


@dataclass
class Unmatched:
    row: int  # line number in the file (the header is row 1)
    reason: str
    values: dict[str, str]


@dataclass
class ImportResult:
    file: str
    rows: int = 0
    added: int = 0
    accepted_suggestions: int = 0
    already_present: int = 0
    folded: int = 0  # rows that repeat the coding an earlier row made (same span, code, coder): kept once
    memos_added: int = 0
    unmatched: list[Unmatched] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, str]]:
    from qualcode.inputs import check_input

    check_input(path, "codings")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise QualcodeError(f"{path}: no such file; check the path") from None
    except UnicodeDecodeError:
        raise QualcodeError(f"{path}: is not UTF-8 text; save the spreadsheet as CSV UTF-8") from None
    reader = csv.DictReader(io.StringIO(text.replace("\r\n", "\n")))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in ("source", "code") if c not in columns]
    if missing or not ({"segment", "quote"} & set(columns)):
        need = missing + ([] if {"segment", "quote"} & set(columns) else ["segment or quote"])
        raise QualcodeError(f"{path}: missing column(s) {', '.join(need)}; the header needs source, code, "
                            "segment and/or quote (optional: coder, memo)")
    # A row longer than the header puts its extra cells under None (a list): they are ignored.
    # Cells qualcode neutralised against formula injection ('=…, '-…) read back as written.
    return [{k.strip().lower(): restored((v or "").strip()) for k, v in row.items()
             if k is not None and not isinstance(v, list)} for row in reader]


class _Locator:
    """Finds each row's span, caching sources and codes."""

    def __init__(self, db: "Database") -> None:
        self.db = db
        self.sources = {r[0]: (int(r[1]), str(r[2])) for r in db.execute("SELECT name, id, text FROM sources")}
        self.codes = code_aliases(db)  # an old id from before a rename or merge still matches

    def span(self, row: dict[str, str]) -> Span:
        if row.get("status") not in (None, "", "accepted"):
            raise NoMatch(f"status is {row['status']}; only accepted codings are imported")
        if row.get("source", "") not in self.sources:
            raise NoMatch("unknown source" if row.get("source") else "no source")
        if row.get("code", "") not in self.codes:
            raise NoMatch("unknown code id" if row.get("code") else "no code")
        source_id, text = self.sources[row["source"]]
        segment = self._segment(row.get("segment", ""), source_id)
        if row.get("start") and row.get("end"):
            return self._offsets(row, source_id, text, segment)
        quote = row.get("quote", "")
        if segment is not None:
            try:
                return resolve_span(self.db, segment, quote=quote or None)
            except QualcodeError:
                raise NoMatch("the quote is not in that segment") from None
        if not quote:
            raise NoMatch("no segment and no quote")
        count = text.count(quote)
        if count != 1:
            raise NoMatch("the quote is not in the source" if count == 0 else
                          f"the quote occurs {count} times in the source; add the segment id")
        start = text.index(quote)
        return Span(self._containing(source_id, start, start + len(quote)), source_id, start, start + len(quote), False)

    def _segment(self, value: str, source_id: int) -> int | None:
        if not value:
            return None
        if not value.isdigit():
            raise NoMatch("the segment is not a number")
        row = self.db.execute("SELECT source_id FROM segments WHERE id = ?", [int(value)]).fetchone()
        if row is None or int(row[0]) != source_id:
            raise NoMatch("no such segment in that source")
        return int(value)

    def _offsets(self, row: dict[str, str], source_id: int, text: str, segment: int | None) -> Span:
        try:
            start, end = int(row["start"]), int(row["end"])
        except ValueError:
            raise NoMatch("start/end are not numbers") from None
        if not 0 <= start < end <= len(text):
            raise NoMatch("start/end are outside the source")
        if row.get("quote") and " ".join(text[start:end].split()) != " ".join(row["quote"].split()):
            raise NoMatch("the quote is not at start/end (was the source ingested differently?)")
        segment = segment if segment is not None else self._containing(source_id, start, end)
        bounds = None
        if segment is not None:
            bounds = self.db.execute("SELECT start, end FROM segments WHERE id = ?", [segment]).fetchone()
        whole = bounds is not None and start <= bounds[0] and end >= bounds[1]
        return Span(segment, source_id, start, end, whole)

    def _containing(self, source_id: int, start: int, end: int) -> int | None:
        row = self.db.execute("SELECT id FROM segments WHERE source_id = ? AND start <= ? AND end >= ? "
                              "ORDER BY ordinal LIMIT 1", [source_id, start, end]).fetchone()
        return None if row is None else int(row[0])


def import_codings(db: "Database", path: Path, *, coder: str) -> ImportResult:
    """Apply every matching row as an accepted coding, in one transaction."""
    from qualcode.coding.memos import add_memo

    rows = read_rows(path)
    result = ImportResult(file=str(path), rows=len(rows))
    batch = new_batch()
    created: set[int] = set()
    with write_transaction(db):
        locate = _Locator(db)
        for number, row in enumerate(rows, start=2):
            try:
                span = locate.span(row)
            except NoMatch as exc:
                result.unmatched.append(Unmatched(number, str(exc), row))
                continue
            who = row.get("coder") or coder
            done = code_span(db, span, locate.codes[row["code"]], coder=who, origin="import", batch=batch,
                             detail={"file": path.name, "row": number})
            result.added += done.action == "created"
            result.accepted_suggestions += done.action == "accepted-suggestion"
            if done.action == "already" and done.coding_id in created:  # a row repeats an earlier row
                note_fold(db, done.coding_id, actor=coder, batch=batch, detail={"file": path.name, "row": number})
                result.folded += 1
            elif done.action == "already":
                result.already_present += 1
            else:
                created.add(done.coding_id)
            memo = row.get("memo", "")
            if memo and not db.execute(
                    "SELECT 1 FROM memos WHERE target_type = 'coding' AND target_id = ? AND text = ?",
                    [str(done.coding_id), memo]).fetchone():
                add_memo(db, "coding", str(done.coding_id), memo, author=who)
                result.memos_added += 1
    return result


def unmatched_csv(result: ImportResult) -> str:
    """The unmatched rows with their problem, to fix and import again."""
    out = io.StringIO()
    columns = ["row", "problem"] + sorted({k for u in result.unmatched for k in u.values})
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for u in result.unmatched:
        writer.writerow({k: neutralised(v) for k, v in {"row": u.row, "problem": u.reason, **u.values}.items()})
    return out.getvalue()
