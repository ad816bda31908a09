"""What an untrusted guest may use: the `limits=` argument of generated `from_file`/`from_bytes`.

Every field left as None keeps the engine's default (for the host-side budgets, wasmtime's own
defaults, which the cabi engine matches). A guest that exceeds a limit traps: the call raises a
`witgen.runtime.Trap` subclass, that instance is dead, the host and other instances go on.

`deadline` and `fuel` need an engine compiled for them (epoch interruption, fuel metering:
`loading.default_engine(limits)` keeps one per combination); the others are the store's
`set_limits`. A store with a deadline or fuel gets a `Guard` that re-arms both whenever a call
enters the guest from outside, so each call gets the whole budget.
"""

from __future__ import annotations

import ctypes
import math
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import wasmtime

from witgen.runtime import epochs, internals
from witgen.runtime.errors import Trap
from witgen.runtime.stores import store_lock


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one instance's guest may use (`from_file(..., limits=Limits(...))`)."""

    deadline: float | None = None
    """Wall-clock seconds one call into the guest may run (epoch interruption)."""
    fuel: int | None = None
    """Wasm fuel (roughly, instructions) one call into the guest may spend."""
    memory_size: int | None = None
    """Bytes each linear memory may grow to."""
    table_elements: int | None = None
    """Elements each core table may grow to."""
    instances: int | None = None
    """Core and component instances one store may hold."""
    tables: int | None = None
    """Core tables one store may hold."""
    memories: int | None = None
    """Linear memories one store may hold."""
    hostcall_fuel: int | None = None
    """Host work (bytes copied, elements lifted) one call's values may cost; None: wasmtime's default.
    Honoured by the cabi engine; wasmtime's C API does not expose it, so the wasmtime engine
    always uses wasmtime's default and refuses a value here."""
    handles: int | None = None
    """Entries each resource handle table may hold; None: wasmtime's cap. Cabi engine only, like
    `hostcall_fuel`."""

    def __post_init__(self) -> None:
        if self.deadline is not None and not (
            isinstance(self.deadline, int | float) and math.isfinite(self.deadline) and self.deadline > 0
        ):
            raise ValueError(
                f"Limits(deadline=...) must be a positive number of seconds, got {self.deadline!r}"
            )
        for name in (
            "fuel",
            "memory_size",
            "table_elements",
            "instances",
            "tables",
            "memories",
            "hostcall_fuel",
            "handles",
        ):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"Limits({name}=...) must be a non-negative int, got {value!r}")
            if name == "fuel" and value is not None and value >= 1 << 64:
                raise ValueError(f"Limits(fuel=...) must be below 2**64, got {value!r}")

    @property
    def per_call(self) -> bool:
        """Whether calls must re-arm the store (a deadline or fuel)."""
        return self.deadline is not None or self.fuel is not None


NO_LIMITS = Limits()


class Timeout(Trap):
    """The call ran past `Limits.deadline`; the instance is dead."""


class OutOfFuel(Trap):
    """The call spent all of `Limits.fuel`; the instance is dead."""


def trap_type(error: BaseException) -> type[Trap]:
    """The `Trap` class for an error out of wasm: `Timeout`/`OutOfFuel` when a limit ended it."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, wasmtime.Trap):
            code = seen.trap_code
            if code == wasmtime.TrapCode.INTERRUPT:
                return Timeout
            if code == wasmtime.TrapCode.OUT_OF_FUEL:
                return OutOfFuel
        seen = seen.__cause__
    # The component API reports traps as plain errors: wasmtime's own trap text, last line.
    lines = str(error).strip().splitlines()
    last = lines[-1].strip() if lines else ""
    if last in ("wasm trap: interrupt", DEADLINE_PASSED):
        return Timeout
    if last == "wasm trap: all fuel consumed by WebAssembly":
        return OutOfFuel
    return Trap


FOREVER_TICKS = (1 << 63) - 1
"""The epoch deadline of a store on an epoch engine without a deadline."""
ALL_FUEL = (1 << 64) - 1
"""The fuel of a store on a fuel engine without a fuel limit."""
DEADLINE_PASSED = "the call ran past its deadline (Limits.deadline)"
"""The error a store's epoch callback ends a call with (`trap_type` makes it a `Timeout`)."""

