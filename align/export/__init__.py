"""Writers and readers of aligned pairs (``formats``: one registry, one ``write``) and reports (``report``).

``write(data, path, fmt=None, **options)`` writes an Alignment, a list of
them, a PairResult or a Bitext in any format; ``read_bitext(path)`` reads a
memory as a stream of units. See ``formats`` for the options and the formats.
"""

from .atomic import atomic_open, write_text
from .bitext import Bitext, Unit, WriteOptions, bitext_from_alignments
from .formats import FORMATS, READABLE, Format, convert, format_of, read_bitext, write
from .tmx import read_tmx

__all__ = ["FORMATS", "READABLE", "Bitext", "Format", "Unit", "WriteOptions", "atomic_open", "write_text", "read_tmx",
           "write", "read_bitext", "convert", "format_of", "bitext_from_alignments"]
