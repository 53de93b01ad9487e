"""Divergence checks: where the two versions of a text disagree.

One function per kind of divergence, each ``Alignment -> list[Divergence]``,
run together by ``check_alignment``. Sentences that are one-sided get exactly
one explanation: a duplicate or a line in another language is reported as
such, the rest are grouped into missing blocks (one block per run of
consecutive one-sided sentences).
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from . import langid, names, values
from .documents import Alignment, Divergence, Document

LOW_SCORE = 0.3  # drift score (link confidence, lowered for lengths off the usual ratio) under which a pair drifts
DRIFT_LENGTH_FREE = 2.0  # robust z of the length ratio within which length says nothing
DRIFT_LENGTH_WEIGHT = 0.5  # how fast the drift score falls beyond that
LONG_LINE = 40  # letters: one-sided material longer than this is an error, not a warning

LANGUAGE_NAMES = {
    "en": "English", "sv": "Swedish", "fi": "Finnish", "bg": "Bulgarian", "de": "German",
    "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
    "da": "Danish", "nb": "Norwegian", "ru": "Russian", "uk": "Ukrainian", "pl": "Polish",
    "cs": "Czech", "sk": "Slovak", "sl": "Slovenian", "hr": "Croatian", "sr": "Serbian",
    "et": "Estonian", "lv": "Latvian", "lt": "Lithuanian", "el": "Greek", "hu": "Hungarian",
    "ro": "Romanian", "tr": "Turkish", "ar": "Arabic", "zh": "Chinese", "ja": "Japanese",
    "ko": "Korean", "ca": "Catalan", "ga": "Irish", "mk": "Macedonian", "be": "Belarusian",
    "is": "Icelandic",
}


def lang_name(code: str | None) -> str:
    return LANGUAGE_NAMES.get(code or "", code or "unknown")


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _joined(doc: Document, idx: tuple[int, ...]) -> str:
    return " ".join(doc.sentences[i].text for i in idx)


def locate(doc: Document, idx: tuple[int, ...]) -> dict:
    """Where sentences sit in the file: paragraphs, character offsets and lines."""
    if not idx:
        return {}
    first, last = doc.sentences[idx[0]], doc.sentences[idx[-1]]
    return {
        "file": doc.path,
        "paragraphs": sorted({doc.sentences[i].paragraph + 1 for i in idx}),
        "start": first.start,
        "end": last.end,
        "line": doc.line_of(first.start),
    }


def _div(al: Alignment, kind: str, severity: str, message: str, src=(), tgt=(), **details) -> Divergence:
    src, tgt = tuple(src), tuple(tgt)
    return Divergence(kind, severity, message, src, tgt, _joined(al.src, src), _joined(al.tgt, tgt),
                      {"src_location": locate(al.src, src), "tgt_location": locate(al.tgt, tgt), **details})


def _one_sided(al: Alignment) -> tuple[list[int], list[int]]:
    src = [l.src[0] for l in al.links if l.src and not l.tgt]
    tgt = [l.tgt[0] for l in al.links if l.tgt and not l.src]
    return src, tgt


def _duplicates_of(doc: Document) -> dict[int, int]:
    """Sentence index -> index of another identical copy (the first one; for the first, the second)."""
    copies: dict[str, list[int]] = {}
    for i, s in enumerate(doc.sentences):
        key = s.text.casefold()
        if langid.letters(key) >= 3:
            copies.setdefault(key, []).append(i)
    out = {}
    for idx in copies.values():
        if len(idx) > 1:
            out.update({i: idx[0] for i in idx[1:]})
            out[idx[0]] = idx[1]
    return out


def duplicates(al: Alignment) -> list[Divergence]:
    """A sentence repeated on one side whose copy has no counterpart (e.g. a title twice)."""
    out = []
    lonely_src, lonely_tgt = _one_sided(al)
    for side, doc, lonely in (("src", al.src, lonely_src), ("tgt", al.tgt, lonely_tgt)):
        dups = _duplicates_of(doc)
        where = "source" if side == "src" else "target"
        for i in lonely:
            if i in dups:
                kw = {side: (i,)}
                out.append(_div(al, "duplicate", "warning",
                                f"This {where} sentence is repeated word for word (also sentence {dups[i] + 1}) "
                                f"and this copy has no counterpart: \"{_clip(doc.sentences[i].text)}\".",
                                copy_of=dups[i], **kw))
    return out


def other_language(al: Alignment) -> list[Divergence]:
    """Lines written in a language other than their document's (boilerplate, navigation)."""
    out = []
    for side, doc, other in (("src", al.src, al.tgt), ("tgt", al.tgt, al.src)):
        paired = {i for l in al.links if l.src and l.tgt for i in (l.src if side == "src" else l.tgt)}
        where = "source" if side == "src" else "target"
        for i, s in enumerate(doc.sentences):
            if not s.lang:
                continue
            extra = ", with no counterpart" if i not in paired else ""
            if s.lang == other.lang and i in paired:
                continue  # left in the other language on purpose, and translated: checked as untranslated
            out.append(_div(al, "other-language", "warning",
                            f"{_article(lang_name(s.lang))} {lang_name(s.lang)} line in the {lang_name(doc.lang)} "
                            f"{where} text{extra}: "
                            f"\"{_clip(s.text)}\".", **{side: (i,)}, language=s.lang))
    return out


