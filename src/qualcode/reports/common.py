"""Shared pieces of the reports: which codings count, and the code tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class CodeNode:
    id: str
    name: str
    parent_id: str | None
    depth: int
    status: str


def status_clause(include_suggested: bool) -> str:
    return "c.status IN ('accepted', 'suggested')" if include_suggested else "c.status = 'accepted'"


def code_tree(db: "Database") -> list[CodeNode]:
    """Active codes depth-first in codebook order, then removed codes that still have codings."""
    rows = db.execute("SELECT id, name, parent_id, status FROM codes ORDER BY position").fetchall()
    if not rows:
        raise QualcodeError("the project has no codebook yet; run `qualcode codebook load FILE` first")
    children: dict[str | None, list[tuple[str, str, str | None, str]]] = {}
    for r in rows:
        if r[3] == "active":
            children.setdefault(r[2], []).append(r)
    out: list[CodeNode] = []

    def visit(parent: str | None, depth: int) -> None:
        for cid, name, pid, status in children.get(parent, []):
            out.append(CodeNode(cid, name, pid, depth, status))
            visit(cid, depth + 1)

    visit(None, 0)
    for cid, name, _pid, status in rows:
        if status != "active":
            out.append(CodeNode(cid, name, None, 0, status))
    return out


def descendants(tree: list[CodeNode]) -> dict[str, set[str]]:
    """Each code's id plus the ids of all codes below it."""
    parent = {n.id: n.parent_id for n in tree}
    out: dict[str, set[str]] = {n.id: {n.id} for n in tree}
    for node in tree:
        up = parent.get(node.id)
        seen = set()
        while up is not None and up not in seen:
            seen.add(up)
            out.setdefault(up, {up}).add(node.id)
            up = parent.get(up)
    return out


def ancestors(tree: list[CodeNode]) -> dict[str, list[str]]:
    """Each code's id followed by the ids of the codes above it (for rolling counts up)."""
    parent = {n.id: n.parent_id for n in tree}
    out: dict[str, list[str]] = {}
    for node in tree:
        chain, up = [node.id], parent.get(node.id)
        while up is not None and up not in chain:
            chain.append(up)
            up = parent.get(up)
        out[node.id] = chain
    return out

