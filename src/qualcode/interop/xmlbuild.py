"""Small helpers for writing REFI-QDA XML with lxml: one namespace, fixed attribute order,
text made safe for XML (characters XML 1.0 forbids are dropped), typed variable values."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from lxml import etree

XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_URL = "http://schema.qdasoftware.org/versions/{0}/v1.0/{0}.xsd"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _parse_datetime(value: str | None) -> "datetime | None":
    """A date and time as an aware UTC datetime (naive ones are taken as UTC), or None."""
    from datetime import datetime, timezone

    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def xsd_datetime(value: str | None) -> str | None:
    """``value`` as an xsd:dateTime in UTC with ``Z`` (``2026-01-02T10:00:00Z``), or None when
    it is not a date and time at all. Every REFI-QDA client reads this form; QualCoder turns
    an offset such as ``+00:00`` into a date its own re-export writes schema-invalid."""
    parsed = _parse_datetime(value)
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ") if parsed is not None else None


def stored_datetime(value: str | None) -> str | None:
    """A date read from a REFI-QDA file in the form qualcode stores (UTC, ``+00:00``), or None.
    QualCoder writes ``2026-01-02 10:00:00``; others ``…Z`` or with an offset."""
    parsed = _parse_datetime(value)
    return parsed.isoformat(timespec="seconds") if parsed is not None else None


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


class Builder:
    def __init__(self, ns: str, schema: str) -> None:
        from lxml import etree

        self.etree = etree
        self.ns = ns
        self.schema = schema
        self._root: "etree._Element | None" = None

    def _tag(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def root(self, tag: str, attrs: dict[str, str]) -> "etree._Element":
        el = self.etree.Element(self._tag(tag), nsmap={None: self.ns, "xsi": XSI})
        el.set(f"{{{XSI}}}schemaLocation", f"{self.ns} {SCHEMA_URL.format(self.schema)}")
        for key, value in attrs.items():
            el.set(key, xml_text(value))
        self._root = el
        return el

    def _fill(self, el: "etree._Element", attrs: dict[str, str] | None, text: str | None) -> "etree._Element":
        for key, value in (attrs or {}).items():
            el.set(key, xml_text(str(value)))
        if text is not None:
            el.text = xml_text(text)
        return el

    def el(self, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> "etree._Element":
        return self._fill(self.etree.Element(self._tag(tag)), attrs, text)

    def sub(self, parent: "etree._Element", tag: str, attrs: dict[str, str] | None = None,
            text: str | None = None) -> "etree._Element":
        return self._fill(self.etree.SubElement(parent, self._tag(tag)), attrs, text)

    def tostring(self) -> bytes:
        assert self._root is not None
        return bytes(self.etree.tostring(self._root, xml_declaration=True, encoding="utf-8", pretty_print=True))


_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,17})")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def typed(value: Any) -> Any:
    """An attribute value with the type its text shows: attributes from a participants file or
    ``--attr`` are strings, but ``34``, ``0.5``, ``true`` and ``2026-03-01`` are a number, a
    boolean and a date to every analysis tool. Leading zeros (``007``) stay text: an id."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if _DATE.fullmatch(text):
        from datetime import date

        try:
            return date.fromisoformat(text)
        except ValueError:
            return value
    return value


def variable_type(values: list[Any]) -> str:
    """The REFI-QDA ``typeOfVariable`` that holds every value in ``values``."""
    values = [typed(v) for v in values]
    if values and all(isinstance(v, bool) for v in values):
        return "Boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "Integer"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "Float"
    if values and all(type(v).__name__ == "date" for v in values):
        return "Date"
    return "Text"


def value_element(b: Builder, parent: "etree._Element", var_guid: str, kind: str, value: Any) -> None:
    vv = b.sub(parent, "VariableValue")
    b.sub(vv, "VariableRef", {"targetGUID": var_guid})
    value = typed(value) if kind != "Text" else value
    if kind == "Boolean":
        b.sub(vv, "BooleanValue", text="true" if value else "false")
    elif kind == "Integer":
        b.sub(vv, "IntegerValue", text=str(int(value)))
    elif kind == "Float":
        b.sub(vv, "FloatValue", text=format(Decimal(repr(float(value))), "f"))
    elif kind == "Date":
        b.sub(vv, "DateValue", text=value.isoformat())
    else:
        text = value if isinstance(value, str) else json_text(value)
        b.sub(vv, "TextValue", text=text)


def json_text(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
