"""Flattening component types to core wasm types (CanonicalABI.md "Flattening").

The core signature of a lifted or lowered function follows from its component type; the engine
needs it to create host-side core functions, and generated code to know how values travel.
"""

from __future__ import annotations

from witgen.runtime.cabi import types as t

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
    return ["i32", *flat]


def flatten_type(vt: t.ValType) -> list[str]:
    """The core value types one value of (resolved) type `vt` occupies."""
    match vt:
        case t.Prim("string"):
            return ["i32", "i32"]
        case t.Prim(name):
            return [_PRIM[name]]
        case t.ListType(elem, None) | t.Map(elem, _):
            return ["i32", "i32"]
        case t.ListType(elem, length):
            return flatten_type(elem) * (length or 0)
        case t.Record(fields):
            return [c for _, f in fields for c in flatten_type(f)]
        case t.Tuple(elems):
            return [c for e in elems for c in flatten_type(e)]
        case t.Flags(names):
            return ["i32"] * ((len(names) + 31) // 32)
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
    raise TypeError(f"cannot flatten unresolved type {vt!r}")


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