def _merged_unsupported(al: Alignment) -> tuple[set[int], set[int]]:
    """Sentences the aligner merged into a pair that does not need them (``Link.unsupported_src/_tgt``, set by the embedding aligner).

    An inserted sentence, or one whose translation is missing, is often
    merged into its neighbour's pair instead of being left one-sided; the
    aligner names those it finds unsupported, and they count as one-sided here.
    """
    src = {i for l in al.links for i in l.unsupported_src}
    tgt = {j for l in al.links for j in l.unsupported_tgt}
    return src, tgt


def missing_blocks(al: Alignment) -> list[Divergence]:
    """Runs of one-sided sentences, grouped into blocks: present in one version only."""
    lonely_src, lonely_tgt = _one_sided(al)
    merged_src, merged_tgt = _merged_unsupported(al)
    lonely_src, lonely_tgt = sorted(set(lonely_src) | merged_src), sorted(set(lonely_tgt) | merged_tgt)
    out = []
    for side, doc, other, lonely in (("src", al.src, al.tgt, lonely_src), ("tgt", al.tgt, al.src, lonely_tgt)):
        merged = merged_src if side == "src" else merged_tgt
        skip = set(_duplicates_of(doc)) | {i for i, s in enumerate(doc.sentences) if s.lang}
        kind = "missing-in-target" if side == "src" else "missing-in-source"
        blocks: list[list[int]] = []
        for i in lonely:
            if i in skip:
                continue
            if blocks and blocks[-1][-1] == i - 1:
                blocks[-1].append(i)
            else:
                blocks.append([i])
        for block in blocks:
            text = _joined(doc, tuple(block))
            severity = "error" if langid.letters(text) >= LONG_LINE else "warning"
            n = len(block)
            what, verb = ("A sentence", "has") if n == 1 else (f"{n} sentences", "have")
            paras = sorted({doc.sentences[i].paragraph + 1 for i in block})
            ptxt = f"paragraph {paras[0]}" if len(paras) == 1 else f"paragraphs {paras[0]}–{paras[-1]}"
            out.append(_div(al, kind, severity,
                            f"{what} of the {lang_name(doc.lang)} version ({ptxt}, line "
                            f"{doc.line_of(doc.sentences[block[0]].start)}) {verb} no counterpart in the "
                            f"{lang_name(other.lang)} version"
                            f"{' (aligned with a neighbour that reads as well without it)' if merged & set(block) else ''}"
                            f": \"{_clip(text, 120)}\".",
                            **{side: tuple(block)}))
    return out


