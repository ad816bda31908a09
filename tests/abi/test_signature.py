"""Core signatures worked out by hand from ``flatten_functype``, and the same table checked against the reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from witgen.abi import CoreSignature, CoreType
from witgen.resolve import load

from .helpers import core_signature, interface, names, task_return_of
from .oracle import Mode, check_world, embed_dummy

I32: CoreType = "i32"
I64: CoreType = "i64"
F32: CoreType = "f32"
F64: CoreType = "f64"
Sig = tuple[tuple[CoreType, ...], tuple[CoreType, ...]]


def i32s(n: int) -> tuple[CoreType, ...]:
    return (I32,) * n


# name: (declaration, lift, lower), each signature as (params, results)
SYNC: dict[str, tuple[str, Sig, Sig]] = {
    "scalars": ("func(a: u32, b: u64) -> f32", ((I32, I64), (F32,)), ((I32, I64), (F32,))),
    "nothing": ("func()", ((), ()), ((), ())),
    # Two flat results: lift returns a pointer to them, lower passes a pointer to write them to.
    "text": ("func() -> string", ((), (I32,)), ((I32,), ())),
    "sixteen": ("func(a: list<u8, 16>)", (i32s(16), ()), (i32s(16), ())),
    "seventeen": ("func(a: list<u8, 17>)", ((I32,), ()), ((I32,), ())),
    "both-spill": ("func(a: list<u8, 17>) -> tuple<u8, u8>", ((I32,), (I32,)), ((I32, I32), ())),
    "eight-strings": (
        "func(a: string, b: string, c: string, d: string, e: string, f: string, g: string, h: string)",
        (i32s(16), ()),
        (i32s(16), ()),
    ),
    "eight-strings-and-a-byte": (
        "func(a: string, b: string, c: string, d: string, e: string, f: string, g: string, h: string, i: u8)",
        ((I32,), ()),
        ((I32,), ()),
    ),
    "unit-result": ("func() -> result", ((), (I32,)), ((), (I32,))),
    "option-byte": ("func() -> option<u8>", ((), (I32,)), ((I32,), ())),
    "maps": ("func(x: map<string, u32>) -> map<u8, string>", ((I32, I32), (I32,)), ((I32, I32, I32), ())),
    "double": ("func(x: option<f64>) -> f64", ((I32, F64), (F64,)), ((I32, F64), (F64,))),
    "chars": ("func(c: char) -> char", ((I32,), (I32,)), ((I32,), (I32,))),
    "flag-set": ("func(x: g9) -> g9", ((I32,), (I32,)), ((I32,), (I32,))),
    "enum300": ("func(x: e300) -> e300", ((I32,), (I32,)), ((I32,), (I32,))),
    "handles": ("func(a: res, b: borrow<res>) -> res", ((I32, I32), (I32,)), ((I32, I32), (I32,))),
}

# name: (declaration, lower, lift with callback, lift stackful, task.return)
ASYNC: dict[str, tuple[str, Sig, Sig, Sig, Sig]] = {
    # Async lowering: 4 flat params at most, results always through a pointer, an i32 status back.
    "four": (
        "async func(a: u32, b: u32, c: u32, d: u32) -> u32",
        (i32s(5), (I32,)),
        (i32s(4), (I32,)),
        (i32s(4), ()),
        ((I32,), ()),
    ),
    "five": (
        "async func(a: u32, b: u32, c: u32, d: u32, e: u8)",
        ((I32,), (I32,)),
        (i32s(5), (I32,)),
        (i32s(5), ()),
        ((), ()),
    ),
    "text-back": ("async func() -> string", ((I32,), (I32,)), ((), (I32,)), ((), ()), ((I32, I32), ())),
    "big-back": ("async func() -> list<u8, 17>", ((I32,), (I32,)), ((), (I32,)), ((), ()), ((I32,), ())),
    "seventeen-in": (
        "async func(a: list<u8, 17>)",
        ((I32,), (I32,)),
        ((I32,), (I32,)),
        ((I32,), ()),
        ((), ()),
    ),
}

TYPES = f"""
flags g9 {{ a, b, c, d, e, f, g, h, i }}
enum e300 {{ {names("c", 300)} }}
resource res;
"""


def declarations() -> str:
    funcs = [f"{name}: {decl};" for name, (decl, *_) in SYNC.items()]
    funcs += [f"{name}: {decl};" for name, (decl, *_) in ASYNC.items()]
    return TYPES + "\n".join(funcs)


def flat(sig: CoreSignature) -> Sig:
    return sig.params, sig.results


@pytest.mark.parametrize("name", SYNC)
def test_sync(name: str) -> None:
    i = interface(declarations())
    _, lift, lower = SYNC[name]
    func = i.functions[name]
    assert flat(core_signature(i.flat, func, "lift")) == lift
    assert flat(core_signature(i.flat, func, "lower")) == lower


@pytest.mark.parametrize("name", ASYNC)
def test_async(name: str) -> None:
    i = interface(declarations())
    _, lower, callback, stackful, task_return = ASYNC[name]
    func = i.functions[name]
    assert flat(core_signature(i.flat, func, "lower", async_=True)) == lower
    assert flat(core_signature(i.flat, func, "lift", async_=True)) == callback
    assert flat(core_signature(i.flat, func, "lift", async_=True, callback=False)) == stackful
    assert flat(task_return_of(i.flat, func)) == task_return


def test_flags_describe_how_values_travel() -> None:
    i = interface(declarations())
    f = i.functions
    assert core_signature(i.flat, f["both-spill"], "lift") == CoreSignature((I32,), (I32,), True, True, False)
    assert core_signature(i.flat, f["both-spill"], "lower") == CoreSignature((I32, I32), (), True, True, True)
    assert core_signature(i.flat, f["scalars"], "lower") == CoreSignature(
        (I32, I64), (F32,), False, False, False
    )
    assert core_signature(i.flat, f["four"], "lower", async_=True) == CoreSignature(
        i32s(5), (I32,), False, True, True
    )
    assert core_signature(i.flat, f["five"], "lower", async_=True) == CoreSignature(
        (I32,), (I32,), True, False, False
    )
    assert core_signature(i.flat, f["four"], "lift", async_=True) == CoreSignature(
        i32s(4), (I32,), False, False, False
    )


def test_methods_pass_self_first() -> None:
    i = interface("resource r { m: func(x: f64) -> string; constructor(a: u64); }")
    method, ctor = i.functions["[method]r.m"], i.functions["[constructor]r"]
    assert flat(core_signature(i.flat, method, "lower")) == ((I32, F64, I32), ())
    assert flat(core_signature(i.flat, ctor, "lift")) == ((I64,), (I32,))


@pytest.mark.parametrize("mode", ["sync", "async-callback", "async-stackful"])
def test_hand_computed_table_matches_the_reference(mode: Mode, tmp_path: Path) -> None:
    """The hand-computed values above are the reference's too, in each ABI mode."""
    wit = tmp_path / "t.wit"
    wit.write_text(f"package t:t;\ninterface i {{\n{declarations()}\n}}\nworld w {{ import i; export i; }}\n")
    loaded = load(wit)
    module = embed_dummy(wit, "w", mode, False, tmp_path / "m.wasm")
    checked = check_world(loaded, loaded.select_world("w"), module, mode)
    assert not checked.mismatches, "\n".join(checked.mismatches)
    assert checked.functions == 2 * (len(SYNC) + len(ASYNC))
