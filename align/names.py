"""Names and acronyms that one version has and the other lacks.

Names survive translation nearly unchanged ("Laura Thompson" / "Лаура
Томпсън", "Zermatt" / "Zermatt"), so a name on one side with nothing like it
on the other is a likely omission. The hard part is not finding names but not
crying wolf, so this module is deliberately conservative:

- a *candidate* is a word written with a capital where the language would
  not otherwise put one: not the first word of a sentence, not a word the
  same document also writes in lower case ("Ministry" / "ministry"), not a
  month, weekday, title or pronoun; acronyms (``IOM``), CamelCase and words
  with digits (``A320``) always count. German capitalises every noun, so a
  German word counts only when the other document writes the same word as
  a name, or after a bare preposition ("mit Ruedi"); other German capitals
  may only excuse a translated name ("Matterhorn" / "Cervin", see ``settle``);
- consecutive candidates form one *unit* ("Council of the Baltic Sea
  States"); a unit is rendered when any of its words is found on the other
  side, compared on a folded Latin spelling (Cyrillic and Greek
  transliterated with our own tables, accents dropped, c/k, w/v, y/i, th/t
  merged) with inflections and compounds allowed ("Thompsons", "Ruotsin",
  "ombudsman" in "diskrimineringsombudsman");
- names are often translated ("Wallis" / "Valais", "Österreich" /
  "Autriche"), and acronyms nearly always are (IOM / МОМ, EU / ЕС, UN /
  ООН), so an unrendered unit is only reported when the other side has no
  unrendered unit of its own that could be its translation, or when the same
  name is kept verbatim elsewhere in the document pair; a lone capitalised
  word must also be found somewhere in the other document ("Départ" in an
  OCR'd caption is no lost name). All of it is measured by ``eval.names``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache

# ---------------------------------------------------------------------------------------------
# transliteration (our own tables: ISO 9 / BGN-like, simplified to ASCII)

_CYR_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya", "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ђ": "dj",
    "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "gj", "ќ": "kj", "ѕ": "dz", "ў": "u",
}
# per language, where a letter is read otherwise than in Russian
_CYR_LANG = {
    "bg": {"х": "h", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya", "й": "y"},
    "ru": {},
    "uk": {"г": "h", "и": "y", "х": "kh", "щ": "shch", "є": "ye", "ї": "yi", "й": "y"},
    "be": {"г": "h", "і": "i", "ў": "u"},
    "sr": {"х": "h", "ц": "c", "ч": "c", "ш": "s", "ж": "z", "ђ": "dj", "ћ": "c", "џ": "dz",
           "ј": "j", "љ": "lj", "њ": "nj"},
    "mk": {"х": "h", "ц": "c", "ч": "ch", "ш": "sh", "ж": "zh", "ѓ": "gj", "ќ": "kj", "ѕ": "dz",
           "ј": "j", "љ": "lj", "њ": "nj", "џ": "dzh"},
}
_GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k",
    "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
    "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}
_GREEK_PAIRS = {"ου": "ou", "αι": "ai", "ει": "ei", "οι": "oi", "μπ": "b", "ντ": "nt", "γγ": "ng", "γκ": "gk",
                "αυ": "av", "ευ": "ev"}


@lru_cache(maxsize=None)
def _table(lang: str | None) -> dict[str, str]:
    return {**_CYR_COMMON, **_CYR_LANG.get(lang or "", {})}


def transliterate(text: str, lang: str | None = None) -> str:
    """Cyrillic and Greek letters in Latin (``lang`` picks bg/ru/uk/sr/mk/el readings); the rest unchanged.

    Case follows the source letter (a capital gives a capitalised digraph:
    "Щ" -> "Sht" in Bulgarian), so acronyms stay recognisable.
    """
    if text.isascii():
        return text
    table = _table(lang)
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        low = ch.lower()
        pair = text[i:i + 2].lower()
        if pair in _GREEK_PAIRS:
            rep = _GREEK_PAIRS[pair]
            i += 2
        elif low in table:
            rep = table[low]
            i += 1
        else:
            base = unicodedata.normalize("NFD", low)[:1]  # accented Greek: ά -> α
            if base in _GREEK:
                rep = _GREEK[base]
            else:
                out.append(ch)
                i += 1
                continue
            i += 1
        if ch != low and rep:
            nxt = text[i:i + 1]
            rep = rep.upper() if (nxt and nxt.isupper()) or len(rep) == 1 else rep[0].upper() + rep[1:]
        out.append(rep)
    return "".join(out)


_FOLDS = [("sch", "s"), ("shch", "s"), ("sht", "st"), ("kh", "h"), ("ph", "f"), ("th", "t"), ("ck", "k"),
          ("ch", "k"), ("sh", "s"), ("zh", "s"), ("ts", "s"), ("tz", "s"), ("qu", "k"), ("c", "k"), ("q", "k"),
          ("w", "v"), ("v", "u"), ("y", "i"), ("j", "i"), ("z", "s"), ("x", "ks"), ("h", "")]
_SPECIAL = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "ı": "i"}


@lru_cache(maxsize=500_000)
def fold(word: str, lang: str | None = None) -> str:
    """A spelling-insensitive Latin key: transliterated, lower case, no accents, similar letters merged."""
    text = transliterate(word, lang).lower()
    text = "".join(_SPECIAL.get(ch, ch) for ch in text)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z0-9]", "", text)
    for a, b in _FOLDS:
        text = text.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", text)  # doubled letters: "Matterhorn" = "Materhorn"


# ---------------------------------------------------------------------------------------------
# fuzzy word matching


def _semi_global(short: str, long: str) -> int:
    """Fewest edits to turn ``short`` into some substring of ``long`` (free start and end in ``long``)."""
    prev = [0] * (len(long) + 1)
    for i, a in enumerate(short, 1):
        cur = [i] + [0] * len(long)
        for j, b in enumerate(long, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != b))
        prev = cur
    return min(prev)


def _edit(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def _prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _may_be_within(short: str, long: str, edits: int) -> bool:
    """Pigeonhole filter: with at most ``edits`` edits, one of ``edits + 1`` pieces of ``short`` is in ``long``."""
    size = len(short) // (edits + 1)
    return size == 0 or any(short[k * size:(k + 1) * size] in long for k in range(edits + 1))


@lru_cache(maxsize=200_000)
def same_name(a: str, b: str) -> bool:
    """Do two folded words spell the same name, allowing inflection, compounding and transliteration?"""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) < 3:
        return False
    if (len(short) >= 4 or len(long) - len(short) <= 3) and long.startswith(short):
        # "tomson" / "tomsons", "ruotsi" / "ruotsin", "Wyss" / "Wyssen"
        return True
    p = _prefix(a, b)
    if p >= 5 and p >= 0.6 * len(short):  # "osterreik" / "osterreiks", stem plus another ending
        return True
    limit = max(1, round(0.25 * len(long)))
    if len(short) >= 4 and len(long) - len(short) <= limit and _may_be_within(short, long, limit) \
            and _edit(a, b) <= limit:  # "tompsan" / "tomson"
        return True
    # inside a compound: "ombudsman" in "diskriminerinsombudsman"; an ending may differ
    return len(short) >= 5 and _may_be_within(short, long, len(short) // 5) \
        and _semi_global(short, long) <= len(short) // 5


# ---------------------------------------------------------------------------------------------
# candidates

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_SENTENCE_START = set(".!?:;\"“”„«»¿¡•·*–—|>")
# never names although capitalised: pronouns, titles, months, days, salutations (folded keys)
_STOP = """
i ich sie ihr ihnen ihre ihrer ihres du dir dich euch er es wir je vous nous il elle ils elles on tu
mr mrs ms dr prof sir herr frau fr m mme mlle mm st ste hr fru dr ing jr sr nr no nº nr n
monsieur madame mademoiselle messieurs mesdames lord lady dame san santa saint sainte sankt
january february march april may june july august september october november december
januar februar märz mai juni juli oktober dezember janvier février mars avril juin juillet août
septembre octobre novembre décembre januari februari mars maj augusti oktober
monday tuesday wednesday thursday friday saturday sunday montag dienstag mittwoch donnerstag freitag
samstag sonntag sonnabend lundi mardi mercredi jeudi vendredi samedi dimanche måndag tisdag onsdag
torsdag fredag lördag söndag
president minister director general secretary ambassador chairman chair head deputy professor doctor
king queen prince princess pope bishop father mother chancellor mayor senator governor commissioner
ombudsman officer manager chief editor captain colonel general
ok okay
""".split()
STOP = {fold(w) for w in _STOP}
# capitals that are not acronyms of names: currencies, units, shouted words
ACRONYM_STOP = set("OK TV CHF EUR USD GBP SEK NOK DKK BGN RUB PS NB CV PDF HTML URL WWW".split())
CONNECTORS = {"of", "the", "for", "and", "de", "du", "des", "la", "le", "les", "von", "van", "der", "den",
              "di", "da", "del", "della", "y", "e", "et", "und", "och", "och", "i", "on", "at", "am", "an",
              "zu", "zum", "zur", "d", "l", "in"}
NOUN_CAPITALISING = {"de", "lb"}
NAME_PARTICLES = {"von", "van", "de", "di", "da", "zu", "del", "della", "du", "le", "la"}
# common nouns and adjectives that title case capitalises in names of bodies and places ("EU Member States",
# "the Baltic Sea", "Finnish Ministry"): a unit made only of these is usually translated, not kept
_GENERIC = """
member members state states ministry ministries council commission committee department office agency
organisation organization network conference union association society university institute secretariat
parliament government court bank federation club party group team foundation centre center region area
sea ocean lake river mountain mountains valley island islands north south east west northern southern
eastern western central national international european annual general world republic kingdom city
presidency authority authorities service services board forum summit programme program project
""".split()
GENERIC = {fold(w) for w in _GENERIC}
_DEMONYM = re.compile(r"(?:ish|ian|ean|ese|ic|an)$")
# endings of German place names (folded): "Matterhorn", "Deutschland", "Voralpen", "Aletschgletscher"
_PLACE_END = re.compile(r"(?<=...)(?:orn|berg|stok|gletser|alp|alpen|land|reik|burg|dorf|stat|spits|spitse|grat|ioh|"
                        r"pas|flu|firn|ingen|iken)$")  # after 3+ letters: "Matterhorn", not "Berg"


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and sum(c.isalpha() for c in word) >= 2


def _is_camel(word: str) -> bool:
    return any(a.islower() and b.isupper() for a, b in zip(word, word[1:]))


def _has_digit_and_letter(word: str) -> bool:
    """"A320", "F-16", "R8"; not "125jähriges" or "6e" (a number with an ending)."""
    letters = [c for c in word if c.isalpha()]
    return any(c.isdigit() for c in word) and bool(letters) and all(c.isupper() for c in letters)


@dataclass
class Unit:
    """A name as written (one or more words) with where it starts in its text."""

    text: str
    start: int
    keys: tuple[str, ...]  # folded content words
    acronym: bool = False
    words: tuple[str, ...] = field(default=())  # the content words as written
    weak: bool = False  # only generic words ("Member States"): reported only if kept verbatim elsewhere
    excuse: bool = True  # may be the translation of a name missing on the other side
    noun: bool = False  # German capitals: maybe a noun (see ``settle``)


def lowercase_vocabulary(texts: list[str]) -> frozenset[str]:
    """Words a document writes starting with a small letter: as capitals they are common words, not names."""
    vocab: set[str] = set()
    for text in texts:
        for m in _WORD.finditer(text):
            w = m.group()
            if w[:1].islower():
                vocab.add(w.casefold())
    return frozenset(vocab)


def _keys(words: list[str], lang: str | None) -> list[str]:
    """Folded keys of a unit's words; a hyphenated word also gives its parts ("Non-Discrimination")."""
    out = []
    for w in words:
        out.append(fold(w, lang))
        if "-" in w or "'" in w or "’" in w:  # cheaper than splitting every word
            out += [fold(p, lang) for p in _JOINERS.split(w) if len(p) >= 4]
    return [k for k in out if k]


