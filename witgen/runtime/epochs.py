"""The clock behind `Limits.deadline`: one daemon thread advancing the epoch of every engine
that enforces a deadline, every `TICK` seconds.

Wasm compiled with epoch interruption calls its store's epoch callback (`limits.Guard`) once
its engine's epoch passes the store's epoch deadline, set in ticks from now; the callback
compares the clock with the call's deadline. The thread starts with the first such engine,
ends when none is left, and holds the GIL only to make one C call per engine per tick (wasm
running in other threads doesn't hold the GIL).
"""

from __future__ import annotations

import os
import threading
import time
import weakref

import wasmtime

TICK = 0.01
"""Seconds between epoch ticks: a deadline is enforced to within about this much."""

_engines: weakref.WeakSet[wasmtime.Engine] = weakref.WeakSet()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def tick(engine: wasmtime.Engine) -> None:
    """Advance `engine`'s epoch every `TICK` from now on (while the engine lives)."""
    global _thread
    with _lock:
        _engines.add(engine)
        if _thread is None:
            _thread = threading.Thread(target=_run, name="witgen-epochs", daemon=True)
            _thread.start()


def _run() -> None:
    global _thread
    due = time.monotonic()
    while True:
        due += TICK  # a fixed schedule: ticks don't drift later by the time each one takes
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -1.0:  # held up for long (a suspended process): start the schedule afresh
            due = time.monotonic()
        # else: late (a busy machine): tick at once and catch up; stores check the clock
        # themselves (`limits.Guard`), so extra ticks only make them look sooner
        with _lock:
            engines = list(_engines)
            if not engines:
                _thread = None
                return
        for engine in engines:
            engine.increment_epoch()
        del engines  # the set holds engines weakly: don't keep the last one alive while sleeping


def _after_fork_in_child() -> None:
    """A forked child has no ticker thread: the next `tick` starts one (the engines it
    inherited are ticked from then on)."""
    global _thread, _lock
    _lock = threading.Lock()
    _thread = None


os.register_at_fork(after_in_child=_after_fork_in_child)
