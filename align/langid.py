"""Language of documents, paragraphs and sentences; splitting bilingual files.

Detection uses ``lingua`` in low-accuracy mode over a broad default set of
languages (36 languages load in under a second and ~60 MB, against 8 s and
900 MB for the high-accuracy models), because corpus mode cannot know in
advance which languages a folder holds. Two things make it reliable on short
lines:

* paragraphs are labelled jointly (a Viterbi pass with a cost for switching
  language), so a three-word header takes the language of its neighbours
  unless it is clearly another language ("Muualla verkossa" stays Finnish);
* languages that are easily confused (sv/da/nb, bg/ru/mk, ...) are told apart
  by lingua's high-accuracy models restricted to that small group, loaded only
  when a document's top two candidates fall in the same group.

Before detection, Latin letters inside a Cyrillic word (and vice versa) are
folded to the majority script, so "Mеждународна" with a Latin "M" reads as
Cyrillic. The text itself is never changed.

Speed (reading dominates a cold corpus run): lingua's cost grows with the
distinct trigrams of a text times the languages, so every character should be
scored once. Paragraph evidence is therefore built from the paragraph's
pieces (lines, cut again at sentence ends) rather than scored a second time:
the pieces' confidences multiply (naive Bayes over pieces) into the
paragraph's. A piece is usually exactly a sentence of the final segmentation,
so the per-sentence check that follows finds its scores in a per-process
cache keyed by text (which also serves text repeated across the files a
worker reads). Sentence decisions are always taken on the sentence itself.
In a long document most pieces are settled on the document's own few
languages rather than all of them (``Narrowing``), which costs a fraction.

lingua's answers are also kept on disk beside the embedding cache, so a re-run
of the same files runs no detector and loads no model. Second opinions are
taken one language at a time, with the high-accuracy models of only a few
languages loaded at once (code lines in a long manual read as twenty
languages). Figures: eval/RESULTS.md, "Language id on a long document".
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import math
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from hashlib import blake2b as _blake2b

from .documents import clean_text

DEFAULT_LANGUAGES = (
    "en sv fi bg de fr es it pt nl da nb ru uk pl cs sk sl hr sr et lv lt el hu ro "
    "tr ar zh ja ko ca ga mk be is id ms"
).split()

# Groups of languages that detectors confuse on short text; a sentence is only
# called "other language" if its language is outside its document's group.
CONFUSABLE = [
    {"sv", "da", "nb", "nn", "is"},
    {"bg", "ru", "mk", "uk", "be", "sr"},
    {"hr", "sr", "bs", "sl"},
    {"cs", "sk"},
    {"es", "ca", "pt", "gl", "it"},
    {"fi", "et"},
    {"lv", "lt"},
    {"id", "ms"},
]

@dataclass
class Work:
    """What language id has asked of lingua in this process (``eval.longdoc`` prints it per run)."""

    scored: int = 0  # texts lingua scored with the low-accuracy models (not from a cache)
    scored_chars: int = 0
    second_opinions: int = 0  # texts scored with two languages' high-accuracy models
    loads: int = 0  # languages whose high-accuracy models lingua (re)loaded for second opinions
    from_disk: int = 0  # answers read from the disk cache
    settled: int = 0  # pieces the first pass settled on their document's languages (``Narrowing``)


WORK = Work()

SWITCH_COST = 4.0  # nats: how much evidence a paragraph needs to change language
_FLOOR = 1e-4  # smallest confidence that counts; anything below it is "not this language" alike
CACHE_SIZE = 1 << 15  # texts whose confidences a process remembers (a few MB)

_LATIN_TO_CYR = str.maketrans("AaBCcEeHKMOoPpTXxyi", "АаВСсЕеНКМОоРрТХхуі")
_CYR_TO_LAT = str.maketrans("АаВСсЕеНКМОоРрТХху", "AaBCcEeHKMOoPpTXxy")
_WORD = re.compile(r"\w+")
_CYRILLIC = re.compile("[\u0400-\u052f]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")


def same_group(a: str | None, b: str | None) -> bool:
    """True when two language codes are equal or easily confused."""
    if not a or not b:
        return False
    return a == b or any(a in g and b in g for g in CONFUSABLE)


def _script(ch: str) -> str:
    o = ord(ch)
    if 0x0400 <= o <= 0x052F:
        return "cyr"
    if ch.isascii() and ch.isalpha() or 0x00C0 <= o <= 0x024F:
        return "lat"
    return "other"


def fold_homoglyphs(text: str) -> str:
    """Rewrite look-alike letters in mixed-script words to the word's main script."""
    if not (_CYRILLIC.search(text) and _LATIN.search(text)):
        return text  # one script only: nothing to fold (the common case, and it is cheap to tell)

    def fix(m: re.Match) -> str:
        word = m.group(0)
        scripts = [_script(c) for c in word]
        cyr, lat = scripts.count("cyr"), scripts.count("lat")
        if cyr and lat:
            return word.translate(_LATIN_TO_CYR if cyr >= lat else _CYR_TO_LAT)
        return word

    return _WORD.sub(fix, text)  # linear: a pattern for mixed words alone backtracks on long words


