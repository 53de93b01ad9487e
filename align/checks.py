"""Divergence checks: where the two versions of a text disagree.

One function per kind of divergence, each ``Alignment -> list[Divergence]``,
run together by ``check_alignment``. Sentences that are one-sided get exactly
one explanation: a duplicate or a line in another language is reported as
such, the rest are grouped into missing blocks (one block per run of
consecutive one-sided sentences).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import langid, names, values
from .documents import Alignment, Divergence, Document
from .errors import InputError
from .markup import prose, running_text

LOW_SCORE = 0.3  # drift score (link confidence, lowered for lengths off the usual ratio) under which a pair drifts
DRIFT_LENGTH_FREE = 2.0  # robust z of the length ratio within which length says nothing
DRIFT_LENGTH_WEIGHT = 0.5  # how fast the drift score falls beyond that
LONG_LINE = 40  # letters: one-sided material longer than this is an error, not a warning
SHORT_LINE = 30  # letters of prose: a shorter side is too short for the encoder to judge its meaning
# a sentence merged into a 1-n link is surely extra when the link's length ratio is this many robust spreads
# further from the usual one with it than without it (``_surely_extra``)
MERGED_EXTRA_Z = 2.0
CONFIDENT_LINK = 0.5  # link score from which the aligner is sure two sides translate each other
DRIFT_MARGIN = 0.0  # a low-confidence pair whose sides match each other better than this is no drift

MIN_LANGUAGE_LETTERS = 20  # letters of prose a line with code or markup needs before its language is called another
MIN_PLAIN_LETTERS = 8  # the same for a line of plain words (as langid.other_language asks)
DOUBT_SHARE = 0.3  # share of a document's letters in other languages that puts its own language in doubt
DOUBT_LINES = 5  # ... in at least this many lines
SURE_LANGUAGE = 0.8  # confidence at which language id calls a line words of a language (as other_language)
# what is not prose in a line: fences, inline code, {…} attributes and includes, HTML tags, addresses, link
# targets, file names, JSON keys ("annotations": {)
_CJK = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL"}


@functools.lru_cache(maxsize=4096)  # asked of every letter of the lines checked, and letters repeat
def _script_of_letter(ch: str) -> str:
    name = unicodedata.name(ch, "").split(" ")[0]
    return "CJK" if name in _CJK else name


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
                copy = doc.line_of(doc.sentences[dups[i]].start)
                words = _worded(doc.sentences[i].text)  # "{{% /capture %}}" repeats by design
                out.append(_div(al, "duplicate", "warning" if words else "note",
                                f"This {where} sentence is repeated word for word (the other copy is on line {copy}) "
                                f"and this copy has no counterpart: \"{_clip(doc.sentences[i].text)}\".",
                                copy_of=dups[i], certainty=0.7 if words else 0.3, **kw))
    return out


_FENCE = re.compile(r"^\s*(?:```|~~~)", re.MULTILINE)


def _code_sentences(doc: Document) -> frozenset[int]:
    """Sentences inside fenced code blocks (```) and a leading front matter block (---): never translated prose.

    Worked out once per document from its paragraphs (a code block may hold blank lines, so a fence is
    followed across paragraphs), and kept on the document.
    """
    cached = doc.__dict__.get("_code_sentences")
    if cached is not None:
        return cached
    code, inside, front = set(), False, False
    for k, (a, b) in enumerate(doc.paragraphs):
        text = doc.text[a:b]
        if k == 0 and text.lstrip().startswith("---"):
            front = True
        fences = len(_FENCE.findall(text))
        if inside or fences or front:
            code.add(k)
        inside = inside != (fences % 2 == 1)
        if front and (k > 0 or text.count("\n---") or text.rstrip().endswith("---") and len(text.strip()) > 3):
            front = bool(k == 0 and not text.count("\n---"))
    out = frozenset(i for i, s in enumerate(doc.sentences) if s.paragraph in code)
    doc.__dict__["_code_sentences"] = out
    return out


def _script(text: str) -> str:
    """The script most letters of a text are written in ("LATIN", "CYRILLIC", "CJK", ...); "" without letters."""
    if text.isascii():  # the common case: its letters are A-Z and a-z
        return "LATIN" if any(map(str.isalpha, text)) else ""
    counts: Counter = Counter()
    for ch in text:
        if ch.isalpha():
            counts[_script_of_letter(ch)] += 1
    return counts.most_common(1)[0][0] if counts else ""


def _document_script(doc: Document) -> str:
    return _script(" ".join(s.text for s in doc.sentences[:200]))


def _in_language(text: str, lang: str | None, doc: Document, script: str, words_only: bool = False,
                 words: str | None = None) -> bool:
    """Strong evidence that a line of ``doc`` is written in ``lang``, not in its document's language.

    Language id is only trusted on the words of the line (``prose``), when
    there are enough of them (more when the line also holds code or markup), when they are written in a script the claimed
    language is written in (``script``, when known: a Cyrillic line is no
    English one), and when the detector, asked again on those words alone,
    still names ``lang`` (``words_only``: any language, named surely). ``words``: ``prose(text)``, when known.
    """
    words = prose(text) if words is None else words
    # a line of plain words is judged as language id judged it; one that mixes in code or markup, on more words
    plain = langid.letters(words) == langid.letters(text)
    if not lang or langid.letters(words) < (MIN_PLAIN_LETTERS if plain else MIN_LANGUAGE_LETTERS) \
            or sum(langid.letters(w) >= 2 for w in words.split()) < 2:
        return False  # one word ("annotations":) is no evidence of a language
    if script and _script(words) != script:
        return False
    if words_only:  # only asked whether the line is words of a language, whichever: named surely
        return langid.detect(words)[1] >= SURE_LANGUAGE
    return langid.reads_as(words, doc.lang, lang)


def _confirmed_languages(al: Alignment, doc_doubt: dict[str, str] | None = None) -> dict[tuple[str, int], str]:
    """(side, sentence) -> language, for the sentences whose other language ``_in_language`` confirms.

    ``doc_doubt`` receives, per side, the language most of its lines read as when that is so many of them that
    the document's own language is in doubt (``_doubtful_language``).
    """
    doc_doubt = {} if doc_doubt is None else doc_doubt
    # three checks ask this of the same alignment: worked out once while its documents and labels are the same
    key = (al.src, al.tgt, al.src.lang, al.tgt.lang, [(s.text, s.lang) for s in al.src.sentences],
           [(s.text, s.lang) for s in al.tgt.sentences])
    kept = al.__dict__.get("_confirmed_languages")
    if kept and all(a is b if isinstance(a, Document) else a == b for a, b in zip(kept[0], key)):
        doc_doubt.update(kept[2])
        return dict(kept[1])
    doubt: dict[str, str] = {}
    out = {}
    scripts = {al.src.lang: _document_script(al.src), al.tgt.lang: _document_script(al.tgt)}
    for side, doc in (("src", al.src), ("tgt", al.tgt)):
        code = _code_sentences(doc)
        asked = {i: (s, prose(s.text)) for i, s in enumerate(doc.sentences) if s.lang and i not in code}
        langid.look_ahead([(words, s.lang) for s, words in asked.values()], doc.lang)  # on disk, at once
        found = {i: s.lang for i, (s, words) in asked.items()
                 if _in_language(s.text, s.lang, doc, scripts.get(s.lang, ""), words=words)}
        if _doubtful_language(doc, found):
            doubt[side] = Counter(found.values()).most_common(1)[0][0]
        out.update(((side, i), lang) for i, lang in found.items())
    al.__dict__["_confirmed_languages"] = (key, dict(out), doubt)
    doc_doubt.update(doubt)
    return out


def _doubtful_language(doc: Document, found: dict[int, str]) -> bool:
    """Are so many lines of ``doc`` in other languages that its own language is in doubt (a wrong detection)?"""
    total = sum(langid.letters(s.text) for s in doc.sentences) or 1
    if len(found) < DOUBT_LINES:
        return False
    # many lines, or lines the detector gives three different languages: it is guessing, most likely at a
    # language it does not know (Indonesian read as Lithuanian, Romanian, Turkish...)
    return sum(langid.letters(doc.sentences[i].text) for i in found) >= DOUBT_SHARE * total \
        or len(set(found.values())) >= 3


def other_language(al: Alignment) -> list[Divergence]:
    """Lines written in a language other than their document's (boilerplate, navigation)."""
    out = []
    doubt: dict[str, str] = {}
    confirmed = _confirmed_languages(al, doubt)
    for side, doc, other in (("src", al.src, al.tgt), ("tgt", al.tgt, al.src)):
        paired = {i for l in al.links if l.src and l.tgt for i in (l.src if side == "src" else l.tgt)}
        where = "source" if side == "src" else "target"
        if side in doubt:  # one finding about the document, not one per line
            lines = tuple(i for (sd, i) in confirmed if sd == side)
            out.append(_div(al, "other-language", "note",
                            f"Many lines of the {where} read as {lang_name(doubt[side])}, not "
                            f"{lang_name(doc.lang)}: is the document's language right? Give it with "
                            f"--{'src' if side == 'src' else 'tgt'}-lang.", **{side: lines[:1]},
                            language=doubt[side], lines=len(lines), certainty=0.3))
            continue
        for i, s in enumerate(doc.sentences):
            lang = confirmed.get((side, i))
            if not lang:
                continue
            if lang == other.lang and i in paired:
                continue  # left in the other language on purpose, and translated: checked as untranslated
            extra = ", with no counterpart" if i not in paired else ""
            out.append(_div(al, "other-language", "warning",
                            f"This line of the {lang_name(doc.lang)} {where} is written in {lang_name(lang)}"
                            f"{extra}: \"{_clip(s.text)}\".", **{side: (i,)}, language=lang,
                            certainty=0.8 if extra else 0.6))
    return out


def untranslated(al: Alignment) -> list[Divergence]:
    """Pairs whose target is the source text itself, or is written in the source language."""
    out = []
    src_script = _document_script(al.src)
    code = _code_sentences(al.tgt)
    for link, s, t in al.pairs():
        if all(j in code for j in link.tgt):
            continue  # commands, output, YAML: kept as they are on purpose
        tgt_langs = {al.tgt.sentences[j].lang for j in link.tgt}
        words = prose(s)
        if s.casefold() == t.casefold() and running_text(words) and al.src.lang != al.tgt.lang \
                and _in_language(s, al.src.lang, al.src, "", words_only=True):
            out.append(_div(al, "untranslated", "warning",
                            f"The target repeats the source word for word: \"{_clip(t)}\".", link.src, link.tgt,
                            certainty=0.7))
        elif al.src.lang in tgt_langs and _in_language(t, al.src.lang, al.tgt, src_script):
            out.append(_div(al, "untranslated", "warning",
                            f"The target is still in {lang_name(al.src.lang)}, not translated: \"{_clip(t)}\".",
                            link.src, link.tgt, certainty=0.7))
    return out


def _merged_unsupported(al: Alignment, encoder=None) -> tuple[set[int], set[int], set[int], set[int]]:
    """Sentences the aligner merged into a pair that does not need them (``Link.unsupported_src/_tgt``, set by the
    embedding aligner): those that count as one-sided, then those of them that are surely extra.

    An inserted sentence, or one whose translation is missing, is often
    merged into its neighbour's pair instead of being left one-sided; the
    aligner names those it finds unsupported. A piece of a sentence cut at a
    line break ("See", "Die Generierung von") that the same link carries on is
    not missing. The rest count as one-sided; they are surely extra
    (``_surely_extra``) when the link's lengths agree clearly better without
    them and, given the encoder, the link does not read better with them.
    """
    stats = _ratio_stats(al)
    out: tuple[set[int], set[int], set[int], set[int]] = (set(), set(), set(), set())
    for link in al.links:
        for k, (side, members) in enumerate((("src", link.unsupported_src), ("tgt", link.unsupported_tgt))):
            members = tuple(m for m in members if not _fragment_carried_on(al, link, side, m))
            if not members:
                continue
            out[k].update(members)
            if _surely_extra(al, link, side, members, stats, encoder):
                out[k + 2].update(members)
    return out


_TERMINAL = re.compile(r"[.!?…:;。！？」』\"'”’»)\]*_`]\s*$")