_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_uint64),
    ctypes.POINTER(ctypes.c_uint8),
)
"""`wasmtime_store_epoch_deadline_callback`'s function: (context, data, *delta, *update_kind) -> error."""
_FINALIZER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _CApi:
    """wasmtime's C functions for a store's deadline and fuel (the quick ones keep the GIL)."""

    def __init__(self) -> None:
        c = internals.c_function
        self.set_deadline = c(
            "wasmtime_context_set_epoch_deadline", None, ctypes.c_void_p, ctypes.c_uint64, keep_gil=True
        )
        self.set_fuel = c(
            "wasmtime_context_set_fuel", ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64, keep_gil=True
        )
        self.set_callback = c(
            "wasmtime_store_epoch_deadline_callback",
            None,
            ctypes.c_void_p,
            _CALLBACK,
            ctypes.c_void_p,
            _FINALIZER,
            keep_gil=True,
        )
        self.error_new = c("wasmtime_error_new", ctypes.c_void_p, ctypes.c_char_p, keep_gil=True)


_C: _CApi | None = _CApi() if internals.AVAILABLE else None

_calls = threading.local()
"""`_calls.until`: the deadline list of the innermost guarded call with a deadline running on
this thread (set and restored by `Guard`), for host code that waits (`call_deadline`)."""


def call_deadline() -> float | None:
    """When the guest call this thread is running must end (`time.monotonic()`), if it has a
    deadline: host functions that wait (witgen.wasi's `poll`) stop waiting then, since the
    store's epoch can only interrupt wasm, not a host function blocked in Python."""
    until: list[float] | None = getattr(_calls, "until", None)
    return None if until is None else until[0]


_clocks: weakref.WeakKeyDictionary[wasmtime.Store, tuple[Any, list[float]]] = weakref.WeakKeyDictionary()
"""Each store's epoch callback (alive as long as the store that calls it) and the deadline it
checks, `[until]`: the guards of instances sharing a store share both."""


