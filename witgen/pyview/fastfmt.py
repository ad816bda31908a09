"""A fast formatter giving black's output (line length 110) for the code witgen's templates emit.

Why: black spends ~100 ms per 10 KB parsing and re-emitting every file, and the generated
packages are large (wasi:http `proxy` is ~370 KB), so black alone took ~4.5 s of a 5 s
`witgen host`. Generated code uses a small part of Python, in a few shapes, so this module
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
numbers, ...) raises `_Unsupported` while the line is examined; the top-level statement
holding it (a "chunk": a def or class with its decorators and leading comments, or a
statement) is then formatted by black itself, alone but for the target versions black infers
from the whole module, which gives what black gives it inside the module. The blank lines
around a chunk stay this module's. If the tokenizer itself gives
up, the whole module goes to black. `WITGEN_FORMAT=black` sends everything to black (the
benchmark's baseline); `WITGEN_FORMAT=debug` prints why each fallback happened.

Within a process, tokens of a string-free row and the formatted rows of a logical line are
memoised by their text (generated modules repeat many lines); nothing is cached on disk.

Correctness is checked by a differential test (tests/test_fastfmt.py) over every golden input,
every WASI world (host and guest) and random WIT: `fast_format(src) == black.format_str(src)`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

LINE_LENGTH = 110


class _Unsupported(Exception):
    """This code is outside the subset handled here: black formats it."""


@dataclass
class Stats:
    """How many top-level chunks took the fast path and how many black formatted."""

    fast: int = 0
    black: int = 0
    whole_module_black: int = 0


STATS = Stats()


def black_format(source: str, target_versions: frozenset[Any] = frozenset()) -> str:
    import black  # imported only when needed: it costs ~0.13 s

    mode = black.Mode(line_length=LINE_LENGTH, target_versions=set(target_versions))
    return black.format_str(source, mode=mode)


def _target_versions(source: str) -> frozenset[Any]:
    """The Python versions black infers for the whole module (from the features it uses):
    a chunk formatted alone must be formatted for those, not for what the chunk alone uses
    (they decide, e.g., whether a split call gets a trailing comma after `*args`)."""
    import black
    from black.parsing import lib2to3_parse

    node = lib2to3_parse(source.lstrip())
    return frozenset(black.detect_target_versions(node, future_imports=black.get_future_imports(node)))


def fast_format(source: str) -> str:
    """`source` formatted exactly as `black.format_str(source, mode=Mode(line_length=110))`
    would. Black's parse errors surface only for code black formats: the fast path tokenizes
    but does not check the grammar (the generated code's own tests do)."""
    if os.environ.get("WITGEN_FORMAT") == "black":
        return black_format(source)
    try:
        lines = _tokenize(source)
        if not lines:
            raise _Unsupported("empty")
        return _emit(source, lines)
    except _Unsupported as exc:
        if os.environ.get("WITGEN_FORMAT") == "debug":
            print(f"fastfmt: black formats the module: {exc}")
        STATS.whole_module_black += 1
        return black_format(source)


# --------------------------------------------------------------------------------------------
# Tokens and logical lines

NAME, NUM, STR, OP, INV = "NAME", "NUM", "STR", "OP", "INV"  # INV: black's invisible parens

_TOKEN = re.compile(
    r"""
 (?P<ws>[ ]+)
|(?P<nl>\n)
|(?P<comment>\#[^\r\n]*)
|(?P<str>(?:[rRbBuUfF]{1,2})?(?:\"\"\"(?:[^"\\]|\\[\s\S]|"(?!""))*\"\"\"|'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''
    |"(?:[^"\\\n]|\\[^\n])*"|'(?:[^'\\\n]|\\[^\n])*'))
|(?P<name>[A-Za-z_][A-Za-z0-9_]*)
|(?P<num>[0-9][0-9a-zA-Z_]*(?:\.[0-9a-zA-Z_]*)?)
|(?P<op>\*\*=|//=|>>=|<<=|\.\.\.|->|:=|\*\*|//|<<|>>|<=|>=|==|!=|[-+*/%&|^@]=|[-+*/%&|^~<>@=.,:;()\[\]{}])
|(?P<other>[\s\S])
""",
    re.X,
)

_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else except "
    "finally for from global if import in is lambda nonlocal not or pass raise return try while "
    "with yield".split()
)
# Keywords that end up in lines this module handles; any other makes the chunk black's.
_UNSUPPORTED_KEYWORDS = frozenset("async await lambda yield global nonlocal".split())
_VALUE_KEYWORDS = frozenset(("None", "True", "False"))
_OPENING = {"(": ")", "[": "]", "{": "}"}
_CLOSING = frozenset(")]}")
_BLOCK_KEYWORDS = frozenset("if elif else for while try except finally with def class".split())
_STRING_PREFIXES = frozenset(("", "r", "b", "f", "rb", "br", "fr", "rf"))


class Tok:
    """A token: its kind (NAME, NUM, STR, OP or INV) and text."""

    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text


class LogicalLine:
    """One statement line (or a standalone comment), as black's `Line` sees it before splitting."""

    __slots__ = (
        "toks", "depth", "before", "first_row", "last_row", "comment", "is_comment", "multiline_string",
        "unsupported", "key", "first", "is_decorator", "is_def", "is_class", "is_import", "opens_block",
        "is_lone_string",
    )  # fmt: skip

    def __init__(
        self,
        toks: list[Tok],
        depth: int,
        before: int,
        first_row: int,
        last_row: int,
        comment: str | None = None,
        is_comment: bool = False,
        multiline_string: bool = False,
        key: str = "",
    ) -> None:
        self.toks = toks
        self.depth = depth
        self.before = before  # blank lines just above it in the source
        self.first_row = first_row  # source rows (0-based), for handing a chunk to black
        self.last_row = last_row
        self.comment = comment  # a trailing `# comment`, or a standalone comment's text
        self.is_comment = is_comment
        self.multiline_string = multiline_string
        self.unsupported = False  # found so while tokenizing: black formats its chunk
        self.key = key  # the source text: equal keys format alike (at equal depths)
        first = toks[0].text if toks else ""
        self.first = first
        self.is_decorator = first == "@"
        self.is_def = first == "def" or (first == "async" and len(toks) > 1 and toks[1].text == "def")
        self.is_class = first == "class"
        self.is_import = first in ("import", "from")
        self.opens_block = bool(toks) and toks[-1].text == ":" and toks[-1].kind == OP
        self.is_lone_string = len(toks) == 1 and toks[0].kind == STR


