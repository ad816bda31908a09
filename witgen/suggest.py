""" "Did you mean" hints for unknown names, chosen like rustc's ``find_best_match_for_name``.

A candidate is offered only when it is close: the same name in another case, or within an edit
distance of a third of the name's length (at least 1) that keeps part of it, so a wild guess
gets no hint.
"""

from __future__ import annotations

from collections.abc import Iterable


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, counting a swap of two neighbouring characters as one edit."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``name`` was most likely meant to be, or None if none is close."""
    options = sorted({c for c in candidates if c != name})
    folded = [c for c in options if c.lower() == name.lower()]
    if folded:
        return folded[0]
    limit = max(len(name), 3) // 3
    best: tuple[int, str] | None = None
    for candidate in options:
        if abs(len(candidate) - len(name)) > limit:
            continue
        distance = edit_distance(name, candidate)
        if distance <= limit and distance < len(name) and (best is None or distance < best[0]):
            best = (distance, candidate)
    return None if best is None else best[1]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A ``did you mean `x`?`` hint for an unknown ``name``, or None."""
    found = closest(name, candidates)
    return None if found is None else f"did you mean `{found}`?"
