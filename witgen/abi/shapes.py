"""Despecialisation: every component value type as one of the few shapes the Canonical ABI lays out.

CanonicalABI.md defines size, alignment and flattening only for scalars, strings, lists, records,
variants and flags; ``tuple``, ``enum``, ``option`` and ``result`` are sugar for records and
variants (its ``despecialize``), and ``map<K, V>`` is laid out as ``list<tuple<K, V>>``. Reducing
types to these shapes once lets layout and flattening each handle six cases instead of seventeen,
exactly as the spec does.

The types are ``witgen.component.types``: the one structural model both a component binary's
types (the cabi engine) and the front-end's IR (``witgen.resolve.structural``) map onto. A
shape's members are themselves such types (or, for a map's synthetic ``tuple<K, V>`` element, a
shape), so nested types are despecialised lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from witgen.component import types as t

CoreType = Literal["i32", "i64", "f32", "f64"]
"""A core wasm value type, as the spec's ``flatten_type`` spells them."""


@dataclass(frozen=True, slots=True)
class Scalar:
    """A value held as one little-endian number: its byte size (= alignment) and core type.

    Integers, floats, ``bool``, ``char`` and every kind of handle (``own``, ``borrow``,
    ``future``, ``stream``, ``error-context``) are scalars.
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
AbiType = Union[t.ValType, Shape]
"""What the ABI functions accept: a (resolved) component value type, or an already despecialised shape."""

SCALARS: dict[str, Scalar] = {
    "bool": Scalar(1, "i32"),
    "u8": Scalar(1, "i32"),
    "s8": Scalar(1, "i32"),
    "u16": Scalar(2, "i32"),
    "s16": Scalar(2, "i32"),
    "u32": Scalar(4, "i32"),
    "s32": Scalar(4, "i32"),
    "char": Scalar(4, "i32"),
    "u64": Scalar(8, "i64"),
    "s64": Scalar(8, "i64"),
    "f32": Scalar(4, "f32"),
    "f64": Scalar(8, "f64"),
    "error-context": Scalar(4, "i32"),
}
"""The primitive value types other than ``string``, by their WIT names."""

HANDLE = Scalar(4, "i32")
"""Resource handles and future/stream ends are i32 indices into a table."""

_SHAPES = (Scalar, String, List, Record, Variant, Flags)


class AbiError(ValueError):
    """A type the Canonical ABI has no layout for (an unresolved type reference)."""


def despecialize(ty: AbiType) -> Shape:
    """The spec's ``despecialize``: the layout-relevant shape of ``ty``."""
    if isinstance(ty, _SHAPES):
        return ty
    match ty:
        case t.Prim("string"):
            return String()
        case t.Prim(name):
            return SCALARS[name]
        case t.Record(fields):
            return Record(tuple(f for _, f in fields))
        case t.Tuple(elems):
            return Record(elems)
        case t.Variant(cases):
            return Variant(tuple(c for _, c in cases))
        case t.Enum(names):
            return Variant((None,) * len(names))
        case t.Option(elem):
            return Variant((None, elem))
        case t.Result(ok, err):
            return Variant((ok, err))
        case t.Flags(names):
            return Flags(len(names))
        case t.ListType(elem, length):
            return List(elem, length)
        case t.Map(key, value):
            return List(Record((key, value)))
        case t.Own() | t.Borrow() | t.Stream() | t.Future():
            return HANDLE
    raise AbiError(f"{ty!r} is not a value type the Canonical ABI can lay out")
