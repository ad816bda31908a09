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

from collections.abc import Callable, Sequence
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


SiteSpecs = dict[str, tuple[Any, ...]]
"""`witgen.runtime.sites.SiteSpec`s by attribute: (WIT name, qualname, params, result, ...)."""
