"""SRX 2.0 segmentation rules, applied the way CAT tools apply them.

CAT tools (OmegaT, Trados Studio, memoQ, Phrase) cut text into segments with
SRX rules, and a translation-memory unit is only reused when its source text
equals one of the tool's segments. ``align --srx FILE`` therefore segments
with the user's own rules instead of ours.

The engine follows OmegaT's ``Segmenter`` (the reference we test against):

- the language rules are those of every ``languagemap`` whose
  ``languagepattern`` matches the language code (OmegaT's upper-case form,
  e.g. ``SV`` or ``SV-SE``); all of them when the header says
  ``cascade="yes"`` or says nothing (OmegaT's behaviour), else the first;
- each rule finds the positions where its ``beforebreak`` pattern ends (Java
  ``find()`` order, non-overlapping) and where, at that very position, one of
  the non-overlapping matches of ``afterbreak`` starts;
- where several rules match a position, the first one in the list decides;
- segments are trimmed of surrounding whitespace, and empty ones dropped.

Patterns are Java regular expressions; they are compiled with the ``regex``
package (which knows ``\\p{Lu}``, possessive quantifiers, ``&&`` classes),
after translating what differs: ``\\s``, ``\\d`` and ``\\w`` are ASCII-only in
Java (so a no-break space is not ``\\s``), ``\\h``/``\\v`` are horizontal and
vertical space, ``\\Q…\\E`` quotes, ``(?U)`` is dropped.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import regex
from lxml import etree

from .errors import InputError

_JAVA_SPACE = r" \t\n\x0B\f\r"
_IN_CLASS = {"s": _JAVA_SPACE, "d": "0-9", "w": "a-zA-Z_0-9", "h": r"\p{H}", "v": r"\p{V}"}
_OUTSIDE = {"s": f"[{_JAVA_SPACE}]", "S": f"[^{_JAVA_SPACE}]", "d": "[0-9]", "D": "[^0-9]",
            "w": "[a-zA-Z_0-9]", "W": "[^a-zA-Z_0-9]", "h": r"\p{H}", "v": r"\p{V}", "H": r"\P{H}",
            "V": r"\P{V}"}


def java_regex(pattern: str) -> str:
    """Translate a Java regular expression into the ``regex`` package's dialect."""
    out: list[str] = []
    depth = 0  # inside a character class (Java allows nesting)
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end
                out.append(regex.escape(pattern[i + 2:end]))
                i = end + 2
                continue
            table = _IN_CLASS if depth else _OUTSIDE
            out.append(table.get(nxt, ch + nxt))
            i += 2
            continue
        if ch == "[":
            depth += 1  # Java nests classes: [a-z[0-9]] is a union
            out.append(ch)
            i += 1
            continue
        if ch == "]" and depth:
            depth -= 1
        if pattern.startswith("(?U)", i):
            i += 4
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _java_space(ch: str) -> bool:
    """Java's Character.isWhitespace: no-break spaces are not whitespace."""
    return ch.isspace() and ch not in "\u00a0\u2007\u202f"


@functools.lru_cache(maxsize=4096)
def _compile(pattern: str) -> regex.Pattern:
    translated = java_regex(pattern)
    flags = regex.V1 if "&&" in translated else regex.V0
    return regex.compile(translated, flags)


@dataclass(frozen=True)
class Rule:
    """One SRX rule: break (or not) where ``before`` ends and ``after`` starts."""

    brk: bool
    before: str
    after: str

    def positions(self, text: str) -> list[int]:
        """Positions where this rule matches, found as OmegaT finds them."""
        if not self.before and not self.after:
            return []
        ab = _compile(self.after).finditer(text) if self.after else None
        a = None
        if ab is not None:
            a = next(ab, None)
            if a is None:
                return []
        out = []
        for m in _compile(self.before or ".").finditer(text):
            pos = m.end()
            if ab is None:
                out.append(pos)
                continue
            while a.start() < pos:
                a = next(ab, None)
                if a is None:
                    return out
            if a.start() == pos:
                out.append(pos)
        return out


