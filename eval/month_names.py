"""Write align/data/months.json: month names from CLDR (through Babel) for the languages we detect.

The value checks read dates written with month names ("20η Δεκεμβρίου 1996",
"24. joulukuuta"): the names come from CLDR rather than a hand list, so every
language the segmenter knows has them, in the grammatical forms CLDR records
(format: "декабря", stand-alone: "декабрь"). Babel is only needed to rebuild
the file (``pip install babel; python -m eval.month_names``); the toolkit
reads the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

from align.langid import DEFAULT_LANGUAGES

OUT = Path(__file__).resolve().parent.parent / "align" / "data" / "months.json"
MIN_ABBREVIATION = 3  # letters: shorter abbreviations ("ma", "ti") collide with ordinary words


def month_names(lang: str) -> dict[str, int]:
    """Lower-case month names of one language (wide and abbreviated, both contexts) -> month number."""
    from babel.dates import get_month_names

    out: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for num, name in get_month_names(width, context, lang).items():
                name = name.lower().rstrip(".")
                if not name.isalpha() or any(ch.isdigit() for ch in name):
                    continue  # "11月": written with digits, read as a number anyway
                if width == "abbreviated" and len(name) < MIN_ABBREVIATION:
                    continue
                out.setdefault(name, num)
    return out


def main() -> None:
    data = {lang: month_names(lang) for lang in DEFAULT_LANGUAGES}
    OUT.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    print(f"{OUT}: {sum(map(len, data.values()))} names in {len(data)} languages")


if __name__ == "__main__":
    main()
