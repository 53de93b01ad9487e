"""Values that must survive translation: numbers, dates, phone numbers, e-mails, URLs.

Each extractor returns canonical forms, so that values written differently in
two languages compare equal: "24.5.2017", "24 May 2017" and "24 maj 2017"
all give the atoms {24, 5, 2017}; "30–31 maj" and "30–31 May" give {30, 31,
5}; "2018 г." gives {2018}; "+358 50 344 2844" with no-break spaces gives
"+358503442844"; "10 000", "10,000" and "10.000" all give 10000.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from pathlib import Path

# Month names (full and common abbreviations) in the languages we see most; CLDR's names of every
# language we detect come on top (align/data/months.json, written by ``python -m eval.month_names``).
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


@functools.lru_cache(maxsize=1)
def _cldr_months() -> dict[str, dict[str, int]]:
    """Language code -> lower-case month name -> month number, from CLDR."""
    path = Path(__file__).resolve().parent / "data" / "months.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return {}


@functools.lru_cache(maxsize=64)
def month_names(lang: str | None = None) -> dict[str, int]:
    """Month names to read in a text of ``lang``: ours and CLDR's for that language.

    Without a language, every language's names that mean the same month
    everywhere ("listopad" is November in Czech, October in Croatian: left out).
    """
    cldr = _cldr_months()
    if lang in cldr:
        return {**MONTHS, **cldr[lang]}
    seen: dict[str, set[int]] = {}
    for names in cldr.values():
        for name, num in names.items():
            seen.setdefault(name, set()).add(num)
    # CLDR's short abbreviations of 36 languages ("ara", "eki") would read ordinary words as months
    return {**{name: next(iter(nums)) for name, nums in seen.items() if len(nums) == 1 and len(name) >= 4},
            **MONTHS}


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# ASCII only: a URL written into Japanese or Chinese text ends where the text resumes (and no IGNORECASE:
# it would let the Kelvin sign's range exclude "k")
URL = re.compile(r"\b(?i:https?://|www\.)[^\s<>\"`\u0080-\uffff]+[^\s<>\"`.,;:!?)\]\u0080-\uffff]")
# "+358 50 344 2844", "+46 702721347", "Telefon 031/433611": a plus sign or a phone label before digit groups
_PHONE_LABEL = r"(?:tel|tfn|puh|phone|telefon|telephone|téléphone|tél|fax|тел|телефон)\.?:?"
PHONE = re.compile(
    r"(?:(?<![\w+])\+\d{1,3}|(?<![\w])" + _PHONE_LABEL + r"[\s\u00a0]*(?=[\d(+]))"
    r"[\s\u00a0\u202f]*\+?\(?\d[\d\s\u00a0\u202f()/.-]{4,}\d",
    re.IGNORECASE,
)
# What web crawlers leave where an e-mail was (Cloudflare's obfuscation).
DAMAGED_EMAIL = re.compile(r"\[email(?:\u00a0|\s)*protected\]", re.IGNORECASE)

_DATE_NUMERIC = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# an ordinal ending glued to the day: "12.", "1st", "3e", "20η", "20-го"
_ORD = r"(?:\.|-?[^\W\d_]{1,3}(?![^\W\d_]))?"
# "24 May 2017", "30–31 maj 2017", "12. August 1973", "le 7 mars"
_DAY_MONTH = re.compile(r"\b(\d{1,2})" + _ORD + r"(?:\s*[–-]\s*(\d{1,2})" + _ORD + r")?[\s\u00a0]+"
                        r"(?:of\s+)?([^\W\d_]{3,14})\.?(?:[\s\u00a0]+(\d{4}))?\b")
# "May 24, 2017", "February 21 – 22, 2019", "May 2017"
_MONTH_DAY = re.compile(r"\b([^\W\d_]{3,14})\.?[\s\u00a0]+(\d{1,2})" + _ORD +
                        r"(?:\s*[–-]\s*(\d{1,2})" + _ORD + r")?(?:,?[\s\u00a0]+(\d{4}))?\b(?![.,]?\d)")
_MONTH_YEAR = re.compile(r"\b([^\W\d_]{3,14})[\s\u00a0]+(\d{4})\b")
# "20:30", "um 20.30 Uhr", "à 20 h 30", "A 20 h. 30", "4.45 Uhr", "kl. 10.15"
_TIME = re.compile(
    r"\b(\d{1,2}):(\d{2})\b"
    r"|\b(\d{1,2})\s?h\.?\s?(\d{2})\b"
    r"|\b(\d{1,2})\.(\d{2})(?=\s*(?:Uhr|h\b|heures?|o'clock|a\.?m\.?|p\.?m\.?))"
    r"|\b(?:um|kl\.?|klo|at|alle|ore)\s(\d{1,2})\.(\d{2})\b",
    re.IGNORECASE)
# "3 pm", "7.30 a.m.", "11:15pm": a 12-hour clock, read as the 24-hour time it means
_TIME_12 = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s?([ap])\.?\s?m\b\.?", re.IGNORECASE)
# "0.112.0", "1.14.2", "v2.0.1": a version (dotted groups, not all of three digits as in 1.000.000), one value
_VERSION = re.compile(r"(?<![\d.,])v?\d+(?:\.\d+){2,}(?![\d])")
# thousands: 10 000, 10,000, 10.000, 51'547; decimals: 2,5 / 2.5
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f '’]\d{3})*(?:[.,]\d+)?")


_DIGIT = re.compile(r"\d")


def emails(text: str) -> set[str]:
    return {e.lower().rstrip(".") for e in EMAIL.findall(text)}


def urls(text: str) -> set[str]:
    """Web addresses without scheme, "www." or a final slash ("https://www.x.ch/" = "www.x.ch")."""
    out = set()
    for u in URL.findall(text):
        while u.endswith(("*", "_", "~", ")")) and u.count("(") < u.count(")") + u.endswith(("*", "_", "~")):
            u = u[:-1]  # "…microservices.html)**": Markdown's bold and link brackets after the address
        u = re.sub(r"^(?:https?://)?(?:www\.)?", "", u.lower())
        out.add(u.rstrip("/"))
    return out


def phones(text: str) -> set[str]:
    out: set[str] = set()
    if not _DIGIT.search(text):
        return out
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 6:
            out.add(("+" if "+" in m.group(0) else "") + digits)
    return out


def damaged(text: str) -> list[str]:
    """Placeholders that replaced real content (e.g. a crawler's "[email protected]")."""
    return DAMAGED_EMAIL.findall(text)


def _canonical_number(raw: str) -> str:
    s = raw.replace("\u00a0", " ").replace("\u202f", " ").replace("'", " ").replace("’", " ")
    # a final separator followed by 1-2 digits (or by more than 3) is a decimal mark
    m = re.match(r"^(.*?)[.,](\d{1,2}|\d{4,})$", s)
    if m and not re.search(r"[.,]\d{3}$", s):
        whole, frac = m.group(1), m.group(2)
        whole = re.sub(r"[ .,]", "", whole)
        return f"{int(whole or '0')}.{frac.rstrip('0') or '0'}".rstrip(".").removesuffix(".0")
    digits = re.sub(r"[ .,]", "", s)
    return str(int(digits)) if digits else raw


def _date(y: str | None, mo: int, d: str | None) -> str:
    """ISO 8601: 2017-05-24, 2017-05, or --05-24 for a day without a year."""
    return (f"{int(y)}-{mo:02d}" if y else f"--{mo:02d}") + (f"-{int(d):02d}" if d else "")


def numbers(text: str, lang: str | None = None) -> Counter:
    """Canonical values of a text: dates ("2017-05-24"), times ("20:30") and plain numbers.

    Dates and times keep their roles, so a day/month swap or a changed hour is
    a difference, while the way each language writes them is not. Phone
    numbers, e-mails and URLs are left out (they are compared separately),
    and so are digits inside identifiers ("tutorial001_py310.py", "h1"): code,
    not quantities. ``lang`` picks the month names to read (all when None).
    """
    months = month_names(lang)
    atoms: Counter = Counter()
    if not _DIGIT.search(text):
        return atoms  # every value below has a digit; most sentences have none
    for pattern in (EMAIL, URL, PHONE, DAMAGED_EMAIL):
        text = pattern.sub(" ", text)

    def numeric_date(m: re.Match) -> str:
        a, b, c = m.groups()
        y, mo, d = (a, b, c) if len(a) == 4 else (c, b, a)
        if not 1 <= int(mo) <= 12 or not 1 <= int(d) <= 31:
            return m.group(0)
        atoms[_date(y, int(mo), d)] += 1
        return " "

    def worded_date(word: str, days: tuple, y: str | None, original: str) -> str:
        mo = months.get(word.lower())
        if not mo:
            return original  # a word that is no month: leave the text as it was
        for d in filter(None, days):
            atoms[_date(y, mo, d)] += 1
        return " "

    def day_month(m: re.Match) -> str:
        d1, d2, word, y = m.groups()
        return worded_date(word, (d1, d2), y, m.group(0))

    def month_day(m: re.Match) -> str:
        word, d1, d2, y = m.groups()
        return worded_date(word, (d1, d2), y, m.group(0))

    def month_year(m: re.Match) -> str:
        word, y = m.groups()
        mo = months.get(word.lower())
        if not mo:
            return m.group(0)
        atoms[_date(y, mo, None)] += 1
        return " "

    def time(m: re.Match) -> str:
        h, mi = [g for g in m.groups() if g is not None]
        if int(h) > 24 or int(mi) > 59:
            return m.group(0)
        atoms[f"{int(h)}:{mi}"] += 1
        return " "

    text = _DATE_ISO.sub(numeric_date, text)
    text = _DATE_NUMERIC.sub(numeric_date, text)
    text = _DAY_MONTH.sub(day_month, text)
    text = _MONTH_DAY.sub(month_day, text)
    text = _MONTH_YEAR.sub(month_year, text)
    def time_12(m: re.Match) -> str:
        h, mi, half = m.group(1), m.group(2) or "00", m.group(3).lower()
        if not 1 <= int(h) <= 12 or int(mi) > 59:
            return m.group(0)
        atoms[f"{int(h) % 12 + (12 if half == 'p' else 0)}:{mi}"] += 1
        return " "

    def version(m: re.Match) -> str:
        groups = m.group(0).lstrip("v").split(".")
        if all(len(g) == 3 for g in groups[1:]):
            return m.group(0)  # 1.000.000: thousands
        atoms["v" + m.group(0).lstrip("v")] += 1
        return " "

    text = _VERSION.sub(version, text)
    text = _TIME_12.sub(time_12, text)
    text = _TIME.sub(time, text)
    for m in _NUMBER.finditer(text):
        before = text[max(0, m.start() - 2):m.start()]
        if before[-1:] == "_" or before[-1:].islower() or (before[-1:] == "-" and before[:1].islower()):
            continue  # "py310", "tutorial001", "h1", "zijzen-7": part of a name in code
        atoms[_canonical_number(m.group(0).strip())] += 1
    return atoms


# Number words, to excuse "fünf Uhr" / "5 heures": a value on one side only is
# not a mismatch when the other side spells it out.
_WORDS = {
    1: "one first un une premier première eins ein eine erste en ett första uno una primo un één eerste един една едно първи yksi",
    2: "two second deux deuxième zwei zweite två andra dos segundo due secondo twee tweede два две втори kaksi",
    3: "three third trois troisième drei dritte tre tredje tres tercero tre terzo drie derde три трети kolme",
    4: "four fourth quatre quatrième vier vierte fyra fjärde cuatro cuarto quattro quarto vier vierde четири четвърти neljä",
    5: "five fifth cinq cinquième fünf fünfte fem femte cinco quinto cinque quinto vijf vijfde пет пети viisi",
    6: "six sixth six sixième sechs sechste sex sjätte seis sexto sei sesto zes zesde шест шести kuusi",
    7: "seven seventh sept septième sieben siebte sju sjunde siete séptimo sette settimo zeven zevende седем седми seitsemän",
    8: "eight eighth huit huitième acht achte åtta åttonde ocho octavo otto ottavo acht achtste осем осми kahdeksan",
    9: "nine ninth neuf neuvième neun neunte nio nionde nueve noveno nove nono negen negende девет девети yhdeksän",
    10: "ten tenth dix dixième zehn zehnte tio tionde diez décimo dieci decimo tien tiende десет десети kymmenen",
    11: "eleven onze elf elva once undici elf единадесет",
    12: "twelve douze zwölf tolv doce dodici twaalf дванадесет",
    20: "twenty vingt zwanzig tjugo veinte venti twintig двадесет",
    24: "vingt-quatre vierundzwanzig tjugofyra veinticuatro ventiquattro",
    100: "hundred cent hundert hundra cien cento honderd сто",
    1000: "thousand mille tausend tusen mil duizend хиляда",
}
NUMBER_WORDS = {w: v for v, ws in _WORDS.items() for w in ws.split()}


def spelled_values(text: str) -> set[str]:
    """Values written as words in ``text`` ("fünf", "sechsten", "vingt-quatre")."""
    out = set()
    for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text.lower()):
        if w in NUMBER_WORDS:
            out.add(str(NUMBER_WORDS[w]))
            continue
        for k in range(max(4, len(w) - 3), len(w)):  # inflected forms: "sechsten", "zwölften"
            if w[:k] in NUMBER_WORDS:  # a stem of 4+ letters and at most 3 more letters after it
                out.add(str(NUMBER_WORDS[w[:k]]))
    return out


