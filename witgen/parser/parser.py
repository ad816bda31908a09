"""Parse WIT source text into an AST (``witgen.parser.ast``).

Two parsers share the grammar (``wit.lark``) and the AST builder:

* the fast path: lark's LALR(1) tables, pre-generated as plain data
  (``tables.py``), run by the loop in ``parse_fast`` with a one-regex lexer that
  classifies each token by parser state, as lark's contextual lexer does;
* lark itself, imported only when the fast path gives up (on any error, or
  input where the two lexers could disagree), so syntax errors keep lark's
  diagnostics. Built once per process, its tables cached on disk by lark.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from witgen.errors import SourceFile, Span, WitError
from witgen.parser import ast
from witgen.parser.builder import MAX_NESTING, AstBuilder, DocIndex, Token, TooDeep
from witgen.parser.identifiers import KEYWORDS

if TYPE_CHECKING:
    from lark import Lark
    from lark.exceptions import UnexpectedInput

    from witgen.parser.tables import Tables

_lock = threading.Lock()

Parsed = tuple[ast.PackageHeader | None, list[ast.FileItem]]


def parse_file(source: SourceFile) -> ast.File:
    """Parse one ``.wit`` file; raises ``WitError`` on any syntax error."""
    try:
        header, items = parse_fast(source)
    except Exception:
        # Errors (and anything the fast lexer is unsure of) are left to lark.
        header, items = _parse_lark(source)
    return ast.File(source, header, items)


# ---- the fast path -----------------------------------------------------------------


class GiveUp(Exception):
    """The fast parser cannot take this input; lark must."""


# Group numbers of the token regex (see ``_Fast``).
_COMMENT, _BLOCK_COMMENT, _ID, _VERSION, _INTEGER, _STRING, _PUNCT, _END = range(1, 9)


class _Fast:
    """The fast parser's tables, with builder methods and the token regex."""

    def __init__(self, tables: Tables) -> None:
        p = tables.patterns
        punct = "|".join(re.escape(x) for x in sorted(tables.punct, key=lambda x: (-len(x), x)))
        # One match skips blanks and takes a comment or a token. Comments come
        # before '/' and VERSION before INTEGER, in the order lark tries them.
        self.token = re.compile(
            f"(?:{p['WS']})?(?:({p['COMMENT']})|({p['BLOCK_COMMENT']})|({p['ID']})|({p['VERSION']})"
            f"|({p['INTEGER']})|({p['STRING']})|({punct})|(\\Z))"
        )
        self.start = tables.start
        self.end = tables.end
        self.actions = tables.actions
        self.words = tables.words
        self.punct = tables.punct
        self.rules = [
            (origin, size, getattr(AstBuilder, method) if method else None, expand1, child_filter)
            for origin, size, method, expand1, child_filter in tables.rules
        ]


@lru_cache(maxsize=1)
def fast_parser() -> _Fast | None:
    """The fast parser, or None if the grammar has outgrown its lexer (see ``tables.build``)."""
    from witgen.parser import tables

    try:
        return _Fast(tables.load())
    except ValueError:
        return None