def mixed_script_words(text: str) -> list[str]:
    """Words that mix Latin and Cyrillic letters (usually a typing or OCR slip)."""
    out: list[str] = []
    if not _CYRILLIC.search(text) or not _LATIN.search(text):
        return out  # the common case, without a look at every letter
    for m in _WORD.finditer(text):
        scripts = {_script(c) for c in m.group(0)}
        if {"cyr", "lat"} <= scripts:
            out.append(m.group(0))
    return out


_ASCII_NON_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())


def letters(text: str) -> int:
    """How many letters ``text`` holds (asked of every line, often several times: ASCII is counted in C)."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _ASCII_NON_LETTERS))
    return sum(map(str.isalpha, text))


@functools.lru_cache(maxsize=None)
def _detector(codes: tuple[str, ...], high_accuracy: bool = False):
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in codes]
    builder = LanguageDetectorBuilder.from_languages(*langs)
    if not high_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build(), {lang: code for lang, code in zip(langs, codes)}


@functools.lru_cache(maxsize=None)
def _check_codes(codes: tuple[str, ...]) -> tuple[str, ...]:
    from lingua import IsoCode639_1

    bad = [c for c in codes if not hasattr(IsoCode639_1, c.upper())]
    if bad:
        from .errors import InputError

        raise InputError(f"unknown language code(s): {', '.join(bad)} (use ISO 639-1, e.g. en, sv, bg)")
    return codes


class _Store:
    """lingua's answers on disk (``langid.sqlite`` beside the embedding cache), so a re-run detects nothing.

    Keyed by lingua's version, the mode, the languages and the text: an answer never goes stale. New
    answers are kept in memory and written by ``save()`` (after each document, and at exit). Any
    error (a read-only or busy cache) leaves language id working without it.
    """

    VERSION = 1

    def __init__(self, path) -> None:
        import sqlite3
        from importlib.metadata import version

        self.error = sqlite3.Error
        self.lingua = version("lingua-language-detector")
        path.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path / "langid.sqlite", timeout=30, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS scores (key BLOB PRIMARY KEY, value TEXT) WITHOUT ROWID")
        self.new: dict[bytes, str] = {}
        self.ahead: dict[bytes, str] = {}  # keys looked up at once (``look_ahead``): the answer, or "" when none
        self.prefixes: dict[tuple[tuple[str, ...], bool], bytes] = {}  # what ``key`` hashes before the text

    def key(self, folded: str, codes: tuple[str, ...], high_accuracy: bool) -> bytes:
        prefix = self.prefixes.get((codes, high_accuracy))
        if prefix is None:  # the same for every text of a detector: made once
            prefix = self.prefixes[codes, high_accuracy] = \
                f"{self.VERSION}\0{self.lingua}\0{int(high_accuracy)}\0{','.join(codes)}\0".encode()
        return _blake2b(prefix + folded.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, key: bytes) -> tuple[tuple[str, float], ...] | None:
        import json

        value = self.ahead.pop(key, None)  # (documents read in threads share the store: one call, no race)
        if value is None:
            row = self.db.execute("SELECT value FROM scores WHERE key = ?", (key,)).fetchone()
            value = row[0] if row else ""
        return tuple((c, v) for c, v in json.loads(value)) if value else None

    def look_ahead(self, keys: list[bytes]) -> None:
        """Look up many keys in a few queries (a document's pieces): a query each costs more than lingua's
        answer on a short line, mostly in sqlite's locking. Forgotten at ``save()``."""
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            self.ahead.update(dict.fromkeys(chunk, ""))
            marks = ",".join("?" * len(chunk))
            self.ahead.update(self.db.execute(f"SELECT key, value FROM scores WHERE key IN ({marks})", chunk))

    def put(self, key: bytes, value: tuple[tuple[str, float], ...]) -> None:
        # what json.dumps writes (a float as its repr), without its machinery for every text
        self.new[key] = "[" + ", ".join(f'["{code}", {v!r}]' for code, v in value) + "]"

    def save(self) -> None:
        self.ahead.clear()
        if self.new:
            with self.db:
                self.db.executemany("INSERT OR IGNORE INTO scores VALUES (?, ?)", self.new.items())
            self.new.clear()


_stores: dict[str, _Store | None] = {}


_CACHE_ENV = ("ALIGN_CACHE_DIR", "XDG_CACHE_HOME", "HOME")  # what ``default_cache_dir`` reads
_store_of_env: dict[tuple[str | None, ...], _Store | None] = {}


def _store() -> _Store | None:
    """The disk cache of the current cache folder (``ALIGN_CACHE_DIR``), or None when it cannot be opened.

    Asked for every text scored: the folder is worked out again only when the variables it comes from change.
    """
    pinned = getattr(_thread, "store", None)
    if pinned is not None:  # inside ``_one_store``
        return pinned[0]
    env = tuple(map(os.environ.get, _CACHE_ENV))
    if env in _store_of_env:
        return _store_of_env[env]
    from .encoders import default_cache_dir

    path = default_cache_dir()
    if str(path) not in _stores:
        try:
            _stores[str(path)] = _Store(path)
        except Exception:  # noqa: BLE001 - no cache is still a working language id
            _stores[str(path)] = None
    _store_of_env[env] = _stores[str(path)]
    return _stores[str(path)]


@contextlib.contextmanager
def _one_store():
    """Within it, ``_store()`` is worked out once for this thread, not for each of a document's thousands of texts."""
    if getattr(_thread, "store", None) is not None:
        yield
        return
    _thread.store = (_store(),)
    try:
        yield
    finally:
        _thread.store = None


def save() -> None:
    """Write the answers lingua gave since the last save to the disk cache (a document has been read)."""
    reading = getattr(_thread, "reading", None)
    if reading:
        WORK.settled += reading.settled
    _thread.reading = None
    for store in _stores.values():
        if store is not None:
            try:
                store.save()
            except store.error:
                store.new.clear()


atexit.register(save)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _scored(folded: str, codes: tuple[str, ...], high_accuracy: bool) -> tuple[tuple[str, float], ...]:
    """lingua's confidences for a folded text, best first, without the ones under ``_FLOOR``."""
    store = _store()
    key = store.key(folded, codes, high_accuracy) if store else b""
    if store:
        try:
            hit = store.get(key)
        except store.error:
            hit = None
        if hit is not None:
            WORK.from_disk += 1
            return hit
    if high_accuracy:
        WORK.second_opinions += 1
        WORK.loads += sum(code in _unloaded for code in codes)
        _unloaded.difference_update(codes)
    else:
        WORK.scored += 1
        WORK.scored_chars += len(folded)
    detector, code_of = _detector(codes, high_accuracy)
    values = detector.compute_language_confidence_values(folded)  # best first
    result = tuple((code_of[v.language], v.value) for v in itertools.takewhile(_counts, values))
    if store:
        store.put(key, result)
    return result


def _counts(value) -> bool:
    """Whether one of lingua's confidence values is at least ``_FLOOR`` (they come best first)."""
    return value.value >= _FLOOR


def confidences(text: str, codes: tuple[str, ...] = tuple(DEFAULT_LANGUAGES),
                high_accuracy: bool = False) -> dict[str, float]:
    """Confidence per language code for ``text`` (empty when it has no letters).

    Languages under ``_FLOOR`` are left out: every caller treats them alike.
    Results are remembered per text (``CACHE_SIZE``), so asking again is free.
    """
    text = _prepared(text)
    if not any(map(str.isalpha, text)):
        return {}
    return dict(_scored(text, _check_codes(tuple(codes)), high_accuracy))


def _prepared(text: str) -> str:
    """What lingua is given for ``text`` (and what its answer is keyed by)."""
    if text.isascii():  # one script: nothing to fold, no other script's words to pick
        return text
    return _words_of_mixed(fold_homoglyphs(text))


def _look_ahead(texts: list[str], codes: tuple[str, ...], high_accuracy: bool = False) -> None:
    """Have the disk cache look up the answers for ``texts`` at once (``_Store.look_ahead``)."""
    store = _store()
    if store is None or not texts:
        return
    prepared = (_prepared(t) for t in dict.fromkeys(texts))
    codes = _check_codes(tuple(codes))
    try:
        store.look_ahead([store.key(t, codes, high_accuracy) for t in prepared if any(map(str.isalpha, t))])
    except store.error:
        pass


_OTHER_LETTER = "[^\\W\\d_A-Za-z\u00c0-\u024f\u1e00-\u1eff]"  # a letter of a script other than Latin
_OTHER_SCRIPT, _OTHER_SCRIPT_RUN = re.compile(_OTHER_LETTER), re.compile(_OTHER_LETTER + "+")


def _words_of_mixed(text: str) -> str:
    """A line that mixes Latin letters with another script, without its code and markup (``markup.prose``).

    lingua keeps only the languages of the script that has the most words, so in "### Поля власних
    ресурсів {#custom-resources-fields}" the anchor's words outvote the heading and Ukrainian is never
    scored. Lines of one script are scored as they are.
    """
    if not (_LATIN.search(text) and _OTHER_SCRIPT.search(text)):
        return text
    from .markup import prose

    words = prose(text)
    if _OTHER_SCRIPT.search(words):
        return words
    if not any(map(str.isalpha, words)):  # all markup: its only words are attribute values ("alt", "caption")
        return " ".join(_OTHER_SCRIPT_RUN.findall(text)) or text
    return text


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+")


# an initial ("H."), an ordinal or date ("12.", "6.02."), a title ("St.", "Dr.")
_NO_END = re.compile(r"(?:^|[^\w.])(?:[^\W\d_]|\d[\d.]*"
                     r"|[A-Z\u00C0-\u00DE\u0410-\u042F][a-z\u00DF-\u00FF\u0430-\u044F])\.$")


def pieces(text: str) -> list[str]:
    """The lines of a paragraph, cut again after sentence-final punctuation followed by a capital.

    Language-neutral, so it can run before the language is known; it matches
    the final segmentation nearly always, and where it does not (an
    abbreviation) the sentence is simply scored on its own later.
    """
    out: list[str] = []
    for line in text.split("\n"):
        start = 0
        parts = []
        for m in _SENTENCE_END.finditer(line):
            nxt = line[m.end():m.end() + 1]
            if _NO_END.search(line, max(0, m.start() - 12), m.start()):
                continue  # most likely not a sentence end (Moses keeps these together too)
            if nxt.isupper() or nxt.isdigit() or nxt in "\"'“„«(":
                parts.append(line[start:m.end()])
                start = m.end()
        parts.append(line[start:])
        out.extend(p for p in (clean_text(part) for part in parts) if p)
    return out


def combine(confs: list[dict[str, float]]) -> dict[str, float]:
    """Confidences of a text made of independent pieces: their product, renormalised (naive Bayes).

    A language a piece does not list counts at ``_FLOOR``, as in the labelling
    below; pieces without letters carry no evidence.
    """
    confs = [c for c in confs if c]
    if len(confs) <= 1:
        return dict(confs[0]) if confs else {}
    langs = set().union(*confs)
    logs = {c: sum(math.log(max(conf.get(c, 0.0), _FLOOR)) for conf in confs) for c in langs}
    top = max(logs.values())
    weights = {c: math.exp(v - top) for c, v in logs.items()}
    total = sum(weights.values())
    return {c: w / total for c, w in weights.items() if w / total >= _FLOOR}


def paragraph_confidences(text: str, codes: tuple[str, ...] = tuple(DEFAULT_LANGUAGES),
                          first_pass: Narrowing | None = None) -> dict[str, float]:
    """Confidences of a paragraph from its pieces (each piece scored once and remembered).

    With ``first_pass`` (a document read in order) a piece is scored as ``Narrowing`` decides.
    """
    score = first_pass.confidences if first_pass else functools.partial(confidences, codes=codes)
    parts = first_pass.parts.get(text) if first_pass else None
    return combine([score(p) for p in (pieces(text) if parts is None else parts)])


SAMPLE_CHARS = 5000  # characters of a document scored against every language before the set narrows
NARROW_SHARE = 0.02  # share of the confident letters of those a language needs to be one of the document's
CLEAR = 0.99  # confidence, over the document's languages, that settles a piece
KNOWN_WORDS = 0.7  # share of a piece's words that earlier pieces read as that language already held
MIN_WORDS = 2  # a shorter piece is always scored against every language
_LETTER_RUN = re.compile(r"[^\W\d_]+")

# the first pass of the document being read, for its sentences' check (``_candidate``); ``save()`` ends it.
# One per thread: documents read at once in threads (Dask workers with several threads) keep their own.
_thread = threading.local()


@dataclass
class Narrowing:
    """The first pass over a document: every language until the document's own are known, then mostly those.

    lingua's cost grows with the languages it weighs, and in a long document nearly every piece is in one of
    a few languages. After ``SAMPLE_CHARS``, a piece is settled on the document's
    languages (those of ``NARROW_SHARE`` of the confident letters so far) when it reads clearly, among them,
    as the main one and most of its words occurred in earlier pieces read as the main language: a check taken
    from the document itself. Anything else (a line in a second or third language, an unusual or short line,
    most code) is scored against every language, as before, so its first opinion is the one it always had.
    A document with one language of its own has no rival in the narrow set (lingua then answers 1.0), so
    there the known-words test alone settles a piece.
    """

    codes: tuple[str, ...]
    sampled: int = 0  # characters scored against every language
    mass: Counter = field(default_factory=Counter)  # letters of pieces read clearly as each language
    words: dict[str, set[str]] = field(default_factory=dict)  # words of those pieces, by language
    narrow: tuple[str, ...] = ()
    main: str | None = None  # the language most of those letters read as: the only one a piece is settled on
    settled: int = 0  # pieces settled on the narrow set (for ``eval.longdoc``)
    answers: dict[str, dict[str, float]] = field(default_factory=dict)  # those pieces' confidences
    seen: set[str] = field(default_factory=set)  # every piece scored
    upcoming: list[str] = field(default_factory=list, repr=False)  # the document's pieces (looked up once narrowed)
    parts: dict[str, list[str]] = field(default_factory=dict, repr=False)  # ``pieces`` of each paragraph text
    looked_ahead: set[tuple[str, ...]] = field(default_factory=set)  # narrow sets the disk cache was asked about

    def holds(self, texts: list[str], codes: tuple[str, ...]) -> bool:
        """Whether ``texts`` are (mostly) this document's pieces: its sentences, to be checked with this pass."""
        return tuple(codes) == self.codes and 2 * sum(t in self.seen for t in texts) >= len(texts)

    def confidences(self, piece: str) -> dict[str, float]:
        if piece in self.answers:
            return self.answers[piece]
        if piece in self.seen:  # scored against every language earlier in this pass: the same answer
            return confidences(piece, self.codes)
        self.seen.add(piece)
        tokens = [w.lower() for w in _LETTER_RUN.findall(piece)]
        if self.main and len(tokens) >= MIN_WORDS and self.known(tokens, self.main):
            conf = confidences(piece, self.narrow)
            if conf.get(self.main, 0.0) >= CLEAR:
                self.words[self.main].update(tokens)
                self.mass[self.main] += letters(piece)
                self.settled += 1
                self.answers[piece] = conf
                return conf
        conf = confidences(piece, self.codes)
        best = max(conf, key=conf.get) if conf else None
        if best and conf[best] >= CLEAR:
            self.words.setdefault(best, set()).update(tokens)
            self.mass[best] += letters(piece)
        self.sampled += len(piece)
        if self.sampled >= SAMPLE_CHARS and self.mass:  # the document's languages, as they stand so far
            total = sum(self.mass.values())
            narrow = tuple(sorted(c for c, m in self.mass.items() if m >= NARROW_SHARE * total))
            if narrow not in self.looked_ahead and self.upcoming:
                self.looked_ahead.add(narrow)
                _look_ahead([p for p in self.upcoming if p not in self.seen], narrow)
            self.narrow = narrow
            self.main = self.mass.most_common(1)[0][0]
        return conf

    def known(self, tokens: list[str], lang: str) -> bool:
        """Whether earlier pieces read as ``lang`` held most of ``tokens`` (lower case)."""
        vocab = self.words.get(lang, set())
        return sum(map(vocab.__contains__, tokens)) >= KNOWN_WORDS * len(tokens)


def detect(text: str, codes: tuple[str, ...] = tuple(DEFAULT_LANGUAGES)) -> tuple[str | None, float]:
    """Most likely language and its confidence; (None, 0) for text without letters."""
    conf = confidences(text, codes)
    if not conf:
        return None, 0.0
    best = max(conf, key=conf.get)
    return best, conf[best]


def refine(text: str, lang: str, conf: dict[str, float]) -> str:
    """Settle a close call between confusable languages with high-accuracy models."""
    group = next((g for g in CONFUSABLE if lang in g), None)
    if not group:
        return lang
    rivals = tuple(sorted(c for c in conf if c in group and conf[c] > 0.01 and c in DEFAULT_LANGUAGES))
    if len(rivals) < 2:
        return lang
    hi = confidences(text[:5000], rivals, high_accuracy=True)
    return max(hi, key=hi.get) if hi else lang


@_one_store()
def label_paragraphs(texts: list[str], codes: tuple[str, ...] = tuple(DEFAULT_LANGUAGES)) -> list[str | None]:
    """One language per paragraph, smoothed over neighbours (Viterbi with a switch cost)."""
    parts = {t: pieces(t) for t in texts}
    upcoming = [p for t in texts for p in parts[t]]
    _look_ahead(upcoming, codes)
    _thread.reading = first_pass = Narrowing(tuple(codes), upcoming=upcoming, parts=parts)
    confs = [paragraph_confidences(t, codes, first_pass) for t in texts]
    cands = sorted({c for conf in confs for c, v in conf.items() if v >= 0.05})
    if not cands:
        return [None] * len(texts)
    n, k = len(texts), len(cands)
    score = [[0.0] * k for _ in range(n)]
    back = [[0] * k for _ in range(n)]
    index, floor = {c: j for j, c in enumerate(cands)}, [math.log(_FLOOR)] * k
    for i, conf in enumerate(confs):
        emit = floor.copy() if conf else [0.0] * k  # a candidate the paragraph does not list counts at _FLOOR
        for c, v in conf.items():
            if c in index:
                emit[index[c]] = math.log(max(v, _FLOOR))
        if i == 0:
            score[0] = emit
            continue
        prev = score[i - 1]
        # the best predecessor of j is j itself or the best other state less the switch cost: the two best
        # states (first index on ties, as max() picks) give it for every j in O(k), not O(k²)
        first = max(range(k), key=prev.__getitem__)
        second = max((p for p in range(k) if p != first), key=prev.__getitem__, default=first)
        for j in range(k):
            other = second if j == first else first
            stay, switch = prev[j], prev[other] - SWITCH_COST
            best_prev = j if stay > switch or (stay == switch and j < other) else other
            back[i][j] = best_prev
            score[i][j] = (stay if best_prev == j else switch) + emit[j]
    j = max(range(k), key=lambda q: score[n - 1][q])
    path = [0] * n
    for i in range(n - 1, -1, -1):
        path[i] = j
        j = back[i][j]
    return [cands[j] for j in path]


@dataclass
class LanguageRun:
    """A stretch of consecutive paragraphs in one language."""

    lang: str
    first: int  # paragraph index, inclusive
    last: int  # paragraph index, exclusive
    letters: int


def language_runs(texts: list[str], labels: list[str | None]) -> list[LanguageRun]:
    """Split paragraphs into at most two contiguous language parts (a bilingual file).

    The split point is the one that agrees best with the paragraph labels,
    weighted by letters, so a short "(English below)" line inside the first
    part does not move it. A file is called bilingual only when each part holds
    at least a fifth of the letters and the split agrees with 90 % of them.
    """
    weights = [letters(t) for t in texts]
    total = sum(weights) or 1
    mass: dict[str, int] = {}
    for lab, w in zip(labels, weights):
        if lab:
            mass[lab] = mass.get(lab, 0) + w
    if not mass:
        return [LanguageRun("", 0, len(texts), total)]
    main = max(mass, key=mass.get)
    ranked = sorted(mass, key=mass.get, reverse=True)
    if len(ranked) > 1:
        best = None
        for a in ranked[:3]:
            for b in ranked[:3]:
                if a == b:
                    continue
                # agreement of "a before k, b from k on" for every k, with running sums
                before, after = 0, sum(w for lab, w in zip(labels, weights) if lab == b)
                for k in range(1, len(texts)):
                    before += weights[k - 1] if labels[k - 1] == a else 0
                    after -= weights[k - 1] if labels[k - 1] == b else 0
                    if best is None or before + after > best[0]:
                        best = (before + after, a, b, k)
        agree, a, b, k = best
        left, right = sum(weights[:k]), sum(weights[k:])
        if agree >= 0.9 * total and min(left, right) >= 0.2 * total:
            return [LanguageRun(a, 0, k, left), LanguageRun(b, k, len(texts), right)]
    return [LanguageRun(main, 0, len(texts), total)]


def document_language(text: str, lang: str, codes: tuple[str, ...] = tuple(DEFAULT_LANGUAGES)) -> str:
    """Refine a run's language on its whole text (sv vs nb, bg vs ru, ...).

    Only a language with easily confused neighbours can change here, so only
    then is the text scored again (for de, fr, en, ... this costs nothing).
    """
    if not any(lang in g for g in CONFUSABLE):
        return lang
    conf = confidences(text[:5000], codes)
    if not conf:
        return lang
    return refine(text, lang, conf)


def _candidate(text: str, doc_lang: str, codes: tuple[str, ...], reading: Narrowing | None = None) -> str | None:
    """The language a sentence reads as by the low-accuracy models when that is clearly not ``doc_lang``.

    With ``reading`` (the first pass of the sentence's document) it is scored as that pass scores a piece.
    """
    if letters(text) < 8:
        return None
    conf = reading.confidences(text) if reading else confidences(text, codes)
    if not conf:
        return None
    best = max(conf, key=conf.get)
    if same_group(best, doc_lang) or conf[best] < 0.8 or conf.get(doc_lang, 0.0) > 0.1:
        return None
    return best


SECOND_OPINIONS_LOADED = 3  # languages whose high-accuracy models stay loaded besides the document's
_SPARE = "la"  # a language lingua knows that no default detector loads: pairs with one to unload it
_loaded: dict[str, None] = {}  # high-accuracy languages of second opinions, least recently used first
_unloaded: set[str] = set()  # languages of ``_loaded`` whose models lingua has not loaded yet (for ``WORK``)


def _keep_loaded(lang: str, doc_lang: str) -> None:
    """Note that ``lang``'s high-accuracy models are in use; unload the least recently used beyond the bound.

    Each language's high-accuracy models take ~30 MB, and a long manual's code lines read as twenty
    languages or more: without a bound they all stay in memory. A model is shared by every detector,
    so one built with a spare language unloads it (the spare was never loaded, so nothing else goes).
    """
    for code in (doc_lang, lang):
        if code not in _loaded:
            _unloaded.add(code)  # lingua loads its models on the next score that is not on disk
        _loaded.pop(code, None)
        _loaded[code] = None
    while len(_loaded) > SECOND_OPINIONS_LOADED + 1:
        old = next(c for c in _loaded if c not in (lang, doc_lang))
        del _loaded[old]
        _unloaded.discard(old)
        if old != _SPARE and _lingua_knows(old):
            _detector(tuple(sorted((old, _SPARE))), True)[0].unload_language_models()


def _confirmed(text: str, doc_lang: str, best: str) -> bool:
    """A second opinion from the high-accuracy models of just these two languages.

    The low-accuracy models call French lines Catalan now and then.
    """
    if doc_lang not in DEFAULT_LANGUAGES:
        return True
    _keep_loaded(best, doc_lang)
    hi = confidences(text, tuple(sorted({doc_lang, best})), high_accuracy=True)
    return hi.get(best, 0.0) >= 0.9


def other_language(text: str, doc_lang: str, codes: tuple[str, ...] = tuple(DEFAULT_LANGUAGES)) -> str | None:
    """The language of a sentence when it is clearly not the document's, else None."""
    best = _candidate(text, doc_lang, codes)
    return best if best and _confirmed(text, doc_lang, best) else None


def look_ahead(asks: list[tuple[str, str]], doc_lang: str, codes: tuple[str, ...] = tuple(DEFAULT_LANGUAGES)) -> None:
    """Have the disk cache look up at once what ``reads_as(text, doc_lang, lang)`` may ask for each (text, lang)."""
    with _one_store():
        _look_ahead([text for text, _ in asks], codes)
        if doc_lang in DEFAULT_LANGUAGES:
            for lang in dict.fromkeys(lang for _, lang in asks):
                _look_ahead([text for text, it in asks if it == lang], tuple(sorted({doc_lang, lang})), True)


def reads_as(text: str, doc_lang: str, lang: str, codes: tuple[str, ...] = tuple(DEFAULT_LANGUAGES)) -> bool:
    """``other_language(text, doc_lang) == lang``, without loading the models of a language it is not.

    The checks ask this of every line labelled ``lang``; when the line's words first read as a third
    language, ``other_language`` would load that language's models only to give an answer that is not ``lang``.
    """
    return _candidate(text, doc_lang, codes) == lang and _confirmed(text, doc_lang, lang)


# Share of a document's sentences whose first opinion a language must win before its high-accuracy models
# are loaded for second opinions (loading them is most of a second opinion's cost, and a long manual's code
# lines read as twenty-odd languages). A line that first read as a rarer language is handled by ``_rare``: code gets no label, words
# are asked about the language they read as among the document's own. Documents under 1/share sentences
# never meet it. What it changes: eval/RESULTS.md, "Language id on a long document".
SECOND_OPINION_MIN_SHARE = 0.003


@_one_store()
def other_languages(texts: list[str], doc_lang: str, codes: tuple[str, ...] = tuple(DEFAULT_LANGUAGES),
                    min_share: float | None = None) -> list[str | None]:
    """``other_language`` of each text, with the second opinions taken one language at a time.

    The answers are those of ``other_language``; grouping by language loads each language's
    high-accuracy models once while only a few stay in memory at a time. A language that fewer than
    ``min_share`` (default ``SECOND_OPINION_MIN_SHARE``) of the texts read as gets no second opinion:
    its lines are handled by ``_rare``.
    """
    reading = getattr(_thread, "reading", None)
    reading = reading if reading and reading.holds(texts, codes) else None
    fresh = [t for t in texts if not reading or t not in reading.seen]  # sentences that were no piece
    for these in (codes, reading.narrow if reading else ()):
        if these:
            _look_ahead(fresh, these)
    cands = [_candidate(t, doc_lang, codes, reading) for t in texts]
    share = SECOND_OPINION_MIN_SHARE if min_share is None else min_share
    if share > 0:
        wins = Counter(c for c in cands if c)
        cands = [_rare(t, c, doc_lang, reading) if c and wins[c] < share * len(texts) else c
                 for c, t in zip(cands, texts)]
    out: list[str | None] = [None] * len(texts)
    # languages still loaded from the last document first (most recent first), then the others: in
    # the order of the last document, each language would push out the next one needed
    recent = {code: k for k, code in enumerate(reversed(list(_loaded)))}
    if doc_lang in DEFAULT_LANGUAGES:  # the second opinions ``_confirmed`` asks for, looked up at once
        for lang in {c for c in cands if c}:
            _look_ahead([t for t, c in zip(texts, cands) if c == lang], tuple(sorted({doc_lang, lang})), True)
    for i in sorted((i for i, c in enumerate(cands) if c), key=lambda i: (recent.get(cands[i], len(recent)), cands[i])):
        out[i] = cands[i] if _confirmed(texts[i], doc_lang, cands[i]) else None
    return out


def _rare(text: str, lang: str, doc_lang: str, reading: Narrowing | None) -> str | None:
    """What a line that first read as a language rare in its document is asked about instead of ``lang``.

    A line of code gets no second opinion; a line of words, read among the document's own languages
    (``Narrowing``), is asked about the one it reads as there, when that is not the document's: an English
    line of a French manual that first read as Danish is asked about English, whose models are loaded anyway.
    One that reads as the document's language is asked about ``lang`` only when it is running text and the
    document has not used most of its words. Without a first pass (a given language) it is asked about ``lang``.
    """
    if _code_like(text):
        return None
    if not reading or not reading.narrow:
        return lang
    conf = confidences(text, reading.narrow)
    best = max(conf, key=conf.get) if conf else None
    if best and not same_group(best, doc_lang) and conf[best] >= 0.8:
        return best
    # it reads as the document's language among its own: only running text (not a heading, a label or a line
    # of output) of words the document has not used (a Finnish sentence in German) is asked about a third one
    from .markup import running_text

    return lang if running_text(text) and not reading.known([w.lower() for w in _LETTER_RUN.findall(text)], doc_lang) else None


def _code_like(text: str) -> bool:
    """Most of the line's letters are in code, addresses or identifiers (``markup.prose`` leaves them out)."""
    from .markup import prose

    return 2 * letters(prose(text)) < letters(text)


def _lingua_knows(code: str) -> bool:
    from lingua import IsoCode639_1

    return hasattr(IsoCode639_1, code.upper())


def disagreement(text: str, lang: str, codes: tuple[str, ...] = tuple(DEFAULT_LANGUAGES)) -> str | None:
    """The language ``text`` clearly reads as when a user said it is ``lang``, else None.

    A wrong ``--src-lang`` (``de`` on Danish) makes the segmenter and the
    foreign-sentence checks work against the text, so the user should hear of
    it; but a given language wins, so this only warns. Confusable neighbours
    (``nb`` on Danish) and languages the detector does not know are never
    questioned, and a short text is not evidence.
    """
    sample = text[:5000]
    if letters(sample) < 40 or not _lingua_knows(lang):
        return None
    pool = tuple(codes) if lang in codes else (*codes, lang)
    # line by line and sentence by sentence, weighted by letters: the code and commands in a manual read as
    # English, its prose does not, and a guess on the whole sample would side with the code
    mass: dict[str, int] = {}
    for piece in pieces(sample):
        conf = confidences(piece, pool)
        if conf:
            best = max(conf, key=conf.get)
            mass[best] = mass.get(best, 0) + letters(piece)
    total = sum(mass.values())
    if not total:
        return None
    given = sum(n for code, n in mass.items() if same_group(code, lang))
    best = max(mass, key=mass.get)
    if same_group(best, lang) or mass[best] < 0.6 * total or mass[best] < 2 * given:
        return None
    return best
