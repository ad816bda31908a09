"""Turning decoded types into self-contained ones, against a type index space.

A decoded value type names other types by index (`TypeRef`) and resources by index (`Own(3)`).
The planner keeps each type index space as a list of already-resolved items, so resolving a new
definition is a lookup per reference. Resource types differ between instances, so a resolved
type's `Own`/`Borrow` hold `ResourceSlot`s; `bind_func` swaps in one instance's `ResourceType`s.
Component and instance types stay declarative (`ScopedType`), remembering the enclosing type
spaces their `outer` aliases refer to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from witgen.abi import Layout
from witgen.component import types as t
from witgen.runtime.cabi.state import ResourceType
from witgen.runtime.errors import LinkError


@dataclass(eq=False)
class ResourceSlot:
    """A resource type each instance creates (or imports) afresh: the register holding it.

    `name` is the export name once the planner has seen the export (`resource#N` before).
    """

    reg: int
    name: str


@dataclass(eq=False)
class ScopedType:
    """A component or instance type with the type spaces enclosing it (innermost first)."""

    type: t.ComponentType | t.InstanceType
    outer: tuple[list[Any], ...]


def _ref(space: list[Any], i: int) -> Any:
    if not 0 <= i < len(space):
        raise LinkError(f"type index {i} is out of range (the type index space has {len(space)} types)")
    return space[i]


def _map(vt: t.ValType, f: Callable[[t.ValType], t.ValType]) -> t.ValType:
    """`vt` rebuilt with `f` applied to each of its direct component types (handles as they are)."""

    def opt(x: t.ValType | None) -> t.ValType | None:
        return None if x is None else f(x)

    match vt:
        case t.Record(fields):
            return t.Record(tuple((n, f(x)) for n, x in fields))
        case t.Variant(cases):
            return t.Variant(tuple((n, opt(c)) for n, c in cases))
        case t.ListType(elem, length):
            return t.ListType(f(elem), length)
        case t.Tuple(elems):
            return t.Tuple(tuple(f(e) for e in elems))
        case t.Option(elem):
            return t.Option(f(elem))
        case t.Result(ok, err):
            return t.Result(opt(ok), opt(err))
        case t.Stream(elem):
            return t.Stream(opt(elem))
        case t.Future(elem):
            return t.Future(opt(elem))
        case t.Map(k, v):
            return t.Map(f(k), f(v))
    return vt  # Prim, Flags, Enum, handles: no component types inside


_VALUE_TYPES = (
    t.Prim,
    t.Record,
    t.Variant,
    t.ListType,
    t.Tuple,
    t.Flags,
    t.Enum,
    t.Option,
    t.Result,
    t.Own,
    t.Borrow,
    t.Stream,
    t.Future,
    t.Map,
)

MAX_TYPE_DEPTH = 100
"""wasmparser's limit too: deeper types are refused, so walking one never runs out of stack."""
MAX_TYPE_SIZE = 100_000
"""Types are shared by reference, so `tuple<T, T>` nested 60 deep is 2^60 leaves in a few bytes
(and a variant of such cases stays small in memory): a type with more parts than this (a shared
part counted each time it appears) is refused, so walking one or building its codecs always
ends. A fixed-length list counts its element type once: its length is bounded by bytes."""
MAX_ELEM_SIZE = 1 << 28
"""Validation's rule (CanonicalABI.md "Element Size"): every value type a component defines is
smaller than 2^28 bytes, laid out with 64-bit pointers. So a `list<u8, 268435455>` is valid and
a `list<u8, 268435456>` or `tuple<list<u8, 268435455>, u8>` is not."""


@dataclass(frozen=True)
class Measure:
    """A type's depth, parts (see MAX_TYPE_SIZE) and `elem_size`/`alignment` with 64-bit pointers."""

    depth: int
    parts: int
    size: int
    align: int


