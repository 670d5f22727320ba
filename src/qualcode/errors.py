"""The one exception type users see.

Library code raises :class:`QualcodeError` (or a subclass) with a message that says what went
wrong *and what to do next*; the CLI prints it as one line on stderr and exits 1. Messages
never quote transcript text: transcripts are confidential.
"""

from __future__ import annotations


class QualcodeError(Exception):
    """A problem caused by the user's input or environment, not a bug in qualcode."""


class NotAProjectError(QualcodeError):
    """The database path does not hold a qualcode project."""


class CodebookError(QualcodeError):
    """A codebook file has problems; ``problems`` lists each with its line number."""

    def __init__(self, path: str, problems: list[tuple[int, str]]):
        self.path = path
        self.problems = problems
        first_line, first = problems[0]
        more = f" (and {len(problems) - 1} more: run `qualcode codebook validate {path}`)" if len(problems) > 1 else ""
        super().__init__(f"{path}:{first_line}: {first}{more}")
