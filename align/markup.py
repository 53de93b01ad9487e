"""What of a line is prose: markup, code, addresses and identifiers are not translated text.

Used by the checks (a language is told only from a line's words) and by the aligner (a line of markup or code
is not linked to unrelated text).
"""

from __future__ import annotations

import re

# template tags, HTML, inline code, addresses, file names, link targets, JSON keys, brackets
MARKUP = re.compile(r"```\w*|`[^`]*`|\{[^{}]*\}|<[^<>]*>|https?://\S+|www\.\S+|\S+@\S+|\]\([^)]*\)"
                     r"|(?<!\S)[~.]*/\S*|\S+\.\w{1,4}(?!\w)|\"[^\"\s]*\"\s*:|[{}\[\]]")
# a token of code or a product name rather than a word: snake_case, kebab-case, CamelCase, options (--x, a=b),
# calls (f(x)), dotted or bracketed names, letters glued to digits (py310, 1d), a YAML key ("name:")
_IDENTIFIER = re.compile(r"[_={}\[\];\\]|\w\(|^--?\w|[a-z][A-Z]|[a-z]-[a-z]|\w\.\w|[^\W\d_]\d|\d[^\W\d_]"
                         r"|^[a-z]\w*:$")


def prose(text: str) -> str:
    """The words of a line that a language can be told from: code, markup, addresses and identifiers left out.

    "## Использование `BackgroundTasks` { #using-backgroundtasks }" gives "Использование"; an
    ``<img …>`` line or a ``{* file.py hl[1] *}`` include gives nothing.
    """
    text = MARKUP.sub(" ", text)
    return " ".join(w for w in text.split() if not _IDENTIFIER.search(w))


def running_text(text: str) -> bool:
    """Running text rather than a line of names ("Hans Sigrist, Oberbalm"): 4+ words, half in lower case."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return len(words) >= 4 and sum(w[0].islower() for w in words) * 2 >= len(words)
