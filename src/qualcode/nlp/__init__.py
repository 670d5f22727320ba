"""NLP: the offline spaCy pipeline and the layers that suggest codes.

Importing this package is cheap; spaCy is imported by :func:`pipeline.make_pipeline`.
"""
