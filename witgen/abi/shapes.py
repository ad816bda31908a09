"""Despecialisation: every WIT value type as one of the few shapes the Canonical ABI lays out.

CanonicalABI.md defines size, alignment and flattening only for scalars,
strings, lists, records, variants and flags; ``tuple``, ``enum``, ``option``
and ``result`` are sugar for records and variants (its ``despecialize``), and
``map<K, V>`` is laid out as ``list<tuple<K, V>>``. Reducing the IR to these
shapes once lets layout and flattening each handle five cases instead of
seventeen, exactly as the spec does.

A shape's members are themselves IR types (or, for a map's synthetic
``tuple<K, V>`` element, a shape), so nested types are despecialised lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from witgen.resolve import ir

CoreType = Literal["i32", "i64", "f32", "f64"]
"""A core wasm value type, as the spec's ``flatten_type`` spells them."""


@dataclass(frozen=True, slots=True)
class Scalar:
    """A value held as one little-endian number: its byte size (= alignment) and core type.

    Integers, floats, ``bool``, ``char`` and every kind of handle (``own``,
    ``borrow``, ``future``, ``stream``, ``error-context``) are scalars.
    """

    size: int
    core: CoreType


@dataclass(frozen=True, slots=True)
class String:
    """A string: a (pointer, length) pair whose units depend on the string encoding."""


@dataclass(frozen=True, slots=True)
class List:
    """A list: a (pointer, length) pair, or ``length`` elements stored inline for ``list<T, N>``."""

    elem: AbiType
    length: int | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """Fields laid out in order, each at its own alignment (records and tuples)."""

    fields: tuple[AbiType, ...]


@dataclass(frozen=True, slots=True)
class Variant:
    """A discriminant then a payload shared by all cases (variants, enums, options, results)."""

    cases: tuple[AbiType | None, ...]


@dataclass(frozen=True, slots=True)
class Flags:
    """``count`` booleans packed as bits, least significant first."""

    count: int


Shape = Union[Scalar, String, List, Record, Variant, Flags]
AbiType = Union[ir.Type, Shape]
"""What the ABI functions accept: an IR type use, or an already despecialised shape."""

_SCALARS: dict[ir.Prim, Scalar] = {
    ir.Prim.BOOL: Scalar(1, "i32"),
    ir.Prim.U8: Scalar(1, "i32"),
    ir.Prim.S8: Scalar(1, "i32"),
    ir.Prim.U16: Scalar(2, "i32"),
    ir.Prim.S16: Scalar(2, "i32"),
    ir.Prim.U32: Scalar(4, "i32"),
    ir.Prim.S32: Scalar(4, "i32"),
    ir.Prim.CHAR: Scalar(4, "i32"),
    ir.Prim.U64: Scalar(8, "i64"),
    ir.Prim.S64: Scalar(8, "i64"),
    ir.Prim.F32: Scalar(4, "f32"),
    ir.Prim.F64: Scalar(8, "f64"),
    ir.Prim.ERROR_CONTEXT: Scalar(4, "i32"),
}

HANDLE = Scalar(4, "i32")
"""Resource handles and future/stream ends are i32 indices into a table."""


class AbiError(ValueError):
    """A type the Canonical ABI has no layout for (a bare resource, an unresolved type)."""


def despecialize(resolve: ir.Resolve, ty: AbiType) -> Shape:
    """The spec's ``despecialize``: the layout-relevant shape of ``ty`` (aliases followed)."""
    if isinstance(ty, Scalar | String | List | Record | Variant | Flags):
        return ty
    ty = resolve.resolve_alias(ty)
    if isinstance(ty, ir.Prim):
        return String() if ty is ir.Prim.STRING else _SCALARS[ty]
    kind = resolve.types[ty].kind
    match kind:
        case ir.Record(fields):
            return Record(tuple(f.ty for f in fields))
        case ir.Tuple(types):
            return Record(tuple(types))
        case ir.Variant(cases):
            return Variant(tuple(c.ty for c in cases))
        case ir.EnumType(cases):
            return Variant((None,) * len(cases))
        case ir.OptionType(payload):
            return Variant((None, payload))
        case ir.ResultType(ok, err):
            return Variant((ok, err))
        case ir.Flags(flags):
            return Flags(len(flags))
        case ir.ListType(elem):
            return List(elem)
        case ir.FixedListType(elem, size):
            return List(elem, size)
        case ir.MapType(key, value):
            return List(Record((key, value)))
        case ir.Handle() | ir.FutureType() | ir.StreamType():
            return HANDLE
        case _:
            name = resolve.types[ty].name or f"type {ty}"
            raise AbiError(
                f"`{name}` ({type(kind).__name__}) is not a value type the Canonical ABI can lay out"
            )
