"""Core wasm calls, host functions and linear memory at ctypes speed.

wasmtime-py's `Func.__call__` looks the function type up and converts every value on each
call (~28 µs for a core function); `wasmtime_func_call_unchecked` over a preallocated
`wasmtime_val_raw_t` buffer costs ~0.6 µs. Generated canonical-ABI code knows every core
signature when it is written, so it packs arguments with one precompiled `struct` and calls
unchecked. Host functions go the other way through `wasmtime_func_new_unchecked`.

It calls libwasmtime through `witgen.runtime.internals` (wasmtime-py's private ctypes layer);
`AVAILABLE` says whether that was found usable (the cabi engine needs it: there is no public
fallback for raw calls that is not 40× slower).

Slot codes (one per core value, as `struct` spells them): `I` i32, `Q` i64, `f` f32, `d` f64
for arguments (unsigned bit patterns); results may also use `i`/`q` to read an i32/i64 as
signed.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import struct
import threading
import weakref
from collections.abc import Callable, Sequence
from ctypes import CFUNCTYPE, addressof, c_size_t, c_void_p
from typing import Any, Protocol

import wasmtime

from witgen.abi.definitions import MAX_STRING_BYTE_LENGTH
from witgen.runtime import internals
from witgen.runtime.cabi.gate import store_gate

_c_new_funcs: Callable[[int, int, int, int, int, int, int, int, int], None] | None
_c_records: tuple[Callable[..., Any], Callable[..., Any]] | None
_c_strings: Callable[..., Any] | None
_CMemory: Any
_CRealloc: Any
_CAdapter: Any
try:
    from witgen.runtime.cabi import _wire

    _c_new_funcs, _CMemory, _CRealloc, _CAdapter = _wire.new_funcs, _wire.Memory, _wire.Realloc, _wire.Adapter
    _c_records = (_wire.pack_records, _wire.unpack_records)
    _c_strings = _wire.load_utf8_strings
except (ImportError, AttributeError):  # not built (no C compiler), or built from an older _wire.c
    _c_new_funcs = _CMemory = _CRealloc = _CAdapter = _c_records = _c_strings = None

COMPILED = _CMemory is not None
"""Whether `_wire` is built. Tests set it False to run the ctypes paths beside the compiled
ones (it is read when an instance's memories and reallocs are first used)."""

_VALTYPES = {
    "I": wasmtime.ValType.i32,
    "Q": wasmtime.ValType.i64,
    "F": wasmtime.ValType.f32,
    "D": wasmtime.ValType.f64,
}
_SLOT = 16
"""sizeof(wasmtime_val_raw_t)."""

_SLOT_CODES = {"i32": "I", "i64": "Q", "f32": "f", "f64": "d"}


def slot_codes(core: list[str] | tuple[str, ...]) -> str:
    """The slot codes of core value types (integers as unsigned bit patterns), e.g. "IQ"."""
    key = tuple(core)
    found = _SLOT_STRINGS.get(key)
    if found is None:
        found = _SLOT_STRINGS[key] = "".join(_SLOT_CODES[c] for c in core)
    return found


_SLOT_STRINGS: dict[tuple[str, ...], str] = {}


_ffi: Any = internals.ffi
AVAILABLE = internals.AVAILABLE

if _ffi is not None:
    _EXTERN_FUNC = _ffi.WASMTIME_EXTERN_FUNC.value
    EXTERN = _ffi.wasmtime_extern_t
    """The type of a core import (`wasmtime_extern_t`)."""
    _EXTERN_OF = _ffi.wasmtime_extern_t.of.offset
    # Short C functions that never run wasm keep the GIL: releasing and taking it back costs
    # ~0.1 µs, a tenth of a memory lookup or an export lookup.
    _call_unchecked = internals.c_function(
        "wasmtime_func_call_unchecked", c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p
    )
    _memory_data = internals.c_function("wasmtime_memory_data", c_void_p, c_void_p, c_void_p, keep_gil=True)
    _memory_size = internals.c_function(
        "wasmtime_memory_data_size", c_size_t, c_void_p, c_void_p, keep_gil=True
    )
    _trap_new = internals.c_function("wasmtime_trap_new", c_void_p, ctypes.c_char_p, c_size_t, keep_gil=True)
    _MEMORY_DATA = ctypes.cast(_memory_data, c_void_p).value or 0
    _MEMORY_SIZE = ctypes.cast(_memory_size, c_void_p).value or 0
    _UNCHECKED_CB = CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_void_p, c_size_t)
    _FINALIZER = CFUNCTYPE(None, c_void_p)
    _func_new_unchecked = internals.c_function(
        "wasmtime_func_new_unchecked",
        None,
        c_void_p,
        c_void_p,
        _UNCHECKED_CB,
        c_void_p,
        _FINALIZER,
        c_void_p,
        keep_gil=True,
    )
    _NO_FINALIZER = _FINALIZER()
    _FUNC_NEW = ctypes.cast(_func_new_unchecked, c_void_p).value or 0
    _instance_new = internals.c_function(
        "wasmtime_instance_new", c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_void_p
    )