def _fragment_carried_on(al: Alignment, link, side: str, k: int) -> bool:
    """Is sentence ``k`` the start of a sentence cut at a line break, whose rest is the next sentence of the link?"""
    mine, doc = (link.src, al.src) if side == "src" else (link.tgt, al.tgt)
    text = doc.sentences[k].text
    if k + 1 not in mine or _TERMINAL.search(text) or langid.letters(text) < 3:
        return False  # a sentence, or debris ("A", "■") that says nothing of a cut
    return doc.sentences[k].paragraph == doc.sentences[k + 1].paragraph


def _ratio_stats(al: Alignment) -> tuple[float, float] | None:
    """Median and robust spread of this pair's log length ratio (source over target) on 1-1 pairs of words."""
    import math
    import statistics

    ratios = [math.log((len(s) + 10) / (len(t) + 10)) for link, s, t in
              ((link, prose(s), prose(t)) for link, s, t in al.pairs() if len(link.src) == len(link.tgt) == 1)
              if _has_words(s, t)]
    if len(ratios) < 5:
        return None
    med = statistics.median(ratios)
    return med, max(0.1, 1.4826 * statistics.median(abs(r - med) for r in ratios))


def _surely_extra(al: Alignment, link, side: str, members: tuple[int, ...], stats, encoder) -> bool:
    """Does the 1-n link read clearly better without ``members`` (they are extra, the other side lacks them)?

    Measured on the link's parts: the length ratio of the link without them
    is much closer to this pair's usual ratio than with them (by
    ``MERGED_EXTRA_Z`` robust spreads), and, given the encoder, the other
    side matches the link's side without them at least as well as with them.
    """
    import math

    mine, other = (link.src, link.tgt) if side == "src" else (link.tgt, link.src)
    doc, other_doc = (al.src, al.tgt) if side == "src" else (al.tgt, al.src)
    rest = tuple(i for i in mine if i not in members)
    if not rest or stats is None:
        return False
    med, spread = stats
    sign = 1 if side == "src" else -1  # the ratio is source over target

    def off(idx: tuple[int, ...]) -> float:
        a, b = len(prose(_joined(doc, idx))), len(prose(_joined(other_doc, tuple(other))))
        return abs(sign * math.log((a + 10) / (b + 10)) - med) / spread

    if off(tuple(mine)) - off(rest) < MERGED_EXTRA_Z:
        return False
    if encoder is None:
        return True
    whole, without, theirs = _vectors(encoder, [_joined(doc, tuple(mine)), _joined(doc, rest),
                                               _joined(other_doc, tuple(other))])
    return float(whole @ theirs) <= float(without @ theirs)


