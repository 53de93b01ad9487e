"""Shared fixtures: the seed documents and one embedding cache for the whole session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SV = SEEDS / "001_acca24cc4dc759c1.txt"
EN = SEEDS / "000_5712cbd26d8e2ee2.txt"
BG_EN = SEEDS / "002_0c6536e51e6a9bb8.txt"
EN_ONLY = [SEEDS / "003_6d677f5f08688389.txt", SEEDS / "004_6f75c1f964cf4579.txt"]


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory):
    """Keep the tests' embeddings out of the user's cache, but share them across tests."""
    path = tmp_path_factory.mktemp("embedding-cache")
    old = os.environ.get("ALIGN_CACHE_DIR")
    os.environ["ALIGN_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("ALIGN_CACHE_DIR", None)
    else:
        os.environ["ALIGN_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def encoder(_cache_dir):
    from align.encoders import make_encoder

    return make_encoder()


@pytest.fixture(scope="session")
def seed_docs():
    from align.pipeline import load

    return {d.name: d for path in sorted(SEEDS.glob("*.txt")) for d in load(path)}
