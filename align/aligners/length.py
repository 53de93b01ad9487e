"""Gale–Church length-based alignment (NLTK), the model-free baseline.

Useful when no encoder is wanted (``--method length``) and as a reference in
the benchmarks; it only looks at character lengths, so it cannot tell a
missing block from a short translation.
"""

from __future__ import annotations

from nltk.translate.gale_church import align_blocks

from ..documents import Link


def pairs_to_links(pairs: list[tuple[int, int]], n: int, m: int) -> list[Link]:
    """Turn sentence-to-sentence pairs into ordered beads covering both sides once."""
    blocks: list[list[int]] = []  # [src_lo, src_hi, tgt_lo, tgt_hi], inclusive
    for i, j in sorted(pairs):
        if blocks and (i <= blocks[-1][1] or j <= blocks[-1][3]):
            b = blocks[-1]  # shares a sentence with the previous bead: same bead
            b[1], b[3] = max(b[1], i), max(b[3], j)
        else:
            blocks.append([i, i, j, j])
    links: list[Link] = []
    i = j = 0
    for s0, s1, t0, t1 in blocks + [[n, n - 1, m, m - 1]]:
        links.extend(Link((k,), ()) for k in range(i, s0))
        links.extend(Link((), (k,)) for k in range(j, t0))
        if s1 >= s0:
            links.append(Link(tuple(range(s0, s1 + 1)), tuple(range(t0, t1 + 1)), 0.5))
        i, j = max(i, s1 + 1), max(j, t1 + 1)
    return links


class LengthAligner:
    """NLTK's Gale–Church on character lengths."""

    name = "length"

    def align(self, src: list[str], tgt: list[str], src_paras=None, tgt_paras=None) -> list[Link]:
        if not src or not tgt:
            return [Link((i,), ()) for i in range(len(src))] + [Link((), (j,)) for j in range(len(tgt))]
        pairs = align_blocks([max(1, len(s)) for s in src], [max(1, len(t)) for t in tgt])
        return pairs_to_links(pairs, len(src), len(tgt))