def _compare_sets(al, link, s_text, t_text, extract, kind, label, spelled=None) -> list[Divergence]:
    a, b = extract(s_text), extract(t_text)
    if a == b or (not a and not b):
        return []
    only_s = sorted((Counter(a) - Counter(b)).elements()) if isinstance(a, Counter) else sorted(a - b)
    only_t = sorted((Counter(b) - Counter(a)).elements()) if isinstance(b, Counter) else sorted(b - a)
    if spelled:  # "fünf Uhr" / "5 heures": a value spelt out on the other side is no mismatch
        words_s, words_t = spelled(s_text), spelled(t_text)
        only_s = [v for v in only_s if v not in words_t]
        only_t = [v for v in only_t if v not in words_s]
    if not only_s and not only_t:
        return []
    parts = []
    if only_s:
        parts.append(f"{', '.join(only_s)} only in the source")
    if only_t:
        parts.append(f"{', '.join(only_t)} only in the target")
    return [_div(al, kind, "error", f"The {label} differ: {'; '.join(parts)}.", link.src, link.tgt,
                 source_values=only_s, target_values=only_t)]


def values_mismatch(al: Alignment) -> list[Divergence]:
    """Numbers, dates, phone numbers, e-mails and URLs compared as values in each pair."""
    out = []
    for link, s, t in al.pairs():
        s_damaged, t_damaged = values.damaged(s), values.damaged(t)
        out += _compare_sets(al, link, s, t, values.numbers, "number-mismatch", "numbers, dates or times",
                             spelled=values.spelled_values)
        out += _compare_sets(al, link, s, t, values.phones, "phone-mismatch", "phone numbers")
        if not (s_damaged or t_damaged):  # a placeholder is not a different address
            out += _compare_sets(al, link, s, t, values.emails, "email-mismatch", "e-mail addresses")
        out += _compare_sets(al, link, s, t, values.urls, "url-mismatch", "web addresses")
    return out


def damaged_text(al: Alignment) -> list[Divergence]:
    """Placeholders left by a crawler where text used to be ("[email protected]")."""
    out = []
    for side, doc in (("src", al.src), ("tgt", al.tgt)):
        for i, s in enumerate(doc.sentences):
            for found in values.damaged(s.text):
                out.append(_div(al, "damaged-text", "warning",
                                f"\"{found}\" is a web crawler's placeholder: the real e-mail address was lost "
                                "when the page was saved; restore it from the original.", **{side: (i,)}))
    return out


def _is_prose(text: str) -> bool:
    """Running text rather than a name line ("Hans Sigrist, Oberbalm"): 4+ words, half in lower case."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return len(words) >= 4 and sum(w[0].islower() for w in words) * 2 >= len(words)


def untranslated(al: Alignment) -> list[Divergence]:
    """Pairs whose target is the source text itself, or is written in the source language."""
    out = []
    for link, s, t in al.pairs():
        tgt_langs = {al.tgt.sentences[j].lang for j in link.tgt}
        if s.casefold() == t.casefold() and _is_prose(s) and al.src.lang != al.tgt.lang:
            out.append(_div(al, "untranslated", "warning",
                            f"The target repeats the source word for word: \"{_clip(t)}\".", link.src, link.tgt))
        elif al.src.lang in tgt_langs:
            out.append(_div(al, "untranslated", "warning",
                            f"The target is still in {lang_name(al.src.lang)}: \"{_clip(t)}\".", link.src, link.tgt))
    return out


def _length_z(al: Alignment) -> dict[int, float]:
    """Link index -> how much longer its source is than this document pair's usual ratio, in robust spreads."""
    import math
    import statistics

    def log_ratio(s: str, t: str) -> float:
        return math.log((len(s) + 10) / (len(t) + 10))

    rows = [(k, link, (_joined(al.src, link.src), _joined(al.tgt, link.tgt)))
            for k, link in enumerate(al.links) if link.src and link.tgt]
    ratios = [log_ratio(s, t) for _, link, (s, t) in rows if len(link.src) == len(link.tgt) == 1]
    if len(ratios) < 5:
        return {}
    med = statistics.median(ratios)
    spread = max(0.1, 1.4826 * statistics.median(abs(r - med) for r in ratios))
    return {k: (log_ratio(s, t) - med) / spread for k, _, (s, t) in rows}


def drift_score(score: float, z: float) -> float:
    """Link confidence, lowered when one side is far longer than this pair's sentences usually are.

    A target cut by a clause still looks like a translation to the encoder
    (the link score barely drops); its length gives it away.
    """
    import math

    return score * math.exp(-DRIFT_LENGTH_WEIGHT * max(0.0, abs(z) - DRIFT_LENGTH_FREE))