# ---------------------------------------------------------------------------------------------
# values that say the same thing less precisely: "1956" / "novembre 1956", "11" / "11:00", "15 Uhr" / "3 pm"

_DATE_PARTS = re.compile(r"^(?:(\d{3,4})|-)-(\d{2})(?:-(\d{2}))?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _date_parts(value: str) -> tuple[int | None, int | None, int | None] | None:
    """(year, month, day) of a canonical date ("2017-05-24", "2017-05", "--05-24") or of a year ("1956")."""
    if re.fullmatch(r"1\d{3}|2\d{3}", value):
        return int(value), None, None
    m = _DATE_PARTS.match(value)
    if not m:
        return None
    y, mo, d = m.groups()
    return (int(y) if y else None), int(mo), (int(d) if d else None)


def _clock(value: str) -> tuple[int, int] | None:
    """(hour, minute) of a time ("20:30") or of a bare hour ("11", "15": "um 15 Uhr", "at 11")."""
    m = _CLOCK.match(value)
    if m:
        return int(m.group(1)), int(m.group(2))
    if re.fullmatch(r"\d{1,2}", value) and int(value) <= 24:
        return int(value), 0
    return None


def same_date(a: str, b: str) -> bool:
    """A year alone and a date in that year ("1956" / "novembre 1956", "1996" / "20 December 1996").

    A date that lost its day or its year ("24 May" / "24 May 2017") is still a difference: only a bare
    year is read as the same date said less precisely.
    """
    pa, pb = _date_parts(a), _date_parts(b)
    if pa is None or pb is None or (pa[1] is None) == (pb[1] is None):
        return False
    return pa[0] is not None and pa[0] == pb[0]


def same_time(a: str, b: str) -> bool:
    """A time and the same time on the other clock or written as a bare hour ("11" / "11:00", "15" / "3:00").

    Only one of the two may be a bare hour: "11" / "23" are two numbers, not two times.
    """
    if ":" not in a + b:
        return False
    ca, cb = _clock(a), _clock(b)
    return ca is not None and cb is not None and ca[1] == cb[1] and ca[0] % 12 == cb[0] % 12


def near_time(time: str, hour: str) -> bool:
    """A time a quarter or half past ("7:15", "6:30", "7:45") said in words around a bare hour on the other side.

    "Viertel nach 7" = 7:15, "half past six" = 6:30, "halb sieben" = 6:30, "Viertel vor 8" = 7:45: the hour
    named is the one before (quarter past, half past) or after (half, quarter to) the time, on the
    12-hour dial.
    """
    ct, ch = _CLOCK.match(time), _clock(hour)
    if not ct or ch is None or ":" in hour or not 1 <= ch[0] <= 12:
        return False  # a quarter or half names an hour of the 12-hour dial: "20" next to "20:30" lost its minutes
    h, mi = int(ct.group(1)), int(ct.group(2))
    before = mi in (15, 30) and ch[0] % 12 == h % 12
    after = mi in (30, 45) and ch[0] % 12 == (h + 1) % 12
    return before or after


def compatible(a: str, b: str) -> bool:
    """Can two canonical values written in a source and its translation mean the same thing?"""
    return same_date(a, b) or same_time(a, b) or near_time(a, b) or near_time(b, a)


def settle_values(only_a: list[str], only_b: list[str], words_a: set[str] = frozenset(),
                  words_b: set[str] = frozenset()) -> tuple[list[str], list[str]]:
    """The values left on each side once those that agree with a value of the other side are paired off.

    ``words_a`` / ``words_b``: numbers each side spells out in words ("fünf", "halb sieben"), which
    may answer a value of the other side but are not values of their own.
    """
    left_a, left_b = list(only_a), list(only_b)
    for a in list(left_a):
        match = next((b for b in left_b if compatible(a, b)), None)
        if match is not None:
            left_a.remove(a)
            left_b.remove(match)
    left_a = [a for a in left_a if a not in words_b and not any(compatible(a, w) for w in words_b)]
    left_b = [b for b in left_b if b not in words_a and not any(compatible(b, w) for w in words_a)]
    return left_a, left_b
