"""Random WIT worlds for the differential test, as a small type model that also drives value generation.

A world holds ``interfaces`` interfaces ``api0``..; each is imported *and* exported, so a
forwarding component (``forwarding.py``) can route every export to the matching import.
The resource ``r`` lives in an import-only interface ``res``: handles of it pass through the
guest unchanged, so the host gets its own objects back. World-level functions (``imp-fN``
imported, ``exp-fN`` exported) use anonymous types only.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

INTS = {
    "u8": (0, 0xFF),
    "s8": (-0x80, 0x7F),
    "u16": (0, 0xFFFF),
    "s16": (-0x8000, 0x7FFF),
    "u32": (0, 0xFFFF_FFFF),
    "s32": (-0x8000_0000, 0x7FFF_FFFF),
    "u64": (0, 0xFFFF_FFFF_FFFF_FFFF),
    "s64": (-0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF),
}
PRIMS = ["bool", *INTS, "f32", "f64", "char", "string"]
MAP_KEYS = ["bool", *INTS, "char", "string"]
ENUM_SIZES = [1, 2, 3, 5, 17]
BIG_SIZES = [200, 255, 256, 257, 300]  # 2-byte discriminants, rare: their bindings are large
FLAG_SIZES = [1, 2, 7, 8, 9, 15, 16, 17, 31, 32]
ENCODINGS = ["utf8", "utf16", "compact-utf16"]
# Payloads chosen to make variant cases join differently typed flat values (i32/i64/f32/f64).
JOIN_PAYLOADS = ["u8", "s32", "u64", "s64", "f32", "f64", "char", "string"]


@dataclass(frozen=True)
class Ty:
    """A WIT type expression: ``kind`` is a primitive name, ``ref`` (a named type), ``tuple``,
    ``option``, ``result``, ``list``, ``fixed``, ``map``, ``own`` or ``borrow``."""

    kind: str
    args: tuple[Ty | None, ...] = ()
    name: str = ""  # ref: the named type
    size: int = 0  # fixed: the length

    def wit(self) -> str:
        a = self.args
        match self.kind:
            case "ref":
                return f"%{self.name}"
            case "own":
                return "r"
            case "borrow":
                return "borrow<r>"
            case "tuple":
                return f"tuple<{', '.join(_wit(t) for t in a)}>"
            case "option" | "list":
                return f"{self.kind}<{_wit(a[0])}>"
            case "fixed":
                return f"list<{_wit(a[0])}, {self.size}>"
            case "map":
                return f"map<{_wit(a[0])}, {_wit(a[1])}>"
            case "result":
                ok, err = a
                if ok is None and err is None:
                    return "result"
                if err is None:
                    return f"result<{_wit(ok)}>"
                return f"result<{'_' if ok is None else _wit(ok)}, {_wit(err)}>"
        return self.kind

    def children(self) -> Iterator[Ty]:
        return (t for t in self.args if t is not None)


def _wit(t: Ty | None) -> str:
    assert t is not None
    return t.wit()


@dataclass
class Def:
    """A named type: ``record`` (fields), ``variant`` (cases), ``enum``/``flags`` (count), ``alias``."""

    kind: str
    name: str
    items: list[Ty | None] = field(default_factory=list)  # record fields / variant payloads / alias target
    count: int = 0
    members: list[str] = field(default_factory=list)  # field / case / flag names (default: x0.., c0.., b0..)

    def member(self, i: int) -> str:
        if self.members:
            return self.members[i]
        return f"{'x' if self.kind == 'record' else 'b' if self.kind == 'flags' else 'c'}{i}"

    def wit(self) -> str:
        name = f"%{self.name}"
        if self.kind == "record":
            return f"record {name} {{ {', '.join(f'%{self.member(i)}: {_wit(t)}' for i, t in enumerate(self.items))} }}"
        if self.kind == "variant":
            cases = [
                f"%{self.member(i)}" + ("" if t is None else f"({t.wit()})") for i, t in enumerate(self.items)
            ]
            return f"variant {name} {{ {', '.join(cases)} }}"
        if self.kind in ("enum", "flags"):
            return f"{self.kind} {name} {{ {', '.join(f'%{self.member(i)}' for i in range(self.count))} }}"
        return f"type {name} = {_wit(self.items[0])};"


@dataclass
class Func:
    name: str
    params: list[Ty]
    result: Ty | None
    param_names: list[str] = field(default_factory=list)  # default: p0, p1, ...

    def param(self, i: int) -> str:
        return self.param_names[i] if self.param_names else f"p{i}"

    def wit(self) -> str:
        params = ", ".join(f"%{self.param(i)}: {t.wit()}" for i, t in enumerate(self.params))
        return f"func({params})" + ("" if self.result is None else f" -> {self.result.wit()}")


@dataclass
class Iface:
    name: str
    defs: dict[str, Def]
    funcs: list[Func]


@dataclass(frozen=True)
class Features:
    """Which optional type kinds a world may use (each engine supports a different set)."""

    maps: bool = True
    fixed: bool = False  # wasmtime-py cannot load components with fixed-length lists
    resources: bool = True
    kinds: frozenset[str] | None = None  # restrict compound kinds (None: all); see `COMPOUND`
    names: bool = False  # names that clash with Python keywords, builtins and generated code's own names
    avoid: frozenset[str] = frozenset()  # hostile names not to use (known failures)

    def allows(self, kind: str) -> bool:
        if kind == "map" and not self.maps or kind == "fixed" and not self.fixed:
            return False
        if kind in ("own", "borrow") and not self.resources:
            return False
        if kind == "borrow":
            kind = "own"  # one switch for both handle kinds
        return self.kinds is None or kind in self.kinds


COMPOUND = (
    "record",
    "variant",
    "enum",
    "flags",
    "alias",
    "tuple",
    "option",
    "result",
    "list",
    "fixed",
    "map",
    "own",
)


@dataclass
class World:
    seed: int
    features: Features
    interfaces: list[Iface]
    imports: list[Func]  # world-level imp-fN / exp-fN pairs (same types)
    encoding: str = "utf8"  # the guest's string encoding (`wasm-tools component embed --encoding`)

    def wit(self) -> str:
        lines = ["package witgen:fuzz;", "", "interface res {", "  resource r;", "}", ""]
        for iface in self.interfaces:
            lines.append(f"interface %{iface.name} {{")
            lines.append("  use res.{r};")
            lines += [f"  {d.wit()}" for d in iface.defs.values()]
            lines += [f"  %{f.name}: {f.wit()};" for f in iface.funcs]
            lines += ["}", ""]
        lines += ["world w {", "  use res.{r};", "  import res;"]
        for iface in self.interfaces:
            lines += [f"  import %{iface.name};", f"  export %{iface.name};"]
        for f in self.imports:
            lines += [f"  import imp-{f.name}: {f.wit()};", f"  export exp-{f.name}: {f.wit()};"]
        if self.features.resources:
            lines.append("  export drop-r: func(x: r);")
        lines += ["}", ""]
        return "\n".join(lines)

    def functions(self) -> Iterator[tuple[Iface | None, Func]]:
        for iface in self.interfaces:
            for f in iface.funcs:
                yield iface, f
        for f in self.imports:
            yield None, f


class _Gen:
    def __init__(self, rng: random.Random, features: Features, defs: dict[str, Def], depth: int = 3) -> None:
        self.depth = depth
        self.rng = rng
        self.features = features
        self.defs = defs

    def prim(self) -> Ty:
        return Ty(self.rng.choice(PRIMS))

    def type(self, depth: int) -> Ty:
        rng, f = self.rng, self.features
        roll = rng.random()
        if depth <= 0 or roll < 0.3:
            return self.prim()
        if roll < 0.5 and self.defs:
            return Ty("ref", name=rng.choice(list(self.defs)))
        kinds = [k for k in ("tuple", "option", "result", "list", "fixed", "map", "own") if f.allows(k)]
        if not kinds:
            return self.prim()
        kind = rng.choice(kinds)
        d = depth - 1
        if kind == "tuple":
            return Ty("tuple", tuple(self.type(d) for _ in range(rng.randint(1, 4))))
        if kind in ("option", "list"):
            inner = Ty("u8") if kind == "list" and rng.random() < 0.2 else self.type(d)
            return Ty(kind, (inner,))
        if kind == "fixed":
            return Ty("fixed", (self.type(d),), size=rng.randint(1, 4))
        if kind == "map":
            return Ty("map", (Ty(rng.choice(MAP_KEYS)), self.type(d)))
        if kind == "own":
            return Ty("own")
        shape = rng.randrange(4)
        ok = self.type(d) if shape & 1 else None
        err = self.type(d) if shape & 2 else None
        return Ty("result", (ok, err))

    def define(self, name: str) -> Def | None:
        rng = self.rng
        kinds = [
            k
            for k in ("record", "variant", "enum", "flags", "alias", "record", "variant")
            if self.features.allows(k)
        ]
        if not kinds:
            return None
        kind = rng.choice(kinds)
        if kind == "record":
            return Def("record", name, [self.type(self.depth) for _ in range(rng.randint(1, 6))])
        if kind == "variant":
            count = rng.choice([1, 2, 3, 4, 6]) if rng.random() < 0.97 else rng.choice(BIG_SIZES)
            cases: list[Ty | None] = []
            for _ in range(count):
                r = rng.random()
                if count > 200 and r < 0.95 or r < 0.3:
                    cases.append(None)
                elif r < 0.65:
                    cases.append(Ty(rng.choice(JOIN_PAYLOADS)))
                else:
                    cases.append(self.type(self.depth))
            return Def("variant", name, cases)
        if kind == "enum":
            return Def(
                "enum", name, count=rng.choice(ENUM_SIZES) if rng.random() < 0.9 else rng.choice(BIG_SIZES)
            )
        if kind == "flags":
            return Def("flags", name, count=rng.choice(FLAG_SIZES))
        return Def("alias", name, [self.type(self.depth)])

    def function(self, name: str, many: bool) -> Func:
        rng = self.rng
        # Mostly a few parameters, sometimes many so that the flat parameters spill (> 16).
        count = rng.randint(10, 20) if many else rng.randint(0, 4)
        params = [self.type(self.depth) for _ in range(count)]
        if self.features.allows("borrow") and rng.random() < 0.4 and params:
            # Borrows where the forwarding guest can find them to drop: a parameter, an element of a
            # tuple parameter, or the elements of a list parameter.
            at = rng.randrange(len(params))
            shape = rng.randrange(3)
            if shape == 0:
                params[at] = Ty("borrow")
            elif shape == 1:
                parts = [self.type(1) for _ in range(rng.randint(0, 3))]
                parts.insert(rng.randint(0, len(parts)), Ty("borrow"))
                params[at] = Ty("tuple", tuple(parts))
            else:
                params[at] = Ty("list", (Ty("borrow"),))
        result = None if rng.random() < 0.15 else self.type(self.depth)
        return Func(name, params, result)


def random_world(
    seed: int, features: Features, interfaces: int = 4, functions: int = 6, types: int = 8, depth: int = 3
) -> World:
    """A random world (deterministic in ``seed``) with ``interfaces`` forwarded interfaces;
    ``depth`` bounds how deep anonymous types nest (named types nest further)."""
    rng = random.Random(seed)
    ifaces = []
    for k in range(interfaces):
        defs: dict[str, Def] = {}
        gen = _Gen(rng, features, defs, depth)
        for i in range(rng.randint(0, types)):
            d = gen.define(f"t{i}")
            if d is not None:
                defs[d.name] = d
        funcs = [gen.function(f"f{i}", many=rng.random() < 0.2) for i in range(functions)]
        if features.names:
            defs = _rename(random.Random(f"{seed}/names/{k}"), defs, funcs, features.avoid)
        ifaces.append(Iface(f"api{k}", defs, funcs))
    if features.names:
        pool = [n for n in HOSTILE_INTERFACE_NAMES if n not in features.avoid]
        for iface, name in zip(
            ifaces, random.Random(f"{seed}/interfaces").sample(pool, len(ifaces)), strict=False
        ):
            iface.name = name
    plain = _Gen(
        rng, Features(maps=features.maps, fixed=features.fixed, resources=False, kinds=features.kinds), {}
    )
    world_funcs = [plain.function(f"f{i}", many=rng.random() < 0.2) for i in range(2)]
    encoding = rng.choice(ENCODINGS) if rng.random() < 0.3 else "utf8"
    return World(seed, features, ifaces, world_funcs, encoding)


# Names that clash with Python keywords and builtins, with the names generated code uses for its own
# locals and helpers, and with what generated modules import (for types: class names after CamelCase).
HOSTILE_NAMES = (
    """m view alloc inst site impl out q c0 c1 c2 c3 x1 p4 s3 trap bad ptrlen self args result from class
