"""Reports as plain data (dataclasses); rendering lives in :mod:`qualcode.render`."""
