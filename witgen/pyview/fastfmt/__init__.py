"""A fast formatter giving black's output (line length 110) for the code witgen's templates emit.

Why: black spends ~100 ms per 10 KB parsing and re-emitting every file, and the generated
packages are large (wasi:http `proxy` is ~370 KB), so black alone took ~4.5 s of a 5 s
`witgen host`. Generated code uses a small part of Python, in a few shapes, so this package
re-does black's work for that part, at a fraction of the cost:

- a regex tokenizer cuts the module into logical lines (tokens, depth, comments, the blank
  lines before each);
- each line is rendered with black's spacing rules, string normalisation and docstring
  re-indentation; a line that is too long, or has a magic trailing comma, is split the way
  black's right-hand split and delimiter split do (head/body/tail at the last bracket pair,
  optional parentheses around an assignment's right-hand side, one element per line);
- blank lines follow black's `EmptyLineTracker` rules (two around top-level defs and classes,
  one after imports, none before a function's docstring, ...).

Anything outside that subset (lambdas, comprehensions, binary operators where a split has to
choose among them, comments inside brackets, backslashes, semicolons, unusual strings or
numbers, ...) raises `Unsupported` while the line is examined; the top-level statement
holding it (a "chunk": a def or class with its decorators and leading comments, or a
statement) is then formatted by black itself, alone but for the target versions black infers
from the whole module, which gives what black gives it inside the module. The blank lines
around a chunk stay the fast path's. If the tokenizer itself gives
up, the whole module goes to black. `WITGEN_FORMAT=black` sends everything to black (the
benchmark's baseline); `WITGEN_FORMAT=debug` prints why each fallback happened.

Within a process, tokens of a string-free row and the formatted rows of a logical line are
memoised by their text (generated modules repeat many lines); nothing is cached on disk.

Correctness is checked by a differential test (tests/test_fastfmt.py) over every golden input,
every WASI world (host and guest) and random WIT: `fast_format(src) == black.format_str(src)`.

The modules, in pipeline order: `tokens` (logical lines), `blank_lines` (black's blank lines and
the top-level chunks), `lines` (rendering and splitting one line, with `strings` for string,
docstring and number tokens), `emit` (assembling the module, memoised rows, fallback per chunk)
and `black_fallback` (black itself); `common` holds what they share.
"""

from __future__ import annotations

import os

from witgen.pyview.fastfmt.black_fallback import black_format
from witgen.pyview.fastfmt.common import LINE_LENGTH, Unsupported
from witgen.pyview.fastfmt.emit import STATS, Stats, emit_module
from witgen.pyview.fastfmt.tokens import tokenize

__all__ = ["LINE_LENGTH", "STATS", "Stats", "black_format", "fast_format"]


def fast_format(source: str) -> str:
    """`source` formatted exactly as `black.format_str(source, mode=Mode(line_length=110))`
    would. Black's parse errors surface only for code black formats: the fast path tokenizes
    but does not check the grammar (the generated code's own tests do)."""
    if os.environ.get("WITGEN_FORMAT") == "black":
        return black_format(source)
    try:
        lines = tokenize(source)
        if not lines:
            raise Unsupported("empty")
        return emit_module(source, lines)
    except Unsupported as exc:
        if os.environ.get("WITGEN_FORMAT") == "debug":
            print(f"fastfmt: black formats the module: {exc}")
        STATS.whole_module_black += 1
        return black_format(source)