class CoreFault(Exception):
    """A core call ended in a trap or an error; `message` is wasmtime's text (with backtrace)."""


_CONTEXTS: weakref.WeakKeyDictionary[wasmtime.Store, int] = weakref.WeakKeyDictionary()


def context_address(store: wasmtime.Store) -> int:
    """The store's `wasmtime_context_t*` (fixed for the store's life), asked of C once."""
    addr = _CONTEXTS.get(store)
    if addr is None:
        addr = _CONTEXTS[store] = internals.store_context(store)
    return addr


def fault(err: int, trap_addr: int) -> CoreFault:
    """The `CoreFault` of a C call that returned error `err` or set trap `trap_addr` (taking it)."""
    exc: Exception = internals.error_from(err) if err else internals.trap_from(trap_addr)
    out = CoreFault(str(exc))
    out.__cause__ = exc
    return out


def _arg_format(params: str) -> str:
    return "<" + "".join(c + ("12x" if c in "Iif" else "8x") for c in params)


class RawCall:
    """What a generated call site needs to call one core function inline, without a Python
    frame in between: pack the arguments into `mv`, call `call(ctx, func, buf, n, trap)`, check
    `err or trap.value` (then `raise fault(err)`), read the result from `result[0]`."""

    def __init__(self, store: wasmtime.Store, func: wasmtime.Func, params: str, result: str) -> None:
        n = max(len(params), len(result), 1)
        self.buf = (ctypes.c_uint8 * (_SLOT * n))()
        self.mv = memoryview(self.buf).cast("B")
        self.trap = c_void_p()
        self.func = func
        self.call = _call_unchecked
        self.args = (
            context_address(store),
            internals.struct_address(func),
            ctypes.addressof(self.buf),
            n,
            ctypes.addressof(self.trap),
        )
        self.pack = struct.Struct(_arg_format(params)).pack_into
        code = {"I": "I", "Q": "Q", "f": "f", "d": "d"}.get(result, "B")
        self.result: memoryview = self.mv.cast(code)  # type: ignore[call-overload]

    def fault(self, err: int) -> CoreFault:
        t, self.trap.value = self.trap.value or 0, None
        return fault(err or 0, t)


def caller(store: wasmtime.Store, func: wasmtime.Func, params: str, result: str) -> Callable[..., Any]:
    """A function calling the core `func` with `len(params)` numbers and returning its one
    result (or None); a trap raises `CoreFault`. (Generated call sites inline a `RawCall`.)"""
    raw = RawCall(store, func, params, result)
    pack, mv, call, args, trap, out = raw.pack, raw.mv, raw.call, raw.args, raw.trap, raw.result

    def call_core(*values: Any) -> Any:
        pack(mv, 0, *values)
        err = call(*args)
        if err or trap.value:
            raise raw.fault(err)
        return out[0] if result else None

    call_core.raw = raw  # type: ignore[attr-defined]  # keeps the buffers alive
    return call_core


def core_export(store: wasmtime.Store, instance: wasmtime.Instance, name: str) -> Any:
    """One export of a core instance, looked up by name.

    `Instance.exports()` wraps every export first (CPython built for wasm has thousands: ~20 ms
    per instance); this asks for the one needed. Raises `KeyError` when there is no such export.
    """
    item = _ffi.wasmtime_extern_t()
    raw = name.encode()
    found = _ffi.wasmtime_instance_export_get(
        internals.store_context_pointer(store),
        ctypes.byref(internals.core_instance_struct(instance)),
        raw,
        len(raw),
        ctypes.byref(item),
    )
    if not found:
        raise KeyError(name)
    if item.kind == _EXTERN_FUNC:  # most exports: skip `wrap_extern`'s imports
        return internals.func_from_raw(item.of.func)
    return internals.wrap_extern(item)


