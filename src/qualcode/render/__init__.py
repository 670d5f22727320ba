"""Turning report data into Rich tables, Markdown, CSV, JSON, DOCX and HTML. No computing here."""

from __future__ import annotations

FORMATS = ("table", "md", "csv", "json")
# The suffix of an output file decides its format (a contradicting --format is refused).
SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".csv": "csv", ".json": "json", ".txt": "table",
                  ".docx": "docx", ".html": "html", ".htm": "html", ".yaml": "yaml", ".yml": "yaml",
                  ".xlsx": "xlsx", ".svg": "svg", ".png": "png", ".qdpx": "qdpx", ".qdc": "qdc"}
FORMAT_SUFFIXES: dict[str, tuple[str, ...]] = {}
for _suffix, _fmt in SUFFIX_FORMATS.items():
    FORMAT_SUFFIXES.setdefault(_fmt, ())
    FORMAT_SUFFIXES[_fmt] += (_suffix,)
# Formats that only make sense in a file of their own suffix.
BINARY_FORMATS = ("docx", "xlsx", "png", "qdpx")
