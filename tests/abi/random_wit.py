"""Deterministic random WIT worlds dense in functions over deeply nested types (test input).

wit-smith packages hold few functions; these worlds give the oracle hundreds,
with every type kind, variants whose cases join differently typed payloads,
1/2-byte discriminants, flags of every width, fixed lists, maps, handles and
async functions, and parameter/result lists on both sides of the spill limits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

PRIMS = ["bool", "u8", "s8", "u16", "s16", "u32", "s32", "u64", "s64", "f32", "f64", "char", "string"]
MAP_KEYS = ["bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "char", "string"]
ENUM_SIZES = [1, 2, 3, 200, 255, 256, 257, 300]
FLAG_SIZES = [1, 2, 7, 8, 9, 15, 16, 17, 31, 32]


@dataclass
class _Named:
    name: str
    has_borrow: bool


@dataclass
class RandomWorld:
    """Generates one package ``witgen:random`` with interface ``api`` and world ``w``."""

    rng: random.Random
    named: list[_Named] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def type(self, depth: int, borrow_ok: bool) -> tuple[str, bool]:
        """A random type expression, and whether it holds a borrow (allowed in params only)."""
        rng = self.rng
        roll = rng.random()
        if depth <= 0 or roll < 0.3:
            return rng.choice(PRIMS), False
        if roll < 0.45 and self.named:
            candidates = [n for n in self.named if borrow_ok or not n.has_borrow]
            if candidates:
                pick = rng.choice(candidates)
                return pick.name, pick.has_borrow
        if roll < 0.5 and self.resources:
            res = rng.choice(self.resources)
            if borrow_ok and rng.random() < 0.5:
                return f"borrow<{res}>", True
            return res, False
        kind = rng.choice(["tuple", "option", "result", "list", "fixed", "map", "async", "error-context"])
        d = depth - 1
        if kind == "tuple":
            parts = [self.type(d, borrow_ok) for _ in range(rng.randint(1, 4))]
            return f"tuple<{', '.join(p for p, _ in parts)}>", any(b for _, b in parts)
        if kind == "option":
            inner, b = self.type(d, borrow_ok)
            return f"option<{inner}>", b
        if kind == "result":
            ok, b1 = self.type(d, borrow_ok)
            err, b2 = self.type(d, borrow_ok)
            shape = rng.randrange(4)
            if shape == 0:
                return "result", False
            if shape == 1:
                return f"result<{ok}>", b1
            if shape == 2:
                return f"result<_, {err}>", b2
            return f"result<{ok}, {err}>", b1 or b2
        if kind == "list":
            inner, b = self.type(d, borrow_ok)
            return f"list<{inner}>", b
        if kind == "fixed":
            inner, b = self.type(d, borrow_ok)
            return f"list<{inner}, {rng.randint(1, 5)}>", b
        if kind == "map":
            value, b = self.type(d, borrow_ok)
            return f"map<{rng.choice(MAP_KEYS)}, {value}>", b
        if kind == "async":
            which = rng.choice(["future", "stream"])
            if rng.random() < 0.2:
                return which, False
            inner, _ = self.type(d, False)
            return f"{which}<{inner}>", False
        return "error-context", False

    def define_type(self, index: int) -> None:
        rng = self.rng
        kind = rng.choice(["record", "variant", "enum", "flags", "alias", "resource", "record", "variant"])
        name = f"t{index}"
        borrow_ok = rng.random() < 0.2
        if kind == "record":
            fields = [self.type(3, borrow_ok) for _ in range(rng.randint(1, 6))]
            body = ", ".join(f"x{i}: {t}" for i, (t, _) in enumerate(fields))
            self.lines.append(f"  record {name} {{ {body} }}")
            self.named.append(_Named(name, any(b for _, b in fields)))
        elif kind == "variant":
            count = rng.choice([1, 2, 3, 4, 6]) if rng.random() < 0.9 else rng.choice([256, 257, 300])
            cases = []
            has_borrow = False
            for i in range(count):
                if rng.random() < 0.6 or count > 200 and rng.random() < 0.9:
                    cases.append(f"c{i}")
                else:
                    payload, b = self.type(3, borrow_ok)
                    has_borrow |= b
                    cases.append(f"c{i}({payload})")
            self.lines.append(f"  variant {name} {{ {', '.join(cases)} }}")
            self.named.append(_Named(name, has_borrow))
        elif kind == "enum":
            count = rng.choice(ENUM_SIZES)
            self.lines.append(f"  enum {name} {{ {', '.join(f'c{i}' for i in range(count))} }}")
            self.named.append(_Named(name, False))
        elif kind == "flags":
            count = rng.choice(FLAG_SIZES)
            self.lines.append(f"  flags {name} {{ {', '.join(f'b{i}' for i in range(count))} }}")
            self.named.append(_Named(name, False))
        elif kind == "alias":
            target, b = self.type(3, borrow_ok)
            self.lines.append(f"  type {name} = {target};")
            self.named.append(_Named(name, b))
        else:
            self.lines.append(f"  resource {name} {{")
            self.lines.append(f"    constructor({self.params(3)});")
            self.lines.append(f"    m: func({self.params(3)}){self.result()};")
            self.lines.append(f"    s: static func({self.params(3)}){self.result()};")
            self.lines.append("  }")
            self.resources.append(name)

    def params(self, max_count: int) -> str:
        count = self.rng.randint(0, max_count)
        return ", ".join(f"p{i}: {self.type(3, True)[0]}" for i in range(count))

    def result(self) -> str:
        if self.rng.random() < 0.25:
            return ""
        return f" -> {self.type(3, False)[0]}"

    def function(self, name: str) -> str:
        rng = self.rng
        # Mostly a few parameters, sometimes many so that the flat parameters spill.
        max_params = 4 if rng.random() < 0.7 else 20
        prefix = "async " if rng.random() < 0.3 else ""
        return f"{name}: {prefix}func({self.params(max_params)}){self.result()};"


def random_world(seed: int, types: int = 25, functions: int = 40) -> str:
    """The WIT text of a random package ``witgen:random`` whose world ``w`` imports and exports ``api``."""
    gen = RandomWorld(random.Random(seed))
    gen.lines.append("interface api {")
    for i in range(types):
        gen.define_type(i)
    for i in range(functions):
        gen.lines.append("  " + gen.function(f"fn{i}"))
    gen.lines.append("}")
    # World-level functions see no interface types: only primitives and anonymous types.
    world_gen = RandomWorld(random.Random(seed + 1_000_000))
    world_items = [f"  import g{i}: {world_gen.function('')[2:]}" for i in range(4)]
    world_items += [f"  export h{i}: {world_gen.function('')[2:]}" for i in range(4)]
    return "\n".join(
        [
            "package witgen:random;",
            "",
            *gen.lines,
            "",
            "world w {",
            "  import api;",
            "  export api;",
            *world_items,
            "}",
            "",
        ]
    )