_EMPTY = memoryview(bytearray())
"""The view of a memory of 0 pages: writable, as 0-byte values are stored there (b"" is read-only)."""


class MemoryView:
    """Linear memory as a `memoryview`, rebuilt only when the memory grew.

    A memory's base address can only change when it grows, and growing changes its size, so
    comparing the size (one C call) tells whether the cached view is still valid. Views must
    be fetched again after anything that may run wasm (a call, `realloc`).
    """

    __slots__ = ("ctx", "addr", "memory", "size", "mv")

    def __init__(self, store: wasmtime.Store, memory: wasmtime.Memory) -> None:
        self.ctx = context_address(store)
        self.memory = memory
        self.addr = internals.struct_address(memory)
        self.size = -1
        self.mv = _EMPTY

    def view(self) -> memoryview:
        size = _memory_size(self.ctx, self.addr)
        if size != self.size:
            base = _memory_data(self.ctx, self.addr)
            self.mv = memoryview((ctypes.c_uint8 * size).from_address(base)).cast("B") if size else _EMPTY
            self.size = size
        return self.mv


class Memory(Protocol):
    """A linear memory: `view()` as a writable memoryview (fetch it again after wasm ran)."""

    def view(self) -> memoryview: ...


def memory(store: wasmtime.Store, memory: wasmtime.Memory, compiled: bool | None = None) -> Memory:
    """`memory`'s view, kept by the compiled `_wire.Memory` when built (it holds the store
    alive: the addresses it calls C with are the store's), else by `MemoryView`. `compiled`:
    the caller's choice (default `COMPILED`)."""
    use_helper = COMPILED if compiled is None else compiled
    if use_helper and _CMemory is not None:
        found: Memory = _CMemory(
            _MEMORY_DATA,
            _MEMORY_SIZE,
            context_address(store),
            internals.struct_address(memory),
            (memory, store),
        )
        return found
    return MemoryView(store, memory)


def compiled_realloc(
    store: wasmtime.Store,
    realloc: wasmtime.Func,
    memory: Memory,
    inst: object,
    bad: Callable[[int, int, int], int],
) -> Any:
    """A `_wire.Realloc`: its `alloc(align, size)` is `realloc(0, 0, align, size)` run in C with
    `inst.may_leave` false around it, its pointer checked against `memory` (`bad(ptr, align,
    size)` raises), a trap raised as `CoreFault`; it also stores UTF-8 string lists. None when
    `_wire` is not built or `memory` is not its `Memory` (callers keep their Python path)."""
    if not COMPILED or not isinstance(memory, _CMemory):
        return None
    call = ctypes.cast(_call_unchecked, c_void_p).value or 0
    return _CRealloc(
        call,
        context_address(store),
        internals.struct_address(realloc),
        (realloc, store),
        memory,
        inst,
        fault,
        bad,
    )


def load_utf8_strings(view: memoryview, ptr: int, count: int) -> tuple[bytes, tuple[int, ...]] | None:
    """`count` UTF-8 strings whose pairs are at `ptr` (span checked by the caller) as (their
    bytes joined, their lengths), through `_wire`; None when one is out of bounds, invalid or
    longer than MAX_STRING_BYTE_LENGTH,
    or `_wire` is not built (the caller's plain path then lifts them, or traps). Callers decide
    when they are made whether to use the helper (`COMPILED`)."""
    if _c_strings is None:
        return None
    found: tuple[bytes, tuple[int, ...]] | None = _c_strings(view, ptr, count)
    if found is not None and found[1] and max(found[1]) > MAX_STRING_BYTE_LENGTH:
        return None  # the plain path traps on it
    return found


def _leave_to_python(*args: Any) -> None:
    return None


def record_codecs(compiled: bool | None = None) -> tuple[Callable[..., Any], Callable[..., Any] | None]:
    """`(pack, unpack)` of lists of plain records for generated call sites: the compiled
    `_wire.pack_records`/`unpack_records`, or a `pack` that leaves every list to the
    generated Python loop and no `unpack` when `_wire` is not built (or `COMPILED` is off)."""
    if (COMPILED if compiled is None else compiled) and _c_records is not None:
        return _c_records
    return _leave_to_python, None


class AdapterBody(Protocol):
    """What a compiled adapter reads on each call: the two component instances' flags, and the
    trap message of a failure (`where`: 0 the call was refused or the callee trapped, 1 its
    post-return trapped; `error`/`trap` the C pointers, both 0 for a refusal)."""

    caller: Any
    callee: Any

    def message(self, error: int, trap: int, where: int) -> bytes: ...


