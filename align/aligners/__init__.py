"""Sentence aligners: each turns two sentence lists into ordered, covering links (``base.Aligner``)."""

from .base import Aligner
from .embedding import EmbeddingAligner, EmbeddingParams
from .length import LengthAligner

__all__ = ["Aligner", "EmbeddingAligner", "EmbeddingParams", "LengthAligner"]
