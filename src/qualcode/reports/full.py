"""The whole write-up in one bundle (for ``report html`` and ``report docx``): theme
frequencies, a code × attribute matrix, co-occurrence, quotes per theme, agreement when
two or more coders coded the same sources, and the project and code memos."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qualcode.coding.memos import Memo, list_memos
from qualcode.errors import QualcodeError
from qualcode.reports.agreement import AgreementReport, agreement_report, coder_sources
from qualcode.reports.coded import shared_reads
from qualcode.reports.cooccurrence import CooccurrenceReport, cooccurrence_report
from qualcode.reports.matrix import MatrixReport, attribute_names, matrix_report
from qualcode.reports.pseudonymise import load_pseudonymiser
from qualcode.reports.quotes import QuotesReport, quotes_report
from qualcode.reports.themes import ThemesReport, themes_report

if TYPE_CHECKING:
    from sqlite_utils import Database

DEFAULT_BY = ("role", "group", "site")
DISAGREEMENTS_LISTED = 200


@dataclass
class FullReport:
    title: str
    themes: ThemesReport
    matrix: MatrixReport | None
    cooccurrence: CooccurrenceReport
    quotes: QuotesReport
    agreement: AgreementReport | None
    memos: list[Memo] = field(default_factory=list)
    pseudonymised: bool = False
    colours: dict[str, str | None] = field(default_factory=dict)   # code id -> codebook colour


def default_attribute(db: "Database") -> str | None:
    """The matrix's attribute when none is named: role, group or site (a participant's when
    both kinds have it), else the source group."""
    people, sources = attribute_names(db)
    groups = db.execute("SELECT 1 FROM sources WHERE source_group IS NOT NULL LIMIT 1").fetchone() is not None
    for name in DEFAULT_BY:
        on_source = name in sources or (name == "group" and groups)
        if name in people and on_source:
            return f"participant.{name}"
        if name in people or on_source:
            return name
    return None


def project_title(db: "Database") -> str:
    row = db.execute("SELECT name FROM codebook_versions ORDER BY id DESC LIMIT 1").fetchone()
    return str(row[0]) if row and row[0] else "Thematic analysis report"


def full_report(db: "Database", *, by: str | None = None, per_code: int = 3, include_suggested: bool = False,
                pseudonymise: bool = False, title: str | None = None,
                include_facilitators: bool = False, characters: bool = False) -> FullReport:
    """``characters`` adds the character-level agreement (``report agreement --characters``)."""
    with shared_reads():
        return _full_report(db, by, per_code, include_suggested, pseudonymise, title, include_facilitators,
                            characters)


def _full_report(db: "Database", by: str | None, per_code: int, include_suggested: bool, pseudonymise: bool,
                 title: str | None, include_facilitators: bool = False, characters: bool = False) -> FullReport:
    by = by or default_attribute(db)
    # Agreement last: it takes its units from the segment table the others read.
    themes = themes_report(db, include_suggested=include_suggested, include_facilitators=include_facilitators)
    matrix = matrix_report(db, by, include_suggested=include_suggested, pseudonymise=pseudonymise,
                           percent="column", include_facilitators=include_facilitators) if by else None
    cooccurrence = cooccurrence_report(db, include_suggested=include_suggested,
                                       include_facilitators=include_facilitators)
    quotes = quotes_report(db, per_code=per_code, include_suggested=include_suggested, pseudonymise=pseudonymise,
                           include_facilitators=include_facilitators)
    agreement = None
    coded = coder_sources(db)
    if len(coded) >= 2:
        try:
            # The write-up lists the first disagreements (the full list is `report agreement
            # --disagreements`): reading all of them would cost more than every other part.
            agreement = agreement_report(db, pseudonymise=pseudonymise, coded=coded,
                                         max_disagreements=DISAGREEMENTS_LISTED,
                                         include_facilitators=include_facilitators, characters=characters)
        except QualcodeError:
            agreement = None  # coders who did not code the same sources: nothing to compare
    memos = [m for m in list_memos(db) if m.target_type in ("project", "code")]
    if pseudonymise:
        pz = load_pseudonymiser(db)
        for m in memos:
            m.text = pz.text(m.text)
    return FullReport(
        title=title or project_title(db),
        themes=themes, matrix=matrix, cooccurrence=cooccurrence, quotes=quotes, agreement=agreement, memos=memos, pseudonymised=pseudonymise,
        colours={r[0]: r[1] for r in db.execute("SELECT id, colour FROM codes")})

