"""Reading a YAML codebook and reporting *every* problem with its line number.

We walk PyYAML's node tree (not the plain Python value) so that each key keeps its line.
Codes nest through their own ``codes:`` list; a code may instead name its ``parent:``
(as flat codebooks exported by other tools do), which is where cycles can arise.

Evolution keys: ``renamed_from: old-id`` (or a list) on a code carries the old code's codings
over to it; an entry ``{id: old-id, merged_into: other-id}`` is not a code any more but says
that its codings now belong to ``other-id``.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml

from qualcode.codebook import limits
from qualcode.codebook.model import Code, Codebook
from qualcode.errors import CodebookError, QualcodeError

TOP_KEYS = {"name", "description", "language", "references", "codes"}
CODE_KEYS = {"id", "name", "description", "include", "exclude", "colour", "color", "keywords",
             "patterns", "examples", "codes", "parent", "renamed_from", "merged_into"}
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Token attributes the default (blank + lookup lemmas) pipeline cannot provide.
NEEDS_MODEL = {"POS", "TAG", "DEP", "MORPH", "ENT_TYPE", "ENT_IOB", "ENT_ID", "ENT_KB_ID",
               "SENT_START", "IS_SENT_START"}

Problems = list[tuple[int, str]]
_constructor = yaml.SafeLoader("")


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _value(node: yaml.Node) -> Any:
    return _constructor.construct_object(node, deep=True)


def _did_you_mean(key: str, allowed: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    return f"; did you mean '{close[0]}'?" if close else f" (allowed: {', '.join(sorted(allowed))})"


def _mapping_items(node: yaml.MappingNode, problems: Problems) -> list[tuple[str, yaml.Node, int]]:
    items: list[tuple[str, yaml.Node, int]] = []
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(_value(key_node))
        if key in seen:
            problems.append((_line(key_node), f"key '{key}' appears twice in the same entry"))
        seen.add(key)
        items.append((key, value_node, _line(key_node)))
    return items


def parse_codebook(text: str, path: str = "<codebook>") -> tuple[Codebook | None, Problems]:
    """Parse codebook YAML text. Returns the codebook (None if unusable) and all problems."""
    problems: Problems = []
    try:
        refused = limits.scan(text)  # before composing: aliases that expand, runaway nesting
        if refused:
            return None, refused
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        return None, [limits.syntax_problem(text, exc)]
    if root is None:
        return None, [(1, "the codebook is empty; it needs a top-level 'codes:' list")]
    if not isinstance(root, yaml.MappingNode):
        return None, [(_line(root), "the codebook must be a mapping with a top-level 'codes:' list")]
    book = Codebook(codes=[], path=path, text=text)
    codes_node: yaml.Node | None = None
    for key, node, line in _mapping_items(root, problems):
        if key not in TOP_KEYS:
            problems.append((line, f"unknown top-level key '{key}'{_did_you_mean(key, TOP_KEYS)}"))
        elif key == "codes":
            codes_node = node
        elif key == "references":
            value = _value(node)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append((line, "'references' must be a list of strings"))
            else:
                book.references = value
        else:
            value = _value(node)
            if not isinstance(value, str):
                problems.append((line, f"'{key}' must be a string"))
            else:
                setattr(book, key, value.strip())
    if codes_node is None:
        problems.append((1, "no top-level 'codes:' list; add one with at least one code"))
        return None, sorted(problems)
    merge_lines: dict[str, int] = {}
    _read_code_list(codes_node, None, book, problems, merge_lines)
    _check_tree(book, problems)
    _check_evolution(book, merge_lines, problems)
    _check_patterns(book, problems)
    return book, sorted(problems)


def _read_code_list(node: yaml.Node, parent: str | None, book: Codebook, problems: Problems,
                    merge_lines: dict[str, int]) -> None:
    if parent is not None and isinstance(node, yaml.ScalarNode) and _value(node) is None:
        return  # an empty `codes:` under a code: no children yet
    if not isinstance(node, yaml.SequenceNode):
        problems.append((_line(node), "'codes' must be a list of codes (each starting with '- id: ...')"))
        return
    if not node.value and parent is None:
        problems.append((_line(node), "'codes' is empty; add at least one code"))
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            problems.append((_line(item), "each code must be a mapping with at least 'id' and 'name'"))
            continue
        _read_code(item, parent, book, problems, merge_lines)


def _text_field(key: str, node: yaml.Node, line: int, problems: Problems) -> str:
    value = _value(node)
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(v.strip() for v in value)
    if not isinstance(value, (str, int, float)):
        problems.append((line, f"'{key}' must be text"))
        return ""
    return str(value).strip()


def _string_list(key: str, node: yaml.Node, line: int, problems: Problems) -> list[str]:
    value = _value(node)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        problems.append((line, f"'{key}' must be a list of strings"))
        return []
    items = [str(v).strip() for v in value]
    if any(not v for v in items):
        problems.append((line, f"'{key}' has an empty entry; remove it"))
    return [v for v in items if v]


def _read_code(node: yaml.MappingNode, parent: str | None, book: Codebook, problems: Problems,
               merge_lines: dict[str, int]) -> None:
    line = _line(node)
    code = Code(id="", name="", parent_id=parent, line=line)
    children: yaml.Node | None = None
    merged_into: str | None = None
    parent_line = 0
    has_id = False
    for key, value_node, key_line in _mapping_items(node, problems):
        if key not in CODE_KEYS:
            problems.append((key_line, f"unknown key '{key}'{_did_you_mean(key, CODE_KEYS)}"))
        elif key == "id":
            has_id = True
            value = _value(value_node)
            if not isinstance(value, (str, int)) or not ID_RE.match(str(value)):
                problems.append((key_line, f"id {value!r} is not a valid id: use letters, digits, '-', '_' or '.'"))
            else:
                code.id = str(value)
        elif key == "codes":
            children = value_node
        elif key == "parent":
            parent_line = key_line
            code.parent_id = str(_value(value_node))
        elif key in ("keywords", "examples"):
            setattr(code, key, _string_list(key, value_node, key_line, problems))
        elif key == "renamed_from":
            code.renamed_from = _ids(key, value_node, key_line, problems)
        elif key == "merged_into":
            targets = _ids(key, value_node, key_line, problems)
            if len(targets) != 1:
                problems.append((key_line, "'merged_into' must name one code id"))
            merged_into = targets[0] if targets else None
        elif key == "patterns":
            code.patterns = _patterns(value_node, key_line, problems)
            items = value_node.value if isinstance(value_node, yaml.SequenceNode) else []
            code.pattern_lines = [_line(item) for item in items]
        elif key in ("colour", "color"):
            colour = _text_field(key, value_node, key_line, problems)
            if colour and not COLOUR_RE.match(colour):
                problems.append((key_line, f"colour {colour!r} must be a hex colour like \"#4e79a7\""))
            code.colour = colour or None
        else:
            setattr(code, key, _text_field(key, value_node, key_line, problems))
    if parent_line and parent is not None:
        problems.append((parent_line, f"code '{code.id}' is nested under '{parent}' and also names a parent; use one"))
        code.parent_id = parent
    if not code.id:
        if not has_id:
            problems.append((line, "code has no 'id'; add a stable id such as 'peer-support'"))
        code.id = f"<line {line}>"
    if merged_into is not None:
        if children is not None and _value(children):
            problems.append((line, f"code '{code.id}' is merged into '{merged_into}' but has child codes; "
                                   "move them under another code first"))
        book.merges[code.id] = merged_into
        merge_lines[code.id] = line
        return
    if not code.name:
        problems.append((line, f"code '{code.id}' has no 'name'"))
    book.codes.append(code)
    if children is not None:
        _read_code_list(children, code.id, book, problems, merge_lines)


def _ids(key: str, node: yaml.Node, line: int, problems: Problems) -> list[str]:
    values = _string_list(key, node, line, problems)
    for value in values:
        if not ID_RE.match(value):
            problems.append((line, f"'{key}' names {value!r}, which is not a valid id"))
    return [v for v in values if ID_RE.match(v)]


def _check_evolution(book: Codebook, merge_lines: dict[str, int], problems: Problems) -> None:
    """renamed_from and merged_into must describe one consistent move per old id."""
    active = {c.id for c in book.codes}
    for old, target in book.merges.items():
        if old in active:
            problems.append((merge_lines[old], f"code '{old}' is merged into '{target}' and also listed as a "
                                               "code; keep one entry"))
        elif target not in active:
            problems.append((merge_lines[old], f"code '{old}' is merged into '{target}', which is not a code in "
                                               "the codebook; name an active code"))
    claimed: dict[str, str] = {}
    for code in book.codes:
        for old in code.renamed_from:
            if old == code.id:
                continue
            if old in active:
                problems.append((code.line, f"code '{code.id}' is renamed from '{old}', but '{old}' is still in "
                                            "the codebook; remove the old entry (or use merged_into)"))
            elif old in book.merges:
                problems.append((code.line, f"'{old}' is both renamed to '{code.id}' and merged into "
                                            f"'{book.merges[old]}'; choose one"))
            elif old in claimed:
                problems.append((code.line, f"'{old}' is renamed to both '{claimed[old]}' and '{code.id}'; rename "
                                            "it once and merge the other with merged_into"))
            claimed[old] = code.id


def _patterns(node: yaml.Node, line: int, problems: Problems) -> list[list[dict[str, Any]]]:
    value = _value(node)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(p, list) and p and all(isinstance(t, dict) for t in p) for p in value):
        problems.append((line, "'patterns' must be a list of patterns, each a list of token dicts, "
                               "e.g. - [{LEMMA: feel}, {LOWER: alone}]"))
        return []
    return value


def _check_tree(book: Codebook, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for code in book.codes:
        if code.id in seen:
            problems.append((code.line, f"duplicate id '{code.id}' (first used on line {seen[code.id]}); ids must be unique"))
        else:
            seen[code.id] = code.line
    for code in book.codes:
        if code.parent_id is not None and code.parent_id not in seen:
            problems.append((code.line, f"code '{code.id}' names parent '{code.parent_id}', which is not in the codebook"))
    parents = {c.id: c.parent_id for c in book.codes}
    reported: set[str] = set()
    too_deep = False
    for code in book.codes:
        path = [code.id]
        on_path = {code.id}
        current = parents.get(code.id)
        while current is not None and current in parents:
            if current in on_path:
                cycle = path[path.index(current):] + [current]
                if not reported.intersection(cycle):
                    problems.append((code.line, f"cycle in parents: {' -> '.join(cycle)}; a code cannot be its own ancestor"))
                    reported.update(cycle)
                break
            if len(path) == limits.MAX_CODE_DEPTH:
                # Reported once (a 1,000-deep chain would give 980 problems), and the walk stops
                # here, so checking n codes costs n × 20 steps at most.
                if not too_deep:
                    problems.append((code.line, f"code '{code.id}' is nested more than {limits.MAX_CODE_DEPTH} "
                                                "levels deep (through codes: or parent:); flatten the hierarchy"))
                too_deep = True
                break
            path.append(current)
            on_path.add(current)
            current = parents.get(current)


def _check_patterns(book: Codebook, problems: Problems) -> None:
    if not any(c.patterns for c in book.codes):
        return
    from qualcode.imports import import_spacy

    import_spacy()
    from spacy.schemas import validate_token_pattern

    for code in book.codes:
        for i, pattern in enumerate(code.patterns, start=1):
            errors = validate_token_pattern(pattern)
            for error in errors:
                problems.append((code.line, f"code '{code.id}' pattern {i}: {error}"))
            if not errors:
                line = code.pattern_lines[i - 1] if i <= len(code.pattern_lines) else code.line
                for problem in limits.pattern_problems(pattern):
                    problems.append((line, f"code '{code.id}' pattern {i} {problem}"))
            used = {str(k).upper() for token in pattern for k in token}
            needs = sorted(used & NEEDS_MODEL)
            if needs:
                problems.append((code.line, f"code '{code.id}' pattern {i} uses {', '.join(needs)}, which the "
                                            "default pipeline does not provide; use LEMMA/LOWER/ORTH"))


def _read(path: Path) -> str:
    from qualcode.inputs import check_input

    if not path.exists() and not path.is_symlink():
        raise QualcodeError(f"{path}: no such codebook file; check the path")
    check_input(path, "codebook")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise QualcodeError(f"{path}: is not UTF-8 text; save the codebook as UTF-8") from None
    except IsADirectoryError:
        raise QualcodeError(f"{path}: is a folder; give the codebook's .yaml file") from None


def validate_codebook(path: Path) -> tuple[Codebook | None, Problems]:
    """All problems in a codebook file, sorted by line."""
    return parse_codebook(_read(path), str(path))


def load_codebook(path: Path) -> Codebook:
    """The codebook, or CodebookError listing every problem."""
    book, problems = validate_codebook(path)
    if problems or book is None:
        raise CodebookError(str(path), problems or [(1, "the codebook could not be read")])
    return book
