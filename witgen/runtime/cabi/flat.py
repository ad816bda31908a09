"""Flattening component types to core wasm types (CanonicalABI.md "Flattening").

The core signature of a lifted or lowered function follows from its component type; the engine
needs it to create host-side core functions, and generated code to know how values travel.
"""

from __future__ import annotations

from witgen.component import types as t
from witgen.runtime.errors import LinkError

MAX_FLAT_PARAMS = 16
MAX_FLAT_RESULTS = 1

_PRIM = {
    "bool": "i32",
    "s8": "i32",
    "u8": "i32",
    "s16": "i32",
    "u16": "i32",
    "s32": "i32",
    "u32": "i32",
    "char": "i32",
    "s64": "i64",
    "u64": "i64",
    "f32": "f32",
    "f64": "f64",
    "error-context": "i32",
}


def join(a: str, b: str) -> str:
    """The core type one variant slot needs to carry both `a` and `b`."""
    if a == b:
        return a
    if {a, b} == {"i32", "f32"}:
        return "i32"
    return "i64"


_CAP = MAX_FLAT_PARAMS + 1
"""Flattenings are cut after this many values: past MAX_FLAT_PARAMS only "it spills" matters, and
a `list<T, 4294967295>` must not become four billion strings."""


def _variant(payloads: list[t.ValType | None]) -> list[str]:
    flat: list[str] = []
    for p in payloads:
        if p is None:
            continue
        for i, ft in enumerate(flatten_type(p)):
            if i < len(flat):
                flat[i] = join(flat[i], ft)
            else:
                flat.append(ft)
    return ["i32", *flat][:_CAP]


def _concat(parts: list[t.ValType]) -> list[str]:
    flat: list[str] = []
    for p in parts:
        flat += flatten_type(p)
        if len(flat) >= _CAP:
            return flat[:_CAP]
    return flat


def flatten_type(vt: t.ValType) -> list[str]:
    """The core value types one value of (resolved) type `vt` occupies (cut after `_CAP`)."""
    match vt:
        case t.Prim("string"):
            return ["i32", "i32"]
        case t.Prim(name) if name in _PRIM:
            return [_PRIM[name]]
        case t.ListType(elem, None) | t.Map(elem, _):
            return ["i32", "i32"]
        case t.ListType(elem, length):
            one = flatten_type(elem)
            return (one * min(length or 0, _CAP))[:_CAP] if one else []
        case t.Record(fields):
            return _concat([f for _, f in fields])
        case t.Tuple(elems):
            return _concat(list(elems))
        case t.Flags(names):
            return ["i32"] * min((len(names) + 31) // 32, _CAP)
        case t.Enum(_):
            return ["i32"]
        case t.Variant(cases):
            return _variant([c for _, c in cases])
        case t.Option(elem):
            return _variant([None, elem])
        case t.Result(ok, err):
            return _variant([ok, err])
        case t.Own() | t.Borrow() | t.Stream() | t.Future():
            return ["i32"]
    raise LinkError(f"cannot flatten type {vt!r}")


def flatten_func(ft: t.FuncType, context: str) -> tuple[list[str], list[str]]:
    """Core (params, results) of `ft` for `canon lift` ("lift") or `canon lower` ("lower")."""
    params = [c for _, p in ft.params for c in flatten_type(p)]
    results = [] if ft.result is None else flatten_type(ft.result)
    if len(params) > MAX_FLAT_PARAMS:
        params = ["i32"]
    if len(results) > MAX_FLAT_RESULTS:
        if context == "lift":
            results = ["i32"]
        else:
            params, results = [*params, "i32"], []
    return params, results
