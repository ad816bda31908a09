"""`wasi:sockets/udp` hosts driven as a guest would, against real UDP sockets on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from witgen.runtime.errors import Trap
from witgen.wasi.bindings.imports.network import ErrorCode, IpAddressFamily
from witgen.wasi.bindings.imports.udp import OutgoingDatagram
from witgen.wasi.policy import Network
from witgen.wasi.sockets.addresses import from_sockaddr

from .sockets_util import code, sockets, v4, v6, wait

IPV4 = IpAddressFamily.IPV4


@pytest.fixture
def peer() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


def bound(network: Network):  # type: ignore[no-untyped-def]
    s = sockets(network)
    udp = s.udp.create_udp_socket(IPV4)
    udp.start_bind(s.network, v4(0))
    udp.finish_bind()
    return s, udp


def send(out, *datagrams: OutgoingDatagram) -> int:  # type: ignore[no-untyped-def]
    wait(out.subscribe())
    assert out.check_send() >= len(datagrams)
    return int(out.send(list(datagrams)))


def test_a_round_trip_with_an_allowed_peer(peer: socket.socket) -> None:
    port = peer.getsockname()[1]
    s, udp = bound(Network(allow=[f"127.0.0.1:{port}"], bind=["127.0.0.1:*"]))
    local = udp.local_address()
    assert local.value.address == (127, 0, 0, 1) and local.value.port != 0
    incoming, outgoing = udp.stream(None)
    assert code(udp.remote_address) == ErrorCode.INVALID_STATE
    assert send(outgoing, OutgoingDatagram(b"hello", v4(port)), OutgoingDatagram(b"again", v4(port))) == 2
    data, source = peer.recvfrom(100)
    assert data == b"hello" and source == ("127.0.0.1", local.value.port)
    assert peer.recvfrom(100)[0] == b"again"
    assert incoming.receive(10) == []  # nothing yet, and never would-block
    peer.sendto(b"reply", source)
    wait(incoming.subscribe())
    [datagram] = incoming.receive(10)
    assert datagram.data == b"reply" and datagram.remote_address == v4(port)


def test_a_stream_to_one_peer_sends_there_and_hears_only_it(peer: socket.socket) -> None:
    port = peer.getsockname()[1]
    s, udp = bound(Network(allow=["127.0.0.1:*"], bind=["127.0.0.1:*"]))
    incoming, outgoing = udp.stream(v4(port))
    assert udp.remote_address() == v4(port)
    assert send(outgoing, OutgoingDatagram(b"to the peer", None)) == 1
    assert peer.recv(100) == b"to the peer"
    assert outgoing.check_send() > 0
    assert code(outgoing.send, [OutgoingDatagram(b"x", v4(port + 1))]) == ErrorCode.INVALID_ARGUMENT
    me = from_sockaddr(peer.getsockname()).value
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        stranger.sendto(b"from a stranger", ("127.0.0.1", udp.local_address().value.port))
        peer.sendto(b"from the peer", ("127.0.0.1", udp.local_address().value.port))
        wait(incoming.subscribe())
        got = []
        for _ in range(100):
            got += incoming.receive(10)
            if got:
                break
            wait(incoming.subscribe())
    assert [d.data for d in got] == [b"from the peer"] and got[0].remote_address.value == me


def test_udp_is_denied_unless_allowed(peer: socket.socket) -> None:
    port = peer.getsockname()[1]
    s = sockets(Network(bind=["10.0.0.0/8:*"]))
    udp = s.udp.create_udp_socket(IPV4)
    assert code(udp.start_bind, s.network, v4(0)) == ErrorCode.ACCESS_DENIED
    s, udp = bound(Network(allow=[f"127.0.0.1:{port + 1}"], bind=["127.0.0.1:*"]))
    assert code(udp.stream, v4(port)) == ErrorCode.ACCESS_DENIED
    _, outgoing = udp.stream(None)
    outgoing.check_send()
    assert code(outgoing.send, [OutgoingDatagram(b"no", v4(port))]) == ErrorCode.ACCESS_DENIED
    peer.settimeout(0.05)
    with pytest.raises(TimeoutError):
        peer.recv(10)


def test_a_client_port_hears_only_the_peers_it_may_reach(peer: socket.socket) -> None:
    port = peer.getsockname()[1]
    s, udp = bound(Network(allow=[f"127.0.0.1:{port}"]))  # no bind pattern: a client
    incoming, outgoing = udp.stream(None)
    assert send(outgoing, OutgoingDatagram(b"hi", v4(port))) == 1
    data, me = peer.recvfrom(10)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        stranger.sendto(b"from a stranger", me)
        peer.sendto(b"from the peer", me)
        got: list[bytes] = []
        while not got:
            wait(incoming.subscribe())
            got += [d.data for d in incoming.receive(10)]
    assert got == [b"from the peer"]
    assert incoming.receive(10) == []  # the stranger's datagram was dropped


def test_sending_needs_a_permit(peer: socket.socket) -> None:
    port = peer.getsockname()[1]
    s, udp = bound(Network(allow=["127.0.0.1:*"], bind=["127.0.0.1:*"]))
    _, outgoing = udp.stream(v4(port))
    with pytest.raises(Trap, match="check-send"):
        outgoing.send([OutgoingDatagram(b"x", None)])
    permit = outgoing.check_send()
    with pytest.raises(Trap):
        outgoing.send([OutgoingDatagram(b"x", None)] * (permit + 1))
    assert outgoing.send([]) == 0
    assert code(outgoing.send, [OutgoingDatagram(bytes(65508), None)]) == ErrorCode.DATAGRAM_TOO_LARGE
    # the first failure is an error; after a datagram went, the rest are dropped quietly
    assert outgoing.send([OutgoingDatagram(b"ok", None), OutgoingDatagram(bytes(70000), None)]) == 1
    assert peer.recv(10) == b"ok"


def test_udp_methods_in_the_wrong_state_and_bad_arguments() -> None:
    s = sockets(Network(allow=["*:*"], bind=["*:*"]))
    udp = s.udp.create_udp_socket(IPV4)
    assert code(udp.finish_bind) == ErrorCode.NOT_IN_PROGRESS
    assert code(udp.stream, None) == ErrorCode.INVALID_STATE
    assert code(udp.local_address) == ErrorCode.INVALID_STATE
    assert code(udp.start_bind, s.network, v6(0)) == ErrorCode.INVALID_ARGUMENT
    udp.start_bind(s.network, v4(0))
    assert code(udp.start_bind, s.network, v4(0)) == ErrorCode.CONCURRENCY_CONFLICT
    udp.finish_bind()
    assert code(udp.start_bind, s.network, v4(0)) == ErrorCode.INVALID_STATE
    for remote in (v4(0), v4(53, (0, 0, 0, 0)), v6(53)):
        assert code(udp.stream, remote) == ErrorCode.INVALID_ARGUMENT
    old_in, old_out = udp.stream(None)
    udp.stream(v4(9))
    assert code(old_in.receive, 1) == ErrorCode.INVALID_STATE  # only the latest pair works
    assert code(old_out.check_send) == ErrorCode.INVALID_STATE
    _, outgoing = udp.stream(None)
    outgoing.check_send()
    assert code(outgoing.send, [OutgoingDatagram(b"x", None)]) == ErrorCode.INVALID_ARGUMENT  # no destination
    assert code(udp.set_unicast_hop_limit, 0) == ErrorCode.INVALID_ARGUMENT
    udp.set_unicast_hop_limit(9)
    assert udp.unicast_hop_limit() == 9
    udp.set_receive_buffer_size(8192)
    assert udp.receive_buffer_size() >= 8192 and udp.send_buffer_size() > 0
    assert udp.address_family() == IPV4 and udp.subscribe().ready()


def test_receive_is_bounded_by_max_results(peer: socket.socket) -> None:
    s, udp = bound(Network(bind=["127.0.0.1:*"]))
    incoming, _ = udp.stream(None)
    target = ("127.0.0.1", udp.local_address().value.port)
    for i in range(5):
        peer.sendto(bytes([i]), target)
    wait(incoming.subscribe())
    got = incoming.receive(0)
    assert got == []
    while len(got) < 5:
        wait(incoming.subscribe())
        batch = incoming.receive(2)
        assert len(batch) <= 2
        got += batch
    assert [d.data for d in got] == [bytes([i]) for i in range(5)]


def test_the_streams_keep_the_socket_open() -> None:
    s, udp = bound(Network(bind=["127.0.0.1:*"], max_sockets=1))
    incoming, outgoing = udp.stream(None)
    host = udp._sock
    udp.close()
    assert incoming.receive(1) == []
    incoming.close()
    outgoing.close()
    assert host.fileno() == -1
    s.udp.create_udp_socket(IPV4)


def test_an_ipv6_round_trip_on_the_loopback() -> None:
    peer = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        peer.bind(("::1", 0))
    except OSError:
        peer.close()
        pytest.skip("no IPv6 loopback here")
    with peer:
        peer.settimeout(5)
        port = peer.getsockname()[1]
        s = sockets(Network(allow=[f"[::1]:{port}"]))
        udp = s.udp.create_udp_socket(IpAddressFamily.IPV6)
        assert code(udp.start_bind, s.network, v4(0)) == ErrorCode.INVALID_ARGUMENT
        udp.start_bind(s.network, v6(0, (0,) * 8))  # `::`, an ephemeral port: a client
        udp.finish_bind()
        incoming, outgoing = udp.stream(v6(port))
        assert send(outgoing, OutgoingDatagram(b"six", None)) == 1
        data, source = peer.recvfrom(10)
        peer.sendto(data[::-1], source)
        wait(incoming.subscribe())
        [datagram] = incoming.receive(1)
        assert datagram.data == b"xis" and datagram.remote_address == v6(port)
