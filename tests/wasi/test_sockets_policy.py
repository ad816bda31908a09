"""`Network`, the sockets' policy: remote patterns, bind patterns, name lookups, checked when made."""

from __future__ import annotations

import pytest

from witgen.wasi.policy import Network


def test_remote_patterns_compare_addresses_canonically() -> None:
    net = Network(allow=["[::1]:80", "10.0.0.0/8:*", "[fd00::/8]:53", "Example.COM.:443"])
    assert net.permits("::1", 80) and net.permits("0:0:0::1", 80) and not net.permits("::1", 81)
    assert net.permits("10.200.3.4", 1) and not net.permits("11.0.0.1", 1)
    assert net.permits("fd12::1", 53) and not net.permits("fe80::1", 53)
    assert net.permits("example.com", 443) and net.permits("EXAMPLE.com.", 443)
    assert not net.permits("10.0.0.1.example", 1)


def test_bind_patterns_are_separate() -> None:
    net = Network(allow=["*:*"], bind=["127.0.0.1:0", "0.0.0.0:8080"])
    assert not net.permits_bind("10.0.0.1", 80)
    assert net.permits_bind("127.0.0.1", 0) and not net.permits_bind("127.0.0.1", 9000)
    assert net.permits_bind("0.0.0.0", 8080)
    assert not Network(allow=["*:*"]).permits_bind("127.0.0.1", 0)


def test_names_may_be_resolved_when_an_allow_pattern_names_them() -> None:
    net = Network(allow=["example.com:443", "10.0.0.1:80"], bind=["*:*"])
    assert net.permits_name("example.com") and net.permits_name("Example.com.")
    assert not net.permits_name("example.org") and not net.permits_name("10.0.0.2")
    assert Network(allow=["*:80"]).permits_name("anything.example")
    assert not Network(bind=["*:*"]).permits_name("localhost")


@pytest.mark.parametrize("pattern", ["example.com", ":80", "host:http", "host:70000", "10.0.0.0/33:*"])
def test_malformed_patterns_are_refused_when_made(pattern: str) -> None:
    with pytest.raises(ValueError, match="Network"):
        Network(allow=[pattern])
    with pytest.raises(ValueError, match="Network"):
        Network(bind=[pattern])