class Guard:
    """The per-call limits of one store: `wrap(site)` makes a call site give the guest a fresh
    deadline and fuel when it is entered from outside the guest (a host import calling back
    into the same store shares its caller's budget), holding the store's lock.

    A deadline is wall-clock time (`until[0]`), checked by the store's epoch callback whenever the
    epoch passes the store's epoch deadline: the callback ends the call once `until` has passed,
    else sets the next check for about then. So a call never ends early (however the ticker
    runs), and starting a call is a float store, not a C call."""

    def __init__(self, store: wasmtime.Store, deadline: float | None, fuel: int | None) -> None:
        self.store = store
        self.lock = store_lock(store)
        self.depth = 0
        """Guarded calls in progress (only the thread holding `lock` changes it)."""
        self.deadline = deadline
        self.until = [0.0]
        """When the current call must end (`time.monotonic()`), shared by the store's guards."""
        self.enter = self._enter_function(fuel)
        """Arm the store for a call from outside the guest."""
        self._outer: list[float] | None = None
        """The deadline `call_deadline` gave before a `with guard:` block (restored after it)."""

    def _enter_function(self, fuel: int | None) -> Callable[[], None]:
        deadline, clock = self.deadline, time.monotonic
        set_fuel = _fuel_setter(self.store)
        if deadline is not None and _C is None:  # no callback: set the epoch deadline per call
            store, ticks, until = self.store, math.ceil(deadline / epochs.TICK) + 1, self.until

            def public() -> None:
                until[0] = clock() + deadline  # for `call_deadline` only
                store.set_epoch_deadline(ticks)
                if fuel is not None:
                    set_fuel(fuel)

            return public
        if deadline is not None:
            until = self.until = self._install_callback()

            def timed() -> None:
                until[0] = clock() + deadline

            def timed_and_fueled() -> None:
                until[0] = clock() + deadline
                set_fuel(fuel)  # type: ignore[arg-type]

            return timed if fuel is None else timed_and_fueled

        def fueled() -> None:
            set_fuel(fuel)  # type: ignore[arg-type]

        return fueled if fuel is not None else (lambda: None)

    def _install_callback(self) -> list[float]:
        """The store's `[until]`, its epoch callback installed if it has none yet."""
        assert _C is not None and self.deadline is not None
        found = _clocks.get(self.store)
        if found is not None:
            return found[1]
        c, until, clock, tick, error = _C, [0.0], time.monotonic, epochs.TICK, DEADLINE_PASSED.encode()

        def check(context: int, data: int, delta: Any, kind: Any) -> int | None:
            try:
                left = until[0] - clock()
                if left <= 0:
                    return int(c.error_new(error))
                delta[0] = max(1, math.ceil(left / tick))
                kind[0] = 0  # WASMTIME_UPDATE_DEADLINE_CONTINUE
                return None
            except BaseException:  # noqa: BLE001 - never let an exception unwind into wasm
                return int(c.error_new(error))

        callback = _CALLBACK(check)
        _clocks[self.store] = (callback, until)
        store_ptr = internals.handle(self.store)
        c.set_callback(store_ptr, callback, None, _FINALIZER())
        c.set_deadline(internals.store_context(self.store), math.ceil(self.deadline / tick))
        return until

    def wrap(self, site: Callable[..., Any]) -> Callable[..., Any]:
        """`site`, holding the store's lock and arming the store when entered from outside."""
        acquire, release, enter, guard = self.lock.acquire, self.lock.release, self.enter, self
        calls, timed = _calls, self.deadline is not None

        def guarded(*args: Any) -> Any:
            acquire()
            try:
                if guard.depth:
                    return site(*args)
                enter()
                guard.depth = 1
                if timed:
                    outer, calls.until = getattr(calls, "until", None), guard.until
                try:
                    return site(*args)
                finally:
                    guard.depth = 0
                    if timed:
                        calls.until = outer
            finally:
                release()

        guarded.site = site  # type: ignore[attr-defined]
        return guarded

    def __enter__(self) -> Guard:
        self.lock.acquire()
        if self.depth == 0:
            self.enter()
            if self.deadline is not None:
                self._outer = getattr(_calls, "until", None)
                _calls.until = self.until
        self.depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self.depth -= 1
        if self.depth == 0 and self.deadline is not None:
            _calls.until = self._outer
        self.lock.release()


def _fuel_setter(store: wasmtime.Store) -> Callable[[int], None]:
    """Set `store`'s fuel: straight through C (keeping the GIL), or wasmtime-py's method."""
    if _C is None:
        return store.set_fuel
    c_fuel, ctx = _C.set_fuel, internals.store_context(store)

    def set_fuel(fuel: int) -> None:
        err = c_fuel(ctx, fuel)
        if err:  # the engine does not consume fuel: wasmtime's own message
            raise internals.error_from(err)

    return set_fuel


def setup_store(
    store: wasmtime.Store, engine: wasmtime.Engine, limits: Limits, epoch: bool, fuel: bool
) -> Guard | None:
    """Apply `limits` to `store` (on `engine`, which checks epochs/fuel as `epoch`/`fuel` say)
    before anything runs in it; the `Guard` its calls must go through, or None if they needn't."""
    store.set_limits(
        *(
            -1 if v is None else v
            for v in (
                limits.memory_size,
                limits.table_elements,
                limits.instances,
                limits.tables,
                limits.memories,
            )
        )
    )
    if limits.deadline is not None:
        epochs.tick(engine)
    elif epoch:
        store.set_epoch_deadline(FOREVER_TICKS)
    spend: int | None = limits.fuel if limits.fuel is not None else (ALL_FUEL if fuel else None)
    guard = Guard(store, limits.deadline, spend)
    with guard.lock:
        guard.enter()  # instantiation runs start functions under the first budget
    return guard if limits.per_call else None