_JOINERS = re.compile(r"[-'’]")


@lru_cache(maxsize=4096)
def _capital_keys(text: str, lang: str | None) -> frozenset[str]:
    """Keys of the capitalised words of a text (asked for once per name of the pair on the other side)."""
    return frozenset(o for w in _WORD.finditer(text) if w.group()[0].isupper() for o in _keys([w.group()], lang))


def _initial(text: str, start: int) -> bool:
    """Is the word at ``start`` the first of its sentence (where every language writes a capital)?"""
    if not any(ch.isalnum() for ch in text[:start]):
        return True  # only markup before it: "## Предостережение", "* Обработка данных", "> Note"
    before = text[max(0, start - 12):start].rstrip()
    if not before:
        return not text[:start].strip()
    if re.search(r"(?:^|[\s(/])(?:[A-Z]|Dr|St|Mr|Mrs|Ms|Prof|Hr|Fr|Mme|Nr|Jr)\.$", before):
        return False  # "H.Haidegger", "Dr. Abt": an initial or a title, not the end of a sentence
    if before[-1] in _SENTENCE_START or before in ("-",) or before.endswith((" -", "(-")):
        return True  # a dialogue dash starts a sentence too
    return bool(re.search(r"(?:^|\s)[\d]+[.)]$|(?:^|\s)[a-z][.)]$", before))  # "1. Wort", "a) Wort"


