"""WAVE nodes to the Python values generated bindings take, checked against a WIT type.

Every value WAVE can say is checked here, with an error pointing at its text (an integer out of
range, a missing record field, an unknown case); what's left to check is the binding's.
Values take the bindings' shapes (`witgen.wave.shapes`): `option<T>` is `None` or the value
(`Some(v)` when `T` is itself an option), `result` is `Ok(v)`/`Err(e)`, `list<u8>` is `bytes`,
`map<K, V>` is a `dict` written as a list of pairs, `[(k, v), ...]`.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from witgen.gen_wit.printer import WitPrinter
from witgen.resolve import ir
from witgen.runtime.types import Err, Ok, Some
from witgen.wave import syntax as s
from witgen.wave.errors import WaveError
from witgen.wave.shapes import Shapes

INT_RANGES = {
    ir.Prim.U8: (0, 2**8 - 1),
    ir.Prim.U16: (0, 2**16 - 1),
    ir.Prim.U32: (0, 2**32 - 1),
    ir.Prim.U64: (0, 2**64 - 1),
    ir.Prim.S8: (-(2**7), 2**7 - 1),
    ir.Prim.S16: (-(2**15), 2**15 - 1),
    ir.Prim.S32: (-(2**31), 2**31 - 1),
    ir.Prim.S64: (-(2**63), 2**63 - 1),
}
F32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]


def describe(node: s.Node) -> str:
    """What a node looks like, for errors: "a string", "`red`", "number `256`"."""
    if isinstance(node, s.Number):
        return f"number `{node.text}`"
    if isinstance(node, s.Char):
        return "a char"
    if isinstance(node, s.String):
        return "a string"
    if isinstance(node, s.Label):
        return f"`{node.name}(...)`" if node.payload is not None else f"`{node.name}`"
    if isinstance(node, s.Tuple):
        return f"a tuple of {len(node.items)}"
    if isinstance(node, s.List):
        return "a list"
    if isinstance(node, s.Record):
        return "a record"
    return "flags `{...}`"


def is_option_or_result(resolve: ir.Resolve, ty: ir.Type | None) -> bool:
    """Whether `ty` is an option or result: their payloads can't be written flat."""
    if ty is None:
        return False
    resolved = resolve.resolve_alias(ty)
    return not isinstance(resolved, ir.Prim) and isinstance(
        resolve.types[resolved].kind, (ir.OptionType, ir.ResultType)
    )


def to_f32(value: float) -> float:
    """`value` rounded to the nearest f32 (what an f32 parameter receives)."""
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def f32_fits(value: float) -> bool:
    """Whether an f64 rounds to a finite f32 (f32's largest value, or below it)."""
    try:
        struct.pack("<f", value)
    except OverflowError:
        return False
    return True


