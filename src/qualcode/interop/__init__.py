"""Exchanging work with other QDA tools (NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette).

REFI-QDA is the exchange standard: a ``.qdpx`` project is a zip holding ``project.qde``
(XML, the Project schema) and the source files under ``sources/``; a ``.qdc`` codebook is
the code tree alone (the Codebook schema).

- :mod:`~qualcode.interop.archive`: reading archives and XML safely (zip slip, zip bombs,
  entity expansion and external entities are refused before anything is written).
- :mod:`~qualcode.interop.positions`: selection positions. Producers count differently
  (NVivo in UTF-16 code units over the text as written, BOM dropped, CRLF as two); qualcode
  counts code points of its normalised text. Every conversion goes through here.
- :mod:`~qualcode.interop.reader`: project.qde / .qdc XML to plain dataclasses.
- :mod:`~qualcode.interop.importer`: those dataclasses into a project, in one transaction.
- :mod:`~qualcode.interop.exporter`: a project to .qdpx / .qdc with deterministic GUIDs.
- :mod:`~qualcode.interop.targets`: what each client reads (``export qdpx --for``).
- :mod:`~qualcode.interop.descriptions`: memos and speaker labels carried in Descriptions,
  where QualCoder keeps them.
- :mod:`~qualcode.interop.csv_export`: codings as a spreadsheet.
"""
