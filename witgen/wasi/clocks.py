"""Where WASI's time comes from: the host's clocks, or a fake one for deterministic tests."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

from witgen.wasi.bindings.imports.wall_clock import Datetime
from witgen.wasi.poll import Pollable, Timer

if TYPE_CHECKING:
    from witgen.wasi.link import Session


class Clock(Protocol):
    """Monotonic and wall time in nanoseconds, and waiting on the monotonic one."""

    resolution_ns: int

    def monotonic_ns(self) -> int: ...

    def wall_ns(self) -> int:
        """Nanoseconds since the Unix epoch."""
        ...

    def sleep_until(self, deadline_ns: int) -> None:
        """Return once `monotonic_ns()` has reached `deadline_ns`."""
        ...


class SystemClock:
    """The host's clocks; waiting really waits."""

    resolution_ns = 1

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()

    def wall_ns(self) -> int:
        return time.time_ns()

    def sleep_until(self, deadline_ns: int) -> None:
        while (left := deadline_ns - time.monotonic_ns()) > 0:
            time.sleep(left / 1e9)


class FakeClock:
    """Time that moves only when the guest waits (to exactly the deadline) or the test calls
    `advance`: a guest sleeping an hour returns at once, and every run sees the same times."""

    resolution_ns = 1

    def __init__(self, wall_start_ns: int = 1_700_000_000 * 10**9) -> None:
        self.now_ns = 0
        self.wall_start_ns = wall_start_ns

    def monotonic_ns(self) -> int:
        return self.now_ns

    def wall_ns(self) -> int:
        return self.wall_start_ns + self.now_ns

    def sleep_until(self, deadline_ns: int) -> None:
        self.now_ns = max(self.now_ns, deadline_ns)

    def advance(self, ns: int) -> None:
        self.now_ns += ns


class MonotonicClockHost:
    """`wasi:clocks/monotonic-clock` on the policy's clock: its pollables really wait."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> int:
        return self._clock.monotonic_ns()

    def resolution(self) -> int:
        return self._clock.resolution_ns

    def subscribe_instant(self, when: int) -> Pollable:
        return Timer(self._clock, when)

    def subscribe_duration(self, when: int) -> Pollable:
        return Timer(self._clock, self._clock.monotonic_ns() + when)


class WallClockHost:
    """`wasi:clocks/wall-clock`."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> Datetime:
        seconds, nanoseconds = divmod(self._clock.wall_ns(), 10**9)
        return Datetime(seconds=seconds, nanoseconds=nanoseconds)

    def resolution(self) -> Datetime:
        seconds, nanoseconds = divmod(self._clock.resolution_ns, 10**9)
        return Datetime(seconds=seconds, nanoseconds=nanoseconds)


def hosts(session: Session) -> dict[str, object]:
    clock = session.policy.clock
    return {
        "wasi:clocks/monotonic-clock": MonotonicClockHost(clock),
        "wasi:clocks/wall-clock": WallClockHost(clock),
    }