def parse_fast(source: SourceFile) -> Parsed:
    """Parse with the fast path; raises ``GiveUp``, ``WitError`` or ``TooDeep`` where
    lark must take over (lark reports the same errors, or accepts what this does not)."""
    fast = fast_parser()
    if fast is None:
        raise GiveUp
    text = source.text
    docs = DocIndex(text)
    builder = AstBuilder(source, docs)
    doc_ends = docs.by_end
    actions = fast.actions
    rules = fast.rules
    words = fast.words
    punct = fast.punct
    end_state = fast.end
    new_token = str.__new__
    stack = [fast.start]
    values: list[Any] = []
    acts = actions[fast.start]
    pos = 0
    # Tokens follow each other with nothing in between (else: a character no
    # token matches, left to lark). Only ID and VERSION depend on the state.
    for m in fast.token.finditer(text):
        if m.start() != pos:
            raise GiveUp
        kind: int = m.lastindex  # type: ignore[assignment]
        start, pos = m.span(kind)
        if kind <= _BLOCK_COMMENT:
            value = m.group(kind)
            doc_ends[start + len(value.rstrip())] = (start, value)  # DocIndex.add_at, inline
            continue
        value = m.group(kind)
        if kind == _ID:
            # A keyword where the state takes it, else an identifier (lark's
            # contextual lexer: keywords are identifiers retyped by state).
            typ = words.get(value)
            if typ is None or typ not in acts:
                if value in KEYWORDS:
                    raise GiveUp  # lark: "expected an identifier ..., found keyword"
                typ = "ID"
        elif kind == _PUNCT:
            typ = punct[value]
        elif kind == _VERSION:
            # Where INTEGER fits but VERSION does not, lark takes the digits before
            # the first '.' as an INTEGER; that is an error whatever follows.
            typ = "VERSION"
        elif kind == _INTEGER:
            typ = "INTEGER"
        elif kind == _STRING:
            typ = "STRING"
        else:
            typ = "$END"
        token = new_token(Token, value)
        token.type = typ
        token.start_pos = start
        token.end_pos = pos
        # ---- reduce as far as the token allows, then shift it
        while True:
            action = acts.get(typ)
            if action is None:
                raise GiveUp
            if action >= 0:
                if kind == _END:
                    raise GiveUp
                stack.append(action)
                values.append(token)
                break
            origin, size, method, expand1, child_filter = rules[~action]
            if size:
                children = values[-size:]
                del values[-size:]
                del stack[-size:]
            else:
                children = []
            if child_filter is not None:
                kept: list[Any] = []
                for i, splice in child_filter:
                    if splice:
                        if kept:
                            kept += children[i]
                        else:
                            kept = children[i]
                    else:
                        kept.append(children[i])
                children = kept
            if expand1 and len(children) == 1:
                result = children[0]
            elif method is not None:
                result = method(builder, children)
            else:
                result = children  # an inlined `__rule`: spliced into its parent
            state = actions[stack[-1]][origin]
            if state == end_state and kind == _END:
                return result  # type: ignore[no-any-return]
            stack.append(state)
            values.append(result)
            acts = actions[state]
        acts = actions[stack[-1]]
    raise GiveUp  # unreachable: the token regex always ends with an empty match at the end


# ---- lark ------------------------------------------------------------------------


class _State:
    """Per-parse state reachable from the lexer callbacks (parsing holds ``_lock``)."""

    docs: DocIndex = DocIndex("")
    source: SourceFile = SourceFile("", "")


def _on_comment(token: Any) -> Any:
    return _State.docs.add(token)


def _on_identifier(token: Any) -> Any:
    """Reject a keyword where only an identifier fits, at the keyword itself.

    Lark only calls this for tokens still typed ``ID`` after its own keyword
    matching, i.e. where no keyword is acceptable in the parser's state.
    """
    if token in KEYWORDS:
        span = Span(_State.source, token.start_pos or 0, token.end_pos or 0)
        raise WitError(f"expected an identifier or string, found keyword `{token}`", span)
    return token


@lru_cache(maxsize=1)
def lark_parser() -> tuple[Lark, AstBuilder]:
    """lark's parser for ``wit.lark``, building AST nodes with the returned builder."""
    from lark import Lark

    from witgen.parser.tables import GRAMMAR_PATH

    builder = AstBuilder()
    lark = Lark(
        GRAMMAR_PATH.read_text(),
        parser="lalr",
        lexer="contextual",
        keep_all_tokens=True,
        transformer=builder,
        lexer_callbacks={"COMMENT": _on_comment, "BLOCK_COMMENT": _on_comment, "ID": _on_identifier},
        cache=True,
        maybe_placeholders=False,
    )
    return lark, builder


def _parse_lark(source: SourceFile) -> Parsed:
    from lark.exceptions import UnexpectedInput

    text = source.text
    lark, builder = lark_parser()
    with _lock:
        docs = DocIndex(text)
        _State.docs = docs
        _State.source = source
        builder.source = source
        builder.docs = docs
        try:
            parsed: Any = lark.parse(text)
        except UnexpectedInput as exc:
            raise _nesting_error(source, _error_offset(exc, text)) or _syntax_error(source, exc) from None
        except TooDeep as exc:
            raise _nesting_error(source, len(text)) or exc.error from None
        finally:
            _State.docs = DocIndex("")
    return parsed  # type: ignore[no-any-return]


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
    from lark.exceptions import UnexpectedEOF, UnexpectedToken

    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        return len(text)
    pos = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedToken):
        pos = exc.token.start_pos
    return int(pos or 0)


def _syntax_error(source: SourceFile, exc: UnexpectedInput) -> WitError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

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
    lark, _ = lark_parser()
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
