"""`wasi:sockets/tcp` hosts driven as a guest would, against real sockets on 127.0.0.1."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import ErrorCode, IpAddressFamily
from witgen.wasi.bindings.imports.streams import StreamError_Closed
from witgen.wasi.bindings.imports.tcp import ShutdownType
from witgen.wasi.policy import Network
from witgen.wasi.poll import poll
from witgen.wasi.sockets.addresses import from_sockaddr
from witgen.wasi.sockets.tcp import State

from .sockets_util import EchoServer, Sockets, code, free_port, sockets, until, v4, v6, wait

IPV4 = IpAddressFamily.IPV4


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.close()


def connect(s: Sockets, port: int):  # type: ignore[no-untyped-def]
    sock = s.tcp.create_tcp_socket(IPV4)
    sock.start_connect(s.network, v4(port))
    streams = until(sock.finish_connect, sock.subscribe())
    return sock, *streams


def send_all(out, data: bytes) -> None:  # type: ignore[no-untyped-def]
    view = memoryview(data)
    while view:
        permit = out.check_write()
        if not permit:
            wait(out.subscribe())
            continue
        out.write(view[:permit])
        view = view[permit:]
    out.blocking_flush()


def receive(inp, size: int) -> bytes:  # type: ignore[no-untyped-def]
    got = b""
    while len(got) < size:
        wait(inp.subscribe())
        got += inp.read(size - len(got))
    return got


def test_a_connection_the_policy_allows_echoes(echo: EchoServer) -> None:
    s = sockets(Network(allow=[f"127.0.0.1:{echo.port}"]))
    sock, inp, out = connect(s, echo.port)
    assert sock.state == State.CONNECTED and not sock.is_listening()
    assert sock.remote_address() == v4(echo.port)
    local = sock.local_address()
    payload = bytes(range(256)) * 1000  # 256 KB: several permits and partial sends
    send_all(out, payload)
    assert receive(inp, len(payload)) == payload
    assert echo.peers == [("127.0.0.1", local.value.port)]  # the server saw our local address
    assert code(sock.finish_connect) == ErrorCode.NOT_IN_PROGRESS
    assert code(sock.start_connect, s.network, v4(echo.port)) == ErrorCode.INVALID_STATE


def test_an_explicitly_bound_client_connects_through_any_handle_of_its_network(echo: EchoServer) -> None:
    s = sockets(Network(allow=[f"127.0.0.1:{echo.port}"]))
    sock = s.tcp.create_tcp_socket(IPV4)
    sock.start_bind(s.network, v4(0))  # an ephemeral port: no bind pattern needed
    sock.finish_bind()
    port = sock.local_address().value.port
    sock.start_connect(s.instance.instance_network(), v4(echo.port))
    until(sock.finish_connect, sock.subscribe())
    assert sock.local_address().value.port == port
    deadline = time.monotonic() + 5
    while not echo.peers and time.monotonic() < deadline:
        time.sleep(0.01)
    assert echo.peers == [("127.0.0.1", port)]


def test_connecting_is_denied_unless_allowed(echo: EchoServer) -> None:
    for policy in (Network(), Network(allow=[f"127.0.0.1:{echo.port + 1}", "10.0.0.0/8:*"])):
        s = sockets(policy)
        sock = s.tcp.create_tcp_socket(IPV4)
        assert code(sock.start_connect, s.network, v4(echo.port)) == ErrorCode.ACCESS_DENIED
        assert sock.state == State.UNBOUND  # a refused start changes nothing
        sock.close()
    assert not echo.peers  # nothing reached the server
    s = sockets(Network(allow=["127.0.0.0/8:*"]))
    connect(s, echo.port)


def test_a_refused_connection_closes_the_socket() -> None:
    port = free_port()
    s = sockets(Network(allow=["127.0.0.1:*"]))
    sock = s.tcp.create_tcp_socket(IPV4)
    sock.start_connect(s.network, v4(port))
    assert code(until, sock.finish_connect, sock.subscribe()) == ErrorCode.CONNECTION_REFUSED
    assert sock.state == State.CLOSED
    assert code(sock.start_connect, s.network, v4(port)) == ErrorCode.INVALID_STATE
    assert code(sock.local_address) == ErrorCode.INVALID_STATE


def test_a_guest_listener_accepts_a_host_client() -> None:
    s = sockets(Network(bind=["127.0.0.1:*"]))
    listener = s.tcp.create_tcp_socket(IPV4)
    listener.set_listen_backlog_size(8)
    listener.start_bind(s.network, v4(0))
    listener.finish_bind()
    port = listener.local_address().value.port
    assert port != 0
    listener.start_listen()
    assert not listener.is_listening()
    listener.finish_listen()
    assert listener.is_listening()
    assert code(listener.accept) == ErrorCode.WOULD_BLOCK
    listener.set_listen_backlog_size(2**64 - 1)  # while listening: applied again, clamped
    pollable = listener.subscribe()
    assert not pollable.ready()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client_sock, inp, out = until(listener.accept, pollable)
        assert client_sock.state == State.CONNECTED and client_sock.address_family() == IPV4
        assert client_sock.remote_address() == from_sockaddr(client.getsockname())
        assert client_sock.local_address().value.port == port
        client.sendall(b"ping")
        assert receive(inp, 4) == b"ping"
        send_all(out, b"pong")
        assert client.recv(4) == b"pong"
        client_sock.shutdown(ShutdownType.SEND)
        assert client.recv(4) == b""  # the guest's FIN
        with pytest.raises(Err) as closed:
            out.check_write()
        assert isinstance(closed.value.value, StreamError_Closed)
    for resource in (inp, out, client_sock, listener):
        resource.close()


def test_listening_needs_a_bind_pattern_but_a_client_port_does_not() -> None:
    s = sockets(Network())
    sock = s.tcp.create_tcp_socket(IPV4)
    assert code(sock.start_bind, s.network, v4(0)) == ErrorCode.ACCESS_DENIED  # nothing granted at all
    s = sockets(Network(allow=["*:*"]))  # may reach anything, but listen nowhere
    sock = s.tcp.create_tcp_socket(IPV4)
    assert code(sock.start_bind, s.network, v4(8080)) == ErrorCode.ACCESS_DENIED
    assert sock.state == State.UNBOUND
    sock.start_bind(s.network, v4(0))  # an ephemeral port, as a client
    sock.finish_bind()
    assert code(sock.start_listen) == ErrorCode.ACCESS_DENIED
    assert sock.state == State.BOUND and not sock.is_listening()
    s = sockets(Network(bind=["127.0.0.1:8080"]))
    sock = s.tcp.create_tcp_socket(IPV4)
    assert code(sock.start_bind, s.network, v4(0)) == ErrorCode.ACCESS_DENIED
    assert code(sock.start_bind, s.network, v4(8080, (0, 0, 0, 0))) == ErrorCode.ACCESS_DENIED


def test_methods_in_the_wrong_state() -> None:
    s = sockets(Network(allow=["127.0.0.1:*"], bind=["127.0.0.1:*"]))
    sock = s.tcp.create_tcp_socket(IPV4)
    assert code(sock.finish_bind) == ErrorCode.NOT_IN_PROGRESS
    assert code(sock.finish_listen) == ErrorCode.NOT_IN_PROGRESS
    assert code(sock.finish_connect) == ErrorCode.NOT_IN_PROGRESS
    assert code(sock.start_listen) == ErrorCode.INVALID_STATE  # not bound
    assert code(sock.accept) == ErrorCode.INVALID_STATE
    assert code(sock.local_address) == ErrorCode.INVALID_STATE
    assert code(sock.remote_address) == ErrorCode.INVALID_STATE
    assert code(sock.shutdown, ShutdownType.BOTH) == ErrorCode.INVALID_STATE
    sock.start_bind(s.network, v4(0))
    assert code(sock.start_bind, s.network, v4(0)) == ErrorCode.CONCURRENCY_CONFLICT
    assert code(sock.start_connect, s.network, v4(1)) == ErrorCode.CONCURRENCY_CONFLICT
    assert code(sock.local_address) == ErrorCode.INVALID_STATE  # bind still in progress
    sock.finish_bind()
    assert code(sock.finish_bind) == ErrorCode.NOT_IN_PROGRESS
    assert code(sock.start_bind, s.network, v4(0)) == ErrorCode.INVALID_STATE
    sock.start_listen()
    assert code(sock.start_listen) == ErrorCode.CONCURRENCY_CONFLICT
    assert code(sock.accept) == ErrorCode.INVALID_STATE  # listen not finished
    sock.finish_listen()
    assert code(sock.start_listen) == ErrorCode.INVALID_STATE
    assert code(sock.start_connect, s.network, v4(1)) == ErrorCode.INVALID_STATE
    sock.close()


def test_bad_arguments_are_invalid() -> None:
    s = sockets(Network(allow=["*:*"], bind=["*:*"]))
    sock = s.tcp.create_tcp_socket(IPV4)
    for address in (
        v4(0),
        v4(80, (0, 0, 0, 0)),
        v6(80),
        v4(80, (224, 0, 0, 1)),
        v4(80, (255, 255, 255, 255)),
    ):
        assert code(sock.start_connect, s.network, address) == ErrorCode.INVALID_ARGUMENT
    assert code(sock.start_bind, s.network, v6(0)) == ErrorCode.INVALID_ARGUMENT
    six = s.tcp.create_tcp_socket(IpAddressFamily.IPV6)
    mapped = v6(80, (0, 0, 0, 0, 0, 0xFFFF, 0x7F00, 1))
    assert code(six.start_connect, s.network, mapped) == ErrorCode.INVALID_ARGUMENT
    assert code(sock.start_connect, object(), v4(80)) == ErrorCode.INVALID_ARGUMENT
    other = sockets(Network(allow=["*:*"], bind=["*:*"])).network
    sock.start_bind(s.network, v4(0))
    sock.finish_bind()
    assert code(sock.start_connect, other, v4(80)) == ErrorCode.INVALID_ARGUMENT
    assert sock.state == State.BOUND
    for setter in (
        sock.set_listen_backlog_size,
        sock.set_keep_alive_idle_time,
        sock.set_keep_alive_interval,
        sock.set_keep_alive_count,
        sock.set_hop_limit,
        sock.set_receive_buffer_size,
        sock.set_send_buffer_size,
    ):
        assert code(setter, 0) == ErrorCode.INVALID_ARGUMENT


def test_socket_options_round_trip() -> None:
    s = sockets(Network())
    sock = s.tcp.create_tcp_socket(IPV4)
    sock.set_keep_alive_enabled(True)
    assert sock.keep_alive_enabled()
    sock.set_keep_alive_idle_time(1)  # 1 ns rounds up to a second
    assert sock.keep_alive_idle_time() == 1_000_000_000
    sock.set_keep_alive_interval(10**18)  # clamped
    assert 0 < sock.keep_alive_interval() <= 32767 * 10**9
    sock.set_keep_alive_count(5)
    assert sock.keep_alive_count() == 5
    sock.set_hop_limit(7)
    assert sock.hop_limit() == 7
    sock.set_receive_buffer_size(2**64 - 1)  # clamped, never an error
    assert sock.receive_buffer_size() > 0
    sock.set_send_buffer_size(8192)
    assert sock.send_buffer_size() >= 8192
    assert sock.address_family() == IPV4
    assert s.tcp.create_tcp_socket(IpAddressFamily.IPV6).address_family() == IpAddressFamily.IPV6


def test_the_socket_budget() -> None:
    s = sockets(Network(max_sockets=2))
    first = s.tcp.create_tcp_socket(IPV4)
    s.udp.create_udp_socket(IPV4)
    assert code(s.tcp.create_tcp_socket, IPV4) == ErrorCode.NEW_SOCKET_LIMIT
    first.close()
    s.tcp.create_tcp_socket(IPV4)


def test_streams_outlive_their_socket_and_close_it_last(echo: EchoServer) -> None:
    s = sockets(Network(allow=["127.0.0.1:*"], max_sockets=1))
    sock, inp, out = connect(s, echo.port)
    host = sock._sock
    sock.close()
    send_all(out, b"still here")
    assert receive(inp, 10) == b"still here"
    inp.close()
    inp.close()  # a second drop counts once
    sock.close()
    assert host.fileno() != -1
    out.close()
    assert host.fileno() == -1
    s.tcp.create_tcp_socket(IPV4)  # the budget was given back


def test_shutdown_receive_ends_the_input_and_the_peer_closing_ends_it_too() -> None:
    s = sockets(Network(bind=["127.0.0.1:*"]))
    listener = s.tcp.create_tcp_socket(IPV4)
    listener.start_bind(s.network, v4(0))
    listener.finish_bind()
    listener.start_listen()
    listener.finish_listen()
    port = listener.local_address().value.port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        conn, inp, out = until(listener.accept, listener.subscribe())
        conn.shutdown(ShutdownType.RECEIVE)
        conn.shutdown(ShutdownType.RECEIVE)  # idempotent
        with pytest.raises(Err) as ended:
            inp.read(10)
        assert isinstance(ended.value.value, StreamError_Closed)
        send_all(out, b"one way")
        assert client.recv(7) == b"one way"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        conn, inp, out = until(listener.accept, listener.subscribe())
        client.sendall(b"bye")
    assert receive(inp, 3) == b"bye"
    wait(inp.subscribe())
    with pytest.raises(Err) as ended:
        inp.read(10)
    assert isinstance(ended.value.value, StreamError_Closed)


def test_a_peer_that_does_not_read_stops_the_writer() -> None:
    s = sockets(Network(bind=["127.0.0.1:*"]))
    listener = s.tcp.create_tcp_socket(IPV4)
    listener.start_bind(s.network, v4(0))
    listener.finish_bind()
    listener.start_listen()
    listener.finish_listen()
    with socket.create_connection(("127.0.0.1", listener.local_address().value.port), timeout=5) as client:
        conn, inp, out = until(listener.accept, listener.subscribe())
        conn.set_send_buffer_size(4096)
        written = 0
        while permit := out.check_write():
            out.write(b"x" * permit)
            written += permit
            assert written < 64 << 20, "back-pressure never came"
        assert not out.subscribe().ready()
        drained = 0
        client.settimeout(5)
        while drained < written:
            drained += len(client.recv(1 << 20))
            if out.subscribe().ready():
                break
        wait(out.subscribe())
        assert out.check_write() > 0


def test_one_poll_on_both_streams_of_a_socket(echo: EchoServer) -> None:
    s = sockets(Network(allow=["127.0.0.1:*"]))
    sock, inp, out = connect(s, echo.port)
    assert poll([inp.subscribe(), out.subscribe()]) == [1]  # nothing to read yet
    send_all(out, b"x")
    start = time.monotonic()
    while 0 not in poll([inp.subscribe(), sock.subscribe(), out.subscribe()]):
        assert time.monotonic() - start < 5
    assert inp.read(1) == b"x"


def test_an_ipv6_echo_on_the_loopback() -> None:
    try:
        server = socket.create_server(("::1", 0), family=socket.AF_INET6)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with server:
        port = server.getsockname()[1]
        s = sockets(Network(allow=[f"[::1]:{port}"]))
        sock = s.tcp.create_tcp_socket(IpAddressFamily.IPV6)
        assert code(sock.start_connect, s.network, v4(port)) == ErrorCode.INVALID_ARGUMENT  # the other family
        sock.start_connect(s.network, v6(port))
        conn, _ = server.accept()
        inp, out = until(sock.finish_connect, sock.subscribe())
        assert sock.remote_address() == v6(port) and sock.hop_limit() > 0
        with conn:
            send_all(out, b"six")
            assert conn.recv(3) == b"six"
            conn.sendall(b"xis")
            assert receive(inp, 3) == b"xis"
