"""Small helpers for writing REFI-QDA XML with lxml: one namespace, fixed attribute order,
text made safe for XML (characters XML 1.0 forbids are dropped), typed variable values."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lxml import etree

XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_URL = "http://schema.qdasoftware.org/versions/{0}/v1.0/{0}.xsd"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xsd_datetime(value: str | None) -> str | None:
    """``value`` as an xsd:dateTime, or None when it is not a date and time at all."""
    from datetime import datetime

    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Already in XML Schema form (as qualcode and REFI-QDA tools write it): keep it as it is.
    return value if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", value) \
        else parsed.isoformat()


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


def variable_type(values: list[Any]) -> str:
    """The REFI-QDA ``typeOfVariable`` that holds every value in ``values``."""
    if values and all(isinstance(v, bool) for v in values):
        return "Boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "Integer"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "Float"
    return "Text"


def value_element(b: Builder, parent: "etree._Element", var_guid: str, kind: str, value: Any) -> None:
    vv = b.sub(parent, "VariableValue")
    b.sub(vv, "VariableRef", {"targetGUID": var_guid})
    if kind == "Boolean":
        b.sub(vv, "BooleanValue", text="true" if value else "false")
    elif kind == "Integer":
        b.sub(vv, "IntegerValue", text=str(int(value)))
    elif kind == "Float":
        b.sub(vv, "FloatValue", text=format(Decimal(repr(float(value))), "f"))
    else:
        text = value if isinstance(value, str) else json_text(value)
        b.sub(vv, "TextValue", text=text)


def json_text(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
