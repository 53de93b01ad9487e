"""What a reviewer can do to an alignment, each action a reversible change.

Every action replaces a run of neighbouring rows by new rows (and maybe one
sentence text): ``{"at": 3, "before": [rows…], "after": [rows…], "texts":
[{"side", "i", "before", "after"}]}``. Keeping both sides of the change is
what makes undo and redo exact, and small enough to keep the whole history in
the review file. Rows the reviewer made carry no aligner score and the status
``edited``; source documents are never touched (edited texts live in
``Review.edits``).
"""

from __future__ import annotations

import time

from ..documents import clean_text
from .model import SIDES, Review, Row

MAX_TEXT = 100_000


class ActionError(ValueError):
    """An action that cannot be done here (the message says why, for the page)."""


def _row_index(review: Review, args: dict, key: str = "row") -> int:
    r = args.get(key)
    if not isinstance(r, int) or isinstance(r, bool) or not 0 <= r < len(review.links):
        raise ActionError(f"no row {r!r}")
    return r


def _side(args: dict) -> str:
    side = args.get("side")
    if side not in SIDES:
        raise ActionError(f"side must be src or tgt, not {side!r}")
    return side


def _edited(src: list[int], tgt: list[int]) -> Row:
    return Row(sorted(src), sorted(tgt), None, "edited")


def _merge(review: Review, args: dict) -> tuple[int, list[Row]]:
    r = _row_index(review, args)
    direction = args.get("with", "next")
    if direction not in ("next", "previous"):
        raise ActionError("merge with next or previous")
    first = r if direction == "next" else r - 1
    if first < 0 or first + 1 >= len(review.links):
        raise ActionError(f"row {r + 1} has no {direction} row to merge with")
    a, b = review.links[first], review.links[first + 1]
    return first, [_edited(a.src + b.src, a.tgt + b.tgt)]


def _split(review: Review, args: dict) -> tuple[int, list[Row]]:
    r = _row_index(review, args)
    row = review.links[r]
    a, b = args.get("src"), args.get("tgt")
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (a, b)) \
            or not (0 <= a <= len(row.src) and 0 <= b <= len(row.tgt)):
        raise ActionError(f"cannot split row {r + 1} after {a!r} source and {b!r} target sentences")
    if a + b == 0 or len(row.src) - a + len(row.tgt) - b == 0:
        raise ActionError(f"splitting row {r + 1} there leaves an empty row")
    return r, [_edited(row.src[:a], row.tgt[:b]), _edited(row.src[a:], row.tgt[b:])]


def _move(review: Review, args: dict) -> tuple[int, list[Row]]:
    """The first sentence of a side up into the row above, or its last one down into the row below."""
    r, side = _row_index(review, args), _side(args)
    direction = args.get("direction")
    if direction not in ("up", "down"):
        raise ActionError("move up or down")
    row = review.links[r]
    mine = getattr(row, side)
    if not mine:
        raise ActionError(f"row {r + 1} has no {'source' if side == 'src' else 'target'} sentence to move")
    other = r - 1 if direction == "up" else r + 1
    if not 0 <= other < len(review.links):
        raise ActionError(f"row {r + 1} has no row {'above' if direction == 'up' else 'below'}")
    moved = mine[0] if direction == "up" else mine[-1]
    rest = [i for i in mine if i != moved]
    new_here = _edited(rest if side == "src" else row.src, row.tgt if side == "src" else rest)
    there = review.links[other]
    new_there = _edited(there.src + [moved] if side == "src" else there.src,
                        there.tgt + [moved] if side == "tgt" else there.tgt)
    rows = [new_there, new_here] if direction == "up" else [new_here, new_there]
    rows = [x for x in rows if x.src or x.tgt]  # a row left empty disappears
    return min(r, other), rows


def _unlink(review: Review, args: dict) -> tuple[int, list[Row]]:
    """A sentence has no counterpart: it leaves its row for a one-sided row of its own."""
    r, side = _row_index(review, args), _side(args)
    row = review.links[r]
    mine, theirs = (row.src, row.tgt) if side == "src" else (row.tgt, row.src)
    if not mine:
        raise ActionError(f"row {r + 1} has no {'source' if side == 'src' else 'target'} sentence")
    i = args.get("sentence", mine[0] if len(mine) == 1 else None)
    if i not in mine:
        raise ActionError(f"sentence {i!r} is not in row {r + 1}")
    if len(mine) == 1 and not theirs:
        raise ActionError(f"row {r + 1} already has no counterpart")
    if i not in (mine[0], mine[-1]):
        raise ActionError("only the first or last sentence of a row can be taken out; split the row first")
    alone = _edited([i], []) if side == "src" else _edited([], [i])
    rest = [k for k in mine if k != i]
    remaining = _edited(rest, theirs) if side == "src" else _edited(theirs, rest)
    return r, ([alone, remaining] if i == mine[0] else [remaining, alone])