def _lower_form(word: str, lowercase: set[str]) -> bool:
    """Does the document write this word in small letters, as it is or inflected ("Ваш" / "вашего")?

    A capitalised word whose small-letter forms the same document uses (the
    word itself, or two inflected forms of it) is a common word capitalised
    for emphasis or politeness, not a name.
    """
    low = word.casefold()
    if low in lowercase:
        return True
    # two inflected forms at least: a paradigm ("вашего", "ваши"), not a word that happens to start so ("morale")
    return len(low) >= 3 and len(_tails(lowercase, low)) >= 2


def _tails(lowercase: set[str], stem: str) -> list[str]:
    """Endings of up to three letters after ``stem`` among the document's small-letter words (by the stem's index)."""
    return _stem_index(lowercase if isinstance(lowercase, frozenset) else frozenset(lowercase)).get(stem, [])


@lru_cache(maxsize=8)
def _stem_index(lowercase: frozenset[str]) -> dict[str, list[str]]:
    """Small-letter words by each stem they continue with one to three letters ("вашего": "ваш" -> "его")."""
    out: dict[str, list[str]] = {}
    for w in lowercase:
        for k in range(1, 4):
            if len(w) - k >= 3:
                out.setdefault(w[:-k], []).append(w[-k:])
    return out


def _contraction(word: str) -> bool:
    """"I'm", "I'll", "I've": a pronoun with a clitic, capitalised as the pronoun is (not "O'Brien")."""
    head = _JOINERS.split(word)[0]
    return head != word and fold(head) in STOP


