"""Random values of the model's types, as Python values of the generated bindings, and a
canonical "plain" form to compare them by (NaN-aware, resource objects by identity).

Plain forms: ints/bools/strings as themselves; floats as ``float.hex`` (``"nan"`` for every NaN:
the Canonical ABI leaves NaN payloads nondeterministic); lists/tuples/records as tuples;
``("case", i, payload)`` for variants; ``("enum", i)``; ``("flags", bits)``; ``None`` /
``("some", v)`` for options; ``("ok", v)`` / ``("err", v)``; maps as tuples of pairs in order;
resources as ``("res", id(obj))``.
"""

from __future__ import annotations

import array
import functools
import math
import random
import re
import struct
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from witgen.runtime.types import Err, Ok, Some

from .model import INTS, Def, Ty

SPECIAL_F32 = [
    0x0000_0000,
    0x8000_0000,
    0x7F80_0000,
    0xFF80_0000,
    0x7FC0_0000,
    0xFFC0_0000,
    0x7FC0_1234,
    0x0000_0001,
    0x8000_0001,
    0x7F7F_FFFF,
    0x3F80_0000,
]
SPECIAL_F64 = [
    0,
    1 << 63,
    0x7FF0 << 48,
    0xFFF0 << 48,
    0x7FF8 << 48,
    0xFFF8 << 48,
    (0x7FF8 << 48) | 0xBEEF,
    1,
    (1 << 63) | 1,
    0x7FEF_FFFF_FFFF_FFFF,
    0x3FF0 << 48,
]
ARRAY_CODES = {
    "u8": "B",
    "s8": "b",
    "u16": "H",
    "s16": "h",
    "u32": "I",
    "s32": "i",
    "u64": "Q",
    "s64": "q",
    "f32": "f",
    "f64": "d",
}
NUMBERS = {*INTS, "f32", "f64"}
STRING_ALPHABET = "aZ0 _-\u00e9\u00ff\u0100\u4e2d\U0001f600\U0010ffff\x00\n"


class HostR:
    """The host's class for resource ``r``: plain objects, compared by identity; ``close()`` counts drops."""

    def __init__(self, tag: int = 0) -> None:
        self.tag = tag
        self.closed = 0

    def close(self) -> None:
        self.closed += 1

    def __repr__(self) -> str:
        return f"HostR#{self.tag}"


@dataclass
class Scope:
    """Where named types live (``defs``) and the resource objects made so far."""

    defs: dict[str, Def]
    made: list[HostR] = field(default_factory=list)


def _int(rng: random.Random, lo: int, hi: int) -> int:
    r = rng.random()
    if r < 0.3:
        return rng.choice([lo, hi, 0 if lo < 0 else lo, -1 if lo < 0 else hi, 1])
    return rng.randint(lo, hi)


def _f32(rng: random.Random) -> float:
    bits = rng.choice(SPECIAL_F32) if rng.random() < 0.4 else rng.getrandbits(32)
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def _f64(rng: random.Random) -> float:
    bits = rng.choice(SPECIAL_F64) if rng.random() < 0.4 else rng.getrandbits(64)
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