def _confirm(review: Review, args: dict) -> tuple[int, list[Row]]:
    r = _row_index(review, args)
    row = review.links[r]
    value = args.get("value", row.status != "confirmed")
    if not isinstance(value, bool):
        raise ActionError("value must be true or false")
    status = "confirmed" if value else ("auto" if row.score is not None else "edited")
    if status == row.status:
        raise ActionError(f"row {r + 1} is already {status}")
    return r, [Row(list(row.src), list(row.tgt), row.score, status)]


def _edit(review: Review, args: dict) -> dict:
    side = _side(args)
    i = args.get("sentence")
    n = len(review.side(side)["sentences"])
    if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < n:
        raise ActionError(f"no {side} sentence {i!r}")
    text = args.get("text")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ActionError(f"the text must be a string of at most {MAX_TEXT} characters")
    text = clean_text(text)
    original = review.side(side)["sentences"][i]["text"]
    if text == review.text(side, i):
        raise ActionError("the text is unchanged")
    return {"side": side, "i": i, "before": review.edits[side].get(str(i)),
            "after": None if text == original else text}


_ROW_ACTIONS = {"merge": _merge, "split": _split, "move": _move, "unlink": _unlink, "confirm": _confirm}
ACTIONS = tuple(_ROW_ACTIONS) + ("edit",)
_ARGS = ("row", "with", "src", "tgt", "side", "direction", "sentence", "value", "text")


def apply(review: Review, name: str, args: dict) -> dict:
    """Do one action; record it in the history (and forget what was undone); return the change."""
    if not isinstance(args, dict):
        raise ActionError("the action's arguments must be an object")
    if name == "edit":
        texts, at, before, after = [_edit(review, args)], 0, [], []
    elif name in _ROW_ACTIONS:
        at, new_rows = _ROW_ACTIONS[name](review, args)
        n_old = {"merge": 2, "move": 2}.get(name, 1)
        before = [r.as_json() for r in review.links[at:at + n_old]]
        after = [r.as_json() for r in new_rows]
        texts = []
    else:
        raise ActionError(f"unknown action {name!r}")
    kept = {k: v for k, v in args.items() if k in _ARGS}  # the history keeps what the action used, nothing more
    entry = {"action": name, "args": kept, "at": at, "before": before, "after": after, "texts": texts,
             "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    _replay(review, entry, forward=True)
    review.history.append(entry)
    review.undone.clear()
    return _for_page(entry, forward=True)


def undo(review: Review) -> dict:
    return _step(review, review.history, review.undone, forward=False)


def redo(review: Review) -> dict:
    return _step(review, review.undone, review.history, forward=True)


def _step(review: Review, take: list, give: list, forward: bool) -> dict:
    """Undo (backwards) or redo (forwards) the newest entry of ``take`` and move it to ``give``."""
    if not take:
        raise ActionError("nothing to redo" if forward else "nothing to undo")
    entry = take.pop()
    _replay(review, entry, forward=forward)
    give.append(entry)
    return _for_page(entry, forward=forward)


def _replay(review: Review, entry: dict, forward: bool) -> None:
    old, new = (entry["before"], entry["after"]) if forward else (entry["after"], entry["before"])
    at = entry["at"]
    review.links[at:at + len(old)] = [Row.from_json(r) for r in new]
    for t in entry["texts"]:
        value = t["after"] if forward else t["before"]
        if value is None:
            review.edits[t["side"]].pop(str(t["i"]), None)
        else:
            review.edits[t["side"]][str(t["i"])] = value


def _for_page(entry: dict, forward: bool) -> dict:
    """The change as the page applies it: replace ``remove`` rows at ``at`` by ``rows``; set texts."""
    old, new = (entry["before"], entry["after"]) if forward else (entry["after"], entry["before"])
    texts = [{"side": t["side"], "i": t["i"], "text": t["after"] if forward else t["before"]}
             for t in entry["texts"]]
    return {"action": entry["action"], "undone": not forward, "at": entry["at"], "remove": len(old),
            "rows": new, "texts": texts}