def _unit_after_number(text: str, start: int, word: str) -> bool:
    """"190 kW", "5 GHz", "20 MB": a short unit of measurement right after a quantity, not a name.

    A year before a name ("in 2019 Nokia") is no quantity, and a word of more than four letters is no unit.
    """
    letters = sum(ch.isalpha() for ch in word)
    if letters > 4 or not (_is_camel(word) or _is_acronym(word) or word[1:].islower()):
        return False
    m = re.search(r"(\d[\d.,]*)[\s\u00a0\u202f]?$", text[max(0, start - 16):start])
    return bool(m) and not re.fullmatch(r"1\d{3}|20\d{2}", m.group(1))


def units(text: str, lang: str | None, lowercase: set[str] | None = None,
          other_keys: set[str] | None = None) -> list[Unit]:
    """The name units of one sentence (see the module docstring for what counts)."""
    lowercase = lowercase or frozenset()
    words = list(_WORD.finditer(text))
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.7 * len(letters)
    long_words = [m.group() for m in words if len(m.group()) >= 4 and m.group()[0].isalpha()]
    # a title-case heading ("European Migration Network Annual Conference"): its capitals say nothing
    title = len(long_words) >= 4 and sum(w[0].isupper() for w in long_words) >= 0.7 * len(long_words) \
        and not text.rstrip().endswith((".", "!", "?", ";"))
    # a Markdown heading whose words all start with a capital ("## Kıyaslamalar ve Hız") is title case too
    content = [m.group() for m in words if len(m.group()) >= 3 and m.group()[0].isalpha()]
    title = title or (text.lstrip().startswith("#") and len(content) >= 2 and all(w[0].isupper() for w in content))
    kinds: list[str] = []  # "acr", "name", "conn", ""
    links = NAME_PARTICLES if lang in NOUN_CAPITALISING else CONNECTORS
    for m in words:
        w = m.group()
        if w.islower() or len(w) < 2:  # the common case, quickly: a connector or nothing
            kinds.append("conn" if w in links else "")
            continue
        key = fold(w, lang)
        if not key or key.isdigit() or _contraction(w) or _unit_after_number(text, m.start(), w):
            kinds.append("")
        elif not shouting and _is_acronym(w) and w not in ACRONYM_STOP and not re.fullmatch(r"[IVXLCDM]+", w) \
                and not (len(w) >= 4 and _lower_form(w, lowercase)):  # "PATCH" where the text says "patch"
            kinds.append("acr")
        elif not shouting and "-" in w and any(_is_acronym(p) and p not in ACRONYM_STOP for p in w.split("-")):
            kinds.append("acr-part")  # "SAC-Mitglieder": the acronym of a compound
        elif (_is_camel(w) and lang not in NOUN_CAPITALISING) or _has_digit_and_letter(w):
            kinds.append("name")
        elif w[0].isupper() and not shouting and not title and key not in STOP and not _lower_form(w, lowercase) \
                and not _initial(text, m.start()):
            kinds.append("name")
        elif w.casefold() in links:
            kinds.append("conn")  # in German "Teil der Route" is two nouns, "Jürg von Känel" one name
        else:
            kinds.append("")
    out: list[Unit] = []
    k = 0
    while k < len(words):
        if kinds[k] in ("acr", "acr-part"):
            w = words[k].group()
            if kinds[k] == "acr-part":
                w = next(p for p in w.split("-") if _is_acronym(p))
            out.append(Unit(w, words[k].start() + words[k].group().find(w), (fold(w, lang),), True, (w,)))
            k += 1
            continue
        if kinds[k] != "name":
            k += 1
            continue
        run = [k]
        j = k + 1
        while j < len(words):
            gap = text[words[j - 1].end():words[j].start()]
            if gap.strip() not in ("", "-", "’", "'"):
                break
            if kinds[j] == "name":
                run.append(j)
                j += 1
            elif kinds[j] == "conn":  # "Council of the Baltic Sea States": connectors between names
                e = j
                while e < len(words) and kinds[e] == "conn" and e - j < 3 \
                        and not text[words[e].end():words[e + 1].start() if e + 1 < len(words) else None].strip():
                    e += 1
                if e < len(words) and kinds[e] == "name" and e > j:
                    run += list(range(j, e + 1))
                    j = e + 1
                else:
                    break
            else:
                break
        content = [i for i in run if kinds[i] == "name"]
        keys = tuple(_keys([words[i].group() for i in content], lang))
        start, end = words[run[0]].start(), words[run[-1]].end()
        written = tuple(words[i].group() for i in content)
        weak = all(fold(w) in GENERIC or (lang == "en" and _DEMONYM.search(w)) for w in written)
        noun = lang in NOUN_CAPITALISING and not _is_camel(written[0]) and not _has_digit_and_letter(written[0]) \
            and not (len(content) == 1 and _bare(text, words, run[0]))
        excuse = not weak or len(keys) > 1  # "Office" alone translates no name; "Baltic Sea" may
        out.append(Unit(text[start:end], start, keys, False, written, weak, excuse, noun))
        k = j
    return out if other_keys is None else settle(out, other_keys)


