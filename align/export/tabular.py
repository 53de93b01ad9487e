"""Line-based formats: TSV (pairs), JSONL (every link) and the gold-file link format."""

from __future__ import annotations

import json
from pathlib import Path

from ..documents import Alignment
from .atomic import atomic_open
from .tmx import xml_safe


def write_tsv(al: Alignment, path: str | Path) -> int:
    """source <TAB> target <TAB> score, one pair per line, no header; one-sided links are left out."""
    n = 0
    with atomic_open(path) as fh:
        for link, s, t in al.pairs():
            fh.write(f"{xml_safe(s)}\t{xml_safe(t)}\t{link.score:.3f}\n")
            n += 1
    return n


def write_jsonl(al: Alignment, path: str | Path) -> int:
    """One JSON object per link, one-sided links included (with an empty side)."""
    with atomic_open(path) as fh:
        for link in al.links:
            row = {
                "src": " ".join(al.src.sentences[i].text for i in link.src),
                "tgt": " ".join(al.tgt.sentences[j].text for j in link.tgt),
                "src_ids": list(link.src), "tgt_ids": list(link.tgt),
                "link": link.kind, "score": link.score,
                "src_lang": al.src.lang, "tgt_lang": al.tgt.lang,
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(al.links)


def format_link(src: tuple[int, ...], tgt: tuple[int, ...]) -> str:
    """``[0, 1]:[2]`` — the link format of the Text+Berg gold files."""
    return f"[{', '.join(map(str, src))}]:[{', '.join(map(str, tgt))}]"


def write_links(al: Alignment, path: str | Path) -> int:
    with atomic_open(path) as fh:
        for link in al.links:
            fh.write(format_link(link.src, link.tgt) + "\n")
    return len(al.links)