def _vectors(encoder, texts: list[str]) -> np.ndarray:
    """Unit vectors of texts (the aligner's encoder and its cache: these texts are mostly embedded already)."""
    vecs = np.asarray(encoder.encode(texts), dtype=np.float32)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


def missing_blocks(al: Alignment, encoder=None) -> list[Divergence]:
    """Runs of one-sided sentences, grouped into blocks: present in one version only.

    ``encoder`` (the aligner's) lets sentences merged into a 1-n link be
    checked against the other side before they are called missing.
    """
    lonely_src, lonely_tgt = _one_sided(al)
    merged_src, merged_tgt, sure_src, sure_tgt = _merged_unsupported(al, encoder)
    lonely_src, lonely_tgt = sorted(set(lonely_src) | merged_src), sorted(set(lonely_tgt) | merged_tgt)
    doubt: dict[str, str] = {}
    confirmed = _confirmed_languages(al, doubt)
    gaps = _gaps(al)  # one-sided text on both sides of the same gap: maybe each other's translation, not paired
    # (text with words: a lone template tag or code line facing a block is not its translation)
    opposite = {side: {g for i, g in gaps[facing_side].items() if _worded(doc.sentences[i].text)}
                for side, facing_side, doc in (("src", "tgt", al.tgt), ("tgt", "src", al.src))}
    out = []
    for side, doc, other, lonely in (("src", al.src, al.tgt, lonely_src), ("tgt", al.tgt, al.src, lonely_tgt)):
        merged = merged_src if side == "src" else merged_tgt
        sure = sure_src if side == "src" else sure_tgt
        # lines in another language are reported as such, unless the document's own language is in doubt
        skip = set(_duplicates_of(doc)) | ({i for (sd, i) in confirmed if sd == side} if side not in doubt else set())
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
            facing = gaps[side].get(block[0]) is not None and gaps[side][block[0]] in opposite[side]
            in_link = bool(merged & set(block))
            out.append(_missing_block(al, kind, side, doc, other, block, in_link, facing,
                                      sure=(not in_link or bool(sure & set(block))) and not (
                                          side in doubt and all((side, i) in confirmed for i in block))))
    return out


