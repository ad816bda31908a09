"""Deterministic topological sort, ordered like the reference implementation's.

Nodes come out in dependency order; among nodes that are ready at the same
time, the one first in source order comes first. This makes printed WIT
re-parse into the same arenas.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence

from witgen.errors import CycleError, NotFound, Span
from witgen.suggest import did_you_mean


def toposort(
    kind: str, deps: Mapping[str, Sequence[tuple[str, Span]]], known: Iterable[str] = ()
) -> list[str]:
    """Order ``deps`` (name -> names it depends on, with spans) dependencies first; ``known`` are
    other valid names, offered with the nodes when a dependency is misspelt."""
    names = list(deps)
    index = {name: i for i, name in enumerate(names)}
    remaining = [0] * len(names)
    reverse: list[list[int]] = [[] for _ in names]
    for i, edges in enumerate(deps.values()):
        remaining[i] = len(edges)
        for name, span in edges:
            j = index.get(name)
            if j is None:
                help = did_you_mean(name, [*names, *known])
                raise NotFound(f"{kind} `{name}` does not exist", span, help=help)
            reverse[j].append(i)
    heap = [i for i in range(len(names)) if remaining[i] == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        i = heapq.heappop(heap)
        order.append(names[i])
        for j in reverse[i]:
            remaining[j] -= 1
            if remaining[j] == 0:
                heapq.heappush(heap, j)
        reverse[i] = []
    if len(order) == len(names):
        return order
    for i, edges in enumerate(deps.values()):
        if remaining[i] == 0:
            continue
        for name, span in edges:
            if remaining[index[name]] != 0:
                raise CycleError(f"{kind} `{name}` depends on itself", span)
    raise AssertionError("unreachable: cycle without a remaining edge")