def compiled_adapter(
    store: wasmtime.Store,
    callee: wasmtime.Func,
    post_return: wasmtime.Func | None,
    params: str,
    results: str,
    body: AdapterBody,
) -> wasmtime.Func | None:
    """A core function calling `callee` (same core signature) with its arguments as they are,
    then `post_return` with its results, entirely in C (`_wire.Adapter`); None when `_wire` is
    not built. It holds `body` weakly: keep `body` alive as long as the function may run."""
    if not COMPILED:
        return None
    func_size = ctypes.sizeof(_ffi.wasmtime_func_t)
    adapter = _CAdapter(
        ctypes.cast(_call_unchecked, c_void_p).value or 0,
        ctypes.cast(_trap_new, c_void_p).value or 0,
        context_address(store),
        ctypes.string_at(internals.struct_address(callee), func_size),
        b"" if post_return is None else ctypes.string_at(internals.struct_address(post_return), func_size),
        max(len(params), len(results)),
        len(results),
        weakref.ref(body),
    )
    extern = EXTERN(_EXTERN_FUNC)
    adapter.new_func(_FUNC_NEW, _func_type(store.engine, params, results)[1], addressof(extern) + _EXTERN_OF)
    return internals.func_from_raw(extern.of.func)


_TYPES: weakref.WeakKeyDictionary[wasmtime.Engine, dict[tuple[str, str], tuple[wasmtime.FuncType, int]]] = (
    weakref.WeakKeyDictionary()
)
"""Per engine and core signature: the wasmtime type (~12 µs to build; wasmtime binds a type to
the first engine that uses it) and its C address."""


def _func_type(engine: wasmtime.Engine, params: str, results: str) -> tuple[wasmtime.FuncType, int]:
    known = _TYPES.setdefault(engine, {})
    found = known.get((params, results))
    if found is None:
        ty = wasmtime.FuncType(
            [_VALTYPES[c.upper()]() for c in params], [_VALTYPES[c.upper()]() for c in results]
        )
        found = known[(params, results)] = (ty, internals.handle(ty))
    return found


class LazyBodies(Protocol):
    """What a batch of host functions runs: the i-th one's body, made by `make_body(i)` on its
    first call (a component imports every WASI function it might need, and CPython built for
    wasm calls few of them). An exception becomes a trap whose message `on_error(i, exc)` gives
    (it may stash the exception for the caller to re-raise). One object serves the whole batch:
    nothing is made per function until it is called."""

    def make_body(self, i: int) -> Callable[..., Any]: ...

    def on_error(self, i: int, exc: BaseException) -> str: ...


class _Given:
    """The `LazyBodies` of one function, from two callables."""

    __slots__ = ("make", "error")

    def __init__(
        self, make: Callable[[], Callable[..., Any]], on_error: Callable[[BaseException], str]
    ) -> None:
        self.make, self.error = make, on_error

    def make_body(self, i: int) -> Callable[..., Any]:
        return self.make()

    def on_error(self, i: int, exc: BaseException) -> str:
        return self.error(exc)


_INDEX_BITS = 24
"""A host function's `env` word is its owner's key shifted by this, plus its index there."""
_INDEX_MASK = (1 << _INDEX_BITS) - 1
_owner_keys = itertools.count(1)
_OWNERS: dict[int, weakref.ref[HostFuncs]] = {}
"""The live `HostFuncs` by key, weakly: bodies live as long as their owner (a component
instance, or the `wasmtime.Func` of `host_func`), and the store is not kept alive from here."""


def _forget_owner(key: int, _: object) -> None:
    _OWNERS.pop(key, None)


MAX_REENTRY = 50
"""How deeply the host functions of one instance may nest (a host import calling back into its
instance, which calls the import again...): one more traps, well before Python's own stack runs
out in the middle of a core call (default recursion limit 1000, ~8 Python frames per level).
wasmtime traps when its stack overflows, ~140 levels for a small guest."""
_TOO_DEEP = f"host functions re-entered more than {MAX_REENTRY} levels deep".encode()

_TRAMPOLINES: dict[tuple[str, str], Any] = {}
"""One ctypes callback per core signature, shared by every host function of that signature:
making a libffi closure per function cost ~10 µs (a componentize-py component imports ~120)."""