def _worded(text: str) -> bool:
    """Words to translate, not only markup or code (a lone template tag is none)."""
    return langid.letters(prose(text)) >= 3


def _gaps(al: Alignment) -> dict[str, dict[int, int]]:
    """Side -> one-sided sentence -> the gap between paired links it sits in (counted in link order)."""
    out: dict[str, dict[int, int]] = {"src": {}, "tgt": {}}
    gap = 0
    for link in al.links:
        if link.src and link.tgt:
            gap += 1
        elif link.src:
            out["src"].update((i, gap) for i in link.src)
        else:
            out["tgt"].update((j, gap) for j in link.tgt)
    return out


def _held_by_sure_links(al: Alignment, side: str, block: list[int]) -> bool:
    """Are the pairs just before and after a one-sided block sure ones (no doubtful link could hold it instead)?"""
    places = [k for k, l in enumerate(al.links) if block[0] in (l.src if side == "src" else l.tgt)]
    if not places:
        return True
    before = next((l for l in reversed(al.links[:places[0]]) if l.src and l.tgt), None)
    after = next((l for l in al.links[places[0] + 1:] if l.src and l.tgt and not set(block) & set(
        l.src if side == "src" else l.tgt)), None)
    return all(l is None or l.score >= LOW_SCORE for l in (before, after))