_SIMPLE_TOKEN = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9a-zA-Z_]*(?:\.[0-9a-zA-Z_]*)?"
    r"|\*\*=|//=|>>=|<<=|\.\.\.|->|:=|\*\*|//|<<|>>|<=|>=|==|!=|[-+*/%&|^@]=|\S"
)
_OPS = frozenset(
    "**= //= >>= <<= ... -> := ** // << >> <= >= == != -= += *= /= %= &= |= ^= @= "
    "- + * / % & | ^ ~ < > @ = . , : ; ( ) [ ] {{ }}".replace("{{", "{").replace("}}", "}").split()
)
_TOKENS_OF: dict[str, list[Tok] | None] = {}  # a quote- and comment-free row -> its tokens


def _simple_tokens(text: str) -> list[Tok] | None:
    """The tokens of a row with no strings or comments; None if it leaves brackets open or has
    something else (the general tokenizer takes it)."""
    cached = _TOKENS_OF.get(text, False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    toks: list[Tok] | None = []
    level = 0
    for w in _SIMPLE_TOKEN.findall(text):
        c = w[0]
        if c.isalpha() or c == "_":
            toks.append(Tok(NAME, w))  # type: ignore[union-attr]
        elif c.isdigit():
            toks.append(Tok(NUM, w))  # type: ignore[union-attr]
        elif w in _OPS:
            if w in _OPENING:
                level += 1
            elif w in _CLOSING:
                level -= 1
            toks.append(Tok(OP, w))  # type: ignore[union-attr]
        else:
            toks = None
            break
    if level != 0:
        toks = None
    _TOKENS_OF[text] = toks
    return toks


def _tokenize(source: str) -> list[LogicalLine]:
    """The logical lines of `source`; `_Unsupported` for what this module doesn't tokenize.
    Most rows are whole statements without strings or comments: those are split into tokens
    by one regex call (and once per distinct row); the rest go through `_general_line`."""
    if "\r" in source or "\\\n" in source or "\f" in source:
        raise _Unsupported("special characters")
    if not source.endswith("\n"):
        source += "\n"
    rows = source.split("\n")
    rows.pop()  # after the final newline
    lines: list[LogicalLine] = []
    indents = [0]
    waiting: list[tuple[LogicalLine, int]] = []  # standalone comments and their columns
    blank = 0
    pos = 0  # offset of row `i` in `source`
    i = 0
    n = len(rows)
    while i < n:
        row = rows[i]
        stripped = row.lstrip(" ")
        if not stripped:
            blank += 1
            pos += len(row) + 1
            i += 1
            continue
        col = len(row) - len(stripped)
        if stripped[0] == "#":
            if (
                stripped != stripped.rstrip()
                or not (stripped == "#" or stripped.startswith("# "))
                or "fmt:" in stripped
            ):
                raise _Unsupported("comment text black would change")
            comment = LogicalLine([], 0, blank, i, i, comment=stripped, is_comment=True, key=stripped)
            lines.append(comment)
            waiting.append((comment, col))
            blank = 0
            pos += len(row) + 1
            i += 1
            continue
        toks = None
        if '"' not in stripped and "'" not in stripped and "#" not in stripped and stripped.isascii():
            toks = _simple_tokens(stripped)
        if toks is not None:
            line = LogicalLine(toks, 0, blank, i, i, key=stripped)
            pos += len(row) + 1
            i += 1
        else:
            toks, comment_text, multiline, end = _general_line(source, pos + col)
            consumed = source.count("\n", pos, end)
            line = LogicalLine(
                toks, 0, blank, i, i + consumed - 1, comment_text, False, multiline, source[pos + col : end]
            )
            i += consumed
            pos = end
        _set_depth(line, indents, col)
        for comment, ccol in waiting:
            if ccol != col:
                raise _Unsupported("comment indented unlike the next statement")
            comment.depth = line.depth
        waiting = []
        lines.append(line)
        blank = 0
    if waiting:
        raise _Unsupported("comments at the end")
    return _expand_compound(lines)


def _general_line(source: str, pos: int) -> tuple[list[Tok], str | None, bool, int]:
    """The logical line starting at `pos`: its tokens, trailing comment, whether it holds a
    multi-line string, and the offset after its final newline."""
    toks: list[Tok] = []
    brackets = 0
    trailing: str | None = None
    multiline = False
    for m in _TOKEN.finditer(source, pos):
        kind = m.lastgroup
        text = m.group()
        if kind == "ws":
            continue
        if kind == "nl":
            if brackets:
                if trailing is not None:
                    raise _Unsupported("comment inside brackets")
                continue
            return toks, trailing, multiline, m.end()
        if trailing is not None:
            raise _Unsupported("comment inside brackets")
        if kind == "comment":
            if text != text.rstrip() or not (text == "#" or text.startswith("# ")) or "fmt:" in text:
                raise _Unsupported("comment text black would change")
            trailing = text
        elif kind == "other":
            raise _Unsupported(f"character {text!r}")
        elif kind == "str":
            if "\n" in text:
                if not text.endswith(('"""', "'''")):
                    raise _Unsupported("string with a newline")
                multiline = True
            toks.append(Tok(STR, text))
        elif kind == "name":
            toks.append(Tok(NAME, text))
        elif kind == "num":
            toks.append(Tok(NUM, text))
        else:
            if text in _OPENING:
                brackets += 1
            elif text in _CLOSING:
                brackets -= 1
                if brackets < 0:
                    raise _Unsupported("unbalanced brackets")
            toks.append(Tok(OP, text))
    raise _Unsupported("no final newline")


def _set_depth(line: LogicalLine, indents: list[int], col: int) -> None:
    if col > indents[-1]:
        indents.append(col)
    else:
        while col < indents[-1]:
            indents.pop()
        if col != indents[-1]:
            raise _Unsupported("inconsistent dedent")
    line.depth = len(indents) - 1


def _expand_compound(lines: list[LogicalLine]) -> list[LogicalLine]:
    """`if x: y` is two lines for black: the header and its body one level deeper."""
    out: list[LogicalLine] = []
    for line in lines:
        if (line.is_def or line.is_class) and not line.opens_block:
            raise _Unsupported("one-line def or class")
        if line.first in _BLOCK_KEYWORDS and not line.opens_block and not line.is_comment:
            if line.comment is not None or line.multiline_string:
                line.unsupported = True
                out.append(line)
                continue
            try:
                head, body = _split_compound(line.toks)
            except _Unsupported:
                line.unsupported = True
                out.append(line)
                continue
            out.append(
                LogicalLine(
                    head, line.depth, line.before, line.first_row, line.last_row, key=line.key + "\0:"
                )
            )
            inner = LogicalLine(body, line.depth + 1, 0, line.first_row, line.last_row, key="\0" + line.key)
            if body[0].kind == STR or body[0].text == "...":
                inner.unsupported = True
            out.append(inner)
        else:
            if (
                len(line.toks) == 1
                and line.toks[0].text == "..."
                and out
                and (out[-1].is_def or out[-1].is_class)
                and out[-1].opens_block
            ):
                # black puts a lone `...` body on the `def` line, and then counts blank lines
                # differently ("stub" defs): not worth handling here
                raise _Unsupported("dummy implementation")
            out.append(line)
    return out


# --------------------------------------------------------------------------------------------
# Emitting the module: blank lines, chunks, fallback


@dataclass
class _Block:
    line: LogicalLine
    before: int
    after: int
    docstring: bool = False


@dataclass
class _Tracker:
    """black's `EmptyLineTracker` for .py files (no stubs, no `# fmt: off`)."""

    previous_line: LogicalLine | None = None
    previous_block: _Block | None = None
    previous_defs: list[LogicalLine] = field(default_factory=list)
    semantic_leading_comment: _Block | None = None
    blocks: list[_Block] = field(default_factory=list)

    def add(self, line: LogicalLine, is_docstring: bool) -> _Block:
        before, after = self._empty_lines(line, is_docstring)
        previous_after = self.previous_block.after if self.previous_block else 0
        before = max(0, before - previous_after)
        if self.previous_block is not None and self._after_module_docstring(line):
            before = 1
        block = _Block(line, before, after, is_docstring)
        if line.is_comment:
            prev = self.previous_line
            if prev is None or (
                not prev.is_decorator
                and (not prev.is_comment or before)
                and (self.semantic_leading_comment is None or before)
            ):
                self.semantic_leading_comment = block
        elif not line.is_decorator or before:
            self.semantic_leading_comment = None
        self.previous_line = line
        self.previous_block = block
        self.blocks.append(block)
        return block

    def _after_module_docstring(self, line: LogicalLine) -> bool:
        """black always leaves one blank line after a module docstring."""
        if not self.blocks or line.is_class or line.is_def:
            return False
        prev = self.blocks[-1]
        if not (prev.docstring and prev.line.depth == 0):
            return False
        return all(b.line.is_comment for b in self.blocks[:-1])

    def _empty_lines(self, line: LogicalLine, is_docstring: bool) -> tuple[int, int]:
        depth = line.depth
        before = min(line.before, 2 if depth == 0 else 1)
        user_had_newline = bool(before)
        previous_def = None
        while self.previous_defs and self.previous_defs[-1].depth >= depth:
            previous_def = self.previous_defs.pop()
        if line.is_def or line.is_class:
            self.previous_defs.append(line)
        prev = self.previous_line
        if prev is None:
            return 0, 0
        if is_docstring:
            if prev.is_class:
                return 0, 1
            if prev.opens_block and prev.is_def:
                return 0, 0
        if previous_def is not None:
            if depth:
                before = 1
            elif (
                previous_def.depth
                and line.toks
                and line.toks[-1].text == ":"
                and line.first not in ("with", "try", "for", "while", "if", "match")
            ):
                before = 1
            else:
                before = 2
        if line.is_decorator or line.is_def or line.is_class:
            return self._class_or_def(line, before, user_had_newline)
        if prev.is_import and prev.depth == 0 and depth == 0 and not line.is_import:
            return 1, 0
        if prev.is_import and not line.is_import and depth == prev.depth:
            return (before or 1), 0
        return before, 0

    def _class_or_def(self, line: LogicalLine, before: int, user_had_newline: bool) -> tuple[int, int]:
        prev = self.previous_line
        assert prev is not None
        if prev.is_decorator:
            return 0, 0
        if prev.depth < line.depth and (prev.is_class or prev.is_def):
            return (1 if user_had_newline else 0), 0
        comment_to_add_newlines: _Block | None = None
        if prev.is_comment and prev.depth == line.depth and before == 0:
            slc = self.semantic_leading_comment
            index = self._index(slc)
            if (
                slc is not None
                and index > 0
                and not self.blocks[index - 1].line.is_class
                and not self.blocks[index - 1].line.opens_block
                and slc.before <= 1
            ):
                comment_to_add_newlines = slc
            else:
                return 0, 0
        newlines = 1 if line.depth else 2
        if comment_to_add_newlines is not None:
            index = self._index(comment_to_add_newlines)
            previous_block = self.blocks[index - 1]
            comment_to_add_newlines.before = (
                max(comment_to_add_newlines.before, newlines) - previous_block.after
            )
            newlines = 0
        return newlines, 0

    def _index(self, block: _Block | None) -> int:
        if block is None:
            return -1
        for i in range(len(self.blocks) - 1, -1, -1):
            if self.blocks[i] is block:
                return i
        return -1


def _chunks(lines: list[LogicalLine]) -> list[tuple[int, int]]:
    """Index ranges of the top-level statements: a depth-0 line with the lines deeper than
    it and the clauses that continue it (`else:`...), with the comments and decorators above
    it; a bare string statement stays with the statement above it (an attribute docstring)."""
    out: list[tuple[int, int]] = []
    n = len(lines)
    i = 0
    while i < n:
        start = i
        while i < n and (lines[i].is_comment or lines[i].is_decorator) and lines[i].depth == 0:
            i += 1
        i += 1
        while i < n and (
            lines[i].depth > 0
            or (not lines[i].is_comment and lines[i].first in ("else", "elif", "except", "finally"))
            or lines[i].is_lone_string
        ):
            i += 1
        out.append((start, min(i, n)))
    return out


_FUTURE = "from __future__ import annotations"
# (source text, depth, docstring?, future import?, marked unsupported?) -> the formatted rows, or
# why black must:
# generated modules repeat many lines
_FORMATTED: dict[tuple[str, int, bool, bool, bool], list[str] | _Unsupported] = {}


def _emit(source: str, lines: list[LogicalLine]) -> str:
    docstrings = _docstring_flags(lines)
    tracker = _Tracker()
    for line, doc in zip(lines, docstrings, strict=True):
        tracker.add(line, doc)
    blocks = tracker.blocks
    rows = source.split("\n")
    out: list[str] = []
    future = any(ln.depth == 0 and rows[ln.first_row] == _FUTURE for ln in lines[:40] if not ln.is_comment)
    versions: frozenset[Any] | None = None  # black's target versions for the module, once needed
    for lo, hi in _chunks(lines):
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
                        formatted = _format_line(line, b.docstring, future)
                    except _Unsupported as exc:
                        formatted = exc
                    _FORMATTED[key] = formatted
                if isinstance(formatted, _Unsupported):
                    raise formatted
                chunk_out.extend(formatted)
                if b.after:
                    chunk_out.extend([""] * b.after)
            STATS.fast += 1
            out.extend(chunk_out)
            continue
        except _Unsupported as exc:
            if os.environ.get("WITGEN_FORMAT") == "debug":
                print(
                    f"fastfmt: black formats lines {lines[lo].first_row + 1}-{lines[hi - 1].last_row + 1}: {exc}"
                )
        STATS.black += 1
        first_statement = next((ln for ln in lines[lo:hi] if not ln.is_comment), None)
        if lo and first_statement is not None and first_statement.is_lone_string:
            raise _Unsupported("a chunk black would take for a module docstring")
        if versions is None:
            versions = _target_versions(source)
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
        doc = line.is_lone_string and not set(_prefix(line.toks[0].text)) & set("bBfF")
        doc = doc and (first_statement or (prev is not None and prev.opens_block and prev.depth < line.depth))
        flags.append(doc)
        first_statement = False
        prev = line
    return flags


# --------------------------------------------------------------------------------------------
# One logical line -> formatted physical lines


def _prefix(text: str) -> str:
    i = 0
    while text[i] not in "\"'":
        i += 1
    return text[:i]


def _string(text: str) -> str:
    """A string token as black normalises it (prefix and quotes), or `_Unsupported`."""
    prefix = _prefix(text)
    if prefix not in _STRING_PREFIXES:
        raise _Unsupported("string prefix")
    body = text[len(prefix) :]
    if body.startswith('"""'):
        return text
    if body.startswith("'''"):
        raise _Unsupported("''' string")
    if "\\" in body:
        raise _Unsupported("string with escapes")
    if body[0] == '"':
        return text
    inner = body[1:-1]
    if '"' in inner:
        raise _Unsupported("single-quoted string holding double quotes")
    if "f" in prefix and ("{" in inner):
        raise _Unsupported("f-string")
    return f'{prefix}"{inner}"'


def _docstring(text: str, depth: int) -> str:
    """A docstring as black re-indents it (black's `visit_STRING` docstring branch)."""
    prefix = _prefix(text)
    if prefix not in ("", "r"):
        raise _Unsupported("docstring prefix")
    if "\\" in text:
        raise _Unsupported("docstring with a backslash")
    if any(c in text for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise _Unsupported("docstring with unusual line breaks")
    value = _string(text)
    body = value[len(prefix) :]
    quote = body[0]
    quote_len = 3 if body[1] == quote else 1
    doc = body[quote_len:-quote_len]
    started_empty = not doc
    indent = " " * 4 * depth
    if "\n" in text:
        doc_lines = [_expand_leading_tabs(ln) for ln in doc.split("\n")]
        least = min(
            (len(ln) - len(ln.lstrip()) for ln in doc_lines[1:] if ln.lstrip()),
            default=None,
        )
        trimmed = [doc_lines[0].strip()]
        if least is not None:
            last = len(doc_lines) - 2
            for i, ln in enumerate(doc_lines[1:]):
                stripped = ln[least:].rstrip()
                if stripped or i == last:
                    trimmed.append(indent + stripped)
                else:
                    trimmed.append("")
        doc = "\n".join(trimmed)
    else:
        doc = doc.strip()
    if doc:
        if doc[0] == quote:
            doc = " " + doc
        if doc[-1] == quote:
            doc += " "
        if doc[-1] == "\\":
            raise _Unsupported("docstring ending in a backslash")
    elif not started_empty:
        doc = " "
    q = quote * quote_len
    if quote_len == 3:
        doc_lines = doc.splitlines()
        last_len = len(doc_lines[-1]) if doc and not doc.endswith("\n") else 0
        if (
            len(doc_lines) > 1
            and last_len + quote_len > LINE_LENGTH
            and len(indent) + quote_len <= LINE_LENGTH
        ):
            if text[-1 - quote_len] == "\n":
                return prefix + q + doc + q
            return prefix + q + doc + "\n" + indent + q
    return prefix + q + doc + q


def _expand_leading_tabs(line: str) -> str:
    stripped = line.lstrip()
    if not stripped or stripped == line:
        return line
    return line[: len(line) - len(stripped)].expandtabs(4) + stripped


def _format_line(line: LogicalLine, docstring: bool, future: bool) -> list[str]:
    indent = "    " * line.depth
    if line.unsupported:
        raise _Unsupported("marked while tokenizing")
    if line.is_comment:
        assert line.comment is not None
        return [indent + line.comment]
    toks = line.toks
    if docstring:
        if line.comment is not None:
            raise _Unsupported("comment after a docstring")
        return (indent + _docstring(toks[0].text, line.depth)).split("\n")
    if line.multiline_string:
        if line.is_lone_string and line.comment is None:
            return (indent + _string(toks[0].text)).split("\n")
        raise _Unsupported("multiline string in an expression")
    for t in toks:
        if t.kind == NAME and t.text in _UNSUPPORTED_KEYWORDS or t.text == ";":
            raise _Unsupported(f"{t.text}")
    if line.is_lone_string:
        # black can't split a string alone on its line: it stays, however long
        result = [indent + _string(toks[0].text)]
    else:
        result = _Line(toks, line.depth, future).format()
    if line.comment is not None:
        if len(result) != 1:
            raise _Unsupported("split line with a comment")
        text = result[0] + "  " + line.comment
        if not text.isascii() or len(text) > LINE_LENGTH:
            raise _Unsupported("long line with a comment")
        return [text]
    return result


def _split_compound(toks: list[Tok]) -> tuple[list[Tok], list[Tok]]:
    """`if x: y` -> (`if x:`, `y`): the first `:` outside brackets ends the header."""
    level = 0
    for i, t in enumerate(toks):
        if t.kind != OP:
            continue
        if t.text in _OPENING:
            level += 1
        elif t.text in _CLOSING:
            level -= 1
        elif t.text == ":" and level == 0:
            if i + 1 >= len(toks):
                break
            return toks[: i + 1], toks[i + 1 :]
    raise _Unsupported("compound statement")


# Roles of opening brackets
CALL, SUB, PARAMS, ATOM, CLASSARGS, INVIS = "call", "sub", "params", "atom", "classargs", "invis"
COMMA_PRIORITY, LOGIC_PRIORITY, DOT_PRIORITY = 18, 14, 1
# Statements whose parts black wraps in invisible parentheses: splitting them is black's job.
_NO_SPLIT = frozenset("for del assert with else except import from class @ try finally".split())
# Keywords after which black removes redundant parentheses.
_PAREN_KEYWORDS = frozenset("return if elif while for in del assert with else except import".split())


def _match_forward(toks: list[Tok], start: int) -> int:
    level = 0
    for k in range(start, len(toks)):
        t = toks[k]
        if t.kind == OP and t.text in _OPENING:
            level += 1
        elif t.kind == OP and t.text in _CLOSING:
            level -= 1
            if level == 0:
                return k
    raise _Unsupported("unbalanced")


class _CannotSplit(Exception):
    pass


@dataclass
class _Piece:
    """Tokens lo..hi of a `_Line` emitted at `depth`: black's `Line` after a split."""

    lo: int
    hi: int
    depth: int
    inside_brackets: bool = False
    should_split: bool = False
    add_comma: bool = False  # the comma black's delimiter split adds after the last element


class _Line:
    """A logical line being rendered and split: black's `Line` for the subset handled here."""

    def __init__(self, toks: list[Tok], depth: int, future: bool) -> None:
        self.depth = depth
        # with `from __future__ import annotations` black infers Python >= 3.7 and adds a
        # trailing comma after `*args` when it splits; without, that depends on the module
        self.future = future
        self.toks = self._with_invisible_parens(toks)
        self.no_split = toks[0].text in _NO_SPLIT
        self._analyse()
        self.sp = self._spaces()

    # -- structure --------------------------------------------------------------------------
    def _with_invisible_parens(self, toks: list[Tok]) -> list[Tok]:
        """black wraps an assignment's right-hand side and a `return` value in invisible
        parentheses (it shows them when it splits there)."""
        for i in range(len(toks) - 2):
            if toks[i].text == "[" and toks[i + 1].text == "(" and toks[i].kind == OP:
                m = _match_forward(toks, i + 1)
                inner = toks[i + 2 : m]
                level = 0
                tuple_like = not inner
                for t in inner:
                    level += (t.text in _OPENING) - (t.text in _CLOSING) if t.kind == OP else 0
                    tuple_like = tuple_like or (level == 0 and t.text in (",", "for"))
                if m + 1 < len(toks) and toks[m + 1].text == "]" and not tuple_like:
                    raise _Unsupported("a parenthesised lone list item: black removes the parentheses")
        for i in range(len(toks) - 1):
            t = toks[i]
            if toks[i + 1].text == "(" and t.kind == NAME and t.text in _PAREN_KEYWORDS:
                if (t.text == "in" and toks[0].text != "for") or (t.text == "return" and i == 0):
                    continue
                m = _match_forward(toks, i + 1)
                if m + 1 >= len(toks) or toks[m + 1].text in (":", ","):
                    raise _Unsupported("parentheses black may remove")
        first = toks[0].text
        if toks[0].kind == NAME and first in _KEYWORDS and first not in _VALUE_KEYWORDS:
            if first in ("if", "elif", "while") and len(toks) > 2 and toks[-1].text == ":":
                return [toks[0], Tok(INV, "("), *toks[1:-1], Tok(INV, ")"), toks[-1]]
            if first == "return" and len(toks) > 1:
                if toks[-1].text == "," and toks[-1].kind == OP:
                    raise _Unsupported("a bare one-tuple: black adds parentheses")
                return self._wrap(toks, 1)
            if first == "class" and len(toks) > 3 and toks[2].text == "(" and toks[3].text == ")":
                raise _Unsupported("empty class parentheses")
            return toks
        level = 0
        eq: list[int] = []
        for i, t in enumerate(toks):
            if t.kind != OP:
                continue
            if t.text in _OPENING:
                level += 1
            elif t.text in _CLOSING:
                level -= 1
            elif level == 0 and t.text.endswith("=") and t.text not in ("==", "<=", ">=", "!="):
                eq.append(i)
            elif level == 0 and t.text == "," and (i + 1 == len(toks) or toks[i + 1].text == "="):
                if (
                    i + 1 < len(toks)
                    and not any(u.text == "," and u.kind == OP for u in toks[:i])
                    and "=" not in [u.text for u in toks[i + 2 :]]
                ):
                    # `a, = x`: black parenthesises the one-tuple target
                    toks = [Tok(OP, "("), *toks[: i + 1], Tok(OP, ")"), *toks[i + 1 :]]
                    return self._with_invisible_parens(toks)
                raise _Unsupported("a bare tuple ending in a comma: black adds parentheses")
        if not eq:
            return toks
        if len(eq) > 1:
            raise _Unsupported("chained assignment")
        if eq[0] + 1 >= len(toks):
            raise _Unsupported("bad assignment")
        return self._wrap(toks, eq[0] + 1)

    @staticmethod
    def _wrap(toks: list[Tok], start: int) -> list[Tok]:
        """`toks[start:]` in invisible parentheses, unless it is a parenthesised tuple (black
        keeps those parentheses) or has redundant parentheses (black removes them)."""
        if toks[start].text == "(" and toks[start].kind == OP:
            level = 0
            commas = 0
            for k in range(start, len(toks)):
                t = toks[k]
                if t.kind != OP:
                    continue
                if t.text in _OPENING:
                    level += 1
                elif t.text in _CLOSING:
                    level -= 1
                    if level == 0:
                        if k != len(toks) - 1:
                            break  # the value only starts with a parenthesised part
                        if commas or k == start + 1:
                            return toks  # a tuple
                        inner = toks[start + 1 : k]
                        doubled = inner[0].text == "(" and _match_forward(inner, 0) == len(inner) - 1
                        if doubled or any(t.kind == NAME and t.text in ("for", "if") for t in inner):
                            raise _Unsupported("parentheses black may keep")
                        # black makes redundant parentheses its invisible ones
                        return [*toks[:start], Tok(INV, "("), *inner, Tok(INV, ")")]
                elif t.text == "," and level == 1:
                    commas += 1
        return [*toks[:start], Tok(INV, "("), *toks[start:], Tok(INV, ")")]

    def _analyse(self) -> None:
        toks = self.toks
        n = len(toks)
        self.match = [-1] * n  # the matching bracket
        self.level = [0] * n  # brackets around each token (a bracket itself: outside)
        self.role: dict[int, str] = {}
        stack: list[int] = []
        for i, t in enumerate(toks):
            is_open = (t.kind == OP and t.text in _OPENING) or (t.kind == INV and t.text == "(")
            is_close = (t.kind == OP and t.text in _CLOSING) or (t.kind == INV and t.text == ")")
            if is_open:
                self.role[i] = INVIS if t.kind == INV else self._role(i)
                self.level[i] = len(stack)
                stack.append(i)
            elif is_close:
                if not stack:
                    raise _Unsupported("unbalanced")
                j = stack.pop()
                self.match[i] = j
                self.match[j] = i
                self.level[i] = len(stack)
            else:
                self.level[i] = len(stack)
        if stack:
            raise _Unsupported("unbalanced")

    def _role(self, i: int) -> str:
        t = self.toks[i]
        prev = self.toks[i - 1] if i else None
        trailer = prev is not None and (
            (prev.kind == NAME and (prev.text not in _KEYWORDS or prev.text in _VALUE_KEYWORDS))
            or (prev.kind == OP and prev.text in (")", "]"))
            or prev.kind == STR
        )
        if t.text == "(" and trailer:
            if i == 2 and self.toks[0].text == "def":
                return PARAMS
            if i == 2 and self.toks[0].text == "class":
                return CLASSARGS
            return CALL
        if t.text == "[" and trailer:
            return SUB
        return ATOM

    def _prev_visible(self, i: int) -> int:
        j = i - 1
        while j >= 0 and self.toks[j].kind == INV:
            j -= 1
        return j

    def _unary(self, i: int) -> bool:
        """Is the operator at `i` unary (or the `*`/`**` of varargs or unpacking)?"""
        j = i - 1
        if j < 0:
            return True
        p = self.toks[j]
        if p.kind == INV:
            return p.text == "("
        if p.kind == OP:
            return p.text not in _CLOSING
        return p.kind == NAME and p.text in _KEYWORDS and p.text not in _VALUE_KEYWORDS

    # -- spacing ----------------------------------------------------------------------------
    def _spaces(self) -> list[str]:
        """The whitespace before each token: black's `whitespace()` for this subset."""
        toks = self.toks
        out = [""] * len(toks)
        stack: list[int] = []
        annotated = False  # in a def's parameters: the current one has an annotation
        for i, t in enumerate(toks):
            if i:
                out[i] = self._space(i, stack[-1] if stack else -1, annotated)
            if t.kind == INV:
                if t.text == "(":
                    stack.append(i)
                else:
                    stack.pop()
            elif t.kind == OP:
                top = self.role.get(stack[-1]) if stack else None
                if t.text in _OPENING:
                    stack.append(i)
                    if self.role[i] == PARAMS:
                        annotated = False
                elif t.text in _CLOSING:
                    stack.pop()
                elif top == PARAMS and t.text == ",":
                    annotated = False
                elif top == PARAMS and t.text == ":":
                    annotated = True
        return out

    def _space(self, i: int, open_i: int, annotated: bool) -> str:
        toks = self.toks
        t = toks[i]
        p = toks[i - 1]
        top = self.role.get(open_i) if open_i >= 0 else None
        if p.kind == INV and p.text == "(":
            return ""
        if t.kind == INV:
            if t.text == ")":
                return ""
            t = Tok(OP, "(")  # spaced like an atom's parenthesis
        tt, pt = t.text, p.text
        p_op = p.kind in (OP, INV)
        if t.kind == OP:
            if tt in _CLOSING or tt == ",":
                return ""
            if tt in ("(", "[") and self.role.get(i) in (CALL, SUB, PARAMS, CLASSARGS):
                return ""
            if tt == ".":
                if p.kind == NUM:
                    raise _Unsupported("attribute of a number")
                if toks[0].text == "from" and (pt == "from" or pt in (".", "...")):
                    return " " if pt == "from" else ""
                if toks[0].text == "import" and pt == "import":
                    raise _Unsupported("odd import")
                return ""
            if tt == "..." and toks[0].text == "from":
                if pt == "from":
                    return " "
                if pt in (".", "..."):
                    return ""
                raise _Unsupported("odd import")
            if tt == "...":
                if p_op and pt in ("(", "["):
                    return ""
                if p_op and pt == ",":
                    return " "
                raise _Unsupported("ellipsis")
            if tt == ":":
                if top == SUB:
                    return self._slice_space(i, open_i)
                return ""
            if tt == "=":
                if top in (CALL, CLASSARGS):
                    return ""
                if top == PARAMS:
                    return " " if annotated else ""
                if top is None:
                    return " "
                raise _Unsupported("= inside brackets")
            if tt == "@":
                if i == 0:
                    return ""
                raise _Unsupported("matrix product")
        if p_op:
            if pt in _OPENING:
                return ""
            if pt == ".":
                if tt == "import":
                    return " "
                if t.kind != NAME and tt != ".":
                    raise _Unsupported("odd attribute")
                return ""
            if pt == "...":
                if toks[0].text == "from" and tt != "import":
                    return ""  # `from ...pkg import x`
                return " "
            if pt == "@":
                if i == 1:
                    return ""
                raise _Unsupported("matrix product")
            if pt == ":":
                if top == SUB:
                    return self._slice_space(i - 1, open_i)
                return " "
            if pt == "=":
                if top in (CALL, CLASSARGS):
                    return ""
                if top == PARAMS:
                    return " " if annotated else ""
                return " "
            if pt in ("*", "**", "-", "+", "~") and self._unary(i - 1):
                if pt == "**" and top not in (CALL, PARAMS, ATOM):
                    raise _Unsupported("odd **")
                return ""
            if pt == "**":
                raise _Unsupported("power operator")
            return " "
        if t.kind == OP and tt == "**" and not self._unary(i):
            raise _Unsupported("power operator")
        return " "

    def _slice_space(self, colon: int, open_i: int) -> str:
        """Spaces around a slice's `:`: none for simple operands; black's "complex subscript"
        spacing, like a binary operator's, when an operand is an expression."""
        close_i = self.match[open_i]
        lvl = self.level[open_i] + 1
        lo, hi = open_i + 1, close_i
        for k in range(open_i + 1, close_i):
            if self.level[k] == lvl and self.toks[k].kind == OP and self.toks[k].text == ",":
                if k < colon:
                    lo = k + 1
                else:
                    hi = k
                    break
        complex_ = False
        colons = 0
        for k in range(lo, hi):
            tk = self.toks[k]
            if self.level[k] == lvl and tk.kind == OP and tk.text == ":":
                colons += 1
            elif tk.kind == OP and not (tk.text in ("-", "+", "~") and self._unary(k)):
                complex_ = True
            elif tk.kind == NAME and tk.text in _KEYWORDS and tk.text not in _VALUE_KEYWORDS:
                raise _Unsupported("keyword in a slice")
        if colons == 0:
            raise _Unsupported("colon outside a slice")
        if not complex_:
            return ""
        if colons != 1 or self.toks[lo].text == ":" or self.toks[hi - 1].text == ":":
            raise _Unsupported("complex slice")
        return " "

    def render(self, piece: _Piece) -> str:
        parts = ["    " * piece.depth]
        toks, sp = self.toks, self.sp
        for k in range(piece.lo, piece.hi):
            t = toks[k]
            if k != piece.lo:
                parts.append(sp[k])
            if t.kind == INV:
                # shown when the line is split at them
                if t.text == "(" and k == piece.hi - 1:
                    parts.append("(")
                elif t.text == ")" and k == piece.lo:
                    parts.append(")")
            elif t.kind == STR:
                parts.append(_string(t.text))
            elif t.kind == NUM:
                parts.append(_number(t.text))
            else:
                parts.append(t.text)
        if piece.add_comma:
            parts.append(",")
        return "".join(parts)

    # -- splitting --------------------------------------------------------------------------
    def format(self) -> list[str]:
        out: list[str] = []
        self._transform(_Piece(0, len(self.toks), self.depth), out, top=True)
        return out

    def _transform(self, piece: _Piece, out: list[str], top: bool = False) -> None:
        """black's `transform_line`."""
        text = self.render(piece)
        if not text.isascii():
            raise _Unsupported("non-ASCII code")
        magic = self._magic_comma(piece)
        if not piece.should_split and not magic and len(text) <= LINE_LENGTH:
            out.append(text)
            return
        if top and self.toks[0].text == "def":
            self._left_hand_split(piece, out)
            return
        if self.no_split:
            raise _Unsupported("a statement black splits in its own way")
        if piece.inside_brackets:
            pieces = self._delimiter_split(piece)
            if pieces is not None:
                for sub in pieces:
                    self._transform(sub, out)
                return
        self._rhs(piece, out, magic)

    def _delims(self, piece: _Piece, exclude_last: bool = True) -> tuple[int, list[int]]:
        """The highest delimiter priority among the piece's outermost tokens (its last token
        excluded, as black does) and where those delimiters are; `_Unsupported` for
        operators, which this module doesn't split at."""
        lvl = min(self.level[k] for k in range(piece.lo, piece.hi))
        commas: list[int] = []
        dots: list[int] = []
        logic: list[int] = []  # the tokens before `and` / `or` (black splits before those)
        other = False
        end = piece.hi - 1 if exclude_last else piece.hi
        for k in range(piece.lo, piece.hi):
            t = self.toks[k]
            if self.level[k] != lvl:
                continue
            if t.kind == OP:
                if t.text == ",":
                    if k < end:
                        commas.append(k)
                elif t.text == ".":
                    if k > piece.lo and self.toks[k - 1].text in _CLOSING and k - 1 < end:
                        dots.append(k - 1)
                elif t.text in _OPENING or t.text in _CLOSING or t.text in ("...", ":", "=", "->"):
                    pass
                elif t.text in ("*", "**") and self._unary(k):
                    if not self.future:
                        raise _Unsupported("varargs in a split")
                elif t.text in ("-", "+", "~") and self._unary(k):
                    pass
                else:
                    other = True
            elif t.kind == NAME and t.text in ("and", "or"):
                if piece.lo < k <= end:
                    logic.append(k - 1)
            elif t.kind == NAME and t.text in _KEYWORDS and t.text not in _VALUE_KEYWORDS:
                other = True
            elif t.kind == STR and k > piece.lo and self.toks[k - 1].kind == STR:
                other = True
        if other or logic:
            for k in range(piece.lo, piece.hi):
                if self.level[k] == lvl and self.toks[k].kind == NAME and self.toks[k].text in ("for", "if"):
                    raise _Unsupported("comprehension or conditional expression")
        if commas:
            return COMMA_PRIORITY, commas
        if logic:
            return LOGIC_PRIORITY, logic
        if other:
            return -1, []  # other operators: black splits at them, this module doesn't
        if dots:
            return DOT_PRIORITY, dots
        return 0, []

    def _delimiter_split(self, piece: _Piece) -> list[_Piece] | None:
        """black's `delimiter_split` at commas: one element per line, and a trailing comma."""
        prio, where = self._delims(piece)
        if prio == -1:
            raise _Unsupported("operator delimiters")
        if prio == 0:
            return None
        if prio == DOT_PRIORITY:
            if len(where) == 1:
                return None  # black: "splitting a single attribute from its owner looks wrong"
            raise _Unsupported("method chain")
        if prio == LOGIC_PRIORITY:
            pieces = []
            lo = piece.lo
            for c in where:
                pieces.append(_Piece(lo, c + 1, piece.depth, True))
                lo = c + 1
            pieces.append(_Piece(lo, piece.hi, piece.depth, True, add_comma=piece.add_comma))
            return pieces
        pieces = []
        lo = piece.lo
        for c in where:
            pieces.append(_Piece(lo, c + 1, piece.depth, True))
            lo = c + 1
        if lo < piece.hi:
            pieces.append(_Piece(lo, piece.hi, piece.depth, True))
        last = pieces[-1]
        if piece.add_comma:
            last.add_comma = True
        elif not (self.toks[last.hi - 1].kind == OP and self.toks[last.hi - 1].text == ","):
            last.add_comma = True
        return pieces

    def _magic_comma(self, piece: _Piece) -> bool:
        """black's magic trailing comma: a comma just before a closing bracket whose opening
        bracket is in this piece (not a one-tuple, not a one-element subscript)."""
        found = False
        toks = self.toks
        for k in range(piece.lo + 1, piece.hi):
            t = toks[k]
            if t.kind != OP or t.text not in _CLOSING:
                continue
            if not (toks[k - 1].kind == OP and toks[k - 1].text == ","):
                continue
            o = self.match[k]
            if o < piece.lo:
                continue
            lvl = self.level[o] + 1
            commas = sum(
                1
                for m in range(o + 1, k)
                if self.level[m] == lvl and toks[m].text == "," and toks[m].kind == OP
            )
            role = self.role[o]
            if commas == 1 and not (t.text == "}" or (t.text == "]" and role != SUB)):
                if (t.text == ")" and role == ATOM) or role == SUB:
                    continue  # a one-tuple, a one-element subscript: not magic
                raise _Unsupported("one element and a trailing comma")
            found = True
        return found

    def _rhs(self, piece: _Piece, out: list[str], magic: bool) -> None:
        """black's `right_hand_split_with_omits` when its first try (the last bracket pair)
        gives a head that fits; `_Unsupported` otherwise."""
        if magic and self._omits_trailers(piece):
            raise _Unsupported("black would omit trailers")
        try:
            head, body, tail, opening = self._first_rhs(piece, omit_invisible=False)
        except _CannotSplit:
            # no brackets: every black transform fails and the line stays as it is
            out.append(self.render(piece))
            return
        if self.toks[opening].kind == INV and self._can_omit_invisible(body):
            # black prefers splitting at the last real bracket (`_prefer_split_rhs_oop`)
            try:
                head2, body2, tail2, opening2 = self._first_rhs(piece, omit_invisible=True)
            except _CannotSplit:
                if body.hi - body.lo == 1 and len(self.render(body)) > LINE_LENGTH:
                    out.append(self.render(piece))  # black: the body "can't be split" either
                    return
                raise _Unsupported("optional parentheses around an unsplittable value") from None
            head, body, tail, opening = head2, body2, tail2, opening2
        if len(self.render(head)) > LINE_LENGTH or self._magic_comma(head):
            raise _Unsupported("head too long (black omits trailers) or exploding")
        body.should_split = self._should_split_body(body, opening)
        tail.add_comma = piece.add_comma
        self._transform(head, out)
        self._transform(body, out)
        self._transform_tail(tail, out)

    def _omits_trailers(self, piece: _Piece) -> bool:
        """Would black's `generate_trailers_to_omit` offer a split omitting trailers for this
        line with a magic trailing comma? (If not, black splits at the last bracket pair.)"""
        toks = self.toks
        length = 4 * piece.depth
        opening = -1
        closing = -1
        for k in range(piece.hi - 1, piece.lo - 1, -1):
            t = toks[k]
            length += (0 if t.kind == INV else len(t.text)) + (len(self.sp[k]) if k != piece.lo else 0)
            if length > LINE_LENGTH:
                break
            is_closing = (t.kind == OP and t.text in _CLOSING) or (t.kind == INV and t.text == ")")
            prev = toks[k - 1] if k > piece.lo else None
            prev_comma = prev is not None and prev.kind == OP and prev.text == ","
            if opening >= 0:
                if k == opening:
                    opening = -1
                elif is_closing and prev_comma:
                    break
            elif is_closing:
                if prev is not None and (prev.kind in (OP, INV)) and prev.text in _OPENING:
                    continue
                if closing >= 0:
                    return True
                if prev_comma:
                    break
                if t.kind == OP:
                    opening = self.match[k]
                    closing = k
        return False

    def _first_rhs(self, piece: _Piece, omit_invisible: bool) -> tuple[_Piece, _Piece, _Piece, int]:
        """black's `_first_right_hand_split`: head, body and tail around the last bracket pair."""
        k = piece.hi - 1
        closing = -1
        while k >= piece.lo:
            t = self.toks[k]
            if (t.kind == INV and t.text == ")" and not omit_invisible) or (
                t.kind == OP and t.text in _CLOSING
            ):
                closing = k
                break
            k -= 1
        if closing < 0:
            raise _CannotSplit()
        opening = self.match[closing]
        if opening < piece.lo:
            raise _Unsupported("bracket opened on another line")
        head = _Piece(piece.lo, opening + 1, piece.depth)
        body = _Piece(opening + 1, closing, piece.depth + 1, True)
        tail = _Piece(closing, piece.hi, piece.depth)
        if body.lo >= body.hi:
            raise _Unsupported("empty brackets")
        return head, body, tail, opening

    def _can_omit_invisible(self, body: _Piece) -> bool:
        """black's `can_omit_invisible_parens` for the bodies handled here."""
        prio, where = self._delims(body, exclude_last=False)
        if prio == -1:
            raise _Unsupported("operators in optional parentheses")
        if prio == 0:
            return True
        if len(where) > 1:
            return False
        if prio == DOT_PRIORITY:
            return True
        first, last = self.toks[body.lo], self.toks[body.hi - 1]
        if (first.kind == OP and first.text in _OPENING) or (last.kind == OP and last.text in _CLOSING):
            raise _Unsupported("one delimiter in optional parentheses, at a bracket")
        return False

    def _should_split_body(self, body: _Piece, opening: int) -> bool:
        """black's `should_split_line`: a collection (or a magic trailing comma) explodes one
        element per line."""
        prio, _ = self._delims(body)
        if prio != COMMA_PRIORITY:
            return False
        trailing = self.toks[body.hi - 1].kind == OP and self.toks[body.hi - 1].text == ","
        return trailing or self.role[opening] in (ATOM, INVIS)

    def _left_hand_split(self, piece: _Piece, out: list[str]) -> None:
        """black's `left_hand_split` of a `def` line: at the parameters' parentheses."""
        opening = 2
        if self.role.get(opening) != PARAMS:
            raise _Unsupported("def without parameters where expected")
        closing = self.match[opening]
        head = _Piece(0, opening + 1, piece.depth)
        body = _Piece(opening + 1, closing, piece.depth + 1, True)
        tail = _Piece(closing, piece.hi, piece.depth)
        if body.lo >= body.hi:
            raise _Unsupported("empty parameters")
        prio, _ = self._delims(body)
        if prio != COMMA_PRIORITY:
            raise _Unsupported("a lone parameter")
        for k in range(tail.lo, tail.hi):
            if self.toks[k].text == "->" and self.toks[k + 1].text == "(":
                raise _Unsupported("parenthesised return annotation")
        body.should_split = self.toks[body.hi - 1].kind == OP and self.toks[body.hi - 1].text == ","
        self._transform(head, out)
        self._transform(body, out)
        self._transform_tail(tail, out)

    def _transform_tail(self, tail: _Piece, out: list[str]) -> None:
        text = self.render(tail)
        if len(text) > LINE_LENGTH:
            raise _Unsupported("long tail")
        out.append(text)


_PLAIN_NUMBER = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|0x[0-9A-F]+")


def _number(text: str) -> str:
    if not _PLAIN_NUMBER.fullmatch(text):
        raise _Unsupported("number black would change")
    return text
