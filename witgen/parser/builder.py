"""Turns lark's parse callbacks into AST nodes (see ``ast.py``).

The builder runs inline with the LALR parser (no intermediate parse tree), so
it must not recurse: every callback only combines already-built children.
Children are AST nodes, lists and tokens; a token is any ``str`` with ``type``,
``start_pos`` and ``end_pos`` (``Token`` below, or lark's own when lark parses).
"""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from witgen.errors import ParseError, SourceFile, Span, WitError
from witgen.parser import ast
from witgen.parser.identifiers import check_identifier

MAX_NESTING = 100
_U64_MAX = str(2**64 - 1)
_EMPTY_PRERELEASE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+-")

_ATTRIBUTE_KEYS = {"since": "version", "deprecated": "version", "unstable": "feature"}


class Token(str):
    """A token of the fast parser: its text, terminal name and character offsets."""

    __slots__ = ("type", "start_pos", "end_pos")
    type: str
    start_pos: int
    end_pos: int


def is_token(x: object) -> TypeGuard[Token]:
    """Tokens are the only strings among a rule's children."""
    return isinstance(x, str)


class TooDeep(Exception):
    """Raised mid-parse when types or packages nest deeper than the reference allows."""

    def __init__(self, error: WitError) -> None:
        super().__init__(error.message)
        self.error = error


class DocIndex:
    """Comments seen by the lexer, looked up by the position of the item after them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.by_end: dict[int, tuple[int, str]] = {}

    def add(self, token: Token) -> Token:
        # From the original text: the lexers read nested comments with blanks in them.
        start = token.start_pos or 0
        self.add_at(start, self.text[start : token.end_pos or start + len(token)])
        return token

    def add_at(self, start: int, text: str) -> None:
        # Key by the end of the visible text: `before` skips trailing blanks.
        self.by_end[start + len(text.rstrip())] = (start, text)

    def before(self, pos: int) -> list[str]:
        """All comments between the previous token and ``pos``, in order."""
        return [text for _, text in self.spans_before(pos)]

    def spans_before(self, pos: int) -> list[tuple[int, str]]:
        """Like ``before`` but with each comment's start offset."""
        if not self.by_end:
            return []
        text = self.text
        docs: list[tuple[int, str]] = []
        i = pos
        while True:
            while i > 0 and text[i - 1] in " \t\r\n":
                i -= 1
            hit = self.by_end.get(i)
            if hit is None:
                break
            docs.append(hit)
            i = hit[0]
        docs.reverse()
        return docs


def version_problem(text: str) -> str | None:
    """Why the reference's semver parser refuses a version the grammar accepts, or None.

    Compares digit strings rather than ``int``s: a version may have thousands of digits."""
    core, _, _build = text.partition("+")
    core, _, pre = core.partition("-")
    for part, name in zip(core.split("."), ("major", "minor", "patch"), strict=True):
        if len(part) > 1 and part[0] == "0":
            return f"invalid leading zero in {name} version number"
        if (len(part), part) > (len(_U64_MAX), _U64_MAX):
            return f"value of {name} version number exceeds u64::MAX"
    for ident in pre.split(".") if pre else ():
        if ident.isdigit() and len(ident) > 1 and ident[0] == "0":
            return "invalid leading zero in pre-release identifier"
    return None