in is not def return type list str int len bytes value none some ok err rt store memory realloc enc-str ld-str i n
ptr addr e exc lambda async await yield global del pass with as try except if for while import and or true false cls
kwargs call lift lower raw codec fields new init dict object super print raise fn ret retptr base size align buf data
mem handle rep table drop close enum flag flags variant record tuple option string char float bool match case typing
names ns sites f0 p0 x0 b0 t0 r api0""".split()
)
HOSTILE_INTERFACE_NAMES = """store from-file from-bytes wasi imports exports types api instance engine linker component
self cls runtime rt abi host exp-f0 imp-f0 drop-r world close drop some ok err result typing enum dataclasses""".split()
HOSTILE_TYPE_NAMES = """some ok err result optional union any protocol callable sequence dataclass enum list dict tuple
str int float bool bytes type object exception wasmtime component rt abi no-type-check host interface codec record
variant flag all r-class w w-imports imports exports field self cls none true false string char t0 api0 res""".split()


def _rename(
    rng: random.Random, defs: dict[str, Def], funcs: list[Func], avoid: frozenset[str]
) -> dict[str, Def]:
    """``defs`` and ``funcs`` with hostile names (types, members, functions, parameters), refs updated."""

    def pick(
        pool: list[str], count: int, default: str, taken: set[str] | frozenset[str] = frozenset()
    ) -> list[str]:
        free = [n for n in pool if n not in taken and n not in avoid]
        if count > len(free):
            return [f"{default}{i}" for i in range(count)]
        return rng.sample(free, count)

    type_names = pick(HOSTILE_TYPE_NAMES, len(defs), "t", {"r"})
    renamed = dict(zip(defs, type_names, strict=True))

    def fix(t: Ty | None) -> Ty | None:
        if t is None:
            return None
        if t.kind == "ref":
            return Ty("ref", name=renamed[t.name])
        return Ty(t.kind, tuple(fix(a) for a in t.args), t.name, t.size)

    out: dict[str, Def] = {}
    for d, new in zip(defs.values(), type_names, strict=True):
        members = d.count if d.kind in ("enum", "flags") else len(d.items) if d.kind != "alias" else 0
        names = pick(HOSTILE_NAMES, members, "m") if members else []
        out[new] = Def(d.kind, new, [fix(t) for t in d.items], d.count, names)
    func_names = pick(HOSTILE_NAMES, len(funcs), "f", set(type_names) | {"r"})
    for f, name in zip(funcs, func_names, strict=True):
        f.name = name
        f.params = [fix(t) for t in f.params]  # type: ignore[misc]
        f.result = fix(f.result)
        f.param_names = pick(HOSTILE_NAMES, len(f.params), "p")
    return out


def parse_type(text: str) -> Ty:
    """A type expression in WIT syntax (anonymous types, ``r``, ``borrow<r>``, ``tN`` refs): for repros."""
    import re

    tokens = re.findall(r"[A-Za-z_][\w-]*|\d+|[<>,]", text)
    pos = 0

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def args() -> list[Ty | None]:
        out: list[Ty | None] = []
        assert take() == "<"
        while True:
            if tokens[pos] == "_":
                take()
                out.append(None)
            elif tokens[pos].isdigit():
                out.append(Ty("size", size=int(take())))
            else:
                out.append(one())
            if take() == ">":
                return out

    def one() -> Ty:
        word = take()
        if word == "r":
            return Ty("own")
        if word == "borrow":
            args()
            return Ty("borrow")
        if word in ("tuple", "option", "list", "map"):
            a = args()
            if word == "list" and len(a) == 2:
                assert a[1] is not None
                return Ty("fixed", (a[0],), size=a[1].size)
            return Ty(word, tuple(a))
        if word == "result":
            if pos < len(tokens) and tokens[pos] == "<":
                a = args()
                return Ty("result", (a[0], a[1] if len(a) > 1 else None))
            return Ty("result", (None, None))
        if word in PRIMS:
            return Ty(word)
        return Ty("ref", name=word)

    ty = one()
    assert pos == len(tokens), text
    return ty


def single(
    params: list[str],
    result: str | None,
    defs: list[Def] | None = None,
    features: Features = Features(),
    encoding: str = "utf8",
) -> World:
    """A world with one interface function ``api0.f0(params) -> result`` (types in WIT syntax): for repros."""
    func = Func("f0", [parse_type(p) for p in params], None if result is None else parse_type(result))
    iface = Iface("api0", {d.name: d for d in defs or []}, [func])
    return World(0, features, [iface], [], encoding)
