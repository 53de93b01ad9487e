"""align: sentence alignment, translation memories and divergence reports for translated documents.

    import align
    pairs = align.align(align.read("sv.txt"), align.read("en.txt"))
    align.write(pairs, "out.tmx")

The functions are those of ``align.api`` (the CLI calls the same ones).
"""

__version__ = "0.2.0"

from .api import (align, align_and_check, check, make_aligner, make_encoder, read, read_memory,  # noqa: E402
                  read_pair, read_parts, write, write_report)
from .documents import Alignment, Divergence, Document, Link, Sentence  # noqa: E402
from .errors import InputError  # noqa: E402

__all__ = ["Alignment", "Divergence", "Document", "InputError", "Link", "Sentence", "__version__", "align",
           "align_and_check", "check", "make_aligner", "make_encoder", "read", "read_memory", "read_pair",
           "read_parts", "write", "write_report"]