def low_similarity(al: Alignment) -> list[Divergence]:
    """Pairs the aligner kept but whose meanings seem to drift apart, and which side says more."""
    out = []
    zs = _length_z(al)
    by_length = {(d.src, d.tgt) for d in length_ratio(al)}  # already reported as far too long: once is enough
    for k, link in enumerate(al.links):
        if not (link.src and link.tgt):
            continue
        z = zs.get(k, 0.0)
        drift = drift_score(link.score, z)
        if drift >= LOW_SCORE or (link.score >= LOW_SCORE and (link.src, link.tgt) in by_length):
            continue
        extra = "source" if z > DRIFT_LENGTH_FREE else "target" if z < -DRIFT_LENGTH_FREE else ""
        if extra:
            other = "target" if extra == "source" else "source"
            why = (f" The {extra} is longer than this document's sentences usually are: it probably says "
                   f"something the {other} leaves out.")
        else:
            why = " Neither side is longer than usual: they may say different things."
        out.append(_div(al, "low-similarity", "warning",
                        f"These sentences are paired by position but their meanings look different "
                        f"(confidence {link.score:.2f}).{why}", link.src, link.tgt, score=link.score,
                        drift=round(drift, 4), extra=extra))
    return out


def names_mismatch(al: Alignment) -> list[Divergence]:
    """Names and acronyms written on one side of a pair with nothing like them on the other."""
    pairs = al.pairs()
    if not pairs:
        return []
    s_texts, t_texts = [x.text for x in al.src.sentences], [x.text for x in al.tgt.sentences]
    s_low, t_low = names.lowercase_vocabulary(s_texts), names.lowercase_vocabulary(t_texts)
    s_units = [names.units(x, al.src.lang, s_low) for x in s_texts]  # sentence by sentence, once
    t_units = [names.units(x, al.tgt.lang, t_low) for x in t_texts]
    s_words = {k for x in s_texts for k in names.word_keys(x, al.src.lang)}
    t_words = {k for x in t_texts for k in names.word_keys(x, al.tgt.lang)}
    s_doc = {k for us in s_units for u in us for k in u.keys}
    t_doc = {k for us in t_units for u in us for k in u.keys}
    # across scripts a name is spelt differently in the other document: look for it loosely there
    cross = names.script(s_texts) != names.script(t_texts)
    s_spelt, t_spelt = (s_doc, t_doc) if cross else (set(), set())
    comps = [names.compare(s, t, al.src.lang, al.tgt.lang, s_low, t_low, s_doc, t_doc,
                           [u for i in link.src for u in s_units[i]], [u for j in link.tgt for u in t_units[j]])
             for link, s, t in pairs]
    # names the translation keeps verbatim in most pairs that have them
    kept_s = names.verbatim([c.src_rendered for c in comps], [c.src_missing for c in comps])
    kept_t = names.verbatim([c.tgt_rendered for c in comps], [c.tgt_missing for c in comps])
    out = []
    for (link, s, t), c in zip(pairs, comps):
        s_acr = sum(u.acronym for u in c.src_missing + c.src_rendered)
        t_acr = sum(u.acronym for u in c.tgt_missing + c.tgt_rendered)
        only_s = names.unexplained(c.src_missing, c.tgt_missing, t_acr, kept_s, t_words, t_spelt)
        only_t = names.unexplained(c.tgt_missing, c.src_missing, s_acr, kept_t, s_words, s_spelt)
        if not only_s and not only_t:
            continue
        parts = []
        for found, doc, other in ((only_s, al.src, al.tgt), (only_t, al.tgt, al.src)):
            if found:
                listed = ", ".join(f"\"{u.text}\"" for u in found)
                parts.append(f"{listed} {'is' if len(found) == 1 else 'are'} in the {lang_name(doc.lang)} "
                             f"sentence but not in the {lang_name(other.lang)} one")
        out.append(_div(al, "name-mismatch", "warning",
                        f"A name or acronym is missing on one side: {'; '.join(parts)}.", link.src, link.tgt,
                        source_names=[u.text for u in only_s], target_names=[u.text for u in only_t]))
    return out