class TypeMeasure:
    """The `Measure` of resolved types, by identity, computed once each; `check` refuses types
    past the limits with a `LinkError`."""

    def __init__(self) -> None:
        self.known: dict[int, tuple[Measure, Any]] = {}
        self.layout = Layout(pointer_size=8)

    def measure(self, vt: Any) -> Measure:
        found = self.known.get(id(vt))
        if found is not None:
            return found[0]
        inner = [self.measure(child) for child in children(vt)]
        depth = 1 + max((m.depth for m in inner), default=0)
        parts = 1 + sum(m.parts for m in inner)
        layout = self.layout.of(vt)
        m = Measure(depth, parts, layout.size, layout.align)
        self.known[id(vt)] = (m, vt)  # holding `vt` keeps its id unique
        return m

    def check(self, vt: Any) -> None:
        parts = [vt]
        if isinstance(vt, t.FuncType):
            parts = [p for _, p in vt.params] + ([] if vt.result is None else [vt.result])
        for part in parts:
            m = self.measure(part)
            if m.depth > MAX_TYPE_DEPTH or m.parts > MAX_TYPE_SIZE:
                raise LinkError(
                    f"a type is {m.depth} levels deep with {m.parts} parts: witgen refuses types deeper"
                    f" than {MAX_TYPE_DEPTH} levels or with more than {MAX_TYPE_SIZE} parts"
                )
            if m.size >= MAX_ELEM_SIZE:
                raise LinkError(
                    f"a type's size of {m.size} bytes exceeds maximum byte size (2^28 - 1, CanonicalABI.md"
                    " 'Element Size')"
                )


def children(vt: Any) -> list[Any]:
    """The component types directly inside `vt` (none for handles and primitives)."""
    match vt:
        case t.Record(fields):
            return [f for _, f in fields]
        case t.Variant(cases):
            return [c for _, c in cases if c is not None]
        case t.Tuple(elems):
            return list(elems)
        case t.ListType(elem) | t.Option(elem):
            return [elem]
        case t.Result(ok, err):
            return [x for x in (ok, err) if x is not None]
        case t.Stream(elem) | t.Future(elem):
            return [] if elem is None else [elem]
        case t.Map(k, v):
            return [k, v]
    return []


def resolve_val(vt: t.ValType, space: list[Any]) -> t.ValType:
    """`vt` with every index replaced by what `space` holds there."""
    match vt:
        case t.TypeRef(index):
            item = _ref(space, index)
            if not isinstance(item, _VALUE_TYPES):
                raise LinkError(f"type {index} is not a value type")
            return item
        case t.Own(r) | t.Borrow(r):
            rt = r if isinstance(r, ResourceSlot) else _ref(space, r)
            if not isinstance(rt, ResourceSlot):
                raise LinkError(f"handle type names type {r}, which is not a resource")
            return t.Own(rt) if isinstance(vt, t.Own) else t.Borrow(rt)
    return _map(vt, lambda x: resolve_val(x, space))


def resolve_func(ft: t.FuncType, space: list[Any]) -> t.FuncType:
    params = tuple((n, resolve_val(p, space)) for n, p in ft.params)
    result = None if ft.result is None else resolve_val(ft.result, space)
    return t.FuncType(params, result, ft.is_async)


def mentions_resources(ft: t.FuncType) -> bool:
    """Whether `ft` holds handles, so that each instance needs its own copy (`bind_func`)."""
    return any(_mentions(p) for _, p in ft.params) or (ft.result is not None and _mentions(ft.result))


def _mentions(vt: t.ValType | None) -> bool:
    match vt:
        case t.Own() | t.Borrow():
            return True
        case t.Record(fields):
            return any(_mentions(f) for _, f in fields)
        case t.Variant(cases):
            return any(_mentions(c) for _, c in cases)
        case t.Tuple(elems):
            return any(_mentions(e) for e in elems)
        case t.ListType(elem) | t.Option(elem) | t.Stream(elem) | t.Future(elem):
            return _mentions(elem)
        case t.Result(ok, err):
            return _mentions(ok) or _mentions(err)
        case t.Map(k, v):
            return _mentions(k) or _mentions(v)
    return False


def bind_func(ft: t.FuncType, resources: Callable[[ResourceSlot], ResourceType]) -> t.FuncType:
    """`ft` with every `ResourceSlot` replaced by the `ResourceType` `resources` gives for it."""
    params = tuple((n, bind_val(p, resources)) for n, p in ft.params)
    result = None if ft.result is None else bind_val(ft.result, resources)
    return t.FuncType(params, result, ft.is_async)


def bind_val(vt: t.ValType, resources: Callable[[ResourceSlot], ResourceType]) -> t.ValType:
    match vt:
        case t.Own(r) | t.Borrow(r):
            rt = resources(r) if isinstance(r, ResourceSlot) else r
            return t.Own(rt) if isinstance(vt, t.Own) else t.Borrow(rt)
    return _map(vt, lambda x: bind_val(x, resources))
