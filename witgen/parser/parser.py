"""Parse WIT source text into an AST (``witgen.parser.ast``).

The lark parser is built once per process (and its tables cached on disk by
lark), then reused; the AST builder runs inline with the LALR parser.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from witgen.errors import SourceFile, Span, WitError
from witgen.parser import ast
from witgen.parser.builder import MAX_NESTING, AstBuilder, DocIndex, TooDeep
from witgen.parser.identifiers import KEYWORDS

_lock = threading.Lock()


class _State:
    """Per-parse state reachable from the lexer callbacks (parsing holds ``_lock``)."""

    docs: DocIndex = DocIndex("")
    source: SourceFile = SourceFile("", "")


def _on_comment(token: Token) -> Token:
    return _State.docs.add(token)


def _on_identifier(token: Token) -> Token:
    """Reject a keyword where only an identifier fits, at the keyword itself.

    Lark only calls this for tokens still typed ``ID`` after its own keyword
    matching, i.e. where no keyword is acceptable in the parser's state.
    """
    if token in KEYWORDS:
        span = Span(_State.source, token.start_pos or 0, token.end_pos or 0)
        raise WitError(f"expected an identifier or string, found keyword `{token}`", span)
    return token


@lru_cache(maxsize=1)
def _parser() -> tuple[Lark, AstBuilder]:
    grammar = resources.files("witgen.parser").joinpath("wit.lark").read_text()
    builder = AstBuilder()
    lark = Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        keep_all_tokens=True,
        transformer=builder,
        lexer_callbacks={"COMMENT": _on_comment, "BLOCK_COMMENT": _on_comment, "ID": _on_identifier},
        cache=True,
        maybe_placeholders=False,
    )
    return lark, builder


def parse_file(source: SourceFile) -> ast.File:
    """Parse one ``.wit`` file; raises ``WitError`` on any syntax error."""
    text = source.text
    lark, builder = _parser()
    with _lock:
        docs = DocIndex(text)
        _State.docs = docs
        _State.source = source
        builder.source = source
        builder.docs = docs
        try:
            parsed: Any = lark.parse(text)
            header, items = parsed
        except UnexpectedInput as exc:
            raise _nesting_error(source, _error_offset(exc, text)) or _syntax_error(source, exc) from None
        except TooDeep as exc:
            raise _nesting_error(source, len(text)) or exc.error from None
        finally:
            _State.docs = DocIndex("")
    return ast.File(source, header, items)


# ---- syntax errors -------------------------------------------------------------

_TOKEN_NAMES = {
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "SEMICOLON": "';'",
    "COLON": "':'",
    "COMMA": "','",
    "DOT": "'.'",
    "SLASH": "'/'",
    "EQUAL": "'='",
    "LT": "'<'",
    "GT": "'>'",
    "AT": "'@'",
    "ID": "an identifier",
    "VERSION": "a version",
    "INTEGER": "an integer",
    "STRING": "a string",
    "$END": "eof",
}


def _describe(token_type: str, value: str | None = None) -> str:
    if token_type in _TOKEN_NAMES:
        return _TOKEN_NAMES[token_type]
    if value is not None and re.fullmatch(r"[a-z][a-z0-9-]*", value):
        return f"keyword `{value}`"
    if value:
        return f"'{value}'"
    return token_type.lower()


def _error_offset(exc: UnexpectedInput, text: str) -> int:
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        return len(text)
    pos = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedToken):
        pos = exc.token.start_pos
    return int(pos or 0)


def _syntax_error(source: SourceFile, exc: UnexpectedInput) -> WitError:
    offset = _error_offset(exc, source.text)
    if isinstance(exc, UnexpectedCharacters):
        ch = source.text[offset] if offset < len(source.text) else ""
        if ch.isdigit():
            found = "an integer"
        elif ch == "_" or (ch.isalpha() and not ch.isascii()):
            found = f"invalid character in identifier '{ch}'"
            return WitError(found, Span(source, offset, offset + 1))
        else:
            found = f"'{ch}'" if ch.isprintable() else f"invalid character {ch!r}"
        expected = sorted(_describe(t) for t in exc.allowed or ())
        return WitError(f"expected {_join(expected)}, found {found}", Span(source, offset, offset + 1))
    expected_types: set[str] = set()
    found_desc = "eof"
    end = offset
    if isinstance(exc, UnexpectedToken):
        expected_types = set(exc.expected)
        if exc.token.type != "$END":
            found_desc = _describe(exc.token.type, str(exc.token))
            end = exc.token.end_pos or offset
    elif isinstance(exc, UnexpectedEOF):
        expected_types = set(exc.expected)
    lark, _ = _parser()
    named = {t.name: t for t in lark.terminals}
    expected = sorted(
        {
            _describe(t, named[t].pattern.value if t in named and named[t].pattern.type == "str" else None)
            for t in expected_types
        }
    )
    return WitError(
        f"expected {_join(expected)}, found {found_desc}", Span(source, offset, max(end, offset + 1))
    )


def _join(items: list[str]) -> str:
    if not items:
        return "nothing"
    if len(items) == 1:
        return items[0]
    if len(items) > 6:
        return "one of " + ", ".join(items[:6]) + ", ..."
    return "one of " + ", ".join(items)


# ---- nesting limits ----------------------------------------------------------------

_SCAN = re.compile(r"//[^\n]*|/\*.*?\*/|%?[A-Za-z][A-Za-z0-9-]*|[<>{};]|\S", re.S)


def _nesting_error(source: SourceFile, limit: int) -> WitError | None:
    """The reference rejects types nested over 100 deep and packages nested over
    100 deep while parsing; find the first such place before ``limit``."""
    angle = 0
    braces: list[bool] = []
    packages = 0
    pending_package: int | None = None
    prev: Any = None
    for m in _SCAN.finditer(source.text, 0, limit):
        tok = m.group()
        if tok[0] == "/" and len(tok) > 1 and tok[1] in "/*":
            continue
        if tok == "<":
            angle += 1
            if angle > MAX_NESTING and prev is not None:
                return WitError("type nesting too deep", Span(source, prev.start(), prev.end()))
        elif tok == ">":
            angle = max(0, angle - 1)
        elif tok == "package":
            pending_package = m.start()
        elif tok == "{":
            is_pkg = pending_package is not None
            braces.append(is_pkg)
            if is_pkg:
                packages += 1
                if packages > MAX_NESTING:
                    start = pending_package or 0
                    return WitError("package nesting too deep", Span(source, start, start + 7))
            pending_package = None
        elif tok == "}":
            if braces and braces.pop():
                packages -= 1
        elif tok == ";":
            pending_package = None
        prev = m
    return None