def _missing_block(al: Alignment, kind: str, side: str, doc: Document, other: Document, block: list[int],
                   merged: bool, facing: bool = False, sure: bool = True) -> Divergence:
    """One block of one-sided sentences, its severity by how sure it is (see ``missing_blocks``).

    An error only for a block no link holds (left one-sided by the aligner)
    with prose of a full sentence; a block the aligner merged into a
    neighbour's link is probable (a warning) when the link's parts show it is
    extra (``sure``, see ``_surely_extra``); a block of code or markup with
    no words, one in a link that may well translate it, or one facing
    one-sided text of the other version at the same place (``facing``: more
    likely two passages the aligner did not pair), is a note.
    """
    text = _joined(doc, tuple(block))
    words = langid.letters(prose(text))
    code = all(i in _code_sentences(doc) for i in block)
    if words < 3 or facing or code or not sure:
        severity, certainty = "note", 0.3
    elif not merged and words >= LONG_LINE and _held_by_sure_links(al, side, block):
        severity, certainty = "error", 0.9
    else:
        severity, certainty = "warning", 0.55 if merged else 0.65
    n = len(block)
    what, verb = ("A sentence", "has") if n == 1 else (f"{n} sentences", "have")
    paras = sorted({doc.sentences[i].paragraph + 1 for i in block})
    ptxt = f"paragraph {paras[0]}" if len(paras) == 1 else f"paragraphs {paras[0]}–{paras[-1]}"
    why = ""
    if facing:
        why = (f" (the {lang_name(other.lang)} version has text of its own at the same place, left unpaired: "
               f"it may be its translation)")
    elif merged:
        why = (f" (it is aligned with {lang_name(other.lang)} text that translates only the "
               f"sentences around it)" if n == 1 else
               f" (they are aligned with {lang_name(other.lang)} text that translates only the sentences around "
               f"them)")
    return _div(al, kind, severity,
                f"{what} of the {lang_name(doc.lang)} version ({ptxt}, line "
                f"{doc.line_of(doc.sentences[block[0]].start)}) {verb} no counterpart in the "
                f"{lang_name(other.lang)} version{why}: \"{_clip(text, 120)}\".",
                certainty=certainty, **{side: tuple(block)})


def _compare_sets(al, link, s_text, t_text, extract, kind, label, spelled=None) -> list[Divergence]:
    """One value divergence for a pair whose values differ once equal ones written differently are paired off.

    An error when both sides keep a value the other lacks (a changed value:
    both parsed, and different); a warning when only one side has one (a
    value dropped or added, or written in a way not read here).
    """
    a, b = extract(s_text, al.src.lang), extract(t_text, al.tgt.lang)
    if a == b or (not a and not b):
        return []
    only_s = sorted((Counter(a) - Counter(b)).elements()) if isinstance(a, Counter) else sorted(a - b)
    only_t = sorted((Counter(b) - Counter(a)).elements()) if isinstance(b, Counter) else sorted(b - a)
    if spelled:  # "fünf Uhr" / "5 heures", "11" / "11:00", "1956" / "novembre 1956": the same value said otherwise
        only_s, only_t = values.settle_values(only_s, only_t, spelled(s_text), spelled(t_text))
    if not only_s and not only_t:
        return []
    parts = []
    if only_s:
        parts.append(f"{', '.join(only_s)} only in the source ({lang_name(al.src.lang)})")
    if only_t:
        parts.append(f"{', '.join(only_t)} only in the target ({lang_name(al.tgt.lang)})")
    changed = bool(only_s and only_t)
    return [_div(al, kind, "error" if changed else "warning",
                 f"The {label} differ: {'; '.join(parts)}.", link.src, link.tgt,
                 source_values=only_s, target_values=only_t, certainty=0.95 if changed else 0.7)]


def _numbers(text: str, lang: str | None) -> Counter:
    return values.numbers(text, lang)


def _by_text(extract: Callable[[str], set]) -> Callable[[str, str | None], set]:
    """An extractor that does not depend on the language, with the signature ``_compare_sets`` calls."""
    return lambda text, lang: extract(text)


def values_mismatch(al: Alignment) -> list[Divergence]:
    """Numbers, dates, phone numbers, e-mails and URLs compared as values in each pair."""
    out = []
    for link, s, t in al.pairs():
        s_damaged, t_damaged = values.damaged(s), values.damaged(t)
        out += _compare_sets(al, link, s, t, _numbers, "number-mismatch", "numbers, dates or times",
                             spelled=values.spelled_values)
        out += _compare_sets(al, link, s, t, _by_text(values.phones), "phone-mismatch", "phone numbers")
        if not (s_damaged or t_damaged):  # a placeholder is not a different address
            out += _compare_sets(al, link, s, t, _by_text(values.emails), "email-mismatch", "e-mail addresses")
        out += _compare_sets(al, link, s, t, _by_text(values.urls), "url-mismatch", "web addresses")
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


