"""Cutting a module into logical lines: a regex tokenizer (a faster one for the common rows with
no strings or comments), indentation depths, and `if x: y` split into header and body."""

from __future__ import annotations

import re

from witgen.pyview.fastfmt.common import Unsupported

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

OPENING = {"(": ")", "[": "]", "{": "}"}
CLOSING = frozenset(")]}")
_BLOCK_KEYWORDS = frozenset("if elif else for while try except finally with def class".split())


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
            if w in OPENING:
                level += 1
            elif w in CLOSING:
                level -= 1
            toks.append(Tok(OP, w))  # type: ignore[union-attr]
        else:
            toks = None
            break
    if level != 0:
        toks = None
    _TOKENS_OF[text] = toks
    return toks


def tokenize(source: str) -> list[LogicalLine]:
    """The logical lines of `source`; `Unsupported` for what the fast path doesn't tokenize.
    Most rows are whole statements without strings or comments: those are split into tokens
    by one regex call (and once per distinct row); the rest go through `_general_line`."""
    if "\r" in source or "\\\n" in source or "\f" in source:
        raise Unsupported("special characters")
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
                raise Unsupported("comment text black would change")
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
                raise Unsupported("comment indented unlike the next statement")
            comment.depth = line.depth
        waiting = []
        lines.append(line)
        blank = 0
    if waiting:
        raise Unsupported("comments at the end")
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
                    raise Unsupported("comment inside brackets")
                continue
            return toks, trailing, multiline, m.end()
        if trailing is not None:
            raise Unsupported("comment inside brackets")
        if kind == "comment":
            if text != text.rstrip() or not (text == "#" or text.startswith("# ")) or "fmt:" in text:
                raise Unsupported("comment text black would change")
            trailing = text
        elif kind == "other":
            raise Unsupported(f"character {text!r}")
        elif kind == "str":
            if "\n" in text:
                if not text.endswith(('"""', "'''")):
                    raise Unsupported("string with a newline")
                multiline = True
            toks.append(Tok(STR, text))
        elif kind == "name":
            toks.append(Tok(NAME, text))
        elif kind == "num":
            toks.append(Tok(NUM, text))
        else:
            if text in OPENING:
                brackets += 1
            elif text in CLOSING:
                brackets -= 1
                if brackets < 0:
                    raise Unsupported("unbalanced brackets")
            toks.append(Tok(OP, text))
    raise Unsupported("no final newline")


def _set_depth(line: LogicalLine, indents: list[int], col: int) -> None:
    if col > indents[-1]:
        indents.append(col)
    else:
        while col < indents[-1]:
            indents.pop()
        if col != indents[-1]:
            raise Unsupported("inconsistent dedent")
    line.depth = len(indents) - 1


def _expand_compound(lines: list[LogicalLine]) -> list[LogicalLine]:
    """`if x: y` is two lines for black: the header and its body one level deeper."""
    out: list[LogicalLine] = []
    for line in lines:
        if (line.is_def or line.is_class) and not line.opens_block:
            raise Unsupported("one-line def or class")
        if line.first in _BLOCK_KEYWORDS and not line.opens_block and not line.is_comment:
            if line.comment is not None or line.multiline_string:
                line.unsupported = True
                out.append(line)
                continue
            try:
                head, body = _split_compound(line.toks)
            except Unsupported:
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
                raise Unsupported("dummy implementation")
            out.append(line)
    return out


def _split_compound(toks: list[Tok]) -> tuple[list[Tok], list[Tok]]:
    """`if x: y` -> (`if x:`, `y`): the first `:` outside brackets ends the header."""
    level = 0
    for i, t in enumerate(toks):
        if t.kind != OP:
            continue
        if t.text in OPENING:
            level += 1
        elif t.text in CLOSING:
            level -= 1
        elif t.text == ":" and level == 0:
            if i + 1 >= len(toks):
                break
            return toks[: i + 1], toks[i + 1 :]
    raise Unsupported("compound statement")
