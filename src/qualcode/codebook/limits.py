"""What a codebook may not do: limits that keep a hostile or broken file from hanging,
crashing or slowing every later command.

A codebook is a small text a colleague (or a stranger) can hand over, so the loader checks,
before it builds anything:

- **Expansion through aliases.** YAML anchors (``&a``) and aliases (``*a``) let 700 bytes
  describe billions of codes, or repeat one long string thousands of times. The expanded size
  is counted from the parser's events, without expanding anything; past
  ``max(EXPANSION_FLOOR, EXPANSION_FACTOR × file size)`` characters the file is refused at the
  alias that crossed the line. Ordinary reuse (a shared keyword list) stays far below that.
- **Nesting.** Codes nest at most :data:`MAX_CODE_DEPTH` levels, through ``codes:`` or
  ``parent:`` alike; any YAML deeper than :data:`MAX_YAML_DEPTH` is refused before it is
  composed (PyYAML's composer is recursive and would end in a RecursionError).
- **Patterns** whose ``REGEX`` does not compile, that constrain no token (``[{OP: "*"}]``
  matches everything) or that begin or end with an open-ended wildcard (which runs to the end
  of every turn and stores megabytes of evidence).

Each problem is ``(line, message)``, like every other codebook problem.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import yaml

MAX_CODE_DEPTH = 20
MAX_YAML_DEPTH = 64  # codes 20 deep are ~41 YAML levels, patterns add ~4
EXPANSION_FACTOR = 10
EXPANSION_FLOOR = 100_000

Problem = tuple[int, str]
_OPEN_ENDED = re.compile(r"^(\*|\+|\{\d*,\})$")
_OPTIONAL = re.compile(r"^(\?|\*|!|\{0?,\d*\}|\{0\})$")


def scan(text: str) -> list[Problem]:
    """Problems of size and depth, found from the event stream alone (nothing is expanded).
    A YAML syntax error is raised as it is, for :func:`syntax_problem`."""
    limit = max(EXPANSION_FLOOR, EXPANSION_FACTOR * len(text))
    stack: list[list[Any]] = [[None, 0]]  # [anchor, expanded size] of each open collection
    sizes: dict[str, int] = {}
    open_anchors: set[str] = set()
    last_alias: tuple[int, str] | None = None  # the alias that last added to the size
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) > MAX_YAML_DEPTH:
                return [(line, f"the codebook is nested more than {MAX_YAML_DEPTH} levels deep here; codes may "
                               f"nest at most {MAX_CODE_DEPTH} levels: flatten the hierarchy")]
            stack.append([event.anchor, 1])
            if event.anchor:
                open_anchors.add(event.anchor)
            continue
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, size = stack.pop()
            if anchor:
                sizes[anchor] = size
                open_anchors.discard(anchor)
        elif isinstance(event, yaml.ScalarEvent):
            size = 1 + len(event.value)
            if event.anchor:
                sizes[event.anchor] = size
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                return [(line, f"alias *{event.anchor} is used inside the entry it names, which never ends; "
                               "write the entry out instead")]
            anchor = str(event.anchor)
            size = sizes.get(anchor, 1)  # an unknown alias is a syntax error for compose
            last_alias = (line, anchor)
        else:
            continue
        stack[-1][1] += size
        if stack[-1][1] > limit:
            line, where = (last_alias[0], f"alias *{last_alias[1]}") if last_alias else (line, "this entry")
            return [(line, f"{where} makes the codebook expand to more than {limit:,} characters (the file has "
                           f"{len(text):,}); write entries out instead of repeating them through anchors")]
    return []


def syntax_problem(text: str, exc: yaml.YAMLError) -> Problem:
    """A YAML syntax error at the line where the problem starts: an unclosed ``[``, ``{`` or
    quote is reported where it was opened, not where the parser gave up."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    opener = _open_bracket_at(text, mark.index if mark is not None else len(text))
    if opener is not None and opener[0] < line:
        return (opener[0], f"invalid YAML: the '{opener[1]}' opened here is not closed before line {line} "
                           f"({reason}); close it, or write the list with '- ' lines")
    context, context_mark = getattr(exc, "context", None) or "", getattr(exc, "context_mark", None)
    if "quoted scalar" in context and context_mark is not None and context_mark.line + 1 < line:
        return (context_mark.line + 1, f"invalid YAML: the quote opened here is not closed before line {line}; "
                                       "close it")
    return (line, f"invalid YAML: {reason}; fix the syntax (indentation, quotes, colons)")


def _open_bracket_at(text: str, index: int) -> tuple[int, str] | None:
    """The innermost ``[`` or ``{`` still open at ``index`` (line, character), if any."""
    stack: list[tuple[int, str]] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= index:
                break
            if isinstance(token, (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)):
                stack.append((token.start_mark.line + 1, "[" if isinstance(token, yaml.FlowSequenceStartToken) else "{"))
            elif isinstance(token, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)) and stack:
                stack.pop()
    except yaml.YAMLError:
        pass
    return stack[-1] if stack else None


def pattern_problems(pattern: list[dict[str, Any]]) -> list[str]:
    """What makes one token pattern unusable: a REGEX that does not compile, no token that
    must match something specific, an open-ended wildcard at either end."""
    problems: list[str] = []
    for token in pattern:
        for regex in _regexes(token):
            try:
                re.compile(regex)
            except re.error as exc:
                problems.append(f"REGEX {regex!r} does not compile ({exc}); fix the regular expression")
    tokens = [{str(k).upper(): v for k, v in token.items()} for token in pattern]
    if not any(_constrained(t) and not _OPTIONAL.match(str(t.get("OP", ""))) for t in tokens):
        problems.append("matches every token (no required token says what to match); add a LEMMA, LOWER or "
                        "ORTH to at least one token without OP ?, * or !")
    elif any(not _constrained(t) and _OPEN_ENDED.match(str(t.get("OP", ""))) for t in (tokens[0], tokens[-1])):
        problems.append("starts or ends with an open-ended wildcard ({OP: \"*\"} or {OP: \"+\"} with nothing to "
                        "match), which runs to the end of every turn; remove it")
    return problems


def _constrained(token: dict[str, Any]) -> bool:
    return any(key != "OP" for key in token)


def _regexes(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if str(key).upper() == "REGEX" and isinstance(inner, str):
                yield inner
            else:
                yield from _regexes(inner)
