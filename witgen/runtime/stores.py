"""One lock per wasmtime `Store`: calls into a store are serialized across threads.

A wasmtime store is not thread-safe (wasmtime-py segfaults when two threads call into one), and
the cabi engine's call sites share per-instance scratch memory. Every call into an instance on
the wasmtime engine holds its store's lock, and so does a call under per-call limits on either
engine (`limits.Guard`); the cabi engine's generated call sites take a cheaper per-store gate
(`witgen.runtime.cabi.gate`). Instances in separate stores run in parallel. The lock is
reentrant so a host import may call back into its own instance (which then traps as wasmtime's
reentrance rules say, rather than deadlocking).
"""

from __future__ import annotations

import threading
import weakref

import wasmtime

_locks: weakref.WeakKeyDictionary[wasmtime.Store, threading.RLock] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def store_lock(store: wasmtime.Store) -> threading.RLock:
    """The lock every call into `store` holds (made on first use, freed with the store)."""
    lock = _locks.get(store)
    if lock is None:
        with _guard:
            lock = _locks.get(store)
            if lock is None:
                lock = _locks[store] = threading.RLock()
    return lock
