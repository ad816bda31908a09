"""Memory layout: size, alignment, field offsets and discriminants (CanonicalABI.md, "Alignment"/"Element Size").

Generated lift/lower code, the cabi engine's fused adapters and the reference lift/lower
(``definitions``) read and write linear memory at offsets fixed by the type, so they are computed
once here and cached per type: a ``Layout`` remembers every type it has seen. Only 32-bit
memories are laid out (pointers and lengths are 4 bytes); validation measures types with 8-byte
ones (``Layout(pointer_size=8)``, CanonicalABI.md "Element Size").

Caches are keyed by the type *object*: component types are shared by reference, so one of a few
bytes may have 2^60 leaves, and hashing it by value would walk them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from witgen.abi.shapes import (
    AbiError,
    AbiType,
    Flags,
    List,
    Record,
    Scalar,
    Shape,
    String,
    Variant,
    despecialize,
)

PTR_SIZE = 4
"""Bytes of a pointer or a length in a 32-bit memory."""

V = TypeVar("V")


class ByIdentity(Generic[V]):
    """A value per type object (held, so that its ``id`` stays its own)."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[int, tuple[object, V]] = {}

    def get(self, key: object) -> V | None:
        found = self._items.get(id(key))
        return None if found is None else found[1]

    def put(self, key: object, value: V) -> V:
        self._items[id(key)] = (key, value)
        return value


@dataclass(frozen=True, slots=True)
class TypeLayout:
    """How much memory a value takes and where it may start."""

    size: int
    align: int


@dataclass(frozen=True, slots=True)
class RecordLayout:
    """A record's (or tuple's, or spilled parameter list's) size, alignment and field offsets."""

    size: int
    align: int
    offsets: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class VariantLayout:
    """A variant's size and alignment, its discriminant's width, and where every case's payload starts."""

    size: int
    align: int
    discriminant_size: int
    payload_offset: int


def align_to(ptr: int, alignment: int) -> int:
    """``ptr`` rounded up to a multiple of ``alignment``."""
    return -(-ptr // alignment) * alignment


def discriminant_size(case_count: int) -> int:
    """Bytes of a variant's discriminant: the spec's ``discriminant_type`` (u8, u16 or u32)."""
    if not 0 < case_count < 1 << 32:
        raise AbiError(f"a variant needs between 1 and 2^32-1 cases, not {case_count}")
    if case_count <= 1 << 8:
        return 1
    if case_count <= 1 << 16:
        return 2
    return 4


def flags_size(count: int) -> int:
    """Bytes of ``count`` packed flags.

    The spec now caps flags at 32; for more, this keeps the earlier rule (and
    wit-parser's) of one 32-bit word per 32 flags.
    """
    if count == 0:
        return 0
    if count <= 8:
        return 1
    if count <= 16:
        return 2
    return 4 * flag_words(count)


def flags_align(count: int) -> int:
    """Alignment of ``count`` packed flags."""
    if count <= 8:
        return 1
    if count <= 16:
        return 2
    return 4


def flag_words(count: int) -> int:
    """How many i32 core values carry ``count`` flags when flattened."""
    return -(-count // 32)


class Layout:
    """Sizes, alignments and offsets of types, cached per type."""

    def __init__(self, pointer_size: int = PTR_SIZE) -> None:
        self.pointer_size = pointer_size
        self._shapes: ByIdentity[Shape] = ByIdentity()
        self._layouts: ByIdentity[TypeLayout] = ByIdentity()
        self._records: ByIdentity[RecordLayout] = ByIdentity()
        self._variants: ByIdentity[VariantLayout] = ByIdentity()

    def shape(self, ty: AbiType) -> Shape:
        """The despecialised shape of ``ty`` (cached)."""
        shape = self._shapes.get(ty)
        if shape is None:
            shape = self._shapes.put(ty, despecialize(ty))
        return shape

    def of(self, ty: AbiType) -> TypeLayout:
        """Size and alignment of ``ty`` (the spec's ``elem_size`` and ``alignment``)."""
        layout = self._layouts.get(ty)
        if layout is None:
            layout = self._layouts.put(ty, self._compute(self.shape(ty)))
        return layout

    def size(self, ty: AbiType) -> int:
        return self.of(ty).size

    def align(self, ty: AbiType) -> int:
        return self.of(ty).align

    def record(self, ty: AbiType) -> RecordLayout:
        """Field offsets of a type that despecialises to a record (record, tuple)."""
        layout = self._records.get(ty)
        if layout is None:
            shape = self.shape(ty)
            if not isinstance(shape, Record):
                raise AbiError(f"{ty!r} is not a record or tuple")
            layout = self._records.put(ty, self._record(shape.fields))
        return layout

    def fields(self, types: Sequence[AbiType]) -> RecordLayout:
        """Offsets of values stored one after the other as a tuple: how spilled params and results sit in memory."""
        return self._record(tuple(types))

    def variant(self, ty: AbiType) -> VariantLayout:
        """Discriminant width and payload offset of a variant, enum, option or result."""
        layout = self._variants.get(ty)
        if layout is None:
            shape = self.shape(ty)
            if not isinstance(shape, Variant):
                raise AbiError(f"{ty!r} is not a variant, enum, option or result")
            layout = self._variants.put(ty, self._variant(shape.cases))
        return layout

    def _compute(self, shape: Shape) -> TypeLayout:
        match shape:
            case Scalar(size):
                return TypeLayout(size, size)
            case String() | List(_, None):
                return TypeLayout(2 * self.pointer_size, self.pointer_size)
            case List(elem, length):
                assert length is not None
                elem_layout = self.of(elem)
                return TypeLayout(length * elem_layout.size, elem_layout.align)
            case Record(fields):
                record = self._record(fields)
                return TypeLayout(record.size, record.align)
            case Variant(cases):
                variant = self._variant(cases)
                return TypeLayout(variant.size, variant.align)
            case Flags(count):
                return TypeLayout(flags_size(count), flags_align(count))
        raise AssertionError(shape)

    def _record(self, fields: tuple[AbiType, ...]) -> RecordLayout:
        offset = 0
        align = 1
        offsets = []
        for field in fields:
            layout = self.of(field)
            offset = align_to(offset, layout.align)
            offsets.append(offset)
            offset += layout.size
            align = max(align, layout.align)
        return RecordLayout(align_to(offset, align), align, tuple(offsets))

    def _variant(self, cases: tuple[AbiType | None, ...]) -> VariantLayout:
        disc = discriminant_size(len(cases))
        payload_align = 1
        payload_size = 0
        for case in cases:
            if case is not None:
                layout = self.of(case)
                payload_align = max(payload_align, layout.align)
                payload_size = max(payload_size, layout.size)
        align = max(disc, payload_align)
        offset = align_to(disc, payload_align)
        return VariantLayout(align_to(offset + payload_size, align), align, disc, offset)
