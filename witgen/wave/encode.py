"""Python values of generated bindings to WAVE text, as wasmtime's `--invoke` prints them.

The spelling follows wasm-wave's writer: `some(x)`/`none` and `ok(x)`/`err(e)` always explicit,
records without their `none` fields (`{:}` if that leaves none), `%` before labels that are
keywords, floats as the shortest decimal that reads back exactly (`nan`, `inf`, `-inf`), without
an exponent, and chars and strings with `\\t \\n \\r \\' \\" \\\\` escaped and other control or
invisible characters as `\\u{...}`.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal
from typing import Any

from witgen.pyview.names import snake
from witgen.resolve import ir
from witgen.runtime.types import Err, Ok, Some
from witgen.wave.decode import to_f32
from witgen.wave.lexer import KEYWORDS
from witgen.wave.shapes import Shapes

_ESCAPES = {"\\": "\\\\", '"': '\\"', "'": "\\'", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Mn", "Me"})
"""Unicode categories printed as `\\u{...}`: control, format, unassigned and combining characters
(a combining mark would attach to the quote before it)."""


def escape_char(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    category = unicodedata.category(ch)
    if category in _HIDDEN or category == "Zs" and ch != " ":
        return f"\\u{{{ord(ch):x}}}"
    return ch


def quote(text: str, mark: str) -> str:
    return mark + "".join(escape_char(ch) for ch in text) + mark


def label(name: str) -> str:
    """A case name, `%`-escaped if WAVE would read it as a keyword."""
    return f"%{name}" if name in KEYWORDS else name


def shortest(value: float, single: bool) -> str:
    """The shortest decimal digits that read back as `value` (as an f32 if `single`)."""
    if not single:
        return repr(value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if to_f32(float(text)) == value:
            return text
    return repr(value)


def format_float(value: float, single: bool = False) -> str:
    """`nan`, `inf`, `-inf`, or the shortest round-tripping digits without exponent (`1.5`,
    `100`, `0.001`, `-0`), like Rust's `Display`."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = format(Decimal(shortest(value, single)).normalize(), "f")
    return text


class Encoder:
    def __init__(self, resolve: ir.Resolve, shapes: Shapes) -> None:
        self.resolve = resolve
        self.shapes = shapes

    def value(self, v: Any, ty: ir.Type) -> str:
        resolved = self.resolve.resolve_alias(ty)
        if isinstance(resolved, ir.Prim):
            return self.prim(v, resolved)
        kind = self.resolve.types[resolved].kind
        if isinstance(kind, ir.Record):
            return self.record(v, kind)
        if isinstance(kind, ir.Variant):
            return self.variant(v, resolved, kind)
        if isinstance(kind, ir.EnumType):
            return label(kind.cases[v.value].name)
        if isinstance(kind, ir.Flags):
            bits = int(v.value)
            return "{" + ", ".join(f.name for i, f in enumerate(kind.flags) if bits >> i & 1) + "}"
        if isinstance(kind, ir.Tuple):
            return "(" + ", ".join(self.value(x, t) for x, t in zip(v, kind.types, strict=True)) + ")"
        if isinstance(kind, (ir.ListType, ir.FixedListType)):
            return "[" + ", ".join(self.value(x, kind.ty) for x in v) + "]"
        if isinstance(kind, ir.MapType):
            pairs = (f"({self.value(k, kind.key)}, {self.value(x, kind.value)})" for k, x in v.items())
            return "[" + ", ".join(pairs) + "]"
        if isinstance(kind, ir.OptionType):
            if v is None:
                return "none"
            return f"some({self.value(v.value if isinstance(v, Some) else v, kind.ty)})"
        if isinstance(kind, ir.ResultType):
            if isinstance(v, Ok):
                return self.case("ok", v.value, kind.ok)
            if isinstance(v, Err):
                return self.case("err", v.value, kind.err)
            raise TypeError(f"expected Ok or Err for a result, got {type(v).__name__}")
        raise TypeError(f"{type(v).__name__} values have no WAVE form")

    def prim(self, v: Any, prim: ir.Prim) -> str:
        if prim == ir.Prim.BOOL:
            return "true" if v else "false"
        if prim in (ir.Prim.F32, ir.Prim.F64):
            return format_float(float(v), prim == ir.Prim.F32)
        if prim == ir.Prim.CHAR:
            return quote(v, "'")
        if prim == ir.Prim.STRING:
            return quote(v, '"')
        if prim == ir.Prim.ERROR_CONTEXT:
            raise TypeError("error-context values have no WAVE form")
        return str(int(v))

    def case(self, name: str, payload: Any, ty: ir.Type | None) -> str:
        """`name` or `name(payload)`: a result's or variant's case."""
        return name if ty is None else f"{name}({self.value(payload, ty)})"

    def record(self, v: Any, kind: ir.Record) -> str:
        parts = []
        for f in kind.fields:
            x = getattr(v, snake(f.name))
            if x is None and self.is_option(f.ty):
                continue
            parts.append(f"{f.name}: {self.value(x, f.ty)}")
        return "{" + ", ".join(parts) + "}" if parts else "{:}"

    def variant(self, v: Any, id: ir.TypeId, kind: ir.Variant) -> str:
        for index, case in enumerate(kind.cases):
            if type(v) is self.shapes.case(id, index):
                return self.case(label(case.name), getattr(v, "value", None), case.ty)
        raise TypeError(f"{type(v).__name__} is not a case of variant {self.resolve.types[id].name}")

    def is_option(self, ty: ir.Type) -> bool:
        resolved = self.resolve.resolve_alias(ty)
        return not isinstance(resolved, ir.Prim) and isinstance(
            self.resolve.types[resolved].kind, ir.OptionType
        )
