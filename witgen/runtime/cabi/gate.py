"""One call at a time per store on the cabi engine, for the price of a list `pop` and `append`.

A wasmtime store is not thread-safe, and the cabi engine's call sites share per-instance scratch
buffers, so calls into one store must not overlap. `witgen.runtime.stores.store_lock` (an RLock)
would do, but acquiring and releasing it costs ~110-180 ns, a sixth of add(u32,u32); taking this
gate's token costs ~30 ns. Both are atomic under the GIL.

- Fast path: `take()` (the token's `list.pop`) succeeds; the call ends with `give(True)`.
- Taken already: `wait()`. A host function of the call holding the gate re-entering the store on
  the same thread (wasmtime allows it) goes on without the token; another thread polls until the
  token is back (calls into one store are serialized, not queued fairly).

The host functions of a store mark the thread running them (`host_thread`), so `wait()` can tell
re-entry from another thread.
"""

from __future__ import annotations

import threading
import time
import weakref

import wasmtime

_gates: weakref.WeakKeyDictionary[wasmtime.Store, StoreGate] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


class StoreGate:
    __slots__ = ("take", "give", "host_thread", "__weakref__")

    def __init__(self) -> None:
        tokens = [True]
        self.take = tokens.pop
        """Take the token (`IndexError` if another call has it)."""
        self.give = tokens.append
        """Give the token back (`give(True)`), once the call that took it ends."""
        self.host_thread = 0
        """The thread running one of the store's host functions now (0: none)."""

    def wait(self) -> bool:
        """The gate is taken: True once this thread holds the token, False at once when it is
        a host function of the holding call, on this thread, re-entering (it holds no token)."""
        if self.host_thread == threading.get_ident():
            return False
        delay = 1e-6
        while True:
            try:
                self.take()
                return True
            except IndexError:
                time.sleep(delay)
                delay = min(delay * 2, 1e-3)

    def enter(self) -> bool:
        """Take the gate (for code that is not a generated call site); pass the result to `leave`."""
        try:
            self.take()
            return True
        except IndexError:
            return self.wait()

    def leave(self, mine: bool) -> None:
        if mine:
            self.give(True)


def store_gate(store: wasmtime.Store) -> StoreGate:
    """The gate of `store` (made on first use, freed with the store)."""
    gate = _gates.get(store)
    if gate is None:
        with _guard:
            gate = _gates.get(store)
            if gate is None:
                gate = _gates[store] = StoreGate()
    return gate
