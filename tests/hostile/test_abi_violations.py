"""Every Canonical ABI violation a guest can commit ends in a `Trap` on both engines, kills the
instance (`InstanceDead` next), and leaves the host running: bad discriminants, chars, strings,
list and return pointers, realloc results, in values the guest returns (exports) and in
values it passes to the host (imports). Each case is a small component built from WAT; where the
spec (CanonicalABI.md `load`/`lift_flat`/`lower_flat_values`) traps, wasmtime traps, and so must
the cabi engine."""

from __future__ import annotations

from typing import Any

import pytest

from hostile.harness import ENGINES, Hostile
from witgen.runtime import InstanceDead, Trap

REALLOC = '(func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))'


def module(*items: str, realloc: str = REALLOC) -> str:
    return "(module\n  " + "\n  ".join([*items, '(memory (export "memory") 1)', realloc]) + "\n)"


def returns(value: int, *data: str) -> str:
    """Core export `f` returning `value` (a scalar, or a pointer to what `data` lays out)."""
    return module(f'(func (export "f") (result i32) (i32.const {value}))', *data)


def data(offset: int, *words: int) -> str:
    """A data segment of little-endian u32 words at `offset`."""
    body = "".join(f"\\{b:02x}" for w in words for b in w.to_bytes(4, "little"))
    return f'(data (i32.const {offset}) "{body}")'


def raw(offset: int, text: str) -> str:
    return f'(data (i32.const {offset}) "{text}")'


EXPORT_CASES: dict[str, tuple[str, str, str]] = {
    # name: (WIT items, core module, string encoding)
    "enum discriminant": ("enum e { a, b }\nexport f: func() -> e;", returns(7), "utf8"),
    "variant discriminant": (
        "variant v { a(u32), b }\nexport f: func() -> v;",
        returns(16, data(16, 9, 0)),
        "utf8",
    ),
    "option discriminant": ("export f: func() -> option<u32>;", returns(16, data(16, 2, 0)), "utf8"),
    "result discriminant": ("export f: func() -> result<u32, u32>;", returns(16, data(16, 2, 0)), "utf8"),
    "surrogate char": ("export f: func() -> char;", returns(0xD800), "utf8"),
    "char past unicode": ("export f: func() -> char;", returns(0x110000), "utf8"),
    "return pointer out of bounds": ("export f: func() -> tuple<u32, u32>;", returns(65532), "utf8"),
    "return pointer misaligned": ("export f: func() -> tuple<u32, u32>;", returns(18), "utf8"),
    "invalid utf-8": (
        "export f: func() -> string;",
        returns(16, data(16, 32, 2), raw(32, "\\ff\\fe")),
        "utf8",
    ),
    "string out of bounds": ("export f: func() -> string;", returns(16, data(16, 65530, 100)), "utf8"),
    "unpaired utf-16 surrogate": (
        "export f: func() -> string;",
        returns(16, data(16, 32, 1), raw(32, "\\00\\d8")),
        "utf16",
    ),
    "utf-16 string misaligned": ("export f: func() -> string;", returns(16, data(16, 33, 1)), "utf16"),
    "list misaligned": ("export f: func() -> list<u32>;", returns(16, data(16, 33, 1)), "utf8"),
    "list out of bounds": ("export f: func() -> list<u32>;", returns(16, data(16, 65532, 4)), "utf8"),
    "list of records out of bounds": (
        "record p { x: u32, y: string }\nexport f: func() -> list<p>;",
        returns(16, data(16, 65000, 1000)),
        "utf8",
    ),
    "bytes out of bounds": ("export f: func() -> list<u8>;", returns(16, data(16, 65500, 100)), "utf8"),
    "string in a list out of bounds": (
        "export f: func() -> list<string>;",
        returns(16, data(16, 32, 1), data(32, 65000, 1000)),
        "utf8",
    ),
}


def call_f(inst: Any) -> Any:
    return inst.f()


def assert_traps(case: Hostile, call: Any = call_f, **imports: Any) -> list[str]:
    """On both engines: the call raises `Trap`, the next one `InstanceDead`. Returns the messages."""
    messages = []
    for abi in ENGINES:
        inst = case.load(abi, **imports)
        with pytest.raises(Trap) as info:
            call(inst)
        assert not isinstance(info.value, InstanceDead)
        messages.append(f"{abi}: {info.value}")
        with pytest.raises(InstanceDead):
            call(inst)
    return messages


@pytest.mark.parametrize("name", sorted(EXPORT_CASES))
def test_a_bad_value_from_an_export_traps_on_both_engines(name: str) -> None:
    wit, wat, encoding = EXPORT_CASES[name]
    assert_traps(Hostile(wit, wat, encoding))