@dataclass
class SrxRules:
    """A parsed SRX 2.0 file: named language rules and the map from language codes to them."""

    path: str
    cascade: bool
    rules: dict[str, list[Rule]]
    maps: list[tuple[str, str]]  # (languagepattern, languagerulename), in file order

    @classmethod
    def load(cls, path: str | Path) -> "SrxRules":
        """Parse an SRX file (safely: no DTD, no entities, no network); InputError if it is not SRX."""
        p = Path(path)
        if not p.is_file():
            raise InputError(f"{p}: no such SRX file")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        try:
            root = etree.parse(str(p), parser).getroot()
        except etree.XMLSyntaxError as err:
            raise InputError(f"{p}: malformed SRX ({str(err.msg or err).splitlines()[0]})") from None
        ns = root.nsmap.get(None, "")
        q = (lambda tag: f"{{{ns}}}{tag}") if ns else (lambda tag: tag)
        if etree.QName(root).localname != "srx":
            raise InputError(f"{p}: not an SRX file (root element <{etree.QName(root).localname}>)")
        header = root.find(q("header"))
        cascade = (header.get("cascade", "yes") if header is not None else "yes").lower() == "yes"
        rules: dict[str, list[Rule]] = {}
        for lr in root.iter(q("languagerule")):
            name = lr.get("languagerulename", "")
            items = []
            for r in lr.iter(q("rule")):
                before = r.findtext(q("beforebreak")) or ""
                after = r.findtext(q("afterbreak")) or ""
                for pat in (before, after):
                    try:
                        _compile(pat)
                    except regex.error as err:
                        raise InputError(f"{p}: rule {name!r} has a pattern this engine cannot read: "
                                         f"{pat!r} ({err})") from None
                items.append(Rule(r.get("break", "yes").lower() != "no", before, after))
            rules.setdefault(name, []).extend(items)
        maps = [(m.get("languagepattern", ""), m.get("languagerulename", ""))
                for m in root.iter(q("languagemap"))]
        if not maps:
            raise InputError(f"{p}: no <languagemap> in this SRX file")
        for pattern, name in maps:
            if name not in rules:
                raise InputError(f"{p}: languagemap refers to an unknown languagerule {name!r}")
            try:
                regex.compile(java_regex(pattern))
            except regex.error as err:
                raise InputError(f"{p}: bad languagepattern {pattern!r} ({err})") from None
        return cls(str(p), cascade, rules, maps)

    def rules_for(self, code: str) -> list[Rule]:
        """The rules that apply to a language code (case does not matter: ``sv``, ``SV-SE``)."""
        code = code.replace("_", "-").upper()
        out: list[Rule] = []
        for pattern, name in self.maps:
            if regex.fullmatch(java_regex(pattern), code, flags=regex.IGNORECASE):
                out.extend(self.rules[name])
                if not self.cascade:
                    break
        return out

    def breaks(self, text: str, code: str) -> list[int]:
        """Break positions inside ``text`` (never 0 or ``len(text)``), in order."""
        decided: dict[int, bool] = {}
        for rule in self.rules_for(code):
            for pos in rule.positions(text):
                decided.setdefault(pos, rule.brk)  # the first rule that matches a position decides
        return sorted(pos for pos, brk in decided.items() if brk and 0 < pos < len(text))

    def split(self, text: str, code: str) -> list[tuple[int, int]]:
        """Segment spans of ``text``, trimmed of whitespace (as a CAT tool shows its segments)."""
        spans = []
        cuts = [0, *self.breaks(text, code), len(text)]
        for s, e in zip(cuts, cuts[1:]):
            while s < e and _java_space(text[s]):
                s += 1
            while e > s and _java_space(text[e - 1]):
                e -= 1
            if s < e:
                spans.append((s, e))
        return spans

    def segments(self, text: str, code: str) -> list[str]:
        return [text[s:e] for s, e in self.split(text, code)]


@functools.lru_cache(maxsize=16)
def load_srx(path: str) -> SrxRules:
    """A cached ``SrxRules.load`` (a corpus run segments many documents with one file)."""
    return SrxRules.load(path)
