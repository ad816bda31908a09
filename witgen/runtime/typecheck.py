"""Do a component's exports have the types the bindings were generated for? Checked at load.

Generated call sites are specialised to the WIT they were generated from: on the cabi engine they
call core functions unchecked, so a component whose export has another type (8 parameters where
the bindings pass none) would crash the interpreter or read garbage; on the wasmtime engine it
fails on the first call. Both engines compare each export's component type with what the
bindings expect — the codecs generated code passes to `export_func` carry names and structure —
when the instance is made, and raise a `LinkError` naming the export and both types.

Every side is spelt in the one structural type model, `witgen.component.types`: the bindings'
codecs (`codec_type`), the cabi engine's decoded types (`cabi_type`) and wasmtime's reflection
(`witgen.runtime.wasmtime.reflect`). Handles name their resource as a `Res`; `ANY` stands for
what a side cannot describe (a stream's payload in a codec, a kind newer than this code) and is
not held against the component.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from witgen.component import types as t
from witgen.runtime import codecs as c
from witgen.runtime.errors import LinkError


@dataclass(frozen=True)
class Unknown:
    """A type one side cannot see into: it matches any other."""


ANY = Unknown()
Shape = Any
"""A `witgen.component.types` value type (parts may be `ANY`), `ANY`, or None (no value)."""

MAX_DEPTH = 100
"""Deeper types are refused (wasmparser's limit too)."""


@dataclass(frozen=True)
class Res:
    """A resource as far as one side knows it: its name and whether the component defines it
    (a guest resource) or imports it from the host; None where that side cannot tell."""

    name: str | None
    guest: bool | None


# --- the bindings' codecs ------------------------------------------------------------------


def codec_type(codec: c.Codec | None) -> Shape:
    """The type `codec` was generated for (None for "no value")."""
    if codec is None:
        return None
    match codec:
        case c.BoolCodec() | c.IntCodec() | c.FloatCodec() | c.CharCodec() | c.StringCodec():
            return t.Prim(codec.wit)
        case c.BytesCodec():
            return t.ListType(t.Prim("u8"))
        case c.NumberListCodec() | c.ListCodec():
            return t.ListType(codec_type(codec.elem))
        case c.FixedListCodec():
            return t.ListType(codec_type(codec.elem), codec.size)
        case c.MapCodec():
            return t.Map(codec_type(codec.key), codec_type(codec.value))
        case c.TupleCodec():
            return t.Tuple(tuple(codec_type(e) for e in codec.elems))
        case c.RecordCodec():
            return t.Record(tuple((name.decode(), codec_type(f)) for name, _, f in codec.fields))
        case c.VariantCodec():
            return t.Variant(tuple((name.decode(), codec_type(p)) for name, _, p in codec.cases))
        case c.EnumCodec():
            return t.Enum(tuple(n.decode() for n in codec.names))
        case c.FlagsCodec():
            return t.Flags(tuple(n.decode() for n in codec.names))
        case c.OptionCodec():
            return t.Option(codec_type(codec.inner))
        case c.ResultCodec():
            return t.Result(codec_type(codec.ok), codec_type(codec.err))
        case c.GuestResourceCodec() | c.HostResourceCodec():
            res = Res(codec.key.rpartition("#")[2], isinstance(codec, c.GuestResourceCodec))
            return t.Own(res) if codec.own else t.Borrow(res)
        case c.UnsupportedCodec() if codec.wit == "error-context":
            return t.Prim("error-context")
    return ANY


# --- comparing -----------------------------------------------------------------------------


def same(want: Shape, have: Shape) -> bool:
    """Whether a value of type `have` is what the bindings expecting `want` handle."""
    if want is ANY or have is ANY:
        return True
    if want is None or have is None or type(want) is not type(have):
        return want is None and have is None
    match want, have:
        case (t.Own(a), t.Own(b)) | (t.Borrow(a), t.Borrow(b)):
            return (a.name is None or b.name is None or a.name == b.name) and (
                a.guest is None or b.guest is None or a.guest == b.guest
            )
        case (t.Record(mine), t.Record(theirs)) | (t.Variant(mine), t.Variant(theirs)):
            return len(mine) == len(theirs) and all(
                n == m and same(x, y) for (n, x), (m, y) in zip(mine, theirs, strict=True)
            )
        case (t.Tuple(mine), t.Tuple(theirs)):
            return len(mine) == len(theirs) and all(same(x, y) for x, y in zip(mine, theirs, strict=True))
        case (t.ListType(x, n), t.ListType(y, m)):
            return n == m and same(x, y)
        case (t.Option(x), t.Option(y)) | (t.Stream(x), t.Stream(y)) | (t.Future(x), t.Future(y)):
            return same(x, y)
        case (t.Result(a, b), t.Result(x, y)) | (t.Map(a, b), t.Map(x, y)):
            return same(a, x) and same(b, y)
    return bool(want == have)  # primitives, enums, flags


def wit(shape: Shape) -> str:
    """`shape` spelt as WIT (records, variants, enums and flags spelt out, as they have no name)."""
    match shape:
        case None:
            return "_"
        case Unknown():
            return "?"
        case t.Prim(name):
            return name
        case t.Own(res) | t.Borrow(res):
            res = res if isinstance(res, Res) else Res(None, None)
            name = (res.name or "?") + {None: "", True: " (the component's)", False: " (the host's)"}[
                res.guest
            ]
            return name if isinstance(shape, t.Own) else f"borrow<{name}>"
        case t.Record(fields):
            return "record { " + ", ".join(f"{n}: {wit(f)}" for n, f in fields) + " }"
        case t.Variant(cases):
            return "variant { " + ", ".join(n if p is None else f"{n}({wit(p)})" for n, p in cases) + " }"
        case t.Enum(names) | t.Flags(names):
            return f"{'enum' if isinstance(shape, t.Enum) else 'flags'} {{ " + ", ".join(names) + " }"
        case t.Tuple(elems):
            return f"tuple<{', '.join(wit(e) for e in elems)}>"
        case t.ListType(elem, None):
            return f"list<{wit(elem)}>"
        case t.ListType(elem, n):
            return f"list<{wit(elem)}, {n}>"
        case t.Option(elem):
            return f"option<{wit(elem)}>"
        case t.Result(None, None):
            return "result"
        case t.Result(ok, None):
            return f"result<{wit(ok)}>"
        case t.Result(ok, err):
            return f"result<{wit(ok) if ok is not None else '_'}, {wit(err)}>"
        case t.Map(k, v):
            return f"map<{wit(k)}, {wit(v)}>"
        case t.Stream(None) | t.Future(None):
            return "stream" if isinstance(shape, t.Stream) else "future"
        case t.Stream(elem) | t.Future(elem):
            return f"{'stream' if isinstance(shape, t.Stream) else 'future'}<{wit(elem)}>"
    return "?"


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
    return tuple(codec_type(p) for _, p in params), codec_type(result)


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


def cabi_type(vt: Any, resource: Callable[[Any], Res], depth: int = 0) -> Shape:
    """A resolved `witgen.component.types` value type with its handles naming a `Res`
    (`resource` names a `ResourceSlot` or `ResourceType`)."""
    if depth > MAX_DEPTH:
        raise LinkError(f"a type is nested more than {MAX_DEPTH} levels deep")
    d = depth + 1

    def sub(x: Any) -> Shape:
        return None if x is None else cabi_type(x, resource, d)

    match vt:
        case t.Prim():
            return vt
        case t.ListType(elem, length):
            return t.ListType(sub(elem), length)
        case t.Record(fields):
            return t.Record(tuple((n, sub(f)) for n, f in fields))
        case t.Variant(cases):
            return t.Variant(tuple((n, sub(p)) for n, p in cases))
        case t.Tuple(elems):
            return t.Tuple(tuple(sub(e) for e in elems))
        case t.Flags() | t.Enum():
            return vt
        case t.Option(elem):
            return t.Option(sub(elem))
        case t.Result(ok, err):
            return t.Result(sub(ok), sub(err))
        case t.Own(r):
            return t.Own(resource(r))
        case t.Borrow(r):
            return t.Borrow(resource(r))
        case t.Stream(elem):
            return t.Stream(sub(elem))
        case t.Future(elem):
            return t.Future(sub(elem))
        case t.Map(k, v):
            return t.Map(sub(k), sub(v))
    raise LinkError(f"unexpected type {type(vt).__name__} in a function type")


def cabi_func(ft: Any, resource: Callable[[Any], Res]) -> FuncShape:
    params = tuple(cabi_type(p, resource) for _, p in ft.params)
    return params, None if ft.result is None else cabi_type(ft.result, resource)


def show_cabi_func(ft: Any) -> str:
    """A decoded function type as WIT (for messages)."""
    shape = cabi_func(ft, lambda r: Res(getattr(r, "name", None), None))
    return func_text(shape, [n for n, _ in ft.params])


SiteSpecs = dict[str, tuple[Any, ...]]
"""`witgen.runtime.sites.SiteSpec`s by attribute: (WIT name, qualname, params, result, ...)."""