_BARE_BEFORE = {"von", "nach", "in", "aus", "bei", "mit", "ab", "bis", "um", "und", "wie", "zu", "für", "gegen", "an",
                "auf", "dass", "ob", "als"}
_NOUN_END = re.compile(r"(?:ung|heit|keit|schaft|tion|ismus|chen|lein|nis|tum|ling|ment|tät|ik|ie|ei|en|e|er|el|s)$")


def _bare(text: str, words: list, k: int) -> bool:
    """A German capitalised word after a bare preposition or conjunction, with no article, adjective or number
    before it and no noun ending ("mit Ruedi", "in Üschenen"): more likely a name than a noun."""
    if k == 0 or len(words[k].group()) < 4 or _NOUN_END.search(words[k].group().lower()):
        return False
    gap = text[words[k - 1].end():words[k].start()]
    return not gap.strip() and words[k - 1].group() in _BARE_BEFORE


def settle(found: list[Unit], other_names: set[str], other_lower: set[str] = frozenset()) -> list[Unit]:
    """German capitalised words count as names only where the other document writes them as names.

    The others are maybe nouns ("Art Leichenrede"): never reported, and they
    explain a name missing on the other side only when they look like a place
    ("Matterhorn" / "Cervin"), or every German noun would. A word the other
    document also writes in small letters ("Passage" / "passage") is a noun.
    """
    out = []
    for u in found:
        if u.noun and (not any(k in other_names for k in u.keys) or any(k in other_lower for k in u.keys)):
            u = replace(u, weak=True, excuse=len(u.words) > 1 or bool(_PLACE_END.search(u.keys[-1])))
        out.append(u)
    return out


