"""`witgen.wasi.Wasi`, the policy: denied unless granted, and checked when made."""

from __future__ import annotations

from pathlib import Path

import pytest

from witgen.runtime.errors import Trap
from witgen.wasi.fs.memory import MemoryTree
from witgen.wasi.policy import Exit, Network, Preopen, Wasi
from witgen.wasi.poll import PollError


def test_nothing_is_granted_by_default() -> None:
    wasi = Wasi()
    assert (wasi.stdin, wasi.stdout, wasi.stderr) == (None, None, None)
    assert wasi.preopens == () and not wasi.network.permits("127.0.0.1", 80)
    inherit = Wasi.inherit()
    assert (inherit.stdin, inherit.stdout, inherit.stderr) == ("inherit", "inherit", "inherit")
    assert inherit.preopens == () and not inherit.network.permits("localhost", 8080)


def test_network_patterns() -> None:
    net = Network(allow=["127.0.0.1:*", "*:443", "Example.com:80".lower()])
    assert net.permits("127.0.0.1", 1) and net.permits("anything.org", 443) and net.permits("EXAMPLE.com", 80)
    assert not net.permits("example.com", 81) and not net.permits("10.0.0.1", 80)


def test_bad_policies_are_refused_when_made(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="args"):
        Wasi(args="prog --flag")
    with pytest.raises(TypeError, match="env"):
        Wasi(env={"A": 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="not a directory"):
        Preopen(tmp_path / "missing", "/data")
    with pytest.raises(ValueError, match="guest_path"):
        Preopen(MemoryTree(), "")
    Preopen(tmp_path, "/data", read_only=True)


def test_guest_misbehaviour_is_a_trap_and_exit_carries_its_code() -> None:
    assert issubclass(PollError, Trap)
    assert Exit(3).code == 3 and "status 3" in str(Exit(3))
