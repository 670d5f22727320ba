"""Text as XML character data: ``xml.sax.saxutils.escape`` without its import, which pulls
in ``urllib.request`` and ``http.client`` (a fifth of a report command's imports)."""

from __future__ import annotations


def escape(text: str, entities: dict[str, str] | None = None) -> str:
    """``&``, ``<`` and ``>`` as entities, then each key of ``entities`` as its value (as
    :func:`xml.sax.saxutils.escape` does)."""
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for char, entity in (entities or {}).items():
        text = text.replace(char, entity)
    return text