# ---------------------------------------------------------------------------------------------
# comparing the two sides of a pair


def _expands(acronym: str, text: str, lang: str | None, acronym_lang: str | None) -> bool:
    """Does ``text`` spell the acronym out ("CBSS" = "Council of the Baltic Sea States")?"""
    letters = re.sub(r"[^A-Z]", "", transliterate(acronym, acronym_lang).upper())
    if len(letters) < 2:
        return False
    words = [m.group() for m in _WORD.finditer(transliterate(text, lang))]
    words = [w for w in words if w.casefold() not in CONNECTORS]
    n = len(letters)
    for k in range(len(words) - n + 1):
        window = words[k:k + n]
        if "".join(w[0].upper() for w in window) == letters and (n >= 3 or all(w[0].isupper() for w in window)):
            return True
    return False


@dataclass
class Comparison:
    """Name units of one aligned pair: those rendered on the other side and those not."""

    src_missing: list[Unit]  # in the source, nothing like it in the target
    tgt_missing: list[Unit]
    src_rendered: list[Unit]
    tgt_rendered: list[Unit]


def _rendered(u: Unit, other_keys: list[str], other_text: str, other_lang: str | None, lang: str | None,
              other_acronyms: list[Unit]) -> bool:
    short = _capital_keys(other_text, other_lang)
    # a short key only finds a capitalised word: "Schwyz" folds to "suis", which French "je suis" is not
    if any(same_name(k, o) for k in u.keys for o in (other_keys if len(k) > 4 or u.acronym else short)):
        return True
    if _written_in(u.text, other_text):
        return True  # written the same way, whatever its case ("kW", "iPhone", "eBay", "Podの" in Japanese)
    if u.acronym:
        # "SAC" / "cas", "BO" / "ob": the translated acronym written in small letters
        letters = sorted(u.keys[0])
        if any(len(o) == len(letters) and sorted(o) == letters for o in other_keys):
            return True
        return _expands(u.text, other_text, other_lang, lang)
    # spelt out here, abbreviated there: "Council of the Baltic Sea States" / "CBSS"
    return any(_expands(a.text, u.text, lang, other_lang) for a in other_acronyms)


