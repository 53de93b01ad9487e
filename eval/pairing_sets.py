"""Hard folders for ``eval.pairing``, built from the public material under ``eval/data/pairing/``.

Each builder writes a folder of files under random names (nothing in a name
says language or partner) and returns what is true of it: the pairs (source
file, target file) and the files that have no translation in the folder.
Sources and licences are beside the data (``README.md``, ``LICENSE``).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from align.scoring import read_links

ROOT = Path(__file__).resolve().parent.parent
PAIRING = ROOT / "eval" / "data" / "pairing"
MAC = PAIRING / "mac-dev"
K8S = PAIRING / "k8s-docs"
REALWORLD = ROOT / "eval" / "data" / "realworld"
# one pair per page (no page twice); the last three keep only their English page
REAL_PAIRS = ("k8s-what-is-de-fr", "fastapi-benchmarks-en-fr", "fastapi-background-tasks-en-uk",
              "k8s-annotations-en-ru", "vue-lifecycle-en-ja", "k8s-field-selectors-en-fr", "k8s-finalizers-en-pt",
              "fastapi-versions-en-ja", "k8s-components-en-it", "k8s-namespaces-en-ko")
REAL_ALONE = 3
LINKS_PER_PARAGRAPH = 6  # gold links per paragraph when MAC-Dev's sentence lines are joined into running text


@dataclass
class Truth:
    """What a built folder holds: true pairs (file names) and the files without a translation."""

    pairs: set[tuple[str, str]] = field(default_factory=set)
    alone: set[str] = field(default_factory=set)


class Namer:
    """Random file names, never twice."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def __call__(self, suffix: str = ".txt") -> str:
        while (name := f"{self.rng.getrandbits(40):010x}{suffix}") in self.used:
            pass
        self.used.add(name)
        return name


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n")]


def _join(sentences: list[str], lang: str) -> str:
    return ("" if lang == "zh" else " ").join(s for s in sentences if s)


def mac_parts(chapter: str, parts: int = 1) -> list[tuple[str, str]]:
    """A MAC-Dev chapter as running text, (Chinese, English), cut into ``parts`` at gold link boundaries.

    The corpus has one sentence per line; a reader sees paragraphs, so every
    ``LINKS_PER_PARAGRAPH`` gold links make one paragraph on both sides.
    """
    zh, en = _lines(MAC / "zh" / chapter), _lines(MAC / "en" / chapter)
    links = [(s, t) for s, t in read_links(MAC / "gold" / chapter)]
    size = -(-len(links) // parts)
    out = []
    for p in range(parts):
        part = links[p * size:(p + 1) * size]
        paras: dict[str, list[str]] = {"zh": [], "en": []}
        for k in range(0, len(part), LINKS_PER_PARAGRAPH):
            chunk = part[k:k + LINKS_PER_PARAGRAPH]
            paras["zh"].append(_join([zh[i] for s, _ in chunk for i in s], "zh"))
            paras["en"].append(_join([en[j] for _, t in chunk for j in t], "en"))
        out.append(tuple("\n\n".join(p for p in paras[lang] if p) + "\n" for lang in ("zh", "en")))
    return out


def book_chapters(folder: Path, seed: int = 1) -> Truth:
    """Chapters of one book, translated only in part: each MAC-Dev chapter cut in two (same novel, same
    characters, same translator), and the translation of some halves left out (or the original)."""
    rng, name, truth = random.Random(seed), Namer(random.Random(seed)), Truth()
    chapters = sorted(p.name for p in (MAC / "zh").iterdir())
    plan = {c: ("both", "both", "both", "zh-only", "zh-only", "en-only")[k] for k, c in enumerate(chapters)}
    for chapter in chapters:
        halves = mac_parts(chapter, 2)
        rng.shuffle(halves)  # which half goes untranslated does not follow the reading order
        for k, (zh, en) in enumerate(halves):
            keep_zh = not (plan[chapter] == "en-only" and k == 1)
            keep_en = not (plan[chapter] == "zh-only" and k == 1)
            files = {}
            for lang, text, keep in (("zh", zh, keep_zh), ("en", en, keep_en)):
                if keep:
                    files[lang] = name()
                    (folder / files[lang]).write_text(text, encoding="utf-8")
            if len(files) == 2:
                truth.pairs.add((files["zh"], files["en"]))
            else:
                truth.alone |= set(files.values())
    return truth


def free_translations(folder: Path, seed: int = 1) -> Truth:
    """Free literary translations: the six MAC-Dev chapters whole (61.5 % of gold links are 1-1)."""
    name, truth = Namer(random.Random(seed)), Truth()
    for chapter in sorted(p.name for p in (MAC / "zh").iterdir()):
        (zh, en), = mac_parts(chapter, 1)
        a, b = name(), name()
        (folder / a).write_text(zh, encoding="utf-8")
        (folder / b).write_text(en, encoding="utf-8")
        truth.pairs.add((a, b))
    return truth


def docs_revisions(folder: Path, seed: int = 1) -> Truth:
    """A docs folder in two languages with pages of several revisions (Kubernetes docs, CC BY 4.0): current
    English pages, older English revisions of some, and Chinese translations of some current ones. A page's
    translation must pair with the revision it translates, never with another; the rest stay unpaired."""
    name, truth = Namer(random.Random(seed)), Truth()
    placed: dict[tuple[str, str], str] = {}
    for kind in ("en", "en-old", "zh"):
        for page in sorted((K8S / kind).glob("*.md")):
            placed[(kind, page.stem)] = target = name(".md")
            (folder / target).write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    for (kind, page), file in placed.items():
        if kind == "zh":
            truth.pairs.add((file, placed[("en", page)]))
    paired = {f for pair in truth.pairs for f in pair}
    truth.alone = set(placed.values()) - paired
    return truth


def real_docs(folder: Path, seed: int = 1) -> Truth:
    """Real translated documentation pages of ``eval/data/realworld`` (sources and licences there), built
    for the issue-19 checks and never used to choose pairing settings: seven pages with their translation
    (de-fr, en-fr twice, en-uk, en-ru, en-ja, en-pt) and three English pages whose translation is left out."""
    name, truth = Namer(random.Random(seed)), Truth()
    for i, pair in enumerate(REAL_PAIRS):
        files = []
        for side in ("src", "tgt"):
            if side == "tgt" and i >= len(REAL_PAIRS) - REAL_ALONE:
                break
            meta = json.loads((REALWORLD / pair / "meta.json").read_text(encoding="utf-8"))
            files.append(target := name(".md"))
            (folder / target).write_text((REALWORLD / pair / meta[side]["file"]).read_text(encoding="utf-8"),
                                         encoding="utf-8")
        if len(files) == 2:
            truth.pairs.add((files[0], files[1]))
        else:
            truth.alone.add(files[0])
    return truth


SETS = {"book": book_chapters, "free": free_translations, "docs": docs_revisions, "realdocs": real_docs}
