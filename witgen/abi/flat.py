"""Flattening: a value as the sequence of core wasm values that carries it (CanonicalABI.md, "Flattening").

Parameters and results that fit in a few core values cross the boundary on the
wasm stack instead of through memory; which core values a type needs decides
both the core signature and the generated code that (de)composes the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from witgen.abi.layout import ByIdentity, Layout, flag_words
from witgen.abi.shapes import AbiType, CoreType, Flags, List, Record, Scalar, Shape, String, Variant

FlatTypes = tuple[CoreType, ...]


def join(a: CoreType, b: CoreType) -> CoreType:
    """The core type that can hold both ``a`` and ``b`` in one variant payload slot.

    Equal types share; i32 and f32 meet in i32 (floats are bit-cast); anything
    else widens to i64.
    """
    if a == b:
        return a
    if {a, b} == {"i32", "f32"}:
        return "i32"
    return "i64"


@dataclass(frozen=True, slots=True)
class FlatVariant:
    """A variant's flattening, with each case's own so code can convert between them.

    ``flat`` is the i32 discriminant followed by ``payload``, the per-slot join
    of all cases; ``cases[i]`` is case ``i``'s flattening (empty if it has no
    payload), which occupies the first ``len(cases[i])`` payload slots.
    """

    flat: FlatTypes
    payload: FlatTypes
    cases: tuple[FlatTypes, ...]


class Flattener:
    """``flatten_type``, cached per type (it shares the despecialised shapes of ``layout``)."""

    def __init__(self, layout: Layout | None = None) -> None:
        self.layout = layout if layout is not None else Layout()
        self._flat: ByIdentity[FlatTypes] = ByIdentity()
        self._counts: ByIdentity[int] = ByIdentity()
        self._variants: ByIdentity[FlatVariant] = ByIdentity()

    def flatten(self, ty: AbiType) -> FlatTypes:
        """The core values that carry a value of ``ty``."""
        flat = self._flat.get(ty)
        if flat is None:
            flat = self._flat.put(ty, self._compute(self.layout.shape(ty)))
        return flat

    def count(self, ty: AbiType) -> int:
        """``len(self.flatten(ty))``, without building the tuple (a ``list<u8, 100000>`` is 100000 i32s)."""
        count = self._counts.get(ty)
        if count is None:
            count = self._counts.put(ty, self._count(self.layout.shape(ty)))
        return count

    def count_types(self, types: Iterable[AbiType]) -> int:
        return sum(self.count(ty) for ty in types)

    def flatten_types(self, types: Iterable[AbiType]) -> FlatTypes:
        """The core values of several values passed one after the other."""
        return tuple(core for ty in types for core in self.flatten(ty))

    def variant(self, ty: AbiType) -> FlatVariant:
        """How a variant, enum, option or result flattens, case by case."""
        flat = self._variants.get(ty)
        if flat is None:
            shape = self.layout.shape(ty)
            if not isinstance(shape, Variant):
                raise TypeError(f"{ty!r} is not a variant, enum, option or result")
            flat = self._variants.put(ty, self._variant(shape.cases))
        return flat

    def _compute(self, shape: Shape) -> FlatTypes:
        match shape:
            case Scalar(_, core):
                return (core,)
            case String() | List(_, None):
                return ("i32", "i32")
            case List(elem, length):
                assert length is not None
                return self.flatten(elem) * length
            case Record(fields):
                return self.flatten_types(fields)
            case Variant(cases):
                return self._variant(cases).flat
            case Flags(count):
                word: FlatTypes = ("i32",)
                return word * flag_words(count)
        raise AssertionError(shape)

    def _count(self, shape: Shape) -> int:
        match shape:
            case Scalar():
                return 1
            case String() | List(_, None):
                return 2
            case List(elem, length):
                assert length is not None
                return self.count(elem) * length
            case Record(fields):
                return self.count_types(fields)
            case Variant(cases):
                return 1 + max((self.count(c) for c in cases if c is not None), default=0)
            case Flags(count):
                return flag_words(count)
        raise AssertionError(shape)

    def _variant(self, cases: tuple[AbiType | None, ...]) -> FlatVariant:
        payload: list[CoreType] = []
        per_case: list[FlatTypes] = []
        for case in cases:
            flat = () if case is None else self.flatten(case)
            per_case.append(flat)
            for i, core in enumerate(flat):
                if i < len(payload):
                    payload[i] = join(payload[i], core)
                else:
                    payload.append(core)
        # The discriminant is a u8, u16 or u32: always one i32.
        return FlatVariant(("i32", *payload), tuple(payload), tuple(per_case))
