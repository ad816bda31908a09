"""Parse WIT source text into an AST (``witgen.parser.ast``).

Two parsers share the grammar (``wit.lark``) and the AST builder:

* the fast path: lark's LALR(1) tables, pre-generated as plain data
  (``tables.py``), run by the loop in ``parse_fast`` with a one-regex lexer
  (a word is a keyword where the state takes it; a keyword anywhere else is
  an error left to lark, which types keywords as keywords everywhere);
* lark itself, imported only when the fast path gives up (on any error, or
  input where the two lexers could disagree), so syntax errors keep lark's
  diagnostics, phrased as the reference phrases them. Built once per process,
  its tables cached on disk by lark.

Both read the text as ``lexical.scan`` leaves it: the reference's lexical rules
that no terminal expresses (nested comments, a BOM, refused characters) are
applied there. Like the reference's lexer, lark's is not contextual: a keyword
is a keyword wherever it is, and ``importi1`` is one identifier.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from witgen.errors import ParseError, SourceFile, Span, WitError
from witgen.parser import ast, syntax_errors
from witgen.parser.builder import MAX_NESTING, AstBuilder, DocIndex, Token, TooDeep
from witgen.parser.identifiers import KEYWORDS
from witgen.parser.lexical import keylike_at, scan, word_end

if TYPE_CHECKING:
    from lark import Lark
    from lark.exceptions import UnexpectedInput

    from witgen.parser.tables import Tables

_lock = threading.Lock()

Parsed = tuple[ast.PackageHeader | None, list[ast.FileItem]]


def parse_file(source: SourceFile) -> ast.File:
    """Parse one ``.wit`` file; raises ``WitError`` on any syntax error."""
    scanned = scan(source)
    try:
        try:
            header, items = parse_fast(source, scanned.text)
        except Exception:
            # Errors (and anything the fast lexer is unsure of) are left to lark.
            header, items = _parse_lark(source, scanned.text)
    except WitError as exc:
        # The reference reads tokens as it parses: a token error comes first
        # unless the parser stopped at a token before it.
        lex = scanned.error
        if lex is None or (exc.span is not None and exc.span.start < scanned.error_token):
            raise
        raise lex from None
    if scanned.error is not None:
        raise scanned.error
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


def parse_fast(source: SourceFile, text: str | None = None) -> Parsed:
    """Parse with the fast path; raises ``GiveUp``, ``WitError`` or ``TooDeep`` where
    lark must take over (lark reports the same errors, or accepts what this does not).

    ``text`` is the source's text as ``lexical.scan`` leaves it (default: as is)."""
    fast = fast_parser()
    if fast is None:
        raise GiveUp
    original = source.text
    text = original if text is None else text
    docs = DocIndex(original)
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
            value = original[start:pos]
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
                late = builder.take_late()
                if late is not None:
                    raise late
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


def _on_comment(token: Any) -> Any:
    return _State.docs.add(token)


@lru_cache(maxsize=1)
def lark_parser() -> tuple[Lark, AstBuilder]:
    """lark's parser for ``wit.lark``, building AST nodes with the returned builder."""
    from lark import Lark

    from witgen.parser.tables import GRAMMAR_PATH

    builder = AstBuilder()
    lark = Lark(
        GRAMMAR_PATH.read_text(),
        parser="lalr",
        lexer="basic",
        keep_all_tokens=True,
        transformer=builder,
        lexer_callbacks={"COMMENT": _on_comment, "BLOCK_COMMENT": _on_comment},
        cache=True,
        maybe_placeholders=False,
    )
    return lark, builder