def _written_in(name: str, text: str) -> bool:
    """Is ``name`` written in ``text`` as a word of its own script ("Pod" in "付いたPodの構成")?

    Plain string search: a regular expression per name overflows ``re``'s cache on a
    long document and compiling them then costs more than all other checks together.
    """
    if not name:
        return False
    in_word = _latin_letter_or_digit if name.isascii() or _latin(name) else _word_char
    suffixes = ("", "s", "es", "'s", "’s") if _is_acronym(name) else ("",)  # "VM" in "VMs", "API" in "APIs"
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if not (start and in_word(text[start - 1])):
            for suffix in suffixes:
                after = end + len(suffix)
                if text.startswith(suffix, end) and not (after < len(text) and in_word(text[after])):
                    return True
        start = text.find(name, start + 1)
    return False


def _latin_letter_or_digit(ch: str) -> bool:
    return ch.isascii() and ch.isalnum() or "\u00c0" <= ch <= "\u024f"


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _latin(word: str) -> bool:
    return all(ch.isascii() or "LATIN" in unicodedata.name(ch, "") for ch in word if ch.isalpha())


@lru_cache(maxsize=8)
def _folded(words: frozenset[str], lang: str | None) -> frozenset[str]:
    return frozenset(fold(w, lang) for w in words)


def word_keys(text: str, lang: str | None) -> list[str]:
    """Folded keys of every word of a text, hyphenated words also by part ("Linth-schlucht": "lint")."""
    return _keys([m.group() for m in _WORD.finditer(text)], lang)


def _parts(u: Unit, other_keys: list[str], lang: str | None, other_names: set[str],
           other_lower: frozenset[str] = frozenset()) -> list[Unit]:
    """A run of names with no connector ("Heinz Gut", "Rot Grätli") whose words are found only in part on the
    other side: each word on its own, so that a dropped first name shows. Runs with connectors ("Council of
    the Baltic Sea States") are translated as a whole and stay one unit."""
    if u.acronym or len(u.words) < 2 or len(u.text.split()) != len(u.words):
        return [u]
    initials = {o for o in other_keys if len(o) == 1}  # "Michel Piola" / "M. Piola"
    found = [fold(w, lang)[:1] in initials or any(same_name(k, o) for k in _keys([w], lang) for o in other_keys)
             for w in u.words]
    if all(found) or not any(found):
        return [u]
    out = []
    for w, ok in zip(u.words, found):
        keys = tuple(_keys([w], lang))
        weak = fold(w) in GENERIC or (lang == "en" and bool(_DEMONYM.search(w)))
        out.append(Unit(w, u.start + u.text.find(w), keys, False, (w,), weak or u.weak, u.excuse, u.noun))
    return settle(out, other_names, other_lower)  # "Schafhirt Kälin": Kälin is a name, Schafhirt a German noun


