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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import wasmtime

from witgen.runtime import epochs
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
    if last == "wasm trap: interrupt":
        return Timeout
    if last == "wasm trap: all fuel consumed by WebAssembly":
        return OutOfFuel
    return Trap


FOREVER_TICKS = (1 << 63) - 1
"""The epoch deadline of a store on an epoch engine without a deadline."""
ALL_FUEL = (1 << 64) - 1
"""The fuel of a store on a fuel engine without a fuel limit."""


def _c_setters() -> tuple[Callable[[int, int], Any], Callable[[int, int], Any], Any] | None:
    """wasmtime's C functions setting a store's epoch deadline and fuel, keeping the GIL."""
    try:
        from wasmtime import _ffi

        dll: Any = _ffi.dll
        quick = ctypes.PYFUNCTYPE
        deadline = quick(None, ctypes.c_void_p, ctypes.c_uint64)(("wasmtime_context_set_epoch_deadline", dll))
        fuel = quick(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64)(("wasmtime_context_set_fuel", dll))
        return deadline, fuel, _ffi.wasmtime_error_t
    except (ImportError, AttributeError):
        return None


_C = _c_setters()


SLACK = 4
"""Ticks a store's deadline may be set beyond a call's own, so that calls in quick succession
re-arm it once per `SLACK` ticks rather than with a C call each (a call still gets at least
its whole deadline, and at most `(SLACK + 2) * epochs.TICK` more)."""


class Guard:
    """The per-call limits of one store: `wrap(site)` makes a call site give the guest a fresh
    deadline and fuel when it is entered from outside the guest (a host import calling back
    into the same store shares its caller's budget), holding the store's lock."""

    def __init__(self, store: wasmtime.Store, ticks: int | None, fuel: int | None, rearm: bool) -> None:
        self.store = store
        self.lock = store_lock(store)
        self.depth = 0
        """Guarded calls in progress (only the thread holding `lock` changes it)."""
        self.armed_at = -SLACK
        """`epochs.now` when the deadline was last set."""
        set_deadline, set_fuel = _setters(store)
        if ticks is not None and rearm:
            ticks += SLACK
        self.arm = self._arm_function(set_deadline, set_fuel, ticks, fuel, False)
        """Set the deadline and fuel now (before instantiation)."""
        self.enter = self._arm_function(set_deadline, set_fuel, ticks if rearm else None, fuel, True)
        """Arm for a call from outside the guest: fuel always, the deadline when it's stale."""

    def _arm_function(
        self,
        set_deadline: Callable[[int], None],
        set_fuel: Callable[[int], None],
        ticks: int | None,
        fuel: int | None,
        lazy: bool,
    ) -> Callable[[], None]:
        guard, clock = self, epochs

        def deadline() -> None:
            now = clock.now
            if not lazy or now - guard.armed_at >= SLACK:
                guard.armed_at = now
                set_deadline(ticks)  # type: ignore[arg-type]

        def both() -> None:
            deadline()
            set_fuel(fuel)  # type: ignore[arg-type]

        def fuel_only() -> None:
            set_fuel(fuel)  # type: ignore[arg-type]

        def nothing() -> None:
            pass

        if ticks is None:
            return nothing if fuel is None else fuel_only
        return deadline if fuel is None else both

    def wrap(self, site: Callable[..., Any]) -> Callable[..., Any]:
        """`site`, holding the store's lock and arming the store when entered from outside."""
        acquire, release, enter, guard = self.lock.acquire, self.lock.release, self.enter, self

        def guarded(*args: Any) -> Any:
            acquire()
            try:
                if guard.depth:
                    return site(*args)
                enter()
                guard.depth = 1
                try:
                    return site(*args)
                finally:
                    guard.depth = 0
            finally:
                release()

        guarded.site = site  # type: ignore[attr-defined]
        return guarded

    def __enter__(self) -> Guard:
        self.lock.acquire()
        if self.depth == 0:
            self.enter()
        self.depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self.depth -= 1
        self.lock.release()


def _setters(store: wasmtime.Store) -> tuple[Callable[[int], None], Callable[[int], None]]:
    """Set `store`'s epoch deadline (ticks from now) and fuel: straight through C (keeping the
    GIL: neither runs wasm), or through wasmtime-py's methods if its ctypes layer isn't there."""
    if _C is None:
        return store.set_epoch_deadline, store.set_fuel
    c_deadline, c_fuel, error_t = _C
    ctx = ctypes.cast(store._context(), ctypes.c_void_p).value or 0

    def set_deadline(ticks: int) -> None:
        c_deadline(ctx, ticks)

    def set_fuel(fuel: int) -> None:
        err = c_fuel(ctx, fuel)
        if err:  # the engine does not consume fuel: wasmtime's own message
            raise wasmtime.WasmtimeError._from_ptr(ctypes.cast(err, ctypes.POINTER(error_t)))

    return set_deadline, set_fuel


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
    ticks: int | None = None
    if limits.deadline is not None:
        ticks = math.ceil(limits.deadline / epochs.TICK) + 1  # the first tick comes after 0..TICK
        epochs.tick(engine)
    elif epoch:
        ticks = FOREVER_TICKS
    spend: int | None = limits.fuel if limits.fuel is not None else (ALL_FUEL if fuel else None)
    guard = Guard(store, ticks, spend, rearm=limits.deadline is not None)
    guard.arm()  # instantiation runs start functions under the first budget
    return guard if limits.per_call else None
