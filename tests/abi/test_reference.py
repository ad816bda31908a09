"""The reference lift/lower (`witgen.abi.definitions`) against the cabi engine's fused-adapter
codecs (`runtime/cabi/convert.py`), both directions, on one memory, for random types and values.

- lift: the reference stores (or flattens) a value, the codec loads (or lifts) it back;
- lower: the codec stores (or lowers) a value, the reference loads (or lifts) it back;
- hostile memory: a stored value with random bytes corrupted is loaded by both, which must
  agree: the same value, or a trap from each.

Each in the three string encodings. The codecs run on a real `Side` (its `realloc`, bounds and
alignment checks) over a `bytearray` memory with a bump allocator, on their plain path (the
compiled helper needs a wasm memory; `tests/e2e/test_engines_agree.py` compares it with this
plain path through real components).
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Callable
from typing import Any

import pytest

from witgen.abi import Flattener
from witgen.abi import definitions as ref
from witgen.component import types as t
from witgen.runtime.cabi import convert
from witgen.runtime.cabi.state import CallScope, ComponentInstance
from witgen.runtime.cabi.support import STRING_CODECS
from witgen.runtime.errors import Trap

SEED = 1907
CASES = 200
MEMORY = 1 << 20
PRIMS = ["bool", "u8", "s8", "u16", "s16", "u32", "s32", "u64", "s64", "f32", "f64", "char", "string"]
NUMBERS = {"u8": "B", "s8": "b", "u16": "H", "s16": "h", "u32": "I", "s32": "i", "u64": "Q", "s64": "q"}
NUMBERS |= {"f32": "f", "f64": "d"}


# --- random types and values -----------------------------------------------------------------


def random_type(rng: random.Random, depth: int = 3) -> t.ValType:
    if depth == 0 or rng.random() < 0.3:
        return t.Prim(rng.choice(PRIMS))
    d = depth - 1
    names = [f"n{i}" for i in range(rng.randint(1, 4))]
    match rng.choice(
        ["list", "fixed", "record", "tuple", "variant", "enum", "option", "result", "flags", "map"]
    ):
        case "list":
            return t.ListType(random_type(rng, d))
        case "fixed":
            return t.ListType(random_type(rng, d), rng.randint(1, 4))
        case "record":
            return t.Record(tuple((n, random_type(rng, d)) for n in names))
        case "tuple":
            return t.Tuple(tuple(random_type(rng, d) for _ in names))
        case "variant":
            return t.Variant(tuple((n, random_type(rng, d) if rng.random() < 0.7 else None) for n in names))
        case "enum":
            return t.Enum(tuple(names))
        case "option":
            return t.Option(random_type(rng, d))
        case "result":
            return t.Result(*(random_type(rng, d) if rng.random() < 0.7 else None for _ in range(2)))
        case "flags":
            return t.Flags(tuple(f"f{i}" for i in range(rng.choice([1, 8, 9, 17, 32, 33, 64]))))
    return t.Map(t.Prim(rng.choice(["string", "u32", "s64"])), random_type(rng, d))


def _text(rng: random.Random) -> str:
    alphabets = ["abc", "é\xffü", "€漢字", "😀𝄞"]
    pool = "".join(rng.sample(alphabets, rng.randint(1, len(alphabets))))
    return "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))


def random_value(rng: random.Random, vt: t.ValType) -> Any:
    match vt:
        case t.Prim("bool"):
            return rng.random() < 0.5
        case t.Prim("char"):
            return rng.choice("aé€😀\x00\U0010ffff")
        case t.Prim("string"):
            return _text(rng)
        case t.Prim("f32"):
            x = rng.choice([0.0, -0.0, 1.5, math.inf, -math.inf, math.nan, rng.uniform(-1e30, 1e30)])
            return struct.unpack("<f", struct.pack("<f", x))[0]
        case t.Prim("f64"):
            return rng.choice([0.0, -0.0, 1e-310, math.inf, math.nan, rng.uniform(-1e300, 1e300)])
        case t.Prim(name):
            bits = int(name[1:])
            lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if name[0] == "s" else (0, (1 << bits) - 1)
            return rng.choice([lo, hi, 0, rng.randint(lo, hi)])
        case t.ListType(elem, None):
            return [random_value(rng, elem) for _ in range(rng.randint(0, 4))]
        case t.ListType(elem, n):
            return [random_value(rng, elem) for _ in range(n or 0)]
        case t.Map(key, value):
            return [(random_value(rng, key), random_value(rng, value)) for _ in range(rng.randint(0, 3))]
        case t.Record(fields):
            return tuple(random_value(rng, f) for _, f in fields)
        case t.Tuple(elems):
            return tuple(random_value(rng, e) for e in elems)
        case t.Flags(names):
            return rng.getrandbits(len(names))
        case t.Enum(names):
            return rng.randrange(len(names)), None
        case t.Variant(cases):
            i = rng.randrange(len(cases))
            payload = cases[i][1]
            return i, None if payload is None else random_value(rng, payload)
        case t.Option(elem):
            return (1, random_value(rng, elem)) if rng.random() < 0.6 else (0, None)
        case t.Result(ok, err):
            i = rng.randrange(2)
            payload = (ok, err)[i]
            return i, None if payload is None else random_value(rng, payload)
    raise AssertionError(vt)


# --- the codecs' representation <-> the reference's ------------------------------------------


def from_codec(vt: t.ValType, v: Any) -> Any:
    """A value the codecs lifted, as the reference spells it."""
    match vt:
        case t.Prim("char"):
            return chr(v)
        case t.Prim("string"):
            return v[0]
        case t.ListType(t.Prim(name), _) if name in NUMBERS and isinstance(v, bytes):
            return list(struct.unpack(f"<{len(v) // struct.calcsize(NUMBERS[name])}{NUMBERS[name]}", v))
        case t.ListType(elem, _):
            items = v.items() if isinstance(v, convert.Utf8Strings) else v
            return [from_codec(elem, x) for x in items]
        case t.Map(key, value):
            return [(from_codec(key, k), from_codec(value, x)) for k, x in v]
        case t.Record(fields):
            return tuple(from_codec(f, x) for (_, f), x in zip(fields, v, strict=True))
        case t.Tuple(elems):
            return tuple(from_codec(e, x) for e, x in zip(elems, v, strict=True))
        case t.Variant() | t.Option() | t.Result():
            i, payload = v
            case = _cases(vt)[i]
            return i, None if case is None else from_codec(case, payload)
    return v


def to_codec(vt: t.ValType, v: Any) -> Any:
    """A reference value as the codecs carry it (strings as if lifted from a UTF-8 memory)."""
    match vt:
        case t.Prim("char"):
            return ord(v)
        case t.Prim("string"):
            return v, "utf8", len(v.encode())
        case t.ListType(t.Prim(name), None) if name in NUMBERS:
            return struct.pack(f"<{len(v)}{NUMBERS[name]}", *v)
        case t.ListType(elem, _):
            return [to_codec(elem, x) for x in v]
        case t.Map(key, value):
            return [(to_codec(key, k), to_codec(value, x)) for k, x in v]
        case t.Record(fields):
            return tuple(to_codec(f, x) for (_, f), x in zip(fields, v, strict=True))
        case t.Tuple(elems):
            return tuple(to_codec(e, x) for e, x in zip(elems, v, strict=True))
        case t.Variant() | t.Option() | t.Result():
            i, payload = v
            case = _cases(vt)[i]
            return i, None if case is None else to_codec(case, payload)
    return v


def _cases(vt: Any) -> list[t.ValType | None]:
    match vt:
        case t.Variant(cases):
            return [c for _, c in cases]
        case t.Option(elem):
            return [None, elem]
    return [vt.ok, vt.err]


def same(a: Any, b: Any) -> bool:
    """Equal, NaN equal to NaN and 0.0 told from -0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# --- one memory, seen by both ----------------------------------------------------------------