def test_a_nonzero_bool_is_true_and_extra_flag_bits_are_ignored_on_both_engines() -> None:
    # The spec lifts any nonzero i32 as `true` and ignores flag bits past the last label: no trap.
    bools = Hostile("export f: func() -> bool;", returns(2))
    flags = Hostile("flags fl { a, b }\nexport f: func() -> fl;", returns(0xFF))
    for abi in ENGINES:
        assert bools.load(abi).f() is True
        assert flags.load(abi).f().value == 3


def calls_g(params: str, args: str, *extra: str, realloc: str = REALLOC, result: str = "") -> str:
    """Core module whose export `f` calls the imported `g` with constant core `args`."""
    return module(
        f'(import "$root" "g" (func $g (param {params}){result}))',
        f'(func (export "f") (call $g {args}){" drop" if result else ""})',
        *extra,
        realloc=realloc,
    )


IMPORT_CASES: dict[str, tuple[str, str, Any]] = {
    # name: (WIT items, core module, the host's implementation of g)
    "enum discriminant": ("enum e { a, b }\nimport g: func(x: e);", calls_g("i32", "(i32.const 9)"), None),
    "option discriminant": (
        "import g: func(x: option<u32>);",
        calls_g("i32 i32", "(i32.const 2) (i32.const 0)"),
        None,
    ),
    "result discriminant": (
        "import g: func(x: result<u32, string>);",
        calls_g("i32 i32 i32", "(i32.const 5) (i32.const 0) (i32.const 0)"),
        None,
    ),
    "variant discriminant": (
        "variant v { a(u32), b(f64) }\nimport g: func(x: v);",
        calls_g("i32 i64", "(i32.const 3) (i64.const 0)"),
        None,
    ),
    "surrogate char": ("import g: func(c: char);", calls_g("i32", "(i32.const 0xDFFF)"), None),
    "invalid utf-8": (
        "import g: func(s: string);",
        calls_g("i32 i32", "(i32.const 32) (i32.const 2)", raw(32, "\\c3\\28")),
        None,
    ),
    "string out of bounds": (
        "import g: func(s: string);",
        calls_g("i32 i32", "(i32.const 65535) (i32.const 2)"),
        None,
    ),
    "list misaligned": (
        "import g: func(x: list<u64>);",
        calls_g("i32 i32", "(i32.const 4) (i32.const 1)"),
        None,
    ),
    "spilled params out of bounds": (
        "import g: func(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64, h: u64, i: u64, j: u64,"
        " k: u64, l: u64, m: u64, n: u64, o: u64, p: u64, q: u64);",
        calls_g("i32", "(i32.const 65500)"),
        None,
    ),
    "return pointer misaligned": (
        "import g: func() -> tuple<u32, u64>;",
        calls_g("i32", "(i32.const 20)"),
        lambda: (1, 2),
    ),
    "return pointer out of bounds": (
        "import g: func() -> tuple<u32, u64>;",
        calls_g("i32", "(i32.const 65528)"),
        lambda: (1, 2),
    ),
    "realloc result out of bounds": (
        "import g: func() -> string;",
        calls_g(
            "i32",
            "(i32.const 16)",
            realloc='(func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 65534))',
        ),
        lambda: "hello",
    ),
    "realloc result misaligned": (
        "import g: func() -> list<u32>;",
        calls_g(
            "i32",
            "(i32.const 16)",
            realloc='(func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 3))',
        ),
        lambda: [1, 2],
    ),
}


@pytest.mark.parametrize("name", sorted(IMPORT_CASES))
def test_a_bad_value_passed_to_a_host_import_traps_on_both_engines(name: str) -> None:
    wit, wat, impl = IMPORT_CASES[name]
    called: list[Any] = []

    def g(*args: Any) -> Any:
        called.append(args)
        return None if impl is None else impl()

    assert_traps(Hostile(wit + "\nexport f: func();", wat), g=g)
    if impl is None:  # a bad argument traps before the host runs
        assert called == []


OWN_RESULT = Hostile(
    "export i;",
    module(
        '(func (export "hostile:t/i#make") (result i32) (i32.const 7))',
        '(func (export "hostile:t/i#[dtor]r") (param i32))',
    ),
    extra="interface i { resource r; make: func() -> r; }",
)
HANDLE_ARGUMENT = Hostile(
    "import h;\nexport f: func();",
    module(
        '(import "hostile:t/h" "take" (func $take (param i32)))',
        '(func (export "f") (call $take (i32.const 5)))',
    ),
    extra="interface h { resource r; take: func(x: r); }",
)


def test_an_unknown_handle_from_an_export_traps_on_both_engines() -> None:
    assert_traps(OWN_RESULT, lambda inst: inst.i.make())


def test_an_unknown_handle_passed_to_a_host_import_traps_on_both_engines() -> None:
    taken: list[Any] = []

    class R:
        pass

    class H:
        def __init__(self) -> None:
            self.R = R

        def take(self, x: Any) -> None:
            taken.append(x)

    assert_traps(HANDLE_ARGUMENT, h=H())
    assert taken == []