def _length_z(al: Alignment) -> dict[int, float]:
    """Link index -> how much longer its source is than this document pair's usual ratio, in robust spreads."""
    import math
    import statistics

    def log_ratio(s: str, t: str) -> float:
        return math.log((len(s) + 10) / (len(t) + 10))

    rows = [(k, link, (prose(_joined(al.src, link.src)), prose(_joined(al.tgt, link.tgt))))
            for k, link in enumerate(al.links) if link.src and link.tgt]
    rows = [r for r in rows if _has_words(*r[2])]  # a code line is not translated: its length says nothing
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


def _code_on_a_side(al: Alignment, link) -> bool:
    """A link with a code block or front matter on a side: metadata or a misalignment, no translation to measure."""
    s_code, t_code = _code_sentences(al.src), _code_sentences(al.tgt)
    return all(i in s_code for i in link.src) or all(j in t_code for j in link.tgt)


def _has_words(s: str, t: str) -> bool:
    """Both sides hold words to translate (not only code or markup)."""
    return langid.letters(s) >= MIN_PLAIN_LETTERS and langid.letters(t) >= MIN_PLAIN_LETTERS


def _same_text(s: str, t: str) -> bool:
    """The two sides read the same (an ``<img …>`` line, a code line, a name): nothing can drift."""
    return " ".join(s.casefold().split()) == " ".join(t.casefold().split())


def _local_margin(al: Alignment, link, encoder) -> float:
    """How much closer the two sides of a link are to each other than to the sentences around them.

    Scores are calibrated on one language pair; for distant languages (en-ko)
    the encoder's similarities are all lower, but a right pair still matches
    its translation better than the sentences next to it.
    """
    def around(doc: Document, idx: tuple[int, ...]) -> list[str]:
        lo, hi = min(idx) - 1, max(idx) + 1
        return [doc.sentences[k].text for k in (lo, hi) if 0 <= k < len(doc.sentences)]

    s_near, t_near = around(al.src, link.src), around(al.tgt, link.tgt)
    vecs = _vectors(encoder, [_joined(al.src, link.src), _joined(al.tgt, link.tgt)] + s_near + t_near)
    s, t, rest = vecs[0], vecs[1], vecs[2:]
    rivals = [float(s @ v) for v in rest[len(s_near):]] + [float(v @ t) for v in rest[:len(s_near)]]
    return float(s @ t) - max(rivals, default=0.0)


def low_similarity(al: Alignment, encoder=None) -> list[Divergence]:
    """Pairs the aligner kept but whose meanings seem to drift apart, and which side says more.

    Identical sides are never reported. A pair is reported when the
    aligner's confidence that its sides translate each other is low and,
    given the encoder, they do not match each other better than the
    sentences around them (``_local_margin``) (a
    warning when both sides have a sentence's worth of words, since the
    encoder cannot judge a two-word subtitle line: a note then), or when only
    its length is far off this document's usual ratio (a note: the length
    check reports the clear cases).
    """
    out = []
    zs = _length_z(al)
    by_length = {(d.src, d.tgt) for d in length_ratio(al)}  # already reported as far too long: once is enough
    in_doubt: dict[str, str] = {}
    _confirmed_languages(al, in_doubt)
    doubt = bool(in_doubt)
    for k, link in enumerate(al.links):
        if not (link.src and link.tgt):
            continue
        z = zs.get(k, 0.0)
        drift = drift_score(link.score, z)
        if drift >= LOW_SCORE or (link.score >= LOW_SCORE and (link.src, link.tgt) in by_length):
            continue
        s, t = _joined(al.src, link.src), _joined(al.tgt, link.tgt)
        if _same_text(s, t):
            continue
        extra = "source" if z > DRIFT_LENGTH_FREE else "target" if z < -DRIFT_LENGTH_FREE else ""
        other = "target" if extra == "source" else "source"
        if link.score >= LOW_SCORE:  # the meanings match: only the length is off
            out.append(_div(al, "low-similarity", "note",
                            f"The {extra} is longer than this document's sentences usually are next to their "
                            f"translation: it may say something the {other} leaves out.", link.src, link.tgt,
                            score=link.score, drift=round(drift, 4), extra=extra, certainty=0.3))
            continue
        margin = _local_margin(al, link, encoder) if encoder is not None else None
        if margin is not None and margin >= DRIFT_MARGIN:
            continue  # the two sides match each other better than anything around them
        # too short for the encoder, or in a document read in the wrong language (its links are scored low)
        short = min(langid.letters(prose(s)), langid.letters(prose(t))) < SHORT_LINE or doubt
        why = (f" The {extra} is also longer than usual: it probably says something the {other} leaves out."
               if extra else "")
        out.append(_div(al, "low-similarity", "note" if short else "warning",
                        f"These sentences are aligned by their position, but they may not say the same thing "
                        f"(the encoder gives {link.score:.2f} that they translate each other).{why}",
                        link.src, link.tgt, score=link.score, drift=round(drift, 4), extra=extra,
                        margin=None if margin is None else round(margin, 4),
                        certainty=(1 - link.score) * (0.4 if short else 0.75)))
    return out


