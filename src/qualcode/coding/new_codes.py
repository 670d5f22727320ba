"""Codes born while coding: create a code and apply it, as one undoable decision.

Inductive analysis names a code when it first sees it in the data. ``qualcode code SEG
--new NAME`` and the review's ``c`` with a name the codebook does not have do both steps in
one write transaction and one ``batch``: the codebook version that adds the code
(:func:`qualcode.codebook.edit.add_code`) and the coding, so ``undo`` takes back both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.coding import ledger
from qualcode.coding.decisions import ManualResult, Span, code_span, resolve_span

if TYPE_CHECKING:
    from sqlite_utils import Database

    from qualcode.codebook.edit import Edit


@dataclass
class NewCodeResult:
    edit: "Edit"
    coding: ManualResult

    @property
    def code_id(self) -> str:
        return self.edit.code_id

    def summary(self) -> str:
        code = self.edit.code
        under = f" under {code.parent_id}" if code.parent_id else ""
        return f"Added code {code.id} ({code.name}){under} to the codebook as version {self.edit.result.version_id}"


def code_with_new_code(db: "Database", segment_id: int, name: str, *, coder: str, parent: str | None = None,
                       description: str = "", code_id: str | None = None, start: int | None = None,
                       end: int | None = None, quote: str | None = None, span: Span | None = None) -> NewCodeResult:
    """Add a code named ``name`` to the codebook and code the segment (or a span of it, or
    ``span``, which may cross turns) with it: one transaction, one undoable batch."""
    from qualcode.codebook.edit import add_code

    if span is None:
        span = resolve_span(db, segment_id, start=start, end=end, quote=quote)  # a bad span changes nothing
    with ledger.write_transaction(db):
        edit = add_code(db, name, code_id=code_id, parent=parent, description=description, actor=coder)
        coding = code_span(db, span, edit.code_id, coder=coder, batch=edit.batch)
    return NewCodeResult(edit, coding)
