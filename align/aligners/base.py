"""What every aligner is: the ``Aligner`` protocol that the pipeline, corpus mode and benchmarks call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..documents import Link
    from ..encoders import Encoder


@runtime_checkable
class Aligner(Protocol):
    """Turns two sentence lists into ordered links that cover every sentence once.

    ``params`` is a dataclass of its settings (``None`` where it has none), so
    that a run can record them and a worker rebuild the same aligner;
    ``encoder`` is the sentence encoder it embeds with (``None`` if it does not
    embed), which the checks reuse to look again at merged sentences.
    """

    name: str
    params: Any
    encoder: Encoder | None

    def align(self, src: list[str], tgt: list[str], src_paras: list[int] | None = None,
              tgt_paras: list[int] | None = None, src_foreign: list[bool] | None = None,
              tgt_foreign: list[bool] | None = None) -> list[Link]:
        """Links in source order. ``*_paras``: each sentence's paragraph number; ``*_foreign``: whether a
        sentence is in a third language (an aligner may use both as evidence, or ignore them)."""
        ...
