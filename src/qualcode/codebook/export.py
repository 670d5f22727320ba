"""Writing a codebook back to YAML in the documented format (round-trips through the loader)."""

from __future__ import annotations

from typing import Any

import yaml

from qualcode.codebook.model import Code, Codebook


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    # Keywords and token patterns read best on one line; quotes and references one per line.
    short = all(isinstance(v, str) and len(v) <= 40 for v in value)
    token_pattern = all(isinstance(v, dict) and all(str(k).isupper() for k in v) for v in value)
    short = short or token_pattern or all(isinstance(v, list) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def _code_dict(book: Codebook, code: Code) -> dict[str, Any]:
    out: dict[str, Any] = {"id": code.id, "name": code.name}
    for key in ("description", "include", "exclude", "colour"):
        value = getattr(code, key)
        if value:
            out[key] = value
    for key in ("keywords", "patterns", "examples"):
        value = getattr(code, key)
        if value:
            out[key] = value
    children = book.children(code.id)
    if children:
        out["codes"] = [_code_dict(book, child) for child in children]
    return out


def codebook_to_yaml(book: Codebook) -> str:
    data: dict[str, Any] = {}
    if book.name:
        data["name"] = book.name
    data["language"] = book.language or "en"
    if book.description:
        data["description"] = book.description
    if book.references:
        data["references"] = book.references
    data["codes"] = [_code_dict(book, code) for code in book.children(None)]
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