def _full_name(u) -> bool:
    """A name of two or more capitalised words that are not all generic ("Laura Thompson", not "Member States")."""
    return not u.acronym and not u.weak and len(u.words) >= 2


def _caseless(texts: list[str]) -> bool:
    """Is a document written mostly in letters without capitals (Chinese, Japanese, Korean, Arabic...)?"""
    letters = [ch for text in texts[:200] for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() or ch.islower() for ch in letters) < 0.5 * len(letters)


def names_mismatch(al: Alignment) -> list[Divergence]:
    """Names and acronyms written on one side of a pair with nothing like them on the other.

    A warning when the translation lacks a name it keeps verbatim in other
    pairs (evidence that it is a name in both languages), or a full name of
    several words; a note otherwise, and for names only the translation has
    (mostly made explicit: "it" / "FastAPI").
    """
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
    # across scripts a name is spelt differently in the other document: look for it loosely there, among its
    # names (among all its words, "Ваш" would be found as "was")
    cross = names.script(s_texts) != names.script(t_texts)
    s_spelt, t_spelt = (s_doc, t_doc) if cross else (set(), set())
    if cross:
        s_words, t_words = s_doc, t_doc
    # a script without capitals (Japanese, Chinese, Korean) shows no names: one missing there is only
    # evidence when the translation keeps that name verbatim elsewhere
    s_caseless, t_caseless = _caseless(s_texts), _caseless(t_texts)
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
        only_s = [u for u in only_s if not t_caseless or u.keys in kept_s]
        only_t = [u for u in only_t if not s_caseless or u.keys in kept_t]
        if not only_s and not only_t:
            continue
        parts = []
        for found, doc, other in ((only_s, al.src, al.tgt), (only_t, al.tgt, al.src)):
            if found:
                listed = ", ".join(f"\"{u.text}\"" for u in found)
                parts.append(f"{listed} {'is' if len(found) == 1 else 'are'} in the {lang_name(doc.lang)} "
                             f"sentence but not in the {lang_name(other.lang)} one")
        # sure when the translation keeps the name as it is elsewhere (then it is a name in that language too,
        # not a word it translates: "OS" / "Betriebssystem", "Guide" / "Guía"), or for a name of several words;
        # only names the translation lacks: one it adds is mostly made explicit ("it" / "FastAPI")
        sure = any(u.keys in kept_s or _full_name(u) for u in only_s)
        out.append(_div(al, "name-mismatch", "warning" if sure else "note",
                        f"A name or acronym is missing on one side: {'; '.join(parts)}"
                        f"{'' if sure else ' (it may be translated there)'}.", link.src, link.tgt,
                        source_names=[u.text for u in only_s], target_names=[u.text for u in only_t],
                        certainty=0.6 if sure else 0.3))
    return out


def length_ratio(al: Alignment) -> list[Divergence]:
    """Pairs far longer on one side than this document pair usually is: part may be left out.

    Lengths are those of the words (``prose``): an ``{ #anchor }``, a tag's
    attributes or a code span added on one side is not more text to translate.
    A warning where the aligner doubts the pair (``CONFIDENT_LINK``); a
    confident pair that is long is more often a wordy translation (a note).
    """
    import math
    import statistics

    def log_ratio(s: str, t: str) -> float:
        return math.log((len(s) + 10) / (len(t) + 10))

    pairs = [(link, prose(s), prose(t)) for link, s, t in al.pairs()  # markup and code are not translated
             if not _code_on_a_side(al, link)]
    pairs = [(link, s, t) for link, s, t in pairs if _has_words(s, t)]
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
            sure = link.score < CONFIDENT_LINK  # a confident link that is long is wordy; a doubtful one may lack text
            out.append(_div(al, "length-ratio", "warning" if sure else "note",
                            f"The {longer} is {factor:.1f} times as long as this pair's sentences usually are: "
                            f"the {shorter} may leave part of it out, or the {longer} adds something.",
                            link.src, link.tgt, longer=longer, certainty=0.6 if sure else 0.3))
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


