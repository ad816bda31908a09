"""Do a component's exports have the types the bindings were generated for? Checked at load.

Generated call sites are specialised to the WIT they were generated from: on the cabi engine they
call core functions unchecked, so a component whose export has another type (8 parameters where
the bindings pass none) would crash the interpreter or read garbage; on the wasmtime engine it
fails on the first call. Both engines compare each export's component type with what the
bindings expect — the codecs generated code passes to `export_func` carry names and structure —
when the instance is made, and raise a `LinkError` naming the export and both types.

Both sides become `Shape`s: a primitive's WIT name, or a tuple whose first item says what it is
(`("record", (("x", "u32"), ...))`, `("own", Res("counter", True))`, ...). `ANY` matches every
shape: what a side cannot describe (a stream's payload in a codec, a type wasmtime-py cannot
reflect) is not held against the component.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from witgen.component import types as t
from witgen.runtime import codecs as c
from witgen.runtime.errors import LinkError

Shape = Any
"""A primitive's WIT name (str), `ANY`, or a tuple (kind, parts...)."""

ANY = "_"
MAX_DEPTH = 100
"""Deeper types are refused (wasmparser's limit too)."""


@dataclass(frozen=True)
class Res:
    """A resource as far as one side knows it: its name and whether the component defines it
    (a guest resource) or imports it from the host; None where that side cannot tell."""

    name: str | None
    guest: bool | None


# --- shapes of the bindings' codecs --------------------------------------------------------


def codec_shape(codec: c.Codec | None) -> Shape:
    """The shape of the type `codec` was generated for (None for "no value")."""
    if codec is None:
        return None
    match codec:
        case c.BoolCodec() | c.IntCodec() | c.FloatCodec() | c.CharCodec() | c.StringCodec():
            return codec.wit
        case c.BytesCodec():
            return ("list", "u8")
        case c.NumberListCodec() | c.ListCodec():
            return ("list", codec_shape(codec.elem))
        case c.FixedListCodec():
            return ("list", codec_shape(codec.elem), codec.size)
        case c.MapCodec():
            return ("map", codec_shape(codec.key), codec_shape(codec.value))
        case c.TupleCodec():
            return ("tuple", tuple(codec_shape(e) for e in codec.elems))
        case c.RecordCodec():
            return ("record", tuple((name.decode(), codec_shape(f)) for name, _, f in codec.fields))
        case c.VariantCodec():
            return ("variant", tuple((name.decode(), codec_shape(p)) for name, _, p in codec.cases))
        case c.EnumCodec():
            return ("enum", tuple(n.decode() for n in codec.names))
        case c.FlagsCodec():
            return ("flags", tuple(n.decode() for n in codec.names))
        case c.OptionCodec():
            return ("option", codec_shape(codec.inner))
        case c.ResultCodec():
            return ("result", codec_shape(codec.ok), codec_shape(codec.err))
        case c.GuestResourceCodec() | c.HostResourceCodec():
            guest = isinstance(codec, c.GuestResourceCodec)
            return ("own" if codec.own else "borrow", Res(codec.key.rpartition("#")[2], guest))
        case c.UnsupportedCodec() if codec.wit == "error-context":
            return "error-context"
    return ANY


# --- comparing -----------------------------------------------------------------------------


def same(want: Shape, have: Shape) -> bool:
    """Whether a value of shape `have` is what the bindings expecting `want` handle."""
    if want is ANY or have is ANY:
        return True
    if isinstance(want, str) or isinstance(have, str) or want is None or have is None:
        return bool(want == have)
    if want[0] != have[0] or len(want) != len(have):
        return False
    kind = want[0]
    if kind in ("own", "borrow"):
        a, b = want[1], have[1]
        return (a.name is None or b.name is None or a.name == b.name) and (
            a.guest is None or b.guest is None or a.guest == b.guest
        )
    if kind in ("record", "variant"):
        return len(want[1]) == len(have[1]) and all(
            n == m and same(x, y) for (n, x), (m, y) in zip(want[1], have[1], strict=True)
        )
    if kind == "tuple":
        return len(want[1]) == len(have[1]) and all(same(x, y) for x, y in zip(want[1], have[1], strict=True))
    if kind in ("enum", "flags"):
        return bool(want[1] == have[1])
    if kind == "list" and len(want) == 3:
        return bool(want[2] == have[2]) and same(want[1], have[1])
    return all(same(x, y) for x, y in zip(want[1:], have[1:], strict=True))