def _parse_lark(source: SourceFile, text: str | None = None) -> Parsed:
    from lark.exceptions import UnexpectedInput

    text = source.text if text is None else text
    lark, builder = lark_parser()
    with _lock:
        docs = DocIndex(source.text)
        _State.docs = docs
        builder.source = source
        builder.docs = docs
        builder.take_late()
        try:
            parsed: Any = lark.parse(text)
        except UnexpectedInput as exc:
            offset = _error_offset(exc, text)
            raise _nesting_error(source, text, offset) or _syntax_error(source, text, exc) from None
        except TooDeep as exc:
            raise _nesting_error(source, text, len(text)) or exc.error from None
        finally:
            _State.docs = DocIndex("")
        late = builder.take_late()
    if late is not None:
        raise late
    return parsed  # type: ignore[no-any-return]


# ---- syntax errors -------------------------------------------------------------


def _error_offset(exc: UnexpectedInput, text: str) -> int:
    from lark.exceptions import UnexpectedEOF, UnexpectedToken

    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        return len(text)
    pos = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedToken):
        pos = exc.token.start_pos
    return int(pos or 0)


def _syntax_error(source: SourceFile, text: str, exc: UnexpectedInput) -> WitError:
    """lark's error in the reference's words, at the token the reference stops at."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    lark, _ = lark_parser()
    literals = {t.name: t.pattern.value for t in lark.terminals if t.pattern.type == "str"}
    offset = _error_offset(exc, text)
    state = getattr(exc, "state", None)
    expected: set[str] = set()
    if isinstance(exc, UnexpectedToken | UnexpectedEOF):
        expected = set(exc.expected)
    if state is not None:
        expected = _viable(state)
    in_package = _PACKAGE_NAME_BEFORE.search(text, 0, offset) is not None
    earlier = _earlier_stop(source, text, offset, state, expected)
    if earlier is not None:
        return earlier
    if isinstance(exc, UnexpectedCharacters):
        ch = text[offset] if offset < len(text) else ""
        word_start = offset + (ch == "%")
        if ch.isidentifier() or ch == "%":
            end = word_end(text, word_start)
            problem = syntax_errors.identifier_problem(text[word_start:end])
            if problem is not None and (not expected or "ID" in expected):
                return ParseError(problem, Span(source, offset, end))
            found = "an '%' identifier" if ch == "%" else "an identifier"
        else:
            found = {"*": "`*`", "+": "`+`", "-": "`-`"}.get(ch, f"'{ch}'")
        wanted = syntax_errors.phrase(expected, literals, in_package)
        return ParseError(f"expected {wanted}, found {found}", Span(source, offset, offset + 1))
    end = offset + 1
    found = "eof"
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        token = exc.token
        found = syntax_errors.describe(token.type, literals.get(token.type), str(token))
        end = token.end_pos or end
        glued = text[offset : word_end(text, offset)] if text[offset].isidentifier() else ""
        if len(glued) > len(token):
            # `_x`, `list_`: one identifier to the reference, two tokens to lark.
            problem = syntax_errors.identifier_problem(glued)
            if problem is not None and "ID" in expected:
                return ParseError(problem, Span(source, offset, offset + len(glued)))
            found = "an identifier"
    wanted = syntax_errors.phrase(expected, literals, in_package)
    return ParseError(f"expected {wanted}, found {found}", Span(source, offset, max(end, offset + 1)))


def _earlier_stop(
    source: SourceFile, text: str, offset: int, state: Any, expected: set[str]
) -> WitError | None:
    """An error the reference finds at or before ``offset``, where lark reads on: it
    checks attribute names and keys, identifiers and versions as it reads them."""
    attribute = _OPEN_ATTRIBUTE.search(text, 0, offset)
    if attribute is not None:
        name = attribute.group(1).removeprefix("%")
        if name not in _ATTRIBUTE_KEYS:
            return ParseError(f"unknown attribute `{name}`", Span(source, *attribute.span(1)))
        key = attribute.group(2)
        wanted = _ATTRIBUTE_KEYS[name]
        if wanted and key is not None and key.removeprefix("%") != wanted and key not in KEYWORDS:
            return ParseError(
                f"expected `{wanted}`, found `{key.removeprefix('%')}`", Span(source, *attribute.span(2))
            )
    # The identifier just read (lark reduces it to `id` only on a fitting next token).
    last: Any = state.value_stack[-1] if state is not None and state.value_stack else None
    if getattr(last, "type", None) == "ID":
        problem = syntax_errors.identifier_problem(str(last))
        if problem is not None:
            return ParseError(problem, Span(source, last.start_pos, last.end_pos))
    # A word the reference reads as one identifier and witgen's terminals split
    # (`foo_bar`, `garçon`): the reference refuses the whole word.
    word = keylike_at(text, offset)
    if word is not None and (getattr(last, "start_pos", None) != word[0] or last.type == "ID"):
        problem = syntax_errors.identifier_problem(word[1])
        if problem is not None:
            return ParseError(problem, Span(source, word[0], word[0] + len(word[1])))
    # The reference reads a version as `integer . integer . integer`, token by token.
    is_version = "VERSION" in expected and (
        "ID" not in expected
        or (attribute is not None and _ATTRIBUTE_KEYS.get(attribute.group(1).removeprefix("%")) == "version")
    )
    if is_version:
        stop = syntax_errors.version_error(text, offset)
        if stop is not None:
            return ParseError(stop[1], Span(source, stop[0], stop[0] + 1))
    return None


def _viable(state: Any) -> set[str]:
    """The terminals lark's parser could shift next from ``state``.

    An LALR state that only reduces accepts the lookaheads of every context it
    is shared by; following the reductions on the actual stack keeps the ones
    that this context accepts (what a canonical LR parser, or the reference,
    would expect)."""
    from lark.parsers.lalr_analysis import Shift

    table = state.parse_conf.states
    viable: set[str] = set()
    for terminal in table[state.position]:
        if not terminal.isupper():
            continue
        stack = list(state.state_stack)
        while terminal in table[stack[-1]]:
            action, arg = table[stack[-1]][terminal]
            if action is Shift:
                viable.add(terminal)
                break
            size = len(arg.expansion)
            if size:
                del stack[-size:]
            goto = table[stack[-1]].get(arg.origin.name)
            if goto is None:  # the start rule: only the end of input follows
                viable.add(terminal)
                break
            stack.append(goto[1])
    return viable


# Each attribute and the key it takes (`external-id` takes a string).
_ATTRIBUTE_KEYS = {"since": "version", "unstable": "feature", "deprecated": "version", "external-id": ""}
# An attribute the error is in: its name and its key, if read yet.
_OPEN_ATTRIBUTE = re.compile(
    r"@\s*(%?[A-Za-z][A-Za-z0-9-]*)\s*(?:\(\s*(?:(%?[A-Za-z][A-Za-z0-9-]*)\b)?[^()@;{}]*)?\Z"
)
_PACKAGE_NAME_BEFORE = re.compile(r"\bpackage\s+[^;{}()]*\Z")


# ---- nesting limits ----------------------------------------------------------------

_SCAN = re.compile(r"//[^\n]*|/\*.*?\*/|%?[A-Za-z][A-Za-z0-9-]*|[<>{};]|\S", re.S)


def _nesting_error(source: SourceFile, text: str, limit: int) -> WitError | None:
    """The reference rejects types nested over 100 deep and packages nested over
    100 deep while parsing; find the first such place before ``limit``."""
    angle = 0
    braces: list[bool] = []
    packages = 0
    pending_package: int | None = None
    prev: Any = None
    for m in _SCAN.finditer(text, 0, limit):
        tok = m.group()
        if tok[0] == "/" and len(tok) > 1 and tok[1] in "/*":
            continue
        if tok == "<":
            angle += 1
            if angle > MAX_NESTING and prev is not None:
                return ParseError("type nesting too deep", Span(source, prev.start(), prev.end()))
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
                    return ParseError("package nesting too deep", Span(source, start, start + 7))
            pending_package = None
        elif tok == "}":
            if braces and braces.pop():
                packages -= 1
        elif tok == ";":
            pending_package = None
        prev = m
    return None
