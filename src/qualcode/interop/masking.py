"""What a pseudonymised export hides, and how coded offsets follow the changed text.

``export qdpx --pseudonymise`` uses the project's pseudonymiser
(:mod:`qualcode.reports.pseudonymise`): cases are named by pseudonym (or participant id),
names in source texts, memos and code descriptions become pseudonyms or ``[name]``, sources
are named ``Source N``, and the ``names``/``pseudonym`` and identifying attributes are
dropped. Coder names (the researchers) are kept.

Replacing a name changes the text's length, so coded ranges are carried over by cutting
the text at every range boundary, masking each piece and adding up the new lengths. A
boundary that falls inside a name would leave part of it in a piece: the result is checked
and such an export is refused rather than leaking the name.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


class Masking:
    """No masking: everything as stored."""

    active = False

    def text(self, text: str) -> str:
        return text

    def participant(self, participant_id: str) -> str:
        return participant_id

    def attributes(self, attributes: dict[str, Any]) -> dict[str, Any]:
        return attributes

    def source_name(self, name: str) -> str:
        return name

    def source(self, name: str, text: str, boundaries: set[int]) -> tuple[str, dict[int, int]]:
        """The text to export and, for each boundary offset, where it lands in that text."""
        return text, {b: b for b in boundaries}


class Pseudonymising(Masking):
    active = True

    def __init__(self, db: "Database") -> None:
        from qualcode.reports.pseudonymise import load_pseudonymiser

        self.pz = load_pseudonymiser(db)

    def text(self, text: str) -> str:
        return self.pz.text(text)

    def participant(self, participant_id: str) -> str:
        return self.pz.participant(participant_id) or participant_id

    def attributes(self, attributes: dict[str, Any]) -> dict[str, Any]:
        return self.pz.attributes(attributes)

    def source_name(self, name: str) -> str:
        """``Source N``: a file name such as interview_maria_jansen.txt names a person."""
        return self.pz.source(name)

    def source(self, name: str, text: str, boundaries: set[int]) -> tuple[str, dict[int, int]]:
        cuts = sorted({0, len(text)} | {b for b in boundaries if 0 < b < len(text)})
        pieces = [self.pz.text(text[a:b]) for a, b in zip(cuts, cuts[1:])]
        masked = "".join(pieces)
        if self.pz.text(masked) != masked:
            raise QualcodeError(f"cannot pseudonymise {name}: a coded passage starts or ends inside a "
                                "participant's name; recode it on word boundaries, or export without --pseudonymise")
        landed, pos = {0: 0}, 0
        for (_, b), piece in zip(zip(cuts, cuts[1:]), pieces):
            pos += len(piece)
            landed[b] = pos
        return masked, {b: landed[cuts[bisect.bisect_left(cuts, min(max(b, 0), len(text)))]] for b in boundaries}
