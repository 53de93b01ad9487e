"""How well the ``name-mismatch`` check finds a name missing on one side, and how often it cries wolf.

    python -m eval.names [--data DIR] [--seed N] [--examples N] [--meaning]

Everything runs on gold alignments (no embedding, a few seconds):

1. False alarms: ``checks.names_mismatch`` on the untouched Text+Berg
   German-French gold alignments; every alarm on a gold 1-1 pair is printed
   (to be judged by hand), and counted per 1,000 such pairs.
2. Recall on Text+Berg: in gold 1-1 pairs, a *shared name* is a capitalised
   word written identically on both sides and first in neither sentence (an
   independent criterion: no part of ``align.names`` chooses them). One shared
   name per pair is removed from one side (German or French, alternately),
   or replaced there by a shared name of another document. Perturbed pairs
   are spread over copies of each document, at least 6 pairs apart, and each
   copy is checked like any alignment. A hit is a ``name-mismatch`` on the
   perturbed pair; pairs already flagged untouched are left out.
3. Transliteration on the seeds' Bulgarian-English pair: hand-listed name
   pairs (Cyrillic / Latin) in the gold links; each is removed from one side
   at a time (recall) and the untouched pair is checked (false alarms).
4. With ``--meaning`` (embeds; about 2 minutes once the cache is warm): the
   drift score of ``align.checks.low_similarity`` in context, on the
   aligner's own links. ROC AUC of the link score, of the length deviation
   and of the drift score (both) for untouched gold 1-1 links against targets
   cut by a clause or swapped with a neighbour; the share under each
   threshold; how many the checks flag (low-similarity or length-ratio) and
   which side they say carries the extra. ``eval.divergences`` part 3 gives
   the same AUCs for forced (not aligned) pairs.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter
from pathlib import Path

from align.checks import names_mismatch
from align.documents import Alignment, Document, Link, Sentence
from eval.divergences import DATA, DOCS, ROOT, gold_alignment, load_pairs, make_document

SEED = 20240611
MIN_GAP = 6  # gold links between two perturbed pairs of one copy

# names written in both versions of the seeds' bilingual file (Bulgarian, English)
BG_EN_NAMES = [
    ("Радослав Стаменков", "Radoslav Stamenkov"),
    ("Лаура Томпсън", "Laura Thompson"),
    ("МОМ", "IOM"),
    ("ЕММ", "EMN"),
    ("ЕС", "EU"),
    ("България", "Bulgaria"),
    ("Австрия", "Austria"),
    ("Словакия", "Slovakia"),
]

_TOKEN = re.compile(r"[^\W\d_][^\W_]*(?:-[^\W\d_]+)*")


def shared_names(de: str, fr: str) -> list[str]:
    """Capitalised words written identically on both sides, not the first word of either."""
    def caps(text: str) -> set[str]:
        toks = [m.group() for m in _TOKEN.finditer(text)]
        return {t for t in toks[1:] if t[0].isupper() and len(t) >= 3}

    return sorted(caps(de) & caps(fr))


def remove_word(text: str, word: str) -> str:
    return re.sub(r"\s*(?<![\w-])" + re.escape(word) + r"(?![\w-])", "", text).strip()


def replace_word(text: str, word: str, new: str) -> str:
    return re.sub(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", new, text)


def flagged_pairs(al: Alignment) -> dict[tuple, list]:
    out: dict[tuple, list] = {}
    for d in names_mismatch(al):
        out.setdefault((d.src, d.tgt), []).append(d)
    return out


def part_textberg(data: Path, seed: int, n_examples: int) -> dict:
    rng = random.Random(seed)
    pairs = load_pairs(data, DOCS)
    alarms, n_1to1, untouched_flagged = [], 0, {}
    names_by_doc: dict[str, set[str]] = {}
    for name, pair in pairs.items():
        src, tgt = make_document(pair.de, "de", name), make_document(pair.fr, "fr", name)
        flags = flagged_pairs(gold_alignment(src, tgt, pair.gold))
        o2o = pair.one_to_one()
        n_1to1 += len(o2o)
        untouched_flagged[name] = {k for k in flags}
        for i, j in o2o:
            for d in flags.get(((i,), (j,)), []):
                alarms.append((name, i, j, d))
        names_by_doc[name] = {w for i, j in o2o for w in shared_names(pair.de[i], pair.fr[j])}

    cases = []  # (doc, how, side, word, new, hit)
    for name, pair in pairs.items():
        others = sorted(w for n, ws in names_by_doc.items() if n != name for w in ws
                        if not any(w in line for line in pair.de + pair.fr))
        order = {(a[0], b[0]): k for k, (a, b) in enumerate(pair.gold) if len(a) == 1 and len(b) == 1}
        todo = []
        for (i, j), k in sorted(order.items(), key=lambda x: x[1]):
            words = shared_names(pair.de[i], pair.fr[j])
            if not words:
                continue
            item = (k, i, j, rng.choice(words), rng.choice(["remove", "replace"]), rng.choice(["src", "tgt"]))
            if ((i,), (j,)) not in untouched_flagged[name]:  # chosen first, so the cases do not depend on it
                todo.append(item)
        copies: list[list] = []
        for item in todo:
            for c in copies:
                if all(abs(item[0] - other[0]) >= MIN_GAP for other in c):
                    c.append(item)
                    break
            else:
                copies.append([item])
        for c in copies:
            de, fr = list(pair.de), list(pair.fr)
            news = {}
            for k, i, j, word, how, side in c:
                new = rng.choice(others) if how == "replace" else ""
                news[(i, j)] = new
                edit = (lambda t: remove_word(t, word)) if how == "remove" else (lambda t: replace_word(t, word, new))
                if side == "src":
                    de[i] = edit(de[i])
                else:
                    fr[j] = edit(fr[j])
            flags = flagged_pairs(gold_alignment(make_document(de, "de", name), make_document(fr, "fr", name),
                                                 pair.gold))
            for k, i, j, word, how, side in c:
                ds = flags.get(((i,), (j,)), [])
                cases.append((name, how, side, word, news[(i, j)], bool(ds), de[i], fr[j]))
    return {"alarms": alarms, "n_1to1": n_1to1, "cases": cases}


def _seed_alignment() -> tuple[Alignment, list[tuple[int, int]]]:
    from align.pipeline import load

    bg, en = load(ROOT / "seeds" / "002_0c6536e51e6a9bb8.txt")
    gold = json.loads((ROOT / "corpora" / "seeds.gold.json").read_text(encoding="utf-8"))
    gp = next(p for p in gold["pairs"] if p["source_lang"] == "bg")

    def find(doc: Document, prefix: str) -> int:
        return next(k for k, s in enumerate(doc.sentences) if s.text.startswith(prefix))

    links = [Link(tuple(find(bg, x) for x in a), tuple(find(en, y) for y in b), 1.0) for a, b in gp["links"]]
    return Alignment(bg, en, links, method="gold"), [(link.src, link.tgt) for link in links]


def _with_text(doc: Document, changes: dict[int, str]) -> Document:
    sents = [Sentence(changes.get(k, s.text), s.start, s.end, s.paragraph, s.lang) for k, s in enumerate(doc.sentences)]
    return Document(doc.path, doc.name, doc.text, doc.lang, doc.paragraphs, sents, doc.span, doc.paragraph_langs)


def part_seeds() -> dict:
    al, _ = _seed_alignment()
    base = flagged_pairs(al)
    alarms = [d for ds in base.values() for d in ds]
    cases = []
    for bg_name, en_name in BG_EN_NAMES:
        for link in al.links:
            s = " ".join(al.src.sentences[i].text for i in link.src)
            t = " ".join(al.tgt.sentences[j].text for j in link.tgt)
            if bg_name not in s or en_name not in t or (link.src, link.tgt) in base:
                continue
            for side in ("src", "tgt"):
                doc, idx, word = (al.src, link.src, bg_name) if side == "src" else (al.tgt, link.tgt, en_name)
                changed = _with_text(doc, {k: remove_word(doc.sentences[k].text, word) for k in idx})
                pert = Alignment(changed if side == "src" else al.src, changed if side == "tgt" else al.tgt,
                                 al.links, method="gold")
                hit = (link.src, link.tgt) in flagged_pairs(pert)
                cases.append((bg_name, en_name, side, hit))
    return {"alarms": alarms, "pairs": sum(1 for link in al.links if link.src and link.tgt), "cases": cases}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--examples", type=int, default=10)
    ap.add_argument("--meaning", action="store_true", help="also align Text+Berg (embeddings) to calibrate drift")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    tb = part_textberg(args.data, args.seed, args.examples)
    secs = time.perf_counter() - t0
    print(f"== 1. false alarms: untouched Text+Berg gold alignments, {tb['n_1to1']} gold 1-1 pairs ({secs:.1f} s)")
    n = len(tb["alarms"])
    print(f"  name-mismatch on {n} pairs: {1000 * n / tb['n_1to1']:.1f} per 1,000 pairs")
    for name, i, j, d in tb["alarms"]:
        print(f"    {name} de {i} / fr {j}: {d.message}\n      de: {d.src_text[:150]}\n      fr: {d.tgt_text[:150]}")
    cases = tb["cases"]
    print(f"\n== 2. recall: {len(cases)} gold 1-1 pairs with one shared name removed or replaced on one side")
    by = Counter((c[1], c[2]) for c in cases)
    hits = Counter((c[1], c[2]) for c in cases if c[5])
    for key in sorted(by):
        print(f"  {key[0]:<8} on the {'German' if key[1] == 'src' else 'French'} side: "
              f"{hits[key] / by[key]:.3f} ({hits[key]}/{by[key]})")
    total = sum(c[5] for c in cases)
    print(f"  all: {total / max(len(cases), 1):.3f} ({total}/{len(cases)})")
    print("  examples of misses:")
    misses = [c for c in cases if not c[5]]
    for c in random.Random(args.seed).sample(misses, min(args.examples, len(misses))):
        print(f"    {c[0]} {c[1]} \"{c[3]}\"{' -> ' + repr(c[4]) if c[4] else ''} on the {c[2]} side\n"
              f"      de: {c[6][:140]}\n      fr: {c[7][:140]}")
    sd = part_seeds()
    print(f"\n== 3. seeds, Bulgarian-English gold pairs ({sd['pairs']} pairs)")
    print(f"  untouched: {len(sd['alarms'])} name-mismatch")
    for d in sd["alarms"]:
        print(f"    {d.message}")
    hit = sum(c[3] for c in sd["cases"])
    print(f"  a name removed from one side: recall {hit / max(len(sd['cases']), 1):.3f} ({hit}/{len(sd['cases'])})")
    for bg_name, en_name, side, ok in sd["cases"]:
        gone = bg_name if side == "src" else en_name
        where = "Bulgarian" if side == "src" else "English"
        print(f"    {'hit ' if ok else 'MISS'} \"{gone}\" removed from the {where} side")
    if args.meaning:
        print_meaning(part_meaning(args.data, args.seed))
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")


# ---------------------------------------------------------------------------------------------
# drift (``--meaning``): the low-similarity check on the aligner's own links, in context


def part_meaning(data: Path, seed: int) -> dict:
    """Link scores and length deviations of untouched gold 1-1 links and of perturbed ones, in context.

    Each document is aligned as it is (positives: predicted links equal to a
    gold 1-1 link) and once more with every fourth eligible gold 1-1 target
    cut at a comma or semicolon (``eval.divergences.truncate``) and the
    targets of other 1-1 links swapped with a neighbour 1-3 away (negatives:
    the predicted link holding the perturbed source sentence, when it does not
    pair it with its whole translation only).
    """
    from align.checks import _length_z, length_ratio, low_similarity

    def drift_flags(al):  # what the checks say about meaning: low-similarity, or far too long (length-ratio)
        out = {(d.src, d.tgt): d.details.get("extra", "") for d in low_similarity(al)}
        out.update({(d.src, d.tgt): d.details["longer"] for d in length_ratio(al)})
        return out

    from align.encoders import make_encoder
    from align.pipeline import align_documents, make_aligner
    from eval.divergences import truncate

    rng = random.Random(seed + 5)
    aligner = make_aligner("embedding", make_encoder())
    pos, neg = [], {"truncated": [], "swapped": []}
    flags = {"untouched": [0, 0], "truncated": [0, 0], "swapped": [0, 0]}  # low-similarity hits, pairs
    sides = Counter()
    for name, pair in load_pairs(data, DOCS).items():
        src = make_document(pair.de, "de", name)
        al = align_documents(src, make_document(pair.fr, "fr", name), aligner)
        z = _length_z(al)
        gold = {(tuple(a), tuple(b)) for a, b in pair.gold if len(a) == 1 and len(b) == 1}
        low = drift_flags(al)
        for k, link in enumerate(al.links):
            if (link.src, link.tgt) in gold:
                pos.append((link.score, z.get(k, 0.0)))
                flags["untouched"][0] += (link.src, link.tgt) in low
                flags["untouched"][1] += 1
        o2o = sorted(pair.one_to_one())
        fr, what = list(pair.fr), {}
        k = 0
        while k < len(o2o) - 4:
            i, j = o2o[k]
            if k % 8 == 0:
                cut = truncate(fr[j].strip(), rng)
                if cut:
                    fr[j], what[i] = cut, ("truncated", j)
            elif k % 8 == 4:
                d = rng.choice([1, 2, 3])
                if o2o[k + d] == (i + d, j + d):
                    fr[j], fr[j + d] = fr[j + d], fr[j]
                    what[i], what[i + d] = ("swapped", j + d), ("swapped", j)
                    k += d
            k += 1
        al = align_documents(src, make_document(fr, "fr", f"{name}-drift"), aligner)
        z = _length_z(al)
        divs = drift_flags(al)
        for k, link in enumerate(al.links):
            for i in link.src:
                if i in what and link.tgt:
                    kind, true_j = what[i]
                    if kind == "swapped" and link.tgt == (true_j,):
                        continue  # the aligner found the moved translation: nothing drifts
                    neg[kind].append((link.score, z.get(k, 0.0)))
                    d = divs.get((link.src, link.tgt))
                    flags[kind][0] += d is not None
                    flags[kind][1] += 1
                    if d is not None and kind == "truncated":
                        sides[d] += 1
    return {"pos": pos, "neg": neg, "flags": flags, "sides": sides}


def print_meaning(m: dict) -> None:
    from align.checks import LOW_SCORE
    from eval.divergences import roc_auc

    pos = m["pos"]
    print(f"\n== 4. meaning, in context: {len(pos)} predicted links equal to a gold 1-1 link")
    print(f"  {'negatives':<10} {'n':>4} {'AUC score':>9} {'AUC length':>10} {'AUC both':>9}")
    for kind, neg in list(m["neg"].items()) + [("all", [x for v in m["neg"].values() for x in v])]:
        both = roc_auc([_drift(s, z) for s, z in pos], [_drift(s, z) for s, z in neg])
        print(f"  {kind:<10} {len(neg):>4} {roc_auc([s for s, _ in pos], [s for s, _ in neg]):>9.3f} "
              f"{roc_auc([-abs(z) for _, z in pos], [-abs(z) for _, z in neg]):>10.3f} {both:>9.3f}")
    for th in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        for label, f in (("score", lambda s_, z_: s_), ("drift", _drift)):
            row = [f"{sum(f(s, z) < th for s, z in xs) / max(len(xs), 1):.3f}"
                   for xs in [pos] + list(m["neg"].values())]
            print(f"  {label} < {th:.1f}: untouched / " + " / ".join(m["neg"]) + ": " + " / ".join(row))
    print(f"  low-similarity (LOW_SCORE = {LOW_SCORE}) or length-ratio flags: " + "; ".join(
        f"{k} {a}/{b} ({a / max(b, 1):.3f})" for k, (a, b) in m["flags"].items()))
    print(f"  side named as carrying the extra on flagged truncations (the source is right): {dict(m['sides'])}")


def _drift(score: float, z: float) -> float:
    """The score the check uses: link confidence, lowered when one side is far longer than usual."""
    from align.checks import drift_score

    return drift_score(score, z)


if __name__ == "__main__":
    main()
