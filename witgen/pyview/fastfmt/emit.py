"""Assembling the formatted module: each top-level chunk from the fast path's memoised rows, or
from black when the fast path gives up on it, with black's blank lines between."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from witgen.pyview.fastfmt.black_fallback import black_format, target_versions
from witgen.pyview.fastfmt.blank_lines import EmptyLineTracker, top_level_chunks
from witgen.pyview.fastfmt.common import Unsupported
from witgen.pyview.fastfmt.lines import format_line
from witgen.pyview.fastfmt.strings import string_prefix
from witgen.pyview.fastfmt.tokens import LogicalLine


@dataclass
class Stats:
    """How many top-level chunks took the fast path and how many black formatted."""

    fast: int = 0
    black: int = 0
    whole_module_black: int = 0


STATS = Stats()


_FUTURE = "from __future__ import annotations"
# (source text, depth, docstring?, future import?, marked unsupported?) -> the formatted rows, or
# why black must:
# generated modules repeat many lines
_FORMATTED: dict[tuple[str, int, bool, bool, bool], list[str] | Unsupported] = {}


def emit_module(source: str, lines: list[LogicalLine]) -> str:
    docstrings = _docstring_flags(lines)
    tracker = EmptyLineTracker()
    for line, doc in zip(lines, docstrings, strict=True):
        tracker.add(line, doc)
    blocks = tracker.blocks
    rows = source.split("\n")
    out: list[str] = []
    future = any(ln.depth == 0 and rows[ln.first_row] == _FUTURE for ln in lines[:40] if not ln.is_comment)
    versions: frozenset[Any] | None = None  # black's target versions for the module, once needed
    for lo, hi in top_level_chunks(lines):
        chunk_out: list[str] = []
        try:
            for k in range(lo, hi):
                b = blocks[k]
                line = b.line
                if b.before:
                    chunk_out.extend([""] * b.before)
                key = (line.key, line.depth, b.docstring, future, line.unsupported)
                formatted = _FORMATTED.get(key)
                if formatted is None:
                    try:
                        formatted = format_line(line, b.docstring, future)
                    except Unsupported as exc:
                        formatted = exc
                    _FORMATTED[key] = formatted
                if isinstance(formatted, Unsupported):
                    raise formatted
                chunk_out.extend(formatted)
                if b.after:
                    chunk_out.extend([""] * b.after)
            STATS.fast += 1
            out.extend(chunk_out)
            continue
        except Unsupported as exc:
            if os.environ.get("WITGEN_FORMAT") == "debug":
                print(
                    f"fastfmt: black formats lines {lines[lo].first_row + 1}-{lines[hi - 1].last_row + 1}: {exc}"
                )
        STATS.black += 1
        first_statement = next((ln for ln in lines[lo:hi] if not ln.is_comment), None)
        if lo and first_statement is not None and first_statement.is_lone_string:
            raise Unsupported("a chunk black would take for a module docstring")
        if versions is None:
            versions = target_versions(source)
        text = "\n".join(rows[lines[lo].first_row : lines[hi - 1].last_row + 1]) + "\n"
        body = black_format(text, versions).split("\n")
        while body and body[-1] == "":
            body.pop()
        out.extend([""] * blocks[lo].before)
        out.extend(body)
        out.extend([""] * blocks[hi - 1].after)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _docstring_flags(lines: list[LogicalLine]) -> list[bool]:
    """Which lines black treats as docstrings: a lone plain string that is the module's first
    statement or the first statement of a block."""
    flags = []
    prev: LogicalLine | None = None
    first_statement = True
    for line in lines:
        if line.is_comment:
            flags.append(False)
            continue
        doc = line.is_lone_string and not set(string_prefix(line.toks[0].text)) & set("bBfF")
        doc = doc and (first_statement or (prev is not None and prev.opens_block and prev.depth < line.depth))
        flags.append(doc)
        first_statement = False
        prev = line
    return flags
