"""`wasi:sockets/ip-name-lookup`: IP literals parse without a policy, names resolve only when
the policy names them, and a resolved name's addresses are what its patterns then cover."""

from __future__ import annotations

import socket

import pytest

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import ErrorCode, IpAddress_Ipv4, IpAddress_Ipv6, IpAddressFamily
from witgen.wasi.policy import Network
from witgen.wasi.sockets import lookup, network

from .sockets_util import EchoServer, code, sockets, until, v4, wait


def addresses(stream) -> list[object]:  # type: ignore[no-untyped-def]
    found = []
    while (address := until(stream.resolve_next_address, stream.subscribe())) is not None:
        found.append(address)
    return found


def test_ip_literals_parse_without_any_grant() -> None:
    s = sockets(Network())
    assert addresses(s.lookup.resolve_addresses(s.network, "127.0.0.1")) == [IpAddress_Ipv4((127, 0, 0, 1))]
    assert addresses(s.lookup.resolve_addresses(s.network, "[::1]")) == [
        IpAddress_Ipv6((0, 0, 0, 0, 0, 0, 0, 1))
    ]
    mapped = s.lookup.resolve_addresses(s.network, "::ffff:10.1.2.3")
    assert addresses(mapped) == [IpAddress_Ipv4((10, 1, 2, 3))]  # never an IPv4-mapped address


def test_names_resolve_only_when_the_policy_names_them() -> None:
    s = sockets(Network(allow=["127.0.0.1:*"]))
    assert code(s.lookup.resolve_addresses, s.network, "localhost") == ErrorCode.ACCESS_DENIED
    assert code(s.lookup.resolve_addresses, s.network, "example.com") == ErrorCode.ACCESS_DENIED
    for policy in (
        Network(allow=["localhost:*"]),
        Network(allow=["LocalHost.:80"]),
        Network(allow=["*:443"]),
    ):
        s = sockets(policy)
        stream = s.lookup.resolve_addresses(s.network, "localhost")
        wait(stream.subscribe())
        found = addresses(stream)
        assert IpAddress_Ipv4((127, 0, 0, 1)) in found
        assert stream.resolve_next_address() is None


def test_malformed_names_are_invalid() -> None:
    s = sockets(Network(allow=["*:*"]))
    for name in ("", "bad name", "-lead.example", "a..b", "x" * 64 + ".com", "a." * 130 + "com"):
        assert code(s.lookup.resolve_addresses, s.network, name) == ErrorCode.INVALID_ARGUMENT, name
    assert code(s.lookup.resolve_addresses, object(), "localhost") == ErrorCode.INVALID_ARGUMENT


def test_a_name_pattern_covers_the_addresses_the_guest_resolved() -> None:
    server = EchoServer()
    try:
        s = sockets(Network(allow=[f"localhost:{server.port}"]))
        sock = s.tcp.create_tcp_socket(IpAddressFamily.IPV4)
        assert code(sock.start_connect, s.network, v4(server.port)) == ErrorCode.ACCESS_DENIED
        addresses(s.lookup.resolve_addresses(s.network, "localhost"))
        sock.start_connect(s.network, v4(server.port))
        until(sock.finish_connect, sock.subscribe())
        other = s.tcp.create_tcp_socket(IpAddressFamily.IPV4)
        assert code(other.start_connect, s.network, v4(server.port + 1)) == ErrorCode.ACCESS_DENIED
    finally:
        server.close()


def test_resolver_failures_become_error_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    for gai, expected in [
        (socket.EAI_NONAME, ErrorCode.NAME_UNRESOLVABLE),
        (socket.EAI_AGAIN, ErrorCode.TEMPORARY_RESOLVER_FAILURE),
        (socket.EAI_FAIL, ErrorCode.PERMANENT_RESOLVER_FAILURE),
    ]:

        def fail(*args: object, gai: int = gai, **kwargs: object) -> object:
            raise socket.gaierror(gai, "resolver says no")

        monkeypatch.setattr(socket, "getaddrinfo", fail)
        s = sockets(Network(allow=["*:*"]))
        stream = s.lookup.resolve_addresses(s.network, "nowhere.invalid")
        with pytest.raises(Err) as failed:
            until(stream.resolve_next_address, stream.subscribe())
        assert failed.value.value == expected


def test_a_lookup_that_never_ends_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup, "LOOKUP_TIMEOUT", 0.05)
    monkeypatch.setattr(lookup, "_resolve", lambda net, name, stream: None)  # never finishes
    s = sockets(Network(allow=["*:*"]))
    stream = s.lookup.resolve_addresses(s.network, "slow.example")
    assert code(stream.resolve_next_address) == ErrorCode.WOULD_BLOCK
    wait(stream.subscribe(), seconds=2)
    assert code(stream.resolve_next_address) == ErrorCode.TIMEOUT


def test_lookups_count_against_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup, "_resolve", lambda net, name, stream: None)  # in flight forever
    s = sockets(Network(allow=["*:*"], max_sockets=1))
    s.lookup.resolve_addresses(s.network, "one.example")
    assert code(s.lookup.resolve_addresses, s.network, "two.example") == ErrorCode.OUT_OF_MEMORY
    assert code(s.tcp.create_tcp_socket, IpAddressFamily.IPV4) == ErrorCode.NEW_SOCKET_LIMIT
    s = sockets(Network(allow=["*:*"]))
    for i in range(network.MAX_LOOKUPS):
        s.lookup.resolve_addresses(s.network, f"n{i}.example")
    assert code(s.lookup.resolve_addresses, s.network, "one-more.example") == ErrorCode.OUT_OF_MEMORY
    s.tcp.create_tcp_socket(IpAddressFamily.IPV4)  # sockets are still there