class AstBuilder:
    """One callback per grammar rule; ``source`` and ``docs`` are set per parse."""

    def __init__(self, source: SourceFile | None = None, docs: DocIndex | None = None) -> None:
        self.source = source or SourceFile("", "")
        self.docs = docs or DocIndex("")
        self.late: WitError | None = None

    def span(self, token: Token) -> Span:
        return Span(self.source, token.start_pos or 0, token.end_pos or 0)

    def later(self, error: WitError) -> None:
        """Keep an error the reference finds only once the file has parsed (it checks
        empty types while resolving): a syntax error anywhere in the file comes first."""
        if self.late is None:
            self.late = error

    def take_late(self) -> WitError | None:
        """The first error kept by ``later`` in this parse (and forget it)."""
        error, self.late = self.late, None
        return error

    def _docs_at(self, attrs: list[ast.Attribute], start: int) -> list[str]:
        """Docs of an item: the comments before its first attribute or keyword."""
        return self.docs.before(attrs[0].span.start if attrs else start)

    # ---- identifiers and packages -------------------------------------------

    def id(self, c: list[Token]) -> ast.Id:
        tok = c[0]
        span = Span(self.source, tok.start_pos, tok.end_pos)
        return ast.Id(check_identifier(str(tok), span), span)

    def version(self, c: list[Token]) -> Token:
        return self._checked_version(c[1])

    def _checked_version(self, tok: Token) -> Token:
        text = str(tok)
        # The reference's version ends at its last number or identifier: a
        # trailing `+` or `-` is read but not part of it.
        if text.endswith("+"):
            text = text[:-1]
        if _EMPTY_PRERELEASE.fullmatch(text):
            text = text[:-1]
        problem = version_problem(text)
        if problem is not None:
            raise ParseError(problem, Span(self.source, tok.start_pos, tok.end_pos))
        if len(text) == len(tok):
            return tok
        trimmed: Token = str.__new__(Token, text)
        trimmed.type, trimmed.start_pos, trimmed.end_pos = tok.type, tok.start_pos, tok.end_pos
        return trimmed

    def package_name(self, c: list[Any]) -> ast.PackageName:
        ns, name = c[0], c[2]
        version = c[3] if len(c) > 3 else None
        end = version.end_pos if version is not None else name.span.end
        return ast.PackageName(
            ns, name, str(version) if version is not None else None, Span(self.source, ns.span.start, end)
        )

    def package_header(self, c: list[Any]) -> ast.PackageHeader:
        found = self.docs.spans_before(c[0].start_pos)
        docs_span = None
        if found:
            start, text = found[0]
            docs_span = Span(self.source, start, start + len(text.split("\n")[0]))
        return ast.PackageHeader([text for _, text in found], c[1], docs_span)

    def nested_package(self, c: list[Any]) -> ast.NestedPackage:
        items = c[3:-1]
        height = 1 + max((i.height for i in items if isinstance(i, ast.NestedPackage)), default=0)
        if height > MAX_NESTING:
            raise TooDeep(ParseError("package nesting too deep", self.span(c[0])))
        return ast.NestedPackage(self.docs.before(c[0].start_pos), c[1], items, self.span(c[0]), height)

    def start(self, c: list[Any]) -> tuple[ast.PackageHeader | None, list[ast.FileItem]]:
        if c and isinstance(c[0], ast.PackageHeader):
            return c[0], c[1:]
        return None, c

    def use_path(self, c: list[Any]) -> ast.UsePath:
        if len(c) == 1:
            return ast.LocalPath(c[0])
        ns, pkg, item = c[0], c[2], c[4]
        version = c[5] if len(c) > 5 else None
        pkg_name = ast.PackageName(
            ns,
            pkg,
            str(version) if version is not None else None,
            Span(self.source, ns.span.start, pkg.span.end),
        )
        return ast.PackagePath(pkg_name, item)

    def toplevel_use(self, c: list[Any]) -> ast.ToplevelUse:
        as_ = c[4] if len(c) == 6 else None
        return ast.ToplevelUse(c[0], c[2], as_, self.span(c[1]))

    # ---- attributes ------------------------------------------------------------

    def attrs(self, c: list[ast.Attribute]) -> list[ast.Attribute]:
        return c

    def attr_value(self, c: list[Any]) -> Any:
        return c[0]

    def attribute(self, c: list[Any]) -> ast.Attribute:
        at, name = c[0], c[1]
        span = Span(self.source, at.start_pos, name.span.end)
        kind = name.name
        if kind == "external-id":
            if len(c) != 5 or not is_token(c[3]) or c[3].type != "STRING":
                raise ParseError("expected a string", name.span)
            return ast.Attribute("external-id", str(c[3])[1:-1], span)
        expected = _ATTRIBUTE_KEYS.get(kind)
        if expected is None:
            raise ParseError(f"unknown attribute `{kind}`", name.span)
        if len(c) != 7:
            raise ParseError(f"expected `{expected}`, found a string", self.span(c[3]))
        key, value = c[3], c[5]
        if key.name != expected:
            raise ParseError(f"expected `{expected}`, found `{key.name}`", key.span)
        if expected == "version":
            if not is_token(value):
                raise ParseError("expected a version", value.span)
            return ast.Attribute(kind, str(self._checked_version(value)), span)
        if is_token(value):
            raise ParseError("expected an identifier", self.span(value))
        return ast.Attribute("unstable", value.name, span)

    # ---- functions -----------------------------------------------------------

    def param(self, c: list[Any]) -> tuple[ast.Id, ast.TypeExpr]:
        return (c[0], c[2])

    def param_list(self, c: list[Any]) -> list[tuple[ast.Id, ast.TypeExpr]]:
        return [x for x in c if isinstance(x, tuple)]

    def result_type(self, c: list[Any]) -> ast.TypeExpr:
        return c[1]  # type: ignore[no-any-return]

    def func_sig(self, c: list[Any]) -> ast.Func:
        is_async = str(c[0]) == "async"
        rest = c[2:] if is_async else c[1:]
        params = rest[0]
        result = rest[1] if len(rest) > 1 else None
        return ast.Func(params, result, is_async, self.span(c[0]))

    def named_func(self, c: list[Any]) -> ast.NamedFunc:
        attrs, name = c[0], c[1]
        return ast.NamedFunc(self._docs_at(attrs, name.span.start), attrs, name, c[3])

    # ---- use -----------------------------------------------------------------

    def use_name(self, c: list[Any]) -> ast.UseName:
        return ast.UseName(c[0], c[2] if len(c) == 3 else None)

    def use_stmt(self, c: list[Any]) -> ast.Use:
        return ast.Use(c[0], c[2], [x for x in c[5:] if isinstance(x, ast.UseName)])

    # ---- interfaces and worlds -------------------------------------------------

    def interface_def(self, c: list[Any]) -> ast.Interface:
        return ast.Interface(self._docs_at(c[0], c[1].start_pos), c[0], c[2], c[4:-1])

    def world_def(self, c: list[Any]) -> ast.World:
        return ast.World(self._docs_at(c[0], c[1].start_pos), c[0], c[2], c[4:-1])

    def import_item(self, c: list[Any]) -> ast.Import:
        return ast.Import(self._docs_at(c[0], c[1].start_pos), c[0], c[2])

    def export_item(self, c: list[Any]) -> ast.Export:
        return ast.Export(self._docs_at(c[0], c[1].start_pos), c[0], c[2])

    def extern_func(self, c: list[Any]) -> ast.ExternFunc:
        return ast.ExternFunc(c[0], c[2])

    def extern_interface(self, c: list[Any]) -> ast.ExternInterface:
        return ast.ExternInterface(c[0], c[4:-1])

    def extern_path(self, c: list[Any]) -> ast.ExternPath:
        return ast.ExternPath(c[0])

    def extern_named_path(self, c: list[Any]) -> ast.ExternNamedPath:
        return ast.ExternNamedPath(c[0], c[2])

    def include_name(self, c: list[Any]) -> ast.IncludeName:
        return ast.IncludeName(c[0], c[2])

    def include_item(self, c: list[Any]) -> ast.Include:
        return ast.Include(c[0], c[2], [x for x in c[3:] if isinstance(x, ast.IncludeName)])

    # ---- type definitions --------------------------------------------------------

    def _typedef(self, c: list[Any], body: ast.TypeBody) -> ast.TypeDef:
        if isinstance(body, (ast.RecordBody, ast.VariantBody, ast.EnumBody, ast.FlagsBody)):
            if not (
                body.fields
                if isinstance(body, ast.RecordBody)
                else body.flags if isinstance(body, ast.FlagsBody) else body.cases
            ):
                self.later(ParseError(f"empty {c[1]}", c[2].span))
        return ast.TypeDef(self._docs_at(c[0], c[1].start_pos), c[0], c[2], body, self.span(c[1]))

    def type_alias(self, c: list[Any]) -> ast.TypeDef:
        return self._typedef(c, c[4])

    def record_field(self, c: list[Any]) -> ast.Field:
        return ast.Field(self.docs.before(c[0].span.start), c[0], c[2])

    def record_def(self, c: list[Any]) -> ast.TypeDef:
        return self._typedef(c, ast.RecordBody([x for x in c[4:] if isinstance(x, ast.Field)]))

    def variant_case(self, c: list[Any]) -> ast.Case:
        return ast.Case(self.docs.before(c[0].span.start), c[0], c[2] if len(c) == 4 else None)

    def variant_def(self, c: list[Any]) -> ast.TypeDef:
        return self._typedef(c, ast.VariantBody([x for x in c[4:] if isinstance(x, ast.Case)]))

    def enum_case(self, c: list[Any]) -> ast.Case:
        return ast.Case(self.docs.before(c[0].span.start), c[0], None)

    flag_case = enum_case

    def enum_def(self, c: list[Any]) -> ast.TypeDef:
        return self._typedef(c, ast.EnumBody([x for x in c[4:] if isinstance(x, ast.Case)]))

    def flags_def(self, c: list[Any]) -> ast.TypeDef:
        return self._typedef(c, ast.FlagsBody([x for x in c[4:] if isinstance(x, ast.Case)]))

    def resource_def(self, c: list[Any]) -> ast.TypeDef:
        return self._typedef(c, ast.ResourceBody([x for x in c[4:] if isinstance(x, ast.ResourceFunc)]))

    def resource_method(self, c: list[Any]) -> ast.ResourceFunc:
        attrs, name = c[0], c[1]
        docs = self._docs_at(attrs, name.span.start)
        return ast.ResourceFunc("method", ast.NamedFunc(docs, attrs, name, c[3]))

    def resource_static(self, c: list[Any]) -> ast.ResourceFunc:
        attrs, name = c[0], c[1]
        docs = self._docs_at(attrs, name.span.start)
        return ast.ResourceFunc("static", ast.NamedFunc(docs, attrs, name, c[4]))

    def resource_constructor(self, c: list[Any]) -> ast.ResourceFunc:
        attrs, kw = c[0], c[1]
        span = self.span(kw)
        result = c[3] if len(c) == 5 else None
        func = ast.Func(c[2], result, False, span)
        return ast.ResourceFunc(
            "constructor",
            ast.NamedFunc(self._docs_at(attrs, kw.start_pos), attrs, ast.Id("constructor", span), func),
        )

    # ---- types ---------------------------------------------------------------------

    def prim(self, c: list[Token]) -> ast.PrimType:
        return ast.PrimType(str(c[0]), self.span(c[0]))

    def ty(self, c: list[Any]) -> ast.TypeExpr:
        first = c[0]
        if not is_token(first):
            if isinstance(first, ast.Id):
                return ast.NamedType(first)
            return first  # type: ignore[no-any-return]
        kind = first.type
        span = self.span(first)
        if kind in ("OWN", "BORROW"):
            return ast.HandleType("own" if kind == "OWN" else "borrow", c[2], span)
        args = [x for x in c[2:-1] if not isinstance(x, str)]
        height = 1 + max((a.height for a in args if isinstance(a, ast.GenericType)), default=0)
        if height > MAX_NESTING:
            raise TooDeep(ParseError("type nesting too deep", span))
        generic_kind = kind.lower()
        size = 0
        if kind == "LIST" and len(c) == 6:
            generic_kind = "fixed-list"
            size = int(str(c[4]))
            if size >= 1 << 32:
                raise ParseError("invalid list size: number too large to fit in target type", self.span(c[4]))
        elif kind == "RESULT":
            if len(c) == 1:
                args = [None, None]
            elif len(c) == 4:
                args = [args[0], None]
            elif isinstance(c[2], str):  # result<_, E>
                args = [None, args[0]]
        elif kind in ("FUTURE", "STREAM"):
            args = args or [None]
        elif kind == "TUPLE" and not args:
            self.later(ParseError("empty tuple", span))
        return ast.GenericType(generic_kind, args, span, size, height)  # type: ignore[arg-type]