class Heap:
    """A `bytearray` memory with a bump `realloc` (never moving memory, never reusing it)."""

    def __init__(self) -> None:
        self.mem = bytearray(MEMORY)
        self.top = 16

    def realloc(self, old: int, old_size: int, align: int, size: int) -> int:
        ptr = -(-self.top // align) * align
        self.top = ptr + size
        assert self.top <= MEMORY, "the test heap is full"
        if old:
            self.mem[ptr : ptr + min(old_size, size)] = self.mem[old : old + min(old_size, size)]
        return ptr

    def reference(self, encoding: str, flattener: Flattener) -> ref.LiftLowerContext:
        return ref.LiftLowerContext(lambda: self.mem, self.realloc, encoding, flattener)

    def side(self, encoding: str) -> convert.Side:
        """A fused adapter's `Side` over this heap, on the plain path."""
        side = convert.Side.__new__(convert.Side)
        side.inst = ComponentInstance(name="test")
        side.memory = _Memory(self.mem)
        side.core_realloc = self.realloc
        side.compiled = False
        side.c_realloc = side.fresh = None
        side.encoding = encoding
        side.decode = STRING_CODECS[encoding][1]
        side.scope = CallScope()
        side.mv = None
        return side


class _Memory:
    def __init__(self, mem: bytearray) -> None:
        self.mem = mem

    def view(self) -> memoryview:
        return memoryview(self.mem)


def _cases_of(seed: int) -> list[tuple[t.ValType, Any]]:
    rng = random.Random(seed)
    out = []
    for _ in range(CASES):
        vt = random_type(rng)
        out.append((vt, random_value(rng, vt)))
    return out


ENCODINGS = list(ref.ENCODINGS)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_values_the_reference_stores_load_the_same_through_the_codecs(encoding: str) -> None:
    for vt, v in _cases_of(SEED):
        heap, abi = Heap(), Flattener()
        cx, side = heap.reference(encoding, abi), heap.side(encoding)
        codec = convert.codec(vt, abi)
        ptr = heap.realloc(0, 0, codec.align, codec.size)
        ref.store(cx, v, vt, ptr)
        assert same(from_codec(vt, codec.load(side, ptr)), v), (vt, v)
        assert same(ref.load(cx, ptr, vt), v), (vt, v)
        if codec.flat is not None:
            flat = ref.lower_flat(cx, v, vt)
            assert len(flat) == len(codec.flat)
            assert same(from_codec(vt, codec.lift(side, iter(flat))), v), (vt, v, flat)
            assert same(ref.lift_flat(cx, ref.CoreValueIter(flat), vt), v), (vt, v, flat)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_values_the_codecs_store_load_the_same_through_the_reference(encoding: str) -> None:
    for vt, v in _cases_of(SEED + 1):
        heap, abi = Heap(), Flattener()
        cx, side = heap.reference(encoding, abi), heap.side(encoding)
        codec = convert.codec(vt, abi)
        ptr = heap.realloc(0, 0, codec.align, codec.size)
        codec.store(side, to_codec(vt, v), ptr)
        assert same(ref.load(cx, ptr, vt), v), (vt, v)
        if codec.flat is not None:
            flat: list[Any] = []
            codec.lower(side, to_codec(vt, v), flat)
            assert same(ref.lift_flat(cx, ref.CoreValueIter(flat), vt), v), (vt, v, flat)


def _outcome(run: Callable[..., Any], trap: type[Exception], *args: Any) -> Any:
    try:
        return run(*args)
    except trap:
        return "trap"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_both_agree_on_corrupted_memory(encoding: str) -> None:
    """Bytes of a stored value overwritten at random: the same value, or a trap, from both."""
    rng = random.Random(SEED + 2)
    traps = 0
    for vt, v in _cases_of(SEED + 2):
        heap, abi = Heap(), Flattener()
        cx, side = heap.reference(encoding, abi), heap.side(encoding)
        codec = convert.codec(vt, abi)
        ptr = heap.realloc(0, 0, codec.align, codec.size)
        ref.store(cx, v, vt, ptr)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(ptr, max(heap.top, ptr + 1))
            heap.mem[at] = rng.choice([0x00, 0x01, 0x7F, 0x80, 0xC0, 0xD8, 0xFF, rng.randrange(256)])
        mine = _outcome(ref.load, ref.Trap, cx, ptr, vt)
        theirs = _outcome(codec.load, Trap, side, ptr)
        theirs = theirs if theirs == "trap" else from_codec(vt, theirs)
        traps += mine == "trap"
        assert same(mine, theirs) or mine == theirs == "trap", (vt, mine, theirs)
    assert traps > CASES // 10, "the corruptions should trap now and then"


def test_flat_lifting_wraps_and_coerces_as_the_spec_does() -> None:
    """Core values with bits above the type's width, and variant slots joined across types."""
    cx = Heap().reference("utf8", Flattener())
    vi = ref.CoreValueIter([0x1FF, -1, 0xFFFF_FFFF, 2])
    types = [t.Prim("u8"), t.Prim("s8"), t.Prim("s32"), t.Prim("bool")]
    assert [ref.lift_flat(cx, vi, x) for x in types] == [0xFF, -1, -1, True]
    joined = t.Variant((("a", t.Prim("f32")), ("b", t.Prim("u64")), ("c", t.Prim("f64"))))
    for v in [(0, 1.5), (1, 1 << 63), (2, -2.25)]:
        flat = ref.lower_flat(cx, v, joined)
        assert len(flat) == 2 and isinstance(flat[1], int)  # every case in one i64 slot
        assert ref.lift_flat(cx, ref.CoreValueIter(flat), joined) == v
    with pytest.raises(ref.Trap, match="discriminant 3"):
        ref.lift_flat(cx, ref.CoreValueIter([3, 0]), joined)
    with pytest.raises(ref.Trap, match="surrogate"):
        ref.lift_flat(cx, ref.CoreValueIter([0xD800]), t.Prim("char"))


def test_spilled_params_and_results_go_through_memory() -> None:
    heap = Heap()
    cx = heap.reference("utf16", Flattener())
    many = t.FuncType(
        tuple((f"p{i}", t.Prim("u64")) for i in range(17)), t.Tuple((t.Prim("string"), t.Prim("u8")))
    )
    args = list(range(17))
    core = ref.lower_flat_values(cx, ref.MAX_FLAT_PARAMS, args, [p for _, p in many.params])
    assert len(core) == 1  # one pointer to the tuple
    assert ref.lift_params(cx, core, many) == args
    retptr = heap.realloc(0, 0, 4, 12)
    assert ref.lower_results(cx, ("hé", 7), many, retptr) == []
    assert ref.load(cx, retptr, many.result) == ("hé", 7)
    with pytest.raises(ref.Trap, match="unaligned"):
        ref.lift_params(cx, [core[0] + 1], many)