def wit(shape: Shape) -> str:
    """`shape` spelt as WIT (records, variants, enums and flags spelt out, as they have no name)."""
    if shape is None:
        return "_"
    if isinstance(shape, str):
        return "?" if shape is ANY else shape
    kind = shape[0]
    if kind in ("own", "borrow"):
        res: Res = shape[1]
        name = (res.name or "?") + {None: "", True: " (the component's)", False: " (the host's)"}[res.guest]
        return name if kind == "own" else f"borrow<{name}>"
    if kind == "record":
        return "record { " + ", ".join(f"{n}: {wit(f)}" for n, f in shape[1]) + " }"
    if kind == "variant":
        cases = (n if p is None else f"{n}({wit(p)})" for n, p in shape[1])
        return "variant { " + ", ".join(cases) + " }"
    if kind in ("enum", "flags"):
        return f"{kind} {{ " + ", ".join(shape[1]) + " }"
    if kind == "tuple":
        return f"tuple<{', '.join(wit(e) for e in shape[1])}>"
    if kind == "list" and len(shape) == 3:
        return f"list<{wit(shape[1])}, {shape[2]}>"
    if kind == "result":
        ok, err = shape[1], shape[2]
        if ok is None and err is None:
            return "result"
        if err is None:
            return f"result<{wit(ok)}>"
        return f"result<{wit(ok)}, {wit(err)}>"
    if kind in ("stream", "future") and shape[1] is None:
        return str(kind)
    return f"{kind}<{', '.join(wit(p) for p in shape[1:])}>"


FuncShape = tuple[Any, Shape]
"""(parameter shapes as a tuple, or `ANY` when unknown; result shape or None)."""


def func_text(func: FuncShape, names: Sequence[str] = ()) -> str:
    params, result = func
    if params is ANY:
        params = ("...",)
    shown = [f"{n}: {wit(p)}" for n, p in zip(names, params, strict=False)]
    shown += [wit(p) for p in params[len(shown) :]]
    return f"func({', '.join(shown)})" + ("" if result is None else f" -> {wit(result)}")


def bindings_func(params: Sequence[tuple[str, c.Codec]], result: c.Codec | None) -> FuncShape:
    return tuple(codec_shape(p) for _, p in params), codec_shape(result)


def check_func(
    qualname: str,
    params: Sequence[tuple[str, c.Codec]],
    result: c.Codec | None,
    have: FuncShape,
    what: str = "export",
) -> None:
    """Raise `LinkError` unless the `what` ("export" or "import") `qualname` of type `have`
    fits the bindings."""
    want = bindings_func(params, result)
    fits = (
        have[0] is ANY
        or len(want[0]) == len(have[0])
        and all(same(w, h) for w, h in zip(want[0], have[0], strict=True))
    ) and (have[1] is ANY or (want[1] is None) == (have[1] is None) and same(want[1], have[1]))
    if not fits:
        names = [n for n, _ in params]
        raise LinkError(
            f"the component's {what} {qualname} has type {func_text(have)}, but the bindings were"
            f" generated for {func_text(want, names)}: regenerate them from the component's WIT"
        )


# --- the cabi engine's decoded types -------------------------------------------------------


def cabi_shape(vt: Any, resource: Callable[[Any], Res], depth: int = 0) -> Shape:
    """The shape of a resolved `witgen.component.types` value type (`resource` names a
    handle's resource, a `ResourceSlot` or `ResourceType`)."""
    if depth > MAX_DEPTH:
        raise LinkError(f"a type is nested more than {MAX_DEPTH} levels deep")
    d = depth + 1

    def sub(x: Any) -> Shape:
        return None if x is None else cabi_shape(x, resource, d)

    match vt:
        case t.Prim(name):
            return name
        case t.ListType(elem, None):
            return ("list", sub(elem))
        case t.ListType(elem, length):
            return ("list", sub(elem), length)
        case t.Record(fields):
            return ("record", tuple((n, sub(f)) for n, f in fields))
        case t.Variant(cases):
            return ("variant", tuple((n, sub(p)) for n, p in cases))
        case t.Tuple(elems):
            return ("tuple", tuple(sub(e) for e in elems))
        case t.Flags(names):
            return ("flags", tuple(names))
        case t.Enum(names):
            return ("enum", tuple(names))
        case t.Option(elem):
            return ("option", sub(elem))
        case t.Result(ok, err):
            return ("result", sub(ok), sub(err))
        case t.Own(r):
            return ("own", resource(r))
        case t.Borrow(r):
            return ("borrow", resource(r))
        case t.Stream(elem):
            return ("stream", sub(elem))
        case t.Future(elem):
            return ("future", sub(elem))
        case t.Map(k, v):
            return ("map", sub(k), sub(v))
    raise LinkError(f"unexpected type {type(vt).__name__} in a function type")


