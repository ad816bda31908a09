"""`witgen.wasi`'s pollables, clocks and randomness (no guest needed: the WASI layer hands
these objects to guests as they are)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from witgen.wasi.clocks import FakeClock, SystemClock
from witgen.wasi.poll import FdReady, Pollable, PollError, Ready, Timer, Waiting, poll
from witgen.wasi.random import SeededRandom, SystemRandom


def test_poll_returns_every_ready_index() -> None:
    clock = FakeClock()
    later = Timer(clock, 10**9)
    assert poll([later, Ready(), Ready()]) == [1, 2]
    assert clock.monotonic_ns() == 0  # nothing waited


def test_a_fake_clock_jumps_to_the_deadline() -> None:
    clock = FakeClock()
    start = time.monotonic()
    assert poll([Timer(clock, 3600 * 10**9), Timer(clock, 7200 * 10**9)]) == [0]
    assert clock.monotonic_ns() == 3600 * 10**9 and time.monotonic() - start < 1
    assert clock.wall_ns() == clock.wall_start_ns + 3600 * 10**9


def test_a_real_timer_really_waits() -> None:
    clock = SystemClock()
    start = clock.monotonic_ns()
    timer = Timer(clock, start + 30_000_000)
    assert not timer.ready()
    timer.block()
    assert clock.monotonic_ns() - start >= 30_000_000 and timer.ready()


def test_a_descriptor_wakes_the_poll() -> None:
    r, w = os.pipe()
    try:
        threading.Timer(0.03, lambda: os.write(w, b"x")).start()
        start = time.monotonic()
        far = Timer(SystemClock(), time.monotonic_ns() + 10 * 10**9)
        assert poll([far, FdReady(r)]) == [1]
        assert 0.02 < time.monotonic() - start < 5
        assert FdReady(w, write=True).ready()
    finally:
        os.close(r)
        os.close(w)


def test_a_condition_wakes_the_poll() -> None:
    cond = threading.Condition()
    box: list[int] = []

    def produce() -> None:
        with cond:
            box.append(1)
            cond.notify_all()

    threading.Timer(0.03, produce).start()
    assert poll([Waiting(cond, lambda: bool(box))]) == [0]


def test_polls_that_cannot_work_are_errors_not_hangs() -> None:
    with pytest.raises(PollError, match="empty"):
        poll([])

    class Never(Pollable):
        def ready(self) -> bool:
            return False

    with pytest.raises(PollError, match="can ever become ready"):
        poll([Never()])
    with pytest.raises(PollError, match="more than"):
        poll([Ready()] * (1 << 16 + 1))


def test_randomness() -> None:
    a, b = SeededRandom(7), SeededRandom(7)
    assert a.secure(16) == b.secure(16) and a.seed() == b.seed()
    assert SeededRandom(8).secure(16) != SeededRandom(7).secure(16)
    system = SystemRandom()
    assert len(system.secure(32)) == 32 and system.secure(32) != system.secure(32)
    assert system.seed() == system.seed()