class Decoder:
    """Decodes nodes of one text (`source`, for error carets) against types of `resolve`."""

    def __init__(self, resolve: ir.Resolve, shapes: Shapes, source: str) -> None:
        self.resolve = resolve
        self.shapes = shapes
        self.source = source
        self.printer = WitPrinter(resolve)

    def type_name(self, ty: ir.Type) -> str:
        return self.printer.type_name(ty)

    def error(self, message: str, node: s.Node | s.Field) -> WaveError:
        return WaveError(message, self.source, node.start, node.end)

    def mismatch(self, node: s.Node, ty: ir.Type, hint: str = "") -> WaveError:
        return self.error(f"expected {self.type_name(ty)}{hint}, found {describe(node)}", node)

    def value(self, node: s.Node, ty: ir.Type) -> Any:
        resolved = self.resolve.resolve_alias(ty)
        if isinstance(resolved, ir.Prim):
            return self.prim(node, resolved)
        kind = self.resolve.types[resolved].kind
        if isinstance(kind, ir.Record):
            return self.record(node, resolved, kind)
        if isinstance(kind, ir.Variant):
            return self.variant(node, resolved, kind)
        if isinstance(kind, ir.EnumType):
            return self.enum(node, resolved, kind)
        if isinstance(kind, ir.Flags):
            return self.flags(node, resolved, kind)
        if isinstance(kind, ir.Tuple):
            if not isinstance(node, s.Tuple):
                raise self.mismatch(node, ty)
            if len(node.items) != len(kind.types):
                raise self.error(
                    f"expected {self.type_name(ty)} ({len(kind.types)} values), found {len(node.items)}", node
                )
            return tuple(self.value(n, t) for n, t in zip(node.items, kind.types, strict=True))
        if isinstance(kind, (ir.ListType, ir.FixedListType)):
            return self.list(node, ty, kind)
        if isinstance(kind, ir.MapType):
            return self.map(node, ty, kind)
        if isinstance(kind, ir.OptionType):
            return self.option(node, ty, kind)
        if isinstance(kind, ir.ResultType):
            return self.result(node, ty, kind)
        if isinstance(kind, (ir.Handle, ir.Resource)):
            raise self.error(
                f"{self.type_name(ty)} is a resource handle, which WAVE can't write:"
                " call this function from Python bindings instead",
                node,
            )
        raise self.error(f"{self.type_name(ty)} values can't be written in WAVE", node)

    # --- scalars ------------------------------------------------------------------------------

    def prim(self, node: s.Node, prim: ir.Prim) -> Any:
        if prim in INT_RANGES:
            return self.integer(node, prim)
        if prim in (ir.Prim.F32, ir.Prim.F64):
            return self.float(node, prim)
        if prim == ir.Prim.BOOL:
            if (
                isinstance(node, s.Label)
                and node.payload is None
                and (node.keyword("true") or node.keyword("false"))
            ):
                return node.name == "true"
            raise self.mismatch(node, prim, " (`true` or `false`)")
        if prim == ir.Prim.CHAR:
            if isinstance(node, s.Char):
                return node.value
            raise self.mismatch(node, prim, " (a char, like 'x')")
        if prim == ir.Prim.STRING:
            if isinstance(node, s.String):
                return node.value
            raise self.mismatch(node, prim, ' (a string, like "abc")')
        raise self.error(f"{prim.value} values can't be written in WAVE", node)

    def integer(self, node: s.Node, prim: ir.Prim) -> int:
        low, high = INT_RANGES[prim]
        if not isinstance(node, s.Number):
            raise self.mismatch(node, prim)
        text = node.text
        if text == "-inf" or any(c in text for c in ".eE"):
            raise self.error(f"expected {prim.value}, an integer, found `{text}`", node)
        value = int(text)
        if not low <= value <= high:
            raise self.error(f"{value} is out of range for {prim.value} ({low} to {high})", node)
        return value

    def float(self, node: s.Node, prim: ir.Prim) -> float:
        if (
            isinstance(node, s.Label)
            and node.payload is None
            and (node.keyword("nan") or node.keyword("inf"))
        ):
            return math.nan if node.name == "nan" else math.inf
        if not isinstance(node, s.Number):
            raise self.mismatch(node, prim)
        value = float(node.text)
        if math.isinf(value) and node.text != "-inf":
            raise self.error(
                f"`{node.text}` is out of range for {prim.value} (write `inf` for infinity)", node
            )
        if prim == ir.Prim.F32:
            if not f32_fits(value):
                raise self.error(f"`{node.text}` is out of range for f32 (write `inf` for infinity)", node)
            return to_f32(value)
        return value

    # --- named types ----------------------------------------------------------------------------

    def record(self, node: s.Node, id: ir.TypeId, kind: ir.Record) -> Any:
        if isinstance(node, s.Flags) and not node.names:
            node = s.Record(node.start, node.end, [])  # `{}` for `{:}`
        if not isinstance(node, s.Record):
            raise self.mismatch(node, id, " (a record, like {field: value})")
        given = {f.name: f for f in node.fields}
        names = [f.name for f in kind.fields]
        for f in node.fields:
            if f.name not in names:
                raise self.error(
                    f"record {self.type_name(id)} has no field `{f.name}` (fields: {', '.join(names)})", f
                )
        values = []
        for wit_field in kind.fields:
            found = given.get(wit_field.name)
            if found is not None:
                values.append(self.value(found.value, wit_field.ty))
            elif self.is_option(wit_field.ty):
                values.append(None)
            else:
                raise self.error(
                    f"missing field `{wit_field.name}: {self.type_name(wit_field.ty)}` of record"
                    f" {self.type_name(id)}",
                    node,
                )
        return self.shapes.record(id)(*values)

    def variant(self, node: s.Node, id: ir.TypeId, kind: ir.Variant) -> Any:
        names = [c.name for c in kind.cases]
        if not isinstance(node, s.Label):
            raise self.mismatch(node, id, f" (one of its cases: {', '.join(names)})")
        if node.name not in names:
            raise self.error(
                f"variant {self.type_name(id)} has no case `{node.name}` (cases: {', '.join(names)})", node
            )
        index = names.index(node.name)
        case = kind.cases[index]
        cls = self.shapes.case(id, index)
        if case.ty is None:
            if node.payload is not None:
                raise self.error(f"case `{case.name}` of variant {self.type_name(id)} has no payload", node)
            return cls()
        if node.payload is None:
            raise self.error(
                f"case `{case.name}` of variant {self.type_name(id)} needs a payload:"
                f" `{case.name}(<{self.type_name(case.ty)}>)`",
                node,
            )
        return cls(self.value(node.payload, case.ty))

    def enum(self, node: s.Node, id: ir.TypeId, kind: ir.EnumType) -> Any:
        names = [c.name for c in kind.cases]
        if not isinstance(node, s.Label) or node.payload is not None:
            raise self.mismatch(node, id, f" (one of: {', '.join(names)})")
        if node.name not in names:
            raise self.error(
                f"enum {self.type_name(id)} has no case `{node.name}` (cases: {', '.join(names)})", node
            )
        return self.shapes.enum(id)(names.index(node.name))

    def flags(self, node: s.Node, id: ir.TypeId, kind: ir.Flags) -> Any:
        names = [f.name for f in kind.flags]
        if not isinstance(node, s.Flags):
            raise self.mismatch(node, id, " (flags, like {a, b} or {})")
        bits = 0
        for name, start, end in node.names:
            if name not in names:
                raise WaveError(
                    f"flags {self.type_name(id)} has no flag `{name}` (flags: {', '.join(names)})",
                    self.source,
                    start,
                    end,
                )
            bits |= 1 << names.index(name)
        return self.shapes.flags(id)(bits)

    # --- anonymous types ------------------------------------------------------------------------

    def list(self, node: s.Node, ty: ir.Type, kind: ir.ListType | ir.FixedListType) -> Any:
        if not isinstance(node, s.List):
            raise self.mismatch(node, ty, " (a list, like [a, b])")
        if isinstance(kind, ir.FixedListType) and len(node.items) != kind.size:
            raise self.error(
                f"expected {self.type_name(ty)}: {kind.size} values, found {len(node.items)}", node
            )
        items = [self.value(n, kind.ty) for n in node.items]
        if isinstance(kind, ir.ListType) and kind.ty == ir.Prim.U8:
            return bytes(items)
        return items

    def map(self, node: s.Node, ty: ir.Type, kind: ir.MapType) -> dict[Any, Any]:
        if not isinstance(node, s.List):
            raise self.mismatch(node, ty, " (a list of (key, value) pairs)")
        out: dict[Any, Any] = {}
        for item in node.items:
            if not isinstance(item, s.Tuple) or len(item.items) != 2:
                raise self.error(
                    f"expected a (key, value) pair of {self.type_name(ty)}, found {describe(item)}", item
                )
            key = self.value(item.items[0], kind.key)
            if key in out:
                raise self.error("this key is given twice", item.items[0])
            out[key] = self.value(item.items[1], kind.value)
        return out

    def is_option(self, ty: ir.Type) -> bool:
        resolved = self.resolve.resolve_alias(ty)
        return not isinstance(resolved, ir.Prim) and isinstance(
            self.resolve.types[resolved].kind, ir.OptionType
        )

    def option(self, node: s.Node, ty: ir.Type, kind: ir.OptionType) -> Any:
        wrap = self.is_option(kind.ty)
        if isinstance(node, s.Label) and node.keyword("none"):
            if node.payload is not None:
                raise self.error("`none` has no payload", node)
            return None
        if isinstance(node, s.Label) and node.keyword("some"):
            if node.payload is None:
                raise self.error(f"`some` needs a payload: some(<{self.type_name(kind.ty)}>)", node)
            inner = self.value(node.payload, kind.ty)
        elif is_option_or_result(self.resolve, kind.ty):
            raise self.mismatch(node, ty, " (`some(...)` or `none`)")
        else:
            inner = self.value(node, kind.ty)  # the flat form: `5` for `some(5)`
        return Some(inner) if wrap else inner

    def result(self, node: s.Node, ty: ir.Type, kind: ir.ResultType) -> Any:
        if isinstance(node, s.Label) and (node.keyword("ok") or node.keyword("err")):
            payload_ty = kind.ok if node.name == "ok" else kind.err
            make = Ok if node.name == "ok" else Err
            if payload_ty is None:
                if node.payload is not None:
                    raise self.error(f"`{node.name}` of {self.type_name(ty)} has no payload", node)
                return make(None)
            if node.payload is None:
                raise self.error(
                    f"`{node.name}` needs a payload: {node.name}(<{self.type_name(payload_ty)}>)", node
                )
            return make(self.value(node.payload, payload_ty))
        if kind.ok is None or is_option_or_result(self.resolve, kind.ok):
            raise self.mismatch(node, ty, " (`ok(...)` or `err(...)`)")
        return Ok(self.value(node, kind.ok))  # the flat form: `5` for `ok(5)`
