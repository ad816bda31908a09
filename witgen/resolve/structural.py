"""The IR's value types mapped onto ``witgen.component.types``, the structural model of the ABI.

The Canonical ABI (``witgen.abi``) is computed over one type model, the one a component binary
decodes to, so the generator and the cabi engine take layout and flattening from the same code.
This is the front-end's side of that: a WIT type, aliases followed and names dropped, as the
binary would spell it. Handles keep the IR id of their resource (the ABI only needs "a handle").
"""

from __future__ import annotations

from witgen.abi import AbiError
from witgen.component import types as t
from witgen.resolve import ir


class Structural:
    """``ir.Type`` -> ``t.ValType`` and ``ir.Function`` -> ``t.FuncType`` for one ``Resolve``.

    Each type definition maps once: the same (frozen, hashable) object comes back, so the ABI's
    per-type caches hit without re-hashing a fresh copy.
    """

    def __init__(self, resolve: ir.Resolve) -> None:
        self.resolve = resolve
        self._defined: dict[ir.TypeId, t.ValType] = {}
        self._prims: dict[ir.Prim, t.Prim] = {p: t.Prim(p.value) for p in ir.Prim}

    def of(self, ty: ir.Type) -> t.ValType:
        """The structural type of ``ty``."""
        if isinstance(ty, ir.Prim):
            return self._prims[ty]
        vt = self._defined.get(ty)
        if vt is None:
            vt = self._defined[ty] = self._define(self.resolve.types[ty].kind, ty)
        return vt

    def maybe(self, ty: ir.Type | None) -> t.ValType | None:
        return None if ty is None else self.of(ty)

    def func(self, func: ir.Function) -> t.FuncType:
        """A function's component type (``self`` included for methods)."""
        params = tuple((p.name, self.of(p.ty)) for p in func.params)
        return t.FuncType(params, self.maybe(func.result))

    def _define(self, kind: ir.TypeDefKind, ty: ir.TypeId) -> t.ValType:
        match kind:
            case ir.Alias(target):
                return self.of(target)
            case ir.Record(fields):
                return t.Record(tuple((f.name, self.of(f.ty)) for f in fields))
            case ir.Tuple(types):
                return t.Tuple(tuple(self.of(x) for x in types))
            case ir.Variant(cases):
                return t.Variant(tuple((c.name, self.maybe(c.ty)) for c in cases))
            case ir.EnumType(cases):
                return t.Enum(tuple(c.name for c in cases))
            case ir.OptionType(payload):
                return t.Option(self.of(payload))
            case ir.ResultType(ok, err):
                return t.Result(self.maybe(ok), self.maybe(err))
            case ir.Flags(flags):
                return t.Flags(tuple(f.name for f in flags))
            case ir.ListType(elem):
                return t.ListType(self.of(elem))
            case ir.FixedListType(elem, size):
                return t.ListType(self.of(elem), size)
            case ir.MapType(key, value):
                return t.Map(self.of(key), self.of(value))
            case ir.Handle("own", resource):
                return t.Own(resource)
            case ir.Handle(_, resource):
                return t.Borrow(resource)
            case ir.FutureType(payload):
                return t.Future(self.maybe(payload))
            case ir.StreamType(payload):
                return t.Stream(self.maybe(payload))
        name = self.resolve.types[ty].name or f"type {ty}"
        raise AbiError(f"`{name}` ({type(kind).__name__}) is not a value type the Canonical ABI can lay out")
