"""`wasi:io/poll`: pollables with real readiness, and `poll`, which waits for the first ready.

A pollable is ready now (`Ready`), at a monotonic deadline (`Timer`), when a host file
descriptor is (`FdReady`, through `selectors`), or when a Python condition holds (`Waiting`,
for streams fed by other threads). `poll` checks them all and otherwise sleeps until the
nearest deadline or descriptor event; a list that could never become ready is a trap rather
than a host thread blocked forever.
"""

from __future__ import annotations

import selectors
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from witgen.runtime.errors import Trap
from witgen.runtime.limits import DEADLINE_PASSED, Timeout, call_deadline

if TYPE_CHECKING:  # clocks' pollables are this module's Timers
    from witgen.wasi.clocks import Clock

SLICE = 0.01
"""Seconds between checks when a poll waits on several kinds of event at once."""
MAX_POLL = 1 << 16
"""Pollables in one `poll` call: the spec allows up to 2^32, but each costs host work per wake."""


class PollError(Trap):
    """`poll` can't do what it was asked (empty list, or nothing could ever become ready): the
    guest misbehaved, so it is a trap the caller sees."""


class Pollable:
    """The resource `pollable`. Subclasses say when they are ready and how to wait."""

    def ready(self) -> bool:
        return True

    def block(self) -> None:
        poll([self])

    def deadline(self) -> int | None:
        """The monotonic time (ns) at which it becomes ready by itself, if any."""
        return None

    def clock(self) -> Clock | None:
        return None

    def fileno(self) -> int | None:
        """A host descriptor whose readiness this pollable follows, if any."""
        return None

    def events(self) -> int:
        return selectors.EVENT_READ

    def condition(self) -> threading.Condition | None:
        """A condition notified when `ready()` may have changed (another thread's work)."""
        return None

    def close(self) -> None:
        pass


class Ready(Pollable):
    """Always ready (streams that never block, errors to report)."""


class Timer(Pollable):
    """Ready once `clock` reaches `deadline_ns`."""

    def __init__(self, clock: Clock, deadline_ns: int) -> None:
        self._clock = clock
        self._deadline = deadline_ns

    def ready(self) -> bool:
        return self._clock.monotonic_ns() >= self._deadline

    def deadline(self) -> int | None:
        return self._deadline

    def clock(self) -> Clock | None:
        return self._clock


class FdReady(Pollable):
    """Ready when the host descriptor `fd` is readable (or writable, `write=True`)."""

    def __init__(self, fd: int, write: bool = False) -> None:
        self._fd = fd
        self._events = selectors.EVENT_WRITE if write else selectors.EVENT_READ

    def ready(self) -> bool:
        with selectors.DefaultSelector() as sel:
            sel.register(self._fd, self._events)
            return bool(sel.select(0))

    def fileno(self) -> int | None:
        return self._fd

    def events(self) -> int:
        return self._events


class Waiting(Pollable):
    """Ready when `test()` holds; whoever changes its answer notifies `cond`."""

    def __init__(self, cond: threading.Condition, test: Callable[[], bool]) -> None:
        self._cond = cond
        self._test = test

    def ready(self) -> bool:
        return self._test()

    def condition(self) -> threading.Condition | None:
        return self._cond


def poll(pollables: Sequence[Pollable]) -> list[int]:
    """The indices of the ready pollables, waiting until there is at least one."""
    if not pollables:
        raise PollError("poll: the list of pollables is empty")
    if len(pollables) > MAX_POLL:
        raise PollError(f"poll: {len(pollables)} pollables, more than the {MAX_POLL} witgen allows")
    while True:
        ready = [i for i, p in enumerate(pollables) if p.ready()]
        if ready:
            return ready
        _wait(pollables)


def _wait(pollables: Sequence[Pollable]) -> None:
    """Sleep until one of `pollables` may have become ready: the nearest timer, a descriptor
    event, or a condition's notification. With several kinds of wake-up at once, waits are cut
    into slices of `SLICE` seconds so that none is missed for long.

    A guest call with a deadline (`Limits.deadline`) stops waiting when it passes: the store's
    epoch interrupts wasm, not a host function sleeping on the guest's behalf."""
    timers = [
        (d, clock) for p in pollables if (d := p.deadline()) is not None and (clock := p.clock()) is not None
    ]
    fds = [p for p in pollables if p.fileno() is not None]
    conds = [cond for p in pollables if (cond := p.condition()) is not None]
    nearest = min(timers, key=lambda t: t[0]) if timers else None
    until = call_deadline()
    left = None if until is None else until - time.monotonic()
    if left is not None and left <= 0:
        raise Timeout(f"{DEADLINE_PASSED}, waiting in wasi:io/poll")
    if not fds and not conds:
        if nearest is None:
            raise PollError("poll: none of the pollables can ever become ready")
        if left is not None and (nearest[0] - nearest[1].monotonic_ns()) / 1e9 > left:
            time.sleep(left)  # the call's deadline comes first
            return
        nearest[1].sleep_until(nearest[0])
        return
    timeout = None if nearest is None else max(0.0, (nearest[0] - nearest[1].monotonic_ns()) / 1e9)
    if left is not None:
        timeout = left if timeout is None else min(timeout, left)
    if (fds and conds) or len(conds) > 1:
        timeout = SLICE if timeout is None else min(timeout, SLICE)
    if fds:
        events: dict[int, int] = {}
        for p in fds:
            fd = p.fileno()
            if fd is not None:
                events[fd] = events.get(fd, 0) | p.events()
        with selectors.DefaultSelector() as sel:
            for fd, wanted in events.items():
                sel.register(fd, wanted)
            sel.select(timeout)
        return
    with conds[0]:
        if not any(p.ready() for p in pollables):
            conds[0].wait(timeout)