def _char(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        return chr(rng.randint(0x20, 0x7E))
    while True:
        c = rng.choice([rng.randint(0, 0xFFFF), rng.randint(0, 0x10FFFF)])
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def deref(scope: Scope, ty: Ty) -> Ty | Def:
    while ty.kind == "ref":
        d = scope.defs[ty.name]
        if d.kind != "alias":
            return d
        target = d.items[0]
        assert target is not None
        ty = target
    return ty


def gen(rng: random.Random, scope: Scope, ty: Ty, depth: int = 0) -> Any:
    """A random plain value of ``ty`` (resources: fresh ``HostR`` objects)."""
    t = deref(scope, ty)
    small = 3 if depth < 2 else 1
    if isinstance(t, Def):
        if t.kind == "record":
            return tuple(gen(rng, scope, f, depth + 1) for f in t.items if f is not None)
        if t.kind == "variant":
            i = rng.randrange(len(t.items))
            payload = t.items[i]
            return ("case", i, None if payload is None else gen(rng, scope, payload, depth + 1))
        if t.kind == "enum":
            return ("enum", rng.randrange(t.count))
        return ("flags", rng.getrandbits(t.count))
    k = t.kind
    if k == "bool":
        return rng.random() < 0.5
    if k in INTS:
        return _int(rng, *INTS[k])
    if k == "f32":
        return _f32(rng)
    if k == "f64":
        return _f64(rng)
    if k == "char":
        return _char(rng)
    if k == "string":
        if rng.random() < 0.03:  # long: transcoding buffers grow, the heap grows
            return "".join(rng.choice(STRING_ALPHABET) for _ in range(rng.randint(100, 3000)))
        return "".join(
            rng.choice(STRING_ALPHABET) if rng.random() < 0.5 else _char(rng)
            for _ in range(rng.randint(0, 8))
        )
    if k in ("own", "borrow"):
        obj = HostR(len(scope.made))
        scope.made.append(obj)
        return obj
    a = t.args
    if k == "tuple":
        return tuple(gen(rng, scope, x, depth + 1) for x in t.children())
    if k == "option":
        return None if rng.random() < 0.3 else ("some", gen(rng, scope, a[0], depth + 1))  # type: ignore[arg-type]
    if k == "result":
        which = rng.randrange(2)
        inner = a[which]
        return ("ok" if which == 0 else "err", None if inner is None else gen(rng, scope, inner, depth + 1))
    if k == "list":
        if a[0] is not None and a[0].kind in NUMBERS and rng.random() < 0.1:
            # long lists of numbers: the engines' bulk paths (bytes, arrays)
            return tuple(gen(rng, scope, a[0], depth + 1) for _ in range(rng.randint(20, 2000)))
        return tuple(gen(rng, scope, a[0], depth + 1) for _ in range(rng.randint(0, small)))  # type: ignore[arg-type]
    if k == "fixed":
        return tuple(gen(rng, scope, a[0], depth + 1) for _ in range(t.size))  # type: ignore[arg-type]
    if k == "map":
        pairs: dict[Any, Any] = {}
        for _ in range(rng.randint(0, small)):
            key = gen(rng, scope, a[0], depth + 1)  # type: ignore[arg-type]
            pairs[key] = gen(rng, scope, a[1], depth + 1)  # type: ignore[arg-type]
        return tuple(pairs.items())
    raise AssertionError(k)


@functools.cache
def _classes(mod: ModuleType) -> dict[tuple[str, ...], type]:
    """The generated classes of a bindings module by WIT name, read from their docstrings:
    ``(type,)`` for records, enums and flags, ``(variant, case)`` for variant cases."""
    found: dict[tuple[str, ...], type] = {}
    for value in vars(mod).values():
        doc = getattr(value, "__doc__", None) if isinstance(value, type) else None
        if doc and getattr(value, "__module__", None) == mod.__name__:
            if m := re.match(r"`([^`]+)` \((record|enum|flags)\)", doc):
                found[(m[1],)] = value
            elif m := re.match(r"`([^`]+)` \(case of variant `([^`]+)`\)", doc):
                found[(m[2], m[1])] = value
    return found


def _cls(mod: ModuleType, *wit_name: str) -> Any:
    return _classes(mod)[wit_name]


def is_option(scope: Scope, ty: Ty) -> bool:
    t = deref(scope, ty)
    return isinstance(t, Ty) and t.kind == "option"


@dataclass
class Poison:
    """Makes ``to_python`` put one invalid value at its ``target``-th node (pre-order); with
    ``target=-1`` it only counts the nodes (``seen``). ``placed`` describes what it put where."""

    rng: random.Random
    target: int = -1
    seen: int = 0
    placed: str = ""
    nullable: bool = False  # the node is an option's payload: None would be a valid value

    def bad(self, t: Ty | Def) -> tuple[bool, Any]:
        """``(True, invalid value)`` at the target node, else ``(False, None)``."""
        self.seen += 1
        if self.seen - 1 != self.target:
            return False, None
        kind = t.kind
        if isinstance(t, Ty) and kind in INTS:
            lo, hi = INTS[kind]
            options: list[Any] = [hi + 1, lo - 1, 1.5, "7", None]
        else:
            options = BAD.get(kind, [object()])
        value = self.rng.choice([o for o in options if not (self.nullable and o is None)] or [object()])
        self.placed = f"{value!r} for a {t.wit() if isinstance(t, Ty) else t.kind}"
        return True, value


BAD: dict[str, list[Any]] = {
    "bool": ["yes", None],
    "f32": ["x", None],
    "f64": ["x", None],
    "char": ["ab", "", 65, "\ud800"],
    "string": [b"abc", 5, None, "\ud800"],
    "list": [5, None],
    "fixed": [5, None, []],
    "tuple": [None, ()],
    "result": [5, None],
    "map": [5, [(1, 2)]],
    "record": [None, object()],
    "variant": [None, object()],
    "enum": [0, "c0"],
    "flags": ["b0", None],
}


def to_python(
    scope: Scope,
    mod: ModuleType | None,
    ty: Ty,
    pv: Any,
    poison: Poison | None = None,
    alt: random.Random | None = None,
) -> Any:
    """The bindings' Python value for plain value ``pv`` of ``ty``; named types from ``mod``
    (``poison``: with one invalid value in it; ``alt``: lists sometimes in the other forms
    parameters accept: tuples, ``bytearray``/``memoryview``, ``array.array``)."""
    t = deref(scope, ty)
    if poison is not None and not (isinstance(t, Ty) and t.kind in ("own", "borrow", "option")):
        hit, value = poison.bad(t)
        poison.nullable = False
        if hit:
            return value

    def py(ty: Ty | None, pv: Any, poison: Poison | None = poison) -> Any:
        assert ty is not None
        return to_python(scope, mod, ty, pv, poison, alt)

    if isinstance(t, Def):
        assert mod is not None
        if t.kind == "record":
            return _cls(mod, t.name)(*(py(f, v) for f, v in zip(t.items, pv, strict=True)))
        if t.kind == "variant":
            _, i, payload = pv
            case = _cls(mod, t.name, t.member(i))
            item = t.items[i]
            return case() if item is None else case(py(item, payload))
        if t.kind == "enum":
            return list(_cls(mod, t.name))[pv[1]]
        return _cls(mod, t.name)(pv[1])
    k = t.kind
    if k in ("own", "borrow") or k in INTS or k in ("bool", "f32", "f64", "char", "string"):
        return pv
    a = t.args
    if k == "tuple":
        return tuple(py(x, v) for x, v in zip(t.children(), pv, strict=True))
    if k == "option":
        if pv is None:
            return None
        if poison is not None:
            poison.nullable = not is_option(scope, a[0])  # type: ignore[arg-type]
        inner = py(a[0], pv[1])
        return Some(inner) if is_option(scope, a[0]) else inner  # type: ignore[arg-type]
    if k == "result":
        which = a[0] if pv[0] == "ok" else a[1]
        value = None if which is None else py(which, pv[1])
        return Ok(value) if pv[0] == "ok" else Err(value)
    if k in ("list", "fixed"):
        form = alt.randrange(3) if alt is not None else 0
        if k == "list" and a[0] == Ty("u8"):
            return [bytes, bytearray, lambda b: memoryview(bytes(b))][form](pv)
        elem = deref(scope, a[0])  # type: ignore[arg-type]
        if form == 2 and isinstance(elem, Ty) and elem.kind in ARRAY_CODES:
            return array.array(ARRAY_CODES[elem.kind], pv)
        items = [py(a[0], v) for v in pv]
        return tuple(items) if form else items
    if k == "map":
        return {py(a[0], kk, None): py(a[1], vv) for kk, vv in pv}
    raise AssertionError(k)


class Mismatch(Exception):
    """A Python value does not have the shape of its WIT type (the message says where)."""


def plain(scope: Scope, ty: Ty, v: Any) -> Any:
    """The canonical plain form of Python value ``v`` of ``ty`` (floats as hex, any NaN as "nan")."""
    t = deref(scope, ty)
    if isinstance(t, Def):
        if t.kind == "record":
            return tuple(plain(scope, f, x) for f, x in zip(t.items, astuple_shallow(v), strict=True))  # type: ignore[arg-type]
        if t.kind == "variant":
            doc = type(v).__doc__ or ""
            m = re.match(r"`([^`]+)` \(case of variant `([^`]+)`\)", doc)
            if m is None or m[2] != t.name:
                raise Mismatch(f"not a case of variant {t.name}: {v!r}")
            i = [t.member(j) for j in range(len(t.items))].index(m[1])
            item = t.items[i]
            return ("case", i, None if item is None else plain(scope, item, v.value))
        if t.kind == "enum":
            return ("enum", list(type(v)).index(v))
        return ("flags", v.value)
    k = t.kind
    if k in ("f32", "f64"):
        if not isinstance(v, float):
            raise Mismatch(f"{k}: {v!r}")
        return "nan" if math.isnan(v) else v.hex()
    if k in ("own", "borrow"):
        return ("res", v)
    if k in INTS or k in ("bool", "char", "string"):
        return v
    a = t.args
    if k == "tuple":
        return tuple(plain(scope, x, y) for x, y in zip(t.children(), v, strict=True))
    if k == "option":
        if v is None:
            return None
        if is_option(scope, a[0]):  # type: ignore[arg-type]
            if not isinstance(v, Some):
                raise Mismatch(f"option<option<..>> without Some: {v!r}")
            v = v.value
        return ("some", plain(scope, a[0], v))  # type: ignore[arg-type]
    if k == "result":
        ok = isinstance(v, Ok)
        if not ok and not isinstance(v, Err):
            raise Mismatch(f"result: {v!r}")
        which = a[0] if ok else a[1]
        return ("ok" if ok else "err", None if which is None else plain(scope, which, v.value))
    if k in ("list", "fixed"):
        return tuple(plain(scope, a[0], x) for x in v)  # type: ignore[arg-type]
    if k == "map":
        return tuple((plain(scope, a[0], kk), plain(scope, a[1], vv)) for kk, vv in v.items())  # type: ignore[arg-type]
    raise AssertionError(k)


def astuple_shallow(v: Any) -> tuple[Any, ...]:
    """A record dataclass's field values in order (not recursing like ``dataclasses.astuple``)."""
    return tuple(getattr(v, f) for f in v.__dataclass_fields__)


def canon(pv: Any) -> Any:
    """A plain value from ``gen`` in the canonical form ``plain`` gives (floats as hex)."""
    if isinstance(pv, float):
        return "nan" if math.isnan(pv) else pv.hex()
    if isinstance(pv, HostR):
        return ("res", pv)
    if isinstance(pv, tuple):
        return tuple(canon(x) for x in pv)
    return pv


__all__ = ["HostR", "Mismatch", "Poison", "Scope", "canon", "deref", "gen", "plain", "to_python"]