def cabi_func(ft: Any, resource: Callable[[Any], Res]) -> FuncShape:
    params = tuple(cabi_shape(p, resource) for _, p in ft.params)
    return params, None if ft.result is None else cabi_shape(ft.result, resource)


def show_cabi_func(ft: Any) -> str:
    """A decoded function type as WIT (for messages)."""
    shape = cabi_func(ft, lambda r: Res(getattr(r, "name", None), None))
    return func_text(shape, [n for n, _ in ft.params])


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


def c_valtype_shape(vt: Any, resource: Callable[[Any], Res], depth: int = 0) -> Shape:
    """The shape of a `wasmtime_component_valtype_t` (consumed: its parts are freed)."""
    from ctypes import POINTER, byref, c_bool, c_char, c_size_t

    from witgen.runtime.internals import ffi, resource_type_from

    kind = vt.kind
    if kind in (21, 22):  # own, borrow: the resource type takes the pointer over
        rt = resource_type_from(vt.of.own if kind == 21 else vt.of.borrow)
        return ("own" if kind == 21 else "borrow", resource(rt))
    try:
        prim = _C_PRIMS.get(kind)
        if prim is not None:
            return prim
        if depth > MAX_DEPTH:
            return ANY
        d = depth + 1

        def sub(get: Callable[[Any], Any]) -> Shape:
            inner = ffi.wasmtime_component_valtype_t()
            return c_valtype_shape(inner, resource, d) if get(byref(inner)) is not False else None

        name_ptr, name_len = POINTER(c_char)(), c_size_t()
        if kind == 13:
            return ("list", sub(lambda out: ffi.wasmtime_component_list_type_element(vt.of.list, out)))
        if kind == 14:
            ptr = vt.of.record
            fields = []
            for i in range(ffi.wasmtime_component_record_type_field_count(ptr)):
                inner = ffi.wasmtime_component_valtype_t()
                ffi.wasmtime_component_record_type_field_nth(
                    ptr, i, byref(name_ptr), byref(name_len), byref(inner)
                )
                fields.append((_c_name(name_ptr, name_len), c_valtype_shape(inner, resource, d)))
            return ("record", tuple(fields))
        if kind == 15:
            ptr = vt.of.tuple
            elems = []
            for i in range(ffi.wasmtime_component_tuple_type_types_count(ptr)):
                inner = ffi.wasmtime_component_valtype_t()
                ffi.wasmtime_component_tuple_type_types_nth(ptr, i, byref(inner))
                elems.append(c_valtype_shape(inner, resource, d))
            return ("tuple", tuple(elems))
        if kind == 16:
            ptr = vt.of.variant
            cases = []
            for i in range(ffi.wasmtime_component_variant_type_case_count(ptr)):
                inner, has = ffi.wasmtime_component_valtype_t(), c_bool()
                ffi.wasmtime_component_variant_type_case_nth(
                    ptr, i, byref(name_ptr), byref(name_len), byref(has), byref(inner)
                )
                payload = c_valtype_shape(inner, resource, d) if has.value else None
                cases.append((_c_name(name_ptr, name_len), payload))
            return ("variant", tuple(cases))
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
            return ("enum" if kind == 17 else "flags", tuple(names))
        if kind == 18:
            return ("option", sub(lambda out: ffi.wasmtime_component_option_type_ty(vt.of.option, out)))
        if kind == 19:
            ptr = vt.of.result
            ok = sub(lambda out: bool(ffi.wasmtime_component_result_type_ok(ptr, out)))
            err = sub(lambda out: bool(ffi.wasmtime_component_result_type_err(ptr, out)))
            return ("result", ok, err)
        if kind == _C_MAP:
            ptr = vt.of.map
            key = sub(lambda out: ffi.wasmtime_component_map_type_key(ptr, out))
            value = sub(lambda out: ffi.wasmtime_component_map_type_value(ptr, out))
            return ("map", key, value)
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
        params.append(c_valtype_shape(vt, resource))
    vt = ffi.wasmtime_component_valtype_t()
    result = (
        c_valtype_shape(vt, resource) if ffi.wasmtime_component_func_type_result(ptr, byref(vt)) else None
    )
    return tuple(params), result


SiteSpecs = dict[str, tuple[Any, ...]]
"""`witgen.runtime.sites.SiteSpec`s by attribute: (WIT name, qualname, params, result, ...)."""


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