def compare(src_text: str, tgt_text: str, src_lang: str | None, tgt_lang: str | None,
            src_lower: set[str] | None = None, tgt_lower: set[str] | None = None,
            src_doc: set[str] | None = None, tgt_doc: set[str] | None = None,
            src_units: list[Unit] | None = None, tgt_units: list[Unit] | None = None) -> Comparison:
    """Units of each side, split into rendered on the other side or not (no decision about reporting).

    ``src_doc`` / ``tgt_doc``: the names each whole document writes (to settle
    German nouns); ``src_units`` / ``tgt_units``: units already found
    sentence by sentence (``units`` with no ``other_keys``), to save time.
    """
    s_low = _folded(frozenset(tgt_lower or ()), tgt_lang) if src_lang in NOUN_CAPITALISING else frozenset()
    t_low = _folded(frozenset(src_lower or ()), src_lang) if tgt_lang in NOUN_CAPITALISING else frozenset()
    su = settle(src_units if src_units is not None else units(src_text, src_lang, src_lower), tgt_doc or set(), s_low)
    tu = settle(tgt_units if tgt_units is not None else units(tgt_text, tgt_lang, tgt_lower), src_doc or set(), t_low)
    skeys = word_keys(src_text, src_lang)
    tkeys = word_keys(tgt_text, tgt_lang)
    s_acr, t_acr = [u for u in su if u.acronym], [u for u in tu if u.acronym]
    su = [p for u in su for p in _parts(u, tkeys, src_lang, tgt_doc or set(), s_low)]
    tu = [p for u in tu for p in _parts(u, skeys, tgt_lang, src_doc or set(), t_low)]
    s_ok = [_rendered(u, tkeys, tgt_text, tgt_lang, src_lang, t_acr) for u in su]
    t_ok = [_rendered(u, skeys, src_text, src_lang, tgt_lang, s_acr) for u in tu]
    return Comparison([u for u, ok in zip(su, s_ok) if not ok], [u for u, ok in zip(tu, t_ok) if not ok],
                      [u for u, ok in zip(su, s_ok) if ok], [u for u, ok in zip(tu, t_ok) if ok])


def unexplained(missing: list[Unit], other_missing: list[Unit], other_acronyms: int,
                verbatim: set[tuple[str, ...]], other_document: set[str] | None = None,
                other_spelt: set[str] = frozenset()) -> list[Unit]:
    """The missing units that nothing on the other side could be a translation of.

    An acronym is unexplained only when the other side has no acronym at all
    (IOM / МОМ, EU / ЕС, UN / ООН are translations); a name only when the
    other side has no unrendered name of its own, or when the pair's documents
    keep this very name verbatim elsewhere (``verbatim``: folded words
    rendered in other pairs), which rules out a translated form. A single
    capitalised word must also be found somewhere in the other document
    (``other_document``: its folded words; ``other_spelt``: the names it
    writes, compared loosely, so "Bulgaria" finds "България"), or it is more
    likely a common word written with a capital ("Départ" in a caption) than
    a lost name.
    """
    other_names = [u for u in other_missing if not u.acronym and u.excuse]
    out = []
    for u in missing:
        if u.acronym:
            if other_acronyms == 0:
                out.append(u)
        elif u.keys in verbatim and (len(u.keys) > 1 or not u.weak):  # a lone "Baltic" proves little
            out.append(u)
        elif not other_names and not u.weak and (len(u.words) > 1 or other_document is None
                                                   or any(k in other_document for k in u.keys)
                                                   or any(same_name(k, w) for k in u.keys for w in other_spelt)):
            out.append(u)
    return out


def verbatim(rendered: list[list[Unit]], missing: list[list[Unit]]) -> set[tuple[str, ...]]:
    """Names (as folded word tuples) rendered in more pairs than they are missing from: kept as they are.

    Single words count on their own too ("Platta" of "Piz Platta"), so that a
    word split off a partly rendered run ("Piz Deo") can be recognised.
    """
    kept = Counter(k for us in rendered for k in {u.keys for u in us} | {(w,) for u in us for w in u.keys})
    lost = Counter(k for us in missing for k in {u.keys for u in us} | {(w,) for u in us for w in u.keys})
    return {k for k, n in kept.items() if n > lost[k]}


def script(texts: list[str]) -> str:
    """"cyrillic", "greek" or "latin": the script most letters of a document are in."""
    counts = Counter()
    for text in texts[:200]:
        for ch in text:
            if ch.isalpha():
                name = unicodedata.name(ch, "")
                counts["cyrillic" if "CYRILLIC" in name else "greek" if "GREEK" in name else "latin"] += 1
    return counts.most_common(1)[0][0] if counts else "latin"
