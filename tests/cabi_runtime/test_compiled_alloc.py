"""The compiled helper's memory view and `realloc` call (`_wire.Memory`, `_wire.Realloc`), on a
plain core module: the view follows the memory's growth, `may_leave` is false while realloc
runs, a trap becomes `CoreFault`, and a bad pointer goes to the caller's check."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import wasmtime

from witgen.runtime.cabi import fastcall

WAT = """(module
  (import "host" "seen" (func $seen))
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 16))
  (func (export "realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (call $seen)
    (if (i32.eq (local.get $size) (i32.const 13)) (then unreachable))
    (if (i32.eq (local.get $size) (i32.const 99999)) (then (return (i32.const 65535))))
    (if (i32.eq (local.get $size) (i32.const 65536)) (then (return (i32.mul (memory.grow (i32.const 1)) (i32.const 65536)))))
    (local.set $p (global.get $next))
    (global.set $next (i32.add (local.get $p) (local.get $size)))
    (local.get $p)))"""


@dataclass
class Instance:
    may_leave: bool = True


@pytest.fixture
def parts() -> tuple[fastcall.Memory, object, Instance, list[bool]]:
    assert fastcall.COMPILED
    store = wasmtime.Store()
    inst = Instance()
    seen: list[bool] = []
    host = wasmtime.Func(store, wasmtime.FuncType([], []), lambda: seen.append(inst.may_leave))
    module = wasmtime.Instance(store, wasmtime.Module(store.engine, WAT), [host])
    memory = module.exports(store)["memory"]
    realloc = module.exports(store)["realloc"]
    assert isinstance(memory, wasmtime.Memory) and isinstance(realloc, wasmtime.Func)
    view = fastcall.memory(store, memory)

    def bad(ptr: int, align: int, size: int) -> int:
        raise ValueError(f"bad pointer {ptr} for {size} bytes aligned to {align}")

    made = fastcall.compiled_realloc(store, realloc, view, inst, bad)
    assert made is not None
    alloc = made.alloc
    return view, alloc, inst, seen


def test_alloc_calls_realloc_with_the_instance_unable_to_leave(parts: tuple) -> None:
    view, alloc, inst, seen = parts
    assert alloc(4, 8) == 16 and alloc(1, 3) == 24
    assert seen == [False, False] and inst.may_leave


def test_the_view_follows_growth(parts: tuple) -> None:
    view, alloc, _, _ = parts
    assert len(view.view()) == 65536
    ptr = alloc(1, 65536)
    assert ptr == 65536 and len(view.view()) == 2 * 65536
    view.view()[ptr + 65535] = 7  # the new page is writable through the new view
    assert view.view()[-1] == 7


def test_a_trap_is_a_core_fault_and_leaves_may_leave_restored(parts: tuple) -> None:
    _, alloc, inst, _ = parts
    with pytest.raises(fastcall.CoreFault, match="unreachable"):
        alloc(1, 13)
    assert inst.may_leave


def test_bad_pointers_go_to_the_check(parts: tuple) -> None:
    _, alloc, _, _ = parts
    with pytest.raises(ValueError, match="bad pointer 17 for 4 bytes aligned to 2"):
        alloc(1, 1)  # 16: fine
        alloc(2, 4)  # 17: odd
    with pytest.raises(ValueError, match="bad pointer 65535 for 99999 bytes"):
        alloc(1, 99999)


def test_sizes_beyond_u32_are_refused_before_wasm(parts: tuple) -> None:
    _, alloc, _, seen = parts
    with pytest.raises(ValueError, match="out of range"):
        alloc(1, 1 << 32)
    with pytest.raises(ValueError, match="out of range"):
        alloc(0, 1)
    assert seen == []


def test_an_allocator_in_a_cycle_is_collected() -> None:
    """`bad` is usually a method of the object holding `alloc` (`convert.Side`): the helper's
    objects take part in garbage collection, so the store they hold is freed."""
    import gc
    import weakref

    store = wasmtime.Store()
    host = wasmtime.Func(store, wasmtime.FuncType([], []), lambda: None)
    module = wasmtime.Instance(store, wasmtime.Module(store.engine, WAT), [host])
    memory, realloc = module.exports(store)["memory"], module.exports(store)["realloc"]
    assert isinstance(memory, wasmtime.Memory) and isinstance(realloc, wasmtime.Func)

    class Holder:
        def bad(self, ptr: int, align: int, size: int) -> int:
            raise ValueError

    holder = Holder()
    holder.alloc = fastcall.compiled_realloc(store, realloc, fastcall.memory(store, memory), Instance(), holder.bad).alloc  # type: ignore[attr-defined]
    assert holder.alloc(1, 1) == 16  # type: ignore[attr-defined]
    gone = weakref.ref(store)
    del store, host, module, memory, realloc, holder
    gc.collect()
    assert gone() is None


EDGES = [
    b"",
    b"plain ascii",
    "café €𝄞".encode(),
    b"\xc0\x80",  # overlong NUL
    b"\xe0\x80\xaf",  # overlong
    b"\xed\xa0\x80",  # a surrogate
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xf0\x9d\x84",  # cut short
    b"\x80",  # a lone continuation byte
    b"\xff",
    b"ok\xe2\x82",  # cut short at the end
    "\U0010ffff".encode(),
    "\ud7ff\ue000".encode("utf-8", "surrogatepass"),
    b"a" * 16 + b"\xff",  # past the eight-at-a-time ASCII run
    b"a" * 9 + "é".encode() + b"b" * 8,
    b"a" * 7 + b"\xed\xa0\x80" + b"c" * 16,
]


def _python_accepts(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _lay_out(strings: list[bytes]) -> tuple[memoryview, int]:
    """The strings' bytes from 64 on, their pairs after them."""
    import struct

    mem = bytearray(64)
    pairs = []
    for s in strings:
        pairs.append((len(mem), len(s)))
        mem += s
    while len(mem) % 4:
        mem += b"\0"
    at = len(mem)
    for p, k in pairs:
        mem += struct.pack("<II", p, k)
    return memoryview(mem), at