def _trampoline(params: str, results: str) -> Any:
    found = _TRAMPOLINES.get((params, results))
    if found is not None:
        return found
    slots_type = ctypes.c_uint8 * (_SLOT * max(len(params), len(results), 1))
    unpack = struct.Struct(_arg_format(params)).unpack_from
    pack = struct.Struct("<" + results).pack_into if results else None
    owners, shift, mask, get_ident = _OWNERS, _INDEX_BITS, _INDEX_MASK, threading.get_ident

    def trampoline(env: int, caller: Any, slots: int, count: int) -> int:
        owner: Any = None  # stays None (KeyError, AttributeError) if the owner was dropped
        index = env & mask
        try:
            owner = owners[env >> shift]()
            f = owner.bodies[index]
            if f is None:
                lazy, i = owner.lazy[index]
                f = owner.bodies[index] = lazy.make_body(i)
            if owner.depth >= MAX_REENTRY:
                return int(_trap_new(_TOO_DEEP, len(_TOO_DEEP)))
            view = slots_type.from_address(slots)
            gate = owner.gate
            outer = gate.host_thread
            gate.host_thread = get_ident()  # a call back into the store from here is re-entry
            owner.depth += 1
            try:
                out = f(*unpack(view))
            finally:
                owner.depth -= 1
                gate.host_thread = outer
            if pack is not None:
                pack(view, 0, out)
            return 0
        except BaseException as exc:  # noqa: BLE001 - every failure must become a trap
            if owner is None:  # wasm still imports a function whose owner was dropped
                message = b"a host function was called after the instance that made it was dropped"
            else:
                try:
                    lazy, i = owner.lazy[index]
                    message = lazy.on_error(i, exc).encode()
                except BaseException:  # noqa: BLE001 - e.g. out of Python stack while reporting
                    message = b"a host function failed, and so did reporting why"
            return int(_trap_new(message, len(message)))

    found = _TRAMPOLINES[(params, results)] = _UNCHECKED_CB(trampoline)
    return found


def host_func(
    store: wasmtime.Store,
    params: str,
    results: str,
    body: Callable[..., Any],
    on_error: Callable[[BaseException], str],
    *,
    lazy: bool = False,
) -> tuple[wasmtime.Func, HostFuncs]:
    """A core function calling `body(*args)` with the unpacked arguments; its return value is
    the result. An exception becomes a trap whose message `on_error` gives (and stashes the
    exception for the caller to re-raise). `lazy`: `body()` makes the body, on the first call.
    Keep the returned owner alive while wasm may call the function: it owns the body."""
    owner = HostFuncs(store)
    extern = owner.new(params, results, body if lazy else (lambda: body), on_error)
    return internals.func_from_raw(extern.of.func), owner


class HostFuncs:
    """The host functions made for one owner (a component instance), each returned as the
    `wasmtime_extern_t` a core module's imports take: no `wasmtime.Func` object, no finalizer
    and no registry entry per function (a componentize-py component imports ~120 of them),
    just its `LazyBodies` and its index there. Their bodies live as long as this object."""

    __slots__ = ("ctx", "engine", "key", "lazy", "bodies", "depth", "gate", "__weakref__")

    def __init__(self, store: wasmtime.Store) -> None:
        self.ctx = context_address(store)
        self.engine = store.engine
        self.key = next(_owner_keys)
        self.lazy: list[tuple[LazyBodies, int]] = []
        """What makes each function's body: its batch and its index in the batch."""
        self.bodies: list[Callable[..., Any] | None] = []
        """The bodies made so far, by index (None: not called yet)."""
        self.depth = 0
        """How many of these functions are running now, nested (re-entry through the host)."""
        self.gate = store_gate(store)
        """The store's gate: its `host_thread` tells re-entry from another thread."""
        _OWNERS[self.key] = weakref.ref(self, functools.partial(_forget_owner, self.key))

    def new(
        self,
        params: str,
        results: str,
        make: Callable[[], Callable[..., Any]],
        on_error: Callable[[BaseException], str],
    ) -> Any:
        """A function of core signature `params` -> `results` whose body `make()` makes."""
        env = self._reserve(_Given(make, on_error), 1)
        extern = EXTERN(_EXTERN_FUNC)
        type_address = _func_type(self.engine, params, results)[1]
        trampoline = _trampoline(params, results)
        _func_new_unchecked(
            self.ctx, type_address, trampoline, env, _NO_FINALIZER, addressof(extern) + _EXTERN_OF
        )
        return extern

    def _reserve(self, lazy: LazyBodies, count: int) -> int:
        """Room for `count` functions whose bodies `lazy` makes; the `env` word of the first."""
        first = len(self.lazy)
        if first + count > _INDEX_MASK + 1:
            raise OverflowError(f"more than {_INDEX_MASK + 1} host functions for one instance")
        self.lazy += zip(itertools.repeat(lazy, count), range(count), strict=True)
        self.bodies += itertools.repeat(None, count)
        return self.key << _INDEX_BITS | first

    def add_all(self, signatures: Signatures, lazy: LazyBodies) -> Any:
        """Functions of the batch's core `signatures`, the i-th running what
        `lazy.make_body(i)` makes, made in one loop (in C where it is built); returns them as a
        `wasmtime_extern_t` array."""
        count = len(signatures.signatures)
        first_env = self._reserve(lazy, count)
        out = (EXTERN * count)()
        specs, kinds = signatures.for_engine(self.engine)
        if _c_new_funcs is not None:
            _c_new_funcs(
                _FUNC_NEW, self.ctx, addressof(specs), count, first_env, addressof(out), EXTERN_SIZE,
                _EXTERN_OF, _EXTERN_FUNC,
            )  # fmt: skip
            return out
        base = addressof(out) + _EXTERN_OF
        for i, (type_address, trampoline) in enumerate(kinds):
            out[i].kind = _EXTERN_FUNC
            _func_new_unchecked(
                self.ctx, type_address, trampoline, first_env + i, _NO_FINALIZER, base + i * EXTERN_SIZE
            )
        return out


