"""The local review editor: correct an alignment in the browser, lose nothing, export.

``write_review(result, path)`` writes a review file for a ``PairResult``;
``align review FILE`` serves the editor over it (``server.serve``);
``export_review`` writes the reviewed pairs in any exchange format.
"""

from .export import EXPORT_FORMATS, export_review
from .model import FORMAT_VERSION, SUFFIX, Review, Row, read_review
from .store import ReviewStore, write_review

__all__ = ["EXPORT_FORMATS", "FORMAT_VERSION", "SUFFIX", "Review", "ReviewStore", "Row", "export_review",
           "read_review", "write_review"]
