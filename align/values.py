"""Values that must survive translation: numbers, dates, phone numbers, e-mails, URLs.

Each extractor returns canonical forms, so that values written differently in
two languages compare equal: "24.5.2017", "24 May 2017" and "24 maj 2017"
all give the atoms {24, 5, 2017}; "30–31 maj" and "30–31 May" give {30, 31,
5}; "2018 г." gives {2018}; "+358 50 344 2844" with no-break spaces gives
"+358503442844"; "10 000", "10,000" and "10.000" all give 10000.
"""

from __future__ import annotations

import re
from collections import Counter

# Month names (full and common abbreviations) in the languages we see most.
_MONTHS = {
    1: "january jan januari januar janvier enero gennaio janeiro tammikuu tammikuuta январи януари января январь stycznia",
    2: "february feb februari februar février fevrier febrero febbraio fevereiro helmikuu helmikuuta февруари февраля февраль lutego",
    3: "march mar mars märz maerz marzo março maaliskuu maaliskuuta март марта marca",
    4: "april apr avril abril aprile huhtikuu huhtikuuta април апреля апрель kwietnia",
    5: "may maj mai mayo maggio maio toukokuu toukokuuta май мая maja",
    6: "june jun juni juin junio giugno junho kesäkuu kesäkuuta юни июня июнь czerwca",
    7: "july jul juli juillet julio luglio julho heinäkuu heinäkuuta юли июля июль lipca",
    8: "august aug augusti août aout agosto elokuu elokuuta август августа sierpnia",
    9: "september sep sept septembre septiembre settembre setembro syyskuu syyskuuta септември сентября сентябрь września",
    10: "october oct oktober okt octobre octubre ottobre outubro lokakuu lokakuuta октомври октября октябрь października",
    11: "november nov novembre noviembre novembro marraskuu marraskuuta ноември ноября ноябрь listopada",
    12: "december dec dezember décembre decembre diciembre dicembre dezembro joulukuu joulukuuta декември декабря декабрь grudnia",
}
MONTHS = {name: num for num, names in _MONTHS.items() for name in names.split()}

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]]", re.IGNORECASE)
# "+358 50 344 2844", "+46 702721347", "(09) 160 01" — a plus sign or "tel/tfn" before digit groups
PHONE = re.compile(
    r"(?:(?<![\w+])\+\d{1,3}|(?<=tel\. )|(?<=tel )|(?<=tfn )|(?<=puh\. )|(?<=тел\. ))"
    r"[\s\u00a0\u202f]*\(?\d[\d\s\u00a0\u202f().-]{5,}\d",
    re.IGNORECASE,
)
# What web crawlers leave where an e-mail was (Cloudflare's obfuscation).
DAMAGED_EMAIL = re.compile(r"\[email(?:\u00a0|\s)*protected\]", re.IGNORECASE)

_DATE_NUMERIC = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?")
_MONTH_WORD = re.compile(r"(?<=\d)[\s\u00a0.–-]+([^\W\d_]{3,12})\b|\b([^\W\d_]{3,12})[\s\u00a0]+(?=\d)")


def emails(text: str) -> set[str]:
    return {e.lower().rstrip(".") for e in EMAIL.findall(text)}


def urls(text: str) -> set[str]:
    return {u.lower().rstrip("/") for u in URL.findall(text)}


def phones(text: str) -> set[str]:
    out = set()
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 6:
            out.add(("+" if m.group(0).lstrip().startswith("+") else "") + digits)
    return out


def damaged(text: str) -> list[str]:
    """Placeholders that replaced real content (e.g. a crawler's "[email protected]")."""
    return DAMAGED_EMAIL.findall(text)


def _canonical_number(raw: str) -> str:
    s = raw.replace("\u00a0", " ").replace("\u202f", " ")
    # a final separator followed by 1-2 digits (or by more than 3) is a decimal mark
    m = re.match(r"^(.*?)[.,](\d{1,2}|\d{4,})$", s)
    if m and not re.search(r"[.,]\d{3}$", s):
        whole, frac = m.group(1), m.group(2)
        whole = re.sub(r"[ .,]", "", whole)
        return f"{int(whole or '0')}.{frac.rstrip('0') or '0'}".rstrip(".").removesuffix(".0")
    digits = re.sub(r"[ .,]", "", s)
    return str(int(digits)) if digits else raw


def numbers(text: str) -> Counter:
    """Canonical numeric atoms of a text; phone numbers, e-mails and URLs are left out."""
    for pattern in (EMAIL, URL, PHONE, DAMAGED_EMAIL):
        text = pattern.sub(" ", text)
    atoms: Counter = Counter()

    def take_date(m: re.Match) -> str:
        parts = m.groups()
        if len(parts[0]) == 4:  # ISO
            y, mo, d = parts
        else:
            d, mo, y = parts
        atoms.update([str(int(d)), str(int(mo)), str(int(y))])
        return " "

    text = _DATE_ISO.sub(take_date, text)
    text = _DATE_NUMERIC.sub(take_date, text)
    for m in _MONTH_WORD.finditer(text):
        word = (m.group(1) or m.group(2) or "").lower()
        if word in MONTHS:
            atoms[str(MONTHS[word])] += 1
    for m in _NUMBER.finditer(text):
        raw = m.group(0).strip()
        # "30–31" and "2017-05" are two numbers; the regex already stops at dashes
        atoms[_canonical_number(raw)] += 1
    return atoms
