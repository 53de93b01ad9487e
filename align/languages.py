"""Language codes given by users: ``EN``, ``en-GB``, ``pt_BR``, ``deu`` all name a language.

The aligner, the segmenters and language identification key everything on a
lower-case ISO 639-1 code: handed ``EN`` or ``en-GB`` unchanged, the Moses
splitter is not found, every sentence reads as "another language" and the
alignment is wrecked without a word. So every code a user gives is reduced to
its base language here, once, before any work, and a code that names no
language (``xx``, a typo) is refused with a one-line error.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from .errors import InputError

# codes replaced in ISO 639-1 that old files and tools still write
_RENAMED = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}


@functools.lru_cache(maxsize=1)
def _table() -> tuple[frozenset[str], dict[str, str]]:
    """The ISO 639-1 codes, and every ISO 639-3 (and 639-2/B) code to its 639-1 code or itself."""
    two: set[str] = set()
    three: dict[str, str] = {}
    bibliographic: dict[str, str] = {}
    text = resources.files("align").joinpath("data/iso639.txt").read_text("utf-8")
    for fields in (line.split() for line in text.splitlines()):
        if not fields or fields[0].startswith("#"):
            continue
        if fields[0] == "B":  # a bibliographic code ("ger") and the terminological one ("deu")
            bibliographic[fields[1]] = fields[2]
            continue
        three[fields[0]] = fields[1] if len(fields) > 1 else fields[0]
        two.update(fields[1:])
    three.update({b: three[t] for b, t in bibliographic.items()})
    return frozenset(two), three


# a BCP 47 / POSIX tag: language, then script, region or variant subtags (``zh-Hant-TW``, ``pt_BR.UTF-8``)
_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*(?:\.[A-Za-z0-9-]+)?(?:@\w+)?")


def base_language(code: str, option: str = "language") -> str:
    """The base code of a user's language code or tag; InputError if it names no language.

    ``EN``, ``en-GB``, ``eng`` give ``en``, ``pt_BR`` gives ``pt``; a language
    without a two-letter code keeps its ISO 639-3 one (``chr``). ``option``
    names where the code came from, for the message (``--src-lang``).
    """
    value = code.strip()
    m = _TAG.fullmatch(value)
    primary = m.group(1).lower() if m else ""
    two, three = _table()
    primary = _RENAMED.get(primary, primary)
    if len(primary) == 3:
        primary = three.get(primary, "")
    if primary not in two and primary not in three:
        raise InputError(f"{option} {code!r}: not a language code (use ISO 639-1, e.g. en, sv, de, pt-BR)")
    return primary


def language_tag(code: str, option: str = "language") -> str:
    """A user's tag in BCP 47 form, its language checked (``pt_br`` -> ``pt-BR``, ``EN`` -> ``en``).

    For places that write the tag (TMX ``xml:lang``), where a region is worth keeping.
    """
    base = base_language(code, option)
    value = code.strip().split(".")[0].split("@")[0]
    subtags = [s for s in re.split(r"[-_]", value)[1:] if s]
    out = [base]
    for s in subtags:
        out.append(s.upper() if len(s) == 2 else s.title() if len(s) == 4 and s.isalpha() else s.lower())
    return "-".join(out)


def region_tag(code: str | None, option: str = "language") -> str | None:
    """The full tag when a user's code carries more than the language (``en-GB``), else None."""
    if not code:
        return None
    tag = language_tag(code, option)
    return tag if "-" in tag else None
