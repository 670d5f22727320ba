"""The codebook in memory: a flat, ordered list of codes with parent links.

An edited codebook may say how it evolved: a code's ``renamed_from`` names its old id(s),
and an entry with ``merged_into`` (kept in ``Codebook.merges``, not in ``codes``) says an old
code now lives inside another. Loading carries the old codes' codings over."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass
class Code:
    id: str
    name: str
    parent_id: str | None = None
    description: str = ""
    include: str = ""
    exclude: str = ""
    colour: str | None = None
    keywords: list[str] = field(default_factory=list)
    patterns: list[list[dict[str, Any]]] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    line: int = 0
    pattern_lines: list[int] = field(default_factory=list)  # where each pattern is, for its problems
    # Codebook evolution: the id(s) this code had before (its codings are carried over).
    renamed_from: list[str] = field(default_factory=list)

    def fingerprint(self) -> tuple[Any, ...]:
        """What a version diff compares (line numbers do not count as a change)."""
        return (self.name, self.parent_id, self.description, self.include, self.exclude,
                self.colour, tuple(self.keywords), repr(self.patterns), tuple(self.examples))


@dataclass
class Codebook:
    codes: list[Code]
    name: str = ""
    description: str = ""
    language: str = "en"
    references: list[str] = field(default_factory=list)
    path: str = ""
    text: str = ""
    # Codebook evolution: entries with ``merged_into`` are not codes any more; old id -> target.
    merges: dict[str, str] = field(default_factory=dict)

    def by_id(self) -> dict[str, Code]:
        return {c.id: c for c in self.codes}

    def children(self, code_id: str | None) -> list[Code]:
        return [c for c in self.codes if c.parent_id == code_id]

    def walk(self) -> Iterator[tuple[Code, int]]:
        """Depth-first, in codebook order: (code, depth)."""
        def visit(parent: str | None, depth: int) -> Iterator[tuple[Code, int]]:
            for code in self.children(parent):
                yield code, depth
                yield from visit(code.id, depth + 1)
        yield from visit(None, 0)
