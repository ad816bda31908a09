"""black itself, for the chunks and modules the fast path does not handle (imported lazily:
importing black costs ~0.13 s)."""

from __future__ import annotations

from typing import Any

from witgen.pyview.fastfmt.common import LINE_LENGTH


def black_format(source: str, target_versions: frozenset[Any] = frozenset()) -> str:
    import black  # imported only when needed: it costs ~0.13 s

    mode = black.Mode(line_length=LINE_LENGTH, target_versions=set(target_versions))
    return black.format_str(source, mode=mode)


def target_versions(source: str) -> frozenset[Any]:
    """The Python versions black infers for the whole module (from the features it uses):
    a chunk formatted alone must be formatted for those, not for what the chunk alone uses
    (they decide, e.g., whether a split call gets a trailing comma after `*args`)."""
    import black
    from black.parsing import lib2to3_parse

    node = lib2to3_parse(source.lstrip())
    return frozenset(black.detect_target_versions(node, future_imports=black.get_future_imports(node)))
