"""Sentence aligners: each turns two sentence lists into ordered, covering links."""

from .embedding import EmbeddingAligner, EmbeddingParams
from .length import LengthAligner

__all__ = ["EmbeddingAligner", "EmbeddingParams", "LengthAligner"]
