"""WAVE text to untyped nodes, and function calls `name(arg, ...)`.

WAVE can't be read without types (`red` may be an enum case or a variant's, `{}` flags or an
empty record, `1` a u8 or an f64), so this builds nodes that keep their source spans; `decode`
gives them meaning against a WIT type and points errors at the span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from witgen.wave.errors import WaveError
from witgen.wave.lexer import Lexer, Token

MAX_DEPTH = 100
"""Nesting deeper than this is refused (wasm-wave's limit too)."""


@dataclass(frozen=True)
class Node:
    start: int
    end: int


@dataclass(frozen=True)
class Number(Node):
    text: str
    """As written: `-12`, `1.5e3`, `-inf`."""


@dataclass(frozen=True)
class Char(Node):
    value: str


@dataclass(frozen=True)
class String(Node):
    value: str


@dataclass(frozen=True)
class Label(Node):
    """A bare or `%`-escaped label with an optional payload: bools, `some`/`none`, `ok`/`err`,
    `inf`/`nan`, enum and variant cases."""

    name: str
    escaped: bool
    payload: Node | None = None

    def keyword(self, name: str) -> bool:
        """Whether this is the WAVE keyword `name` (an escaped `%name` is a plain label)."""
        return not self.escaped and self.name == name


@dataclass(frozen=True)
class Tuple(Node):
    items: list[Node]


@dataclass(frozen=True)
class List(Node):
    items: list[Node]


@dataclass(frozen=True)
class Field:
    name: str
    start: int
    end: int
    value: Node


@dataclass(frozen=True)
class Record(Node):
    fields: list[Field]


@dataclass(frozen=True)
class Flags(Node):
    """`{a, b}`; `{}` is empty flags (or, leniently, a record whose fields are all options)."""

    names: list[tuple[str, int, int]]


@dataclass
class Call:
    """`name(args)`: the name as written and where, and the argument nodes."""

    name: str
    name_start: int
    name_end: int
    args: list[Node] = field(default_factory=list)
    close: int = 0
    """Where the closing `)` is (missing arguments are reported there)."""


class Parser:
    def __init__(self, source: str, pos: int = 0) -> None:
        self.source = source
        self.lexer = Lexer(source, pos)
        self.peeked: Token | None = None
        self.depth = 0

    def error(self, message: str, start: int, end: int | None = None) -> WaveError:
        return WaveError(message, self.source, start, end)

    def peek(self) -> Token:
        if self.peeked is None:
            self.peeked = self.lexer.next()
        return self.peeked

    def take(self) -> Token:
        token = self.peek()
        self.peeked = None
        return token

    def expect(self, kind: str, what: str) -> Token:
        token = self.take()
        if token.kind != kind:
            raise self.unexpected(token, what)
        return token

    def unexpected(self, token: Token, what: str) -> WaveError:
        got = "the end of the text" if token.kind == "end" else f"`{token.text}`"
        return self.error(f"expected {what}, found {got}", token.start, token.end)

    def finish(self) -> None:
        token = self.peek()
        if token.kind != "end":
            raise self.error(f"unexpected `{token.text}` after the value", token.start, token.end)

    # --- values -----------------------------------------------------------------------------

    def value(self) -> Node:
        if self.depth >= MAX_DEPTH:
            token = self.peek()
            raise self.error(f"values nest more than {MAX_DEPTH} deep", token.start, token.end)
        self.depth += 1
        try:
            return self._value()
        finally:
            self.depth -= 1

    def _value(self) -> Node:
        token = self.take()
        kind = token.kind
        if kind == "number":
            return Number(token.start, token.end, token.text)
        if kind == "char":
            return Char(token.start, token.end, token.value)
        if kind == "string":
            return String(token.start, token.end, token.value)
        if kind == "label":
            payload = None
            end = token.end
            if self.peek().kind == "(":
                self.take()
                payload = self.value()
                end = self.expect(")", "`)` after the payload").end
            return Label(token.start, end, token.text, token.escaped, payload)
        if kind == "(":
            items, end = self.sequence(")")
            if not items:
                raise self.error("empty tuple: a tuple has at least one value", token.start, end)
            return Tuple(token.start, end, items)
        if kind == "[":
            items, end = self.sequence("]")
            return List(token.start, end, items)
        if kind == "{":
            return self.braces(token)
        raise self.unexpected(token, "a value")

    def sequence(self, close: str) -> tuple[list[Node], int]:
        """Comma-separated values up to `close` (a trailing comma allowed), and its end."""
        items: list[Node] = []
        while True:
            if self.peek().kind == close:
                return items, self.take().end
            items.append(self.value())
            token = self.take()
            if token.kind == close:
                return items, token.end
            if token.kind != ",":
                raise self.unexpected(token, f"`,` or `{close}`")

    def braces(self, open_: Token) -> Node:
        """`{:}` or `{a: 1, ...}` (a record), `{}` or `{a, ...}` (flags)."""
        first = self.peek()
        if first.kind == ":":
            self.take()
            end = self.expect("}", "`}` after `{:`").end
            return Record(open_.start, end, [])
        if first.kind == "}":
            return Flags(open_.start, self.take().end, [])
        label = self.expect("label", "a field or flag name")
        if self.peek().kind == ":":
            return self.record(open_, label)
        return self.flags(open_, label)

    def record(self, open_: Token, label: Token) -> Record:
        fields: list[Field] = []
        seen: set[str] = set()
        while True:
            if label.text in seen:
                raise self.error(f"field `{label.text}` is given twice", label.start, label.end)
            seen.add(label.text)
            self.expect(":", "`:` after the field name")
            fields.append(Field(label.text, label.start, label.end, self.value()))
            token = self.take()
            if token.kind == "," and self.peek().kind == "}":
                token = self.take()
            if token.kind == "}":
                return Record(open_.start, token.end, fields)
            if token.kind != ",":
                raise self.unexpected(token, "`,` or `}`")
            label = self.expect("label", "a field name")

    def flags(self, open_: Token, label: Token) -> Flags:
        names: list[tuple[str, int, int]] = []
        while True:
            if any(name == label.text for name, _, _ in names):
                raise self.error(f"flag `{label.text}` is given twice", label.start, label.end)
            names.append((label.text, label.start, label.end))
            token = self.take()
            if token.kind == "," and self.peek().kind == "}":
                token = self.take()
            if token.kind == "}":
                return Flags(open_.start, token.end, names)
            if token.kind != ",":
                raise self.unexpected(token, "`,` or `}`")
            label = self.expect("label", "a flag name")


def parse_value(source: str) -> Node:
    """One WAVE value (whitespace and comments around it allowed)."""
    parser = Parser(source)
    node = parser.value()
    parser.finish()
    return node


_NAME = re.compile(r"\s*([^\s(]*)")


def parse_call(source: str) -> Call:
    """`name(arg, ...)`. The name is everything before `(` (`add`, `calc.add`,
    `ns:pkg/iface@1.0.0.add`): which export it means is the caller's business."""
    found = _NAME.match(source)
    assert found is not None
    name, start, end = found.group(1), found.start(1), found.end(1)
    if not name:
        raise WaveError("expected a function name, like `add(1, 2)`", source, start, start + 1)
    parser = Parser(source, end)
    token = parser.take()
    if token.kind != "(":
        raise WaveError(
            f"expected `(` after the function name (write `{name}(...)`, with its arguments in WAVE)",
            source,
            token.start if token.kind != "end" else end,
            token.end if token.kind != "end" else end + 1,
        )
    args, close = parser.sequence(")")
    parser.finish()
    return Call(name, start, end, args, close - 1)
