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
_ORD = r"(?:\.|st|nd|rd|th|e|er|ème)?"
# "24 May 2017", "30–31 maj 2017", "12. August 1973", "le 7 mars"
_DAY_MONTH = re.compile(r"\b(\d{1,2})" + _ORD + r"(?:\s*[–-]\s*(\d{1,2})" + _ORD + r")?[\s\u00a0]+"
                        r"(?:of\s+)?([^\W\d_]{3,12})\.?(?:[\s\u00a0]+(\d{4}))?\b")
# "May 24, 2017", "February 21 – 22, 2019", "May 2017"
_MONTH_DAY = re.compile(r"\b([^\W\d_]{3,12})\.?[\s\u00a0]+(\d{1,2})" + _ORD +
                        r"(?:\s*[–-]\s*(\d{1,2})" + _ORD + r")?(?:,?[\s\u00a0]+(\d{4}))?\b(?![.,]?\d)")
_MONTH_YEAR = re.compile(r"\b([^\W\d_]{3,12})[\s\u00a0]+(\d{4})\b")
# "20:30", "um 20.30 Uhr", "à 20 h 30", "4.45 Uhr", "kl. 10.15"
_TIME = re.compile(
    r"\b(\d{1,2}):(\d{2})\b"
    r"|\b(\d{1,2})\s?h\s?(\d{2})\b"
    r"|\b(\d{1,2})\.(\d{2})(?=\s*(?:Uhr|h\b|heures?|o'clock|a\.?m\.?|p\.?m\.?))"
    r"|\b(?:um|kl\.?|klo|at|alle|ore)\s(\d{1,2})\.(\d{2})\b",
    re.IGNORECASE)
# thousands: 10 000, 10,000, 10.000, 51'547; decimals: 2,5 / 2.5
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f '’]\d{3})*(?:[.,]\d+)?")


_DIGIT = re.compile(r"\d")


def emails(text: str) -> set[str]:
    return {e.lower().rstrip(".") for e in EMAIL.findall(text)}


def urls(text: str) -> set[str]:
    """Web addresses without scheme, "www." or a final slash ("https://www.x.ch/" = "www.x.ch")."""
    out = set()
    for u in URL.findall(text):
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


def numbers(text: str) -> Counter:
    """Canonical values of a text: dates ("2017-05-24"), times ("20:30") and plain numbers.

    Dates and times keep their roles, so a day/month swap or a changed hour is
    a difference, while the way each language writes them is not. Phone
    numbers, e-mails and URLs are left out (they are compared separately).
    """
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
        mo = MONTHS.get(word.lower())
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
        mo = MONTHS.get(word.lower())
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
    text = _TIME.sub(time, text)
    for m in _NUMBER.finditer(text):
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