# each check and the kinds of divergence it reports
CHECKS: dict[Callable[..., list[Divergence]], tuple[str, ...]] = {
    missing_blocks: ("missing-in-target", "missing-in-source"), duplicates: ("duplicate",),
    other_language: ("other-language",),
    values_mismatch: ("number-mismatch", "phone-mismatch", "email-mismatch", "url-mismatch"),
    damaged_text: ("damaged-text",), untranslated: ("untranslated",), low_similarity: ("low-similarity",),
    length_ratio: ("length-ratio",), reordering: ("reordering",), mixed_script: ("mixed-script",),
    names_mismatch: ("name-mismatch",),
}
ALL_KINDS = [k for kinds in CHECKS.values() for k in kinds]
CHECK_GROUPS = {"missing": ("missing-in-target", "missing-in-source"), "values": CHECKS[values_mismatch]}

SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}
DEFAULT_CERTAINTY = {"error": 0.9, "warning": 0.6, "note": 0.3}  # for findings whose check gives none


def check_alignment(al: Alignment, encoder=None, select: "Selection | None" = None) -> list[Divergence]:
    """Every divergence of an alignment that ``select`` keeps, in document order.

    ``encoder``: the aligner's encoder, to check sentences merged into 1-n
    links before they are called missing (without it they are reported as the
    aligner named them).
    """
    select = select or Selection()
    found = []
    for check, kinds in CHECKS.items():
        if not any(select.runs(k) for k in kinds):
            continue
        found += check(al, encoder) if check in (missing_blocks, low_similarity) else check(al)
    found = [d for d in found if select.keeps(d)]
    for d in found:
        d.details.setdefault("certainty", DEFAULT_CERTAINTY[d.severity])

    where = _src_positions(al)

    def key(d: Divergence):
        pos = d.src[0] if d.src else (where.get(d.tgt[0], 0) if d.tgt else 0)
        return pos, SEVERITY_ORDER[d.severity], d.kind

    return sorted(found, key=key)


def by_certainty(divs: list[Divergence]) -> list[Divergence]:
    """Divergences surest first: errors, then warnings, then notes, each by certainty (ties in document order)."""
    order = {id(d): k for k, d in enumerate(divs)}
    return sorted(divs, key=lambda d: (SEVERITY_ORDER.get(d.severity, 3), -d.details.get("certainty", 0.0),
                                       order[id(d)]))


@dataclass(frozen=True)
class Selection:
    """Which findings a run reports: a minimum severity and the checks to run or skip (by kind or group)."""

    min_severity: str = "note"
    only: tuple[str, ...] = ()  # kinds to run (empty: all)
    skip: tuple[str, ...] = ()  # kinds not to run

    def runs(self, kind: str) -> bool:
        return (not self.only or kind in self.only) and kind not in self.skip

    def keeps(self, d: Divergence) -> bool:
        return self.runs(d.kind) and SEVERITY_ORDER[d.severity] <= SEVERITY_ORDER[self.min_severity]

    def describe(self) -> dict:
        """What the report records: the minimum severity and the checks that ran."""
        return {"min_severity": self.min_severity, "checks": [k for k in ALL_KINDS if self.runs(k)],
                "skipped": [k for k in ALL_KINDS if not self.runs(k)]}


def selection(min_severity: str | None = None, checks: str | None = None, skip: str | None = None,
              known: tuple[str, ...] | None = None) -> Selection:
    """A ``Selection`` from command-line values ("warning", "values,missing", "reordering"); InputError if unknown.

    ``known``: the kinds this run can report (default: those of a document pair; a memory check has its own).
    """
    severity = (min_severity or "note").strip().lower()
    if severity not in SEVERITY_ORDER:
        raise InputError(f"unknown severity {min_severity!r} for --min-severity (use error, warning or note)")
    kinds = tuple(ALL_KINDS) if known is None else known
    return Selection(severity, named_kinds(checks, "--checks", kinds), named_kinds(skip, "--skip-checks", kinds))


def named_kinds(value: str | None, option: str, known_kinds: tuple[str, ...]) -> tuple[str, ...]:
    """Kinds named by a comma-separated list of kinds and groups ("missing", "values")."""
    groups = {g: kinds for g, kinds in CHECK_GROUPS.items() if all(k in known_kinds for k in kinds)}
    out: list[str] = []
    for name in (value or "").split(","):
        name = name.strip().lower()
        if not name:
            continue
        if name in groups:
            out += groups[name]
        elif name in known_kinds:
            out.append(name)
        else:
            known = ", ".join(list(groups) + list(known_kinds))
            raise InputError(f"unknown check {name!r} for {option} (known: {known})")
    if value is not None and not out:
        raise InputError(f"{option} names no check")
    return tuple(dict.fromkeys(out))


def _src_positions(al: Alignment) -> dict[int, float]:
    """Where each target sentence falls in source order (for sorting the report), in one pass over the links."""
    out, last = {}, -0.5
    for link in al.links:
        if link.src:
            last = link.src[-1]
        for j in link.tgt:
            out[j] = last + 0.5
    return out
