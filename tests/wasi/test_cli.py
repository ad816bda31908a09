"""wasi:cli, clocks and random hosts, called as a guest would through the bindings' Protocols."""

from __future__ import annotations

import io

import pytest

from witgen.runtime.errors import Trap
from witgen.runtime.types import Err, Ok
from witgen.wasi.clocks import FakeClock
from witgen.wasi.link import Session, provides
from witgen.wasi.policy import Exit, Wasi
from witgen.wasi.random import MAX_RANDOM_BYTES, SeededRandom


def _session(**policy: object) -> Session:
    return Session(Wasi(**policy))  # type: ignore[arg-type]


def test_environment_arguments_and_cwd_are_the_policys() -> None:
    env = _session(args=["app", "-v"], env={"A": "1"}, initial_cwd="/data").host("wasi:cli/environment")
    assert env.get_arguments() == ["app", "-v"]  # type: ignore[attr-defined]
    assert env.get_environment() == [("A", "1")]  # type: ignore[attr-defined]
    assert env.initial_cwd() == "/data"  # type: ignore[attr-defined]


def test_exit_raises_exit_with_the_code() -> None:
    exit_ = _session().host("wasi:cli/exit")
    for call, code in [
        (lambda: exit_.exit(Ok(None)), 0),
        (lambda: exit_.exit(Err(None)), 1),  # type: ignore[attr-defined]
        (lambda: exit_.exit_with_code(42), 42),
    ]:  # type: ignore[attr-defined]
        with pytest.raises(Exit) as info:
            call()
        assert info.value.code == code


def test_stdio_goes_where_the_policy_says() -> None:
    captured = bytearray()
    seen: list[bytes] = []
    session = _session(stdin=b"typed", stdout=captured, stderr=seen.append)
    out = session.host("wasi:cli/stdout").get_stdout()  # type: ignore[attr-defined]
    out.blocking_write_and_flush(b"to stdout")
    err = session.host("wasi:cli/stderr").get_stderr()  # type: ignore[attr-defined]
    err.blocking_write_and_flush(b"to stderr")
    first = session.host("wasi:cli/stdin").get_stdin()  # type: ignore[attr-defined]
    assert first.read(2) == b"ty"
    again = session.host("wasi:cli/stdin").get_stdin()  # type: ignore[attr-defined]
    assert again.blocking_read(10) == b"ped"  # one input, however many streams over it
    assert captured == b"to stdout" and seen == [b"to stderr"]
    # denied stdio: output vanishes, input is at its end
    quiet = _session()
    quiet.host("wasi:cli/stdout").get_stdout().blocking_write_and_flush(b"x")  # type: ignore[attr-defined]
    with pytest.raises(Err):
        quiet.host("wasi:cli/stdin").get_stdin().read(1)  # type: ignore[attr-defined]
    assert quiet.host("wasi:cli/terminal-stdout").get_terminal_stdout() is None  # type: ignore[attr-defined]


def test_stdio_to_a_binary_file() -> None:
    file = io.BytesIO()
    _session(stdout=file).host("wasi:cli/stdout").get_stdout().blocking_write_and_flush(b"abc")  # type: ignore[attr-defined]
    assert file.getvalue() == b"abc"


def test_clocks_follow_the_policys_clock_and_their_pollables_wait() -> None:
    clock = FakeClock()
    session = _session(clock=clock)
    mono = session.host("wasi:clocks/monotonic-clock")
    wall = session.host("wasi:clocks/wall-clock")
    start = mono.now()  # type: ignore[attr-defined]
    timer = mono.subscribe_duration(1_000)  # type: ignore[attr-defined]
    assert not timer.ready()
    clock.advance(999)
    assert not timer.ready()
    clock.advance(1)
    assert timer.ready() and mono.now() == start + 1_000  # type: ignore[attr-defined]
    timer = mono.subscribe_instant(start + 5_000)  # type: ignore[attr-defined]
    session.host("wasi:io/poll").poll([timer])  # type: ignore[attr-defined]  # FakeClock's sleep advances it
    assert mono.now() >= start + 5_000  # type: ignore[attr-defined]
    now = wall.now()  # type: ignore[attr-defined]
    assert now.seconds * 10**9 + now.nanoseconds == clock.wall_ns()


def test_random_is_the_policys_and_bounded() -> None:
    one = _session(random=SeededRandom(7)).host("wasi:random/random")
    two = _session(random=SeededRandom(7)).host("wasi:random/random")
    assert one.get_random_bytes(16) == two.get_random_bytes(16)  # type: ignore[attr-defined]
    assert len(one.get_random_bytes(0)) == 0  # type: ignore[attr-defined]
    assert 0 <= one.get_random_u64() < 2**64  # type: ignore[attr-defined]
    with pytest.raises(Trap, match="at most"):
        one.get_random_bytes(MAX_RANDOM_BYTES + 1)  # type: ignore[attr-defined]
    seed = _session(random=SeededRandom(7)).host("wasi:random/insecure-seed")
    assert seed.insecure_seed() == seed.insecure_seed()  # type: ignore[attr-defined]


def test_what_link_provides() -> None:
    assert provides("wasi:io/streams@0.2.0") and provides("wasi:cli/stdout@0.2.12")
    assert not provides("wasi:io/streams@0.3.0")  # 0.3 is async: not this WASI
    assert not provides("wasi:io/streams") and not provides("wasi:nn/tensor@0.2.0")
