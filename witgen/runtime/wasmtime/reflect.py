"""Do a component's functions have the types the bindings expect, as wasmtime reflects them?

wasmtime's engine half of `witgen.runtime.typecheck`: each export's and host-defined import's
type read straight from wasmtime's C API and compared (`typecheck.check_func`) with what the
bindings' codecs were generated for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from witgen.component import types as t
from witgen.runtime import codecs as c
from witgen.runtime.errors import LinkError
from witgen.runtime.typecheck import ANY, MAX_DEPTH, FuncShape, Res, Shape, SiteSpecs, check_func

# --- wasmtime's reflection ------------------------------------------------------------------
#
# Read straight from wasmtime's C API (`wasmtime_component_valtype_t`): wasmtime-py's wrappers
# raise TypeError on kinds they do not know (maps), and a check that cannot see inside a type
# cannot protect the codecs that read values of it.

_C_PRIMS = {
    0: "bool",
    1: "s8",
    2: "s16",
    3: "s32",
    4: "s64",
    5: "u8",
    6: "u16",
    7: "u32",
    8: "u64",
    9: "f32",
    10: "f64",
    11: "char",
    12: "string",
    25: "error-context",
}
_C_MAP = 26


def _c_name(ptr: Any, size: Any) -> str:
    import ctypes

    return ctypes.string_at(ptr, size.value).decode("utf-8", "replace")


def c_valtype(vt: Any, resource: Callable[[Any], Res], depth: int = 0) -> Shape:
    """A `wasmtime_component_valtype_t` as a `witgen.component.types` value type (consumed: its parts are freed)."""
    from ctypes import POINTER, byref, c_bool, c_char, c_size_t

    from witgen.runtime.internals import ffi, resource_type_from

    kind = vt.kind
    if kind in (21, 22):  # own, borrow: the resource type takes the pointer over
        rt = resource_type_from(vt.of.own if kind == 21 else vt.of.borrow)
        return t.Own(resource(rt)) if kind == 21 else t.Borrow(resource(rt))
    try:
        prim = _C_PRIMS.get(kind)
        if prim is not None:
            return t.Prim(prim)
        if depth > MAX_DEPTH:
            return ANY
        d = depth + 1

        def sub(get: Callable[[Any], Any]) -> Shape:
            inner = ffi.wasmtime_component_valtype_t()
            return c_valtype(inner, resource, d) if get(byref(inner)) is not False else None

        name_ptr, name_len = POINTER(c_char)(), c_size_t()
        if kind == 13:
            return t.ListType(sub(lambda out: ffi.wasmtime_component_list_type_element(vt.of.list, out)))
        if kind == 14:
            ptr = vt.of.record
            fields = []
            for i in range(ffi.wasmtime_component_record_type_field_count(ptr)):
                inner = ffi.wasmtime_component_valtype_t()
                ffi.wasmtime_component_record_type_field_nth(
                    ptr, i, byref(name_ptr), byref(name_len), byref(inner)
                )
                fields.append((_c_name(name_ptr, name_len), c_valtype(inner, resource, d)))
            return t.Record(tuple(fields))
        if kind == 15:
            ptr = vt.of.tuple
            elems = []
            for i in range(ffi.wasmtime_component_tuple_type_types_count(ptr)):
                inner = ffi.wasmtime_component_valtype_t()
                ffi.wasmtime_component_tuple_type_types_nth(ptr, i, byref(inner))
                elems.append(c_valtype(inner, resource, d))
            return t.Tuple(tuple(elems))
        if kind == 16:
            ptr = vt.of.variant
            cases = []
            for i in range(ffi.wasmtime_component_variant_type_case_count(ptr)):
                inner, has = ffi.wasmtime_component_valtype_t(), c_bool()
                ffi.wasmtime_component_variant_type_case_nth(
                    ptr, i, byref(name_ptr), byref(name_len), byref(has), byref(inner)
                )
                payload = c_valtype(inner, resource, d) if has.value else None
                cases.append((_c_name(name_ptr, name_len), payload))
            return t.Variant(tuple(cases))
        if kind in (17, 20):
            ptr = vt.of.enum_ if kind == 17 else vt.of.flags
            count, nth = (
                (ffi.wasmtime_component_enum_type_names_count, ffi.wasmtime_component_enum_type_names_nth)
                if kind == 17
                else (
                    ffi.wasmtime_component_flags_type_names_count,
                    ffi.wasmtime_component_flags_type_names_nth,
                )
            )
            names = []
            for i in range(count(ptr)):
                nth(ptr, i, byref(name_ptr), byref(name_len))
                names.append(_c_name(name_ptr, name_len))
            return t.Enum(tuple(names)) if kind == 17 else t.Flags(tuple(names))
        if kind == 18:
            return t.Option(sub(lambda out: ffi.wasmtime_component_option_type_ty(vt.of.option, out)))
        if kind == 19:
            ptr = vt.of.result
            ok = sub(lambda out: bool(ffi.wasmtime_component_result_type_ok(ptr, out)))
            err = sub(lambda out: bool(ffi.wasmtime_component_result_type_err(ptr, out)))
            return t.Result(ok, err)
        if kind == _C_MAP:
            ptr = vt.of.map
            key = sub(lambda out: ffi.wasmtime_component_map_type_key(ptr, out))
            value = sub(lambda out: ffi.wasmtime_component_map_type_value(ptr, out))
            return t.Map(key, value)
        return ANY  # streams, futures, kinds newer than this code
    finally:
        ffi.wasmtime_component_valtype_delete(byref(vt))


def wasmtime_func(ft: Any, resource: Callable[[Any], Res]) -> FuncShape:
    """The shape of a `wasmtime.component.FuncType`."""
    from ctypes import POINTER, byref, c_char, c_size_t

    from witgen.runtime.internals import ffi, pointer

    ptr = pointer(ft)
    name_ptr, name_len = POINTER(c_char)(), c_size_t()
    params = []
    for i in range(ffi.wasmtime_component_func_type_param_count(ptr)):
        vt = ffi.wasmtime_component_valtype_t()
        ffi.wasmtime_component_func_type_param_nth(ptr, i, byref(name_ptr), byref(name_len), byref(vt))
        params.append(c_valtype(vt, resource))
    vt = ffi.wasmtime_component_valtype_t()
    result = c_valtype(vt, resource) if ffi.wasmtime_component_func_type_result(ptr, byref(vt)) else None
    return tuple(params), result


def check_wasmtime_exports(component: Any, engine: Any, interface: str, specs: SiteSpecs) -> None:
    """`check_func` for each of `specs`, exports of `interface` ("" for the world's) of a
    `wasmtime.component.Component`, from wasmtime-py's type reflection."""
    from wasmtime import component as wc

    ctype = component.type
    scope = ctype.exports(engine)
    if interface:
        item = scope.get(interface)
        ty = None if item is None else _item_type(item)
        if not isinstance(ty, wc.ComponentInstanceType):
            raise LinkError(f"the component's export {interface!r} is not an interface instance")
        scope = ty.exports(engine)
    resource = _wasmtime_namer(ctype, engine)
    for spec in specs.values():
        name, qualname, params, result = spec[0], spec[1], spec[2], spec[3]
        item = scope.get(name)
        ft = None if item is None else _item_type(item)
        if not isinstance(ft, wc.FuncType):
            raise LinkError(f"the component's export {qualname} is not a function")
        check_func(qualname, params, result, wasmtime_func(ft, resource))


def _wasmtime_namer(ctype: Any, engine: Any) -> Callable[[Any], Res]:
    """How the resource types of a `wasmtime.component.ComponentType` look to the check: name,
    and guest or host (read on first use)."""
    known: list[tuple[Any, Res]] | None = None

    def resource(rt: Any) -> Res:
        nonlocal known
        if known is None:
            # imports first: an exported interface re-exports the imported resources it uses
            known = _wasmtime_resources(ctype.imports(engine), engine, False)
            known += _wasmtime_resources(ctype.exports(engine), engine, True)
        for other, res in known:
            if other == rt:
                return res
        return Res(None, None)

    return resource


def _item_type(item: Any) -> Any:
    """An item's type as wasmtime-py wraps it; None for a type it can't wrap (it raises on maps),
    which is never a function, resource or instance."""
    try:
        return item.ty
    except TypeError:
        return None


def _wasmtime_resources(items: dict[str, Any], engine: Any, guest: bool) -> list[tuple[Any, Res]]:
    """The resource types among `items` and the instances' items, with their names."""
    from wasmtime import component as wc

    found: list[tuple[Any, Res]] = []
    for name, item in items.items():
        ty = _item_type(item)
        if isinstance(ty, wc.ResourceType):
            found.append((ty, Res(name, guest)))
        elif isinstance(ty, wc.ComponentInstanceType):
            for inner, inner_item in ty.exports(engine).items():
                inner_ty = _item_type(inner_item)
                if isinstance(inner_ty, wc.ResourceType):
                    found.append((inner_ty, Res(inner, guest)))
    return found


ImportDefs = Mapping[str, Sequence[tuple[str, str, Sequence[tuple[str, c.Codec]], c.Codec | None]]]
"""By interface ("" for the world's): (name, qualname, params, result) of each function the host
defines."""


def check_wasmtime_imports(component: Any, engine: Any, defs: ImportDefs) -> None:
    """`check_func` for each function the host defines that the component imports (a
    `wasmtime.component.Component`): wasmtime hands host functions values of the component's
    types, which the bindings' codecs then read as theirs."""
    from wasmtime import component as wc

    ctype = component.type
    imports = ctype.imports(engine)
    resource = _wasmtime_namer(ctype, engine)
    unversioned = {iface.partition("@")[0]: iface for iface in defs if iface}
    for name, item in imports.items():
        ty = _item_type(item)
        if isinstance(ty, wc.FuncType):
            funcs = {f[0]: f for f in defs.get("", []) if f[0] == name}
            scope = {name: item}
        elif isinstance(ty, wc.ComponentInstanceType):
            iface = name if name in defs else unversioned.get(name.partition("@")[0])
            if iface is None:
                continue
            funcs = {f[0]: f for f in defs[iface]}
            scope = ty.exports(engine)
        else:
            continue
        for fname, (_, qualname, params, result) in funcs.items():
            found = scope.get(fname)
            ft = None if found is None else _item_type(found)
            if isinstance(ft, wc.FuncType):
                check_func(qualname, params, result, wasmtime_func(ft, resource), "import")