class _FuncSpec(ctypes.Structure):
    """`struct func_spec` of `_wire.c`: what `new_funcs` needs of one host function."""

    _fields_ = [("type", c_void_p), ("callback", c_void_p)]


class Signatures:
    """The core signatures of a batch of host functions (`HostFuncs.add_all`), made once per
    plan; their C function types and trampolines are laid out once per engine."""

    def __init__(self, signatures: Sequence[tuple[str, str]]) -> None:
        self.signatures = tuple(signatures)
        self._by_engine: weakref.WeakKeyDictionary[wasmtime.Engine, tuple[Any, list[tuple[int, Any]]]] = (
            weakref.WeakKeyDictionary()
        )

    def for_engine(self, engine: wasmtime.Engine) -> tuple[Any, list[tuple[int, Any]]]:
        """The `_FuncSpec` array and the (type address, trampoline) of each signature."""
        found = self._by_engine.get(engine)
        if found is None:
            kinds = [(_func_type(engine, p, r)[1], _trampoline(p, r)) for p, r in self.signatures]
            specs = (_FuncSpec * len(kinds))(
                *(_FuncSpec(ty, ctypes.cast(tr, c_void_p).value) for ty, tr in kinds)
            )
            found = self._by_engine[engine] = (specs, kinds)
        return found


def func_of(item: Any) -> Any:
    """`item` as a `wasmtime.Func` if it is a function extern (from `HostFuncs.new`), else itself."""
    if type(item) is EXTERN:
        return internals.func_from_raw(item.of.func)
    return item


# --- core instantiation --------------------------------------------------------------------


EXTERN_SIZE = ctypes.sizeof(_ffi.wasmtime_extern_t) if _ffi is not None else 0


def extern_array(n: int) -> Any:
    """Room for `n` imports of a core module (`wasmtime_extern_t[n]`)."""
    return (_ffi.wasmtime_extern_t * n)()


def instance_address(instance: wasmtime.Instance) -> int:
    return ctypes.addressof(internals.core_instance_struct(instance))


def new_instance(store: wasmtime.Store, module: wasmtime.Module, imports: Any) -> wasmtime.Instance:
    """Instantiate `module` with an `extern_array`; raises `wasmtime.Trap` if its start function
    traps and `wasmtime.WasmtimeError` if the imports do not fit, as `wasmtime.Instance` does."""
    out = _ffi.wasmtime_instance_t()
    trap = c_void_p()
    err = _instance_new(
        context_address(store),
        internals.handle(module),
        ctypes.addressof(imports),
        len(imports),
        ctypes.addressof(out),
        ctypes.addressof(trap),
    )
    if err:
        raise internals.error_from(err)
    if trap.value:
        raise internals.trap_from(trap.value)
    return internals.instance_from_raw(out)
