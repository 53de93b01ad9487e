"""Quotation marks of a sentence, counted the same way in any script.

A translation keeps the dialogue of its source: a bead side that opens a
quotation without closing it (or closes one it did not open) holds an odd
number of quotation marks, and so does its translation. Only the parity is
used (``EmbeddingParams.quotes``), so it does not matter which way a mark
faces: the same character opens a quotation in one language and closes it in
another (“ in English and in German „…“, » in French and in German »…«).
The marks are found by Unicode category (initial and final punctuation, ASCII
quotes, corner brackets), not by a list per language.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

_APOSTROPHES = "'\u2019\u02bc"
# ‘ ‛ ‚: marks that open a single quotation (closed by the apostrophe ’, or by ‘ after ‚ as in German ‚Ja‘)
_SINGLE_OPENING = "\u2018\u201b\u201a"
_MARK = re.compile(r"[^\w\s]")
_QUOTE: dict[str, bool] = {}  # is_quote of the characters met so far


def is_quote(c: str) -> bool:
    """A quotation mark of any script: initial/final punctuation, ASCII quotes, corner brackets (「」『』)."""
    cat = unicodedata.category(c)
    if cat in ("Pi", "Pf") or c in "\"'":
        return True
    if cat in ("Ps", "Pe"):
        name = unicodedata.name(c, "")
        return "QUOTATION" in name or "CORNER BRACKET" in name
    return False


def quote_count(text: str) -> int:
    """How many quotation marks a sentence holds, apostrophes left out.

    A mark that can be an apostrophe is one when it follows a letter or digit
    (don't, l' aube, the boys'; not a wide one: Chinese has no apostrophes),
    unless it closes a single quotation opened earlier in the sentence and
    does not stand before a word ('wailers' came). One before a lone lower-case
    letter that no later mark closes is an elision (Dutch 's Avonds, 't is).
    A mark that opens single quotations elsewhere (‘) closes one where one is
    open or where it follows a letter (German ‚Ja‘).
    """
    count, open_single = 0, False
    for m in _MARK.finditer(text):  # (only punctuation and symbols can be marks)
        c, k = m.group(), m.start()
        if c not in _APOSTROPHES:
            quote = _QUOTE.get(c)
            if quote is None:
                quote = _QUOTE[c] = is_quote(c)
            if quote:
                count += 1
                if c in _SINGLE_OPENING:
                    open_single = not (open_single or _after_letter(text, k))
            continue
        if _after_letter(text, k):
            if not open_single or (k + 1 < len(text) and text[k + 1].isalnum()):
                continue
            open_single = False
        elif _elision(text, k):
            continue
        else:
            open_single = not open_single
        count += 1
    return count


def _after_letter(text: str, k: int) -> bool:
    """Whether text[k] follows a letter or digit of a spaced script (Chinese has no apostrophes)."""
    return k > 0 and text[k - 1].isalnum() and unicodedata.east_asian_width(text[k - 1]) not in "WF"


def _elision(text: str, k: int) -> bool:
    """Whether the mark text[k], at the start of a word, stands for left-out letters ('s Avonds, 't is).

    It does when the word is a single lower-case letter and no mark after it
    could close a quotation opened there (one after a letter and not before
    one): 'a shame to send her' opens and closes a quotation.
    """
    word = text[k + 1:k + 2]
    after = text[k + 2:k + 3]
    if not (word.islower() and (not after or after.isspace() or after == "-")):
        return False
    return not any(c in _APOSTROPHES and _after_letter(text, j) and not text[j + 1:j + 2].isalnum()
                   for j, c in enumerate(text[k + 2:], k + 2))


def quote_parity(sentences: list[str]) -> np.ndarray:
    """For each sentence, 1 where it holds an odd number of quotation marks (opens or closes one), else 0."""
    return np.array([quote_count(s) % 2 for s in sentences], dtype=np.int64)