def length_ratio(al: Alignment) -> list[Divergence]:
    """Pairs far longer on one side than this document pair usually is: part may be left out."""
    import math
    import statistics

    def log_ratio(s: str, t: str) -> float:
        return math.log((len(s) + 10) / (len(t) + 10))

    pairs = al.pairs()
    ratios = [log_ratio(s, t) for link, s, t in pairs if len(link.src) == len(link.tgt) == 1]
    if len(ratios) < 5:
        return []
    med = statistics.median(ratios)
    spread = max(0.1, 1.4826 * statistics.median(abs(r - med) for r in ratios))
    out = []
    for link, s, t in pairs:
        z = (log_ratio(s, t) - med) / spread
        expected_t = (len(s) + 10) / math.exp(med) - 10
        if abs(z) > 3.5 and abs(len(t) - expected_t) >= 40:
            longer, shorter = ("source", "target") if z > 0 else ("target", "source")
            factor = math.exp(abs(log_ratio(s, t) - med))
            out.append(_div(al, "length-ratio", "warning",
                            f"The {longer} is {factor:.1f} times as long as this pair's sentences usually are: "
                            f"the {shorter} may leave part of it out, or the {longer} adds something.",
                            link.src, link.tgt, longer=longer))
    return out


def _in_order(keys: list[int]) -> set[int]:
    """Positions of a longest strictly increasing subsequence of ``keys``."""
    import bisect

    tails: list[int] = []  # tails[k] = smallest key ending an increasing run of length k+1
    tail_at: list[int] = []
    prev = [-1] * len(keys)
    for pos, key in enumerate(keys):
        k = bisect.bisect_left(tails, key)
        if k == len(tails):
            tails.append(key)
            tail_at.append(pos)
        else:
            tails[k] = key
            tail_at[k] = pos
        prev[pos] = tail_at[k - 1] if k else -1
    keep, pos = set(), tail_at[-1] if tail_at else -1
    while pos >= 0:
        keep.add(pos)
        pos = prev[pos]
    return keep


def reordering(al: Alignment) -> list[Divergence]:
    """Pairs that sit elsewhere in the other version than the text around them."""
    pairs = [l for l in al.links if l.src and l.tgt]
    keep = _in_order([l.tgt[0] for l in pairs])
    return [_div(al, "reordering", "note",
                 "This pair is in a different place in the two versions: the text around it follows another "
                 "order.", l.src, l.tgt) for k, l in enumerate(pairs) if k not in keep]


def mixed_script(al: Alignment) -> list[Divergence]:
    """Words mixing Latin and Cyrillic letters: invisible typos that break search and matching."""
    out = []
    for side, doc in (("src", al.src), ("tgt", al.tgt)):
        for i, s in enumerate(doc.sentences):
            words = langid.mixed_script_words(s.text)
            if words:
                out.append(_div(al, "mixed-script", "note",
                                f"{', '.join(repr(w) for w in words)} mixes Latin and Cyrillic letters that look "
                                "alike; a CAT tool will not match it with the correctly spelt word.",
                                **{side: (i,)}, words=words))
    return out


CHECKS: list[Callable[[Alignment], list[Divergence]]] = [
    missing_blocks, duplicates, other_language, values_mismatch, damaged_text, untranslated,
    low_similarity, length_ratio, reordering, mixed_script, names_mismatch,
]

SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}


def check_alignment(al: Alignment) -> list[Divergence]:
    """Every divergence of an alignment, in document order."""
    found = [d for check in CHECKS for d in check(al)]

    where = _src_positions(al)

    def key(d: Divergence):
        pos = d.src[0] if d.src else (where.get(d.tgt[0], 0) if d.tgt else 0)
        return pos, SEVERITY_ORDER[d.severity], d.kind

    return sorted(found, key=key)


def _src_positions(al: Alignment) -> dict[int, float]:
    """Where each target sentence falls in source order (for sorting the report), in one pass over the links."""
    out, last = {}, -0.5
    for link in al.links:
        if link.src:
            last = link.src[-1]
        for j in link.tgt:
            out[j] = last + 0.5
    return out