@pytest.mark.parametrize("data", EDGES)
def test_utf8_strings_are_checked_like_python(data: bytes) -> None:
    view, at = _lay_out([b"first", data])
    found = fastcall.load_utf8_strings(view, at, 2)
    if _python_accepts(data):
        assert found == (b"first" + data, (5, len(data)))
    else:
        assert found is None


def test_utf8_checks_agree_with_python_on_random_bytes() -> None:
    import random

    rng = random.Random(19)
    alphabet = [
        b"a",
        b"\x7f",
        b"\x80",
        b"\xbf",
        b"\xc2",
        b"\xdf",
        b"\xe0",
        b"\xed",
        b"\xef",
        b"\xf0",
        b"\xf4",
        b"\xf5",
        b"\xff",
        b"\xa0",
        b"\x9f",
        b"\x90",
        b"\x8f",
    ]
    for _ in range(3000):
        data = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(8)))
        view, at = _lay_out([data])
        assert (fastcall.load_utf8_strings(view, at, 1) is not None) == _python_accepts(data), data


def test_strings_out_of_bounds_are_left_to_the_plain_path() -> None:
    import struct

    mem = bytearray(64) + struct.pack("<II", 68, 8)  # runs 4 bytes past the end (72)
    assert fastcall.load_utf8_strings(memoryview(mem), 64, 1) is None
    with pytest.raises(IndexError):
        fastcall.load_utf8_strings(memoryview(mem), 64, 2)  # the pairs themselves


def test_storing_utf8_strings_reallocs_each_and_writes_its_pair(parts: tuple) -> None:
    import struct

    view, alloc, inst, seen = parts
    realloc = alloc.__self__  # the _wire.Realloc
    base = alloc(4, 16)
    realloc.store_utf8_strings(b"abcdef", (2, 4), base)
    m = view.view()
    (p1, n1), (p2, n2) = struct.unpack_from("<II", m, base), struct.unpack_from("<II", m, base + 8)
    assert (n1, n2) == (2, 4) and bytes(m[p1 : p1 + 2]) == b"ab" and bytes(m[p2 : p2 + 4]) == b"cdef"
    assert seen == [False] * 3 and inst.may_leave
    with pytest.raises(ValueError):
        realloc.store_utf8_strings(b"ab", (3,), base)
