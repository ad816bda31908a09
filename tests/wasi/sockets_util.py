"""Helpers for the `wasi:sockets` host tests: the hosts of one instance under a policy, WIT
addresses, and waiting on a pollable with a bound (a test must fail, not hang)."""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypeVar

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import (
    ErrorCode,
    IpSocketAddress,
    IpSocketAddress_Ipv4,
    IpSocketAddress_Ipv6,
    Ipv4SocketAddress,
    Ipv6SocketAddress,
)
from witgen.wasi.clocks import SystemClock
from witgen.wasi.policy import Network, Wasi
from witgen.wasi.poll import Pollable, Timer, poll
from witgen.wasi.sockets import hosts

T = TypeVar("T")
LOOPBACK = (127, 0, 0, 1)


@dataclass
class Sockets:
    """One instance's `wasi:sockets` hosts."""

    network: Any
    instance: Any
    tcp: Any
    udp: Any
    udp_host: Any
    lookup: Any


def sockets(network: Network) -> Sockets:
    made = hosts(SimpleNamespace(policy=Wasi(network=network)))  # type: ignore[arg-type]
    instance = made["wasi:sockets/instance-network"]
    return Sockets(
        instance.instance_network(),  # type: ignore[attr-defined]
        instance,
        made["wasi:sockets/tcp-create-socket"],
        made["wasi:sockets/udp-create-socket"],
        made["wasi:sockets/udp"],
        made["wasi:sockets/ip-name-lookup"],
    )


def v4(port: int, address: tuple[int, int, int, int] = LOOPBACK) -> IpSocketAddress:
    return IpSocketAddress_Ipv4(Ipv4SocketAddress(port, address))


def v6(port: int, address: tuple[int, ...] = (0, 0, 0, 0, 0, 0, 0, 1)) -> IpSocketAddress:
    return IpSocketAddress_Ipv6(Ipv6SocketAddress(port, 0, address, 0))  # type: ignore[arg-type]


def code(call: Callable[..., object], *args: object) -> ErrorCode:
    """The error code `call(*args)` fails with (the test fails if it succeeds)."""
    try:
        call(*args)
    except Err as failure:
        assert isinstance(failure.value, ErrorCode)
        return failure.value
    raise AssertionError("expected an error")


def wait(pollable: Pollable, seconds: float = 5.0) -> None:
    """Poll `pollable` with a timer beside it; fail if the timer wins."""
    clock = SystemClock()
    ready = poll([pollable, Timer(clock, clock.monotonic_ns() + int(seconds * 1e9))])
    assert 0 in ready, "the pollable never became ready"


def until(call: Callable[[], T], pollable: Pollable, seconds: float = 5.0) -> T:
    """`call()` retried after waiting on `pollable` while it fails with `would-block`."""
    for _ in range(1000):
        try:
            return call()
        except Err as failure:
            if failure.value != ErrorCode.WOULD_BLOCK:
                raise
        wait(pollable, seconds)
    raise AssertionError("still would-block")


class EchoServer:
    """A host TCP server on 127.0.0.1 echoing each connection's bytes back (a reader and a
    writer thread per connection, so neither side's buffers can deadlock it), ending its side
    after the client's; `close` ends every thread before it returns (nothing closes
    descriptors behind a later test's back)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.peers: list[tuple[str, int]] = []
        self._conns: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._serve, daemon=True)]
        self._threads[0].start()

    def _serve(self) -> None:
        while True:
            try:
                conn, peer = self.listener.accept()
            except OSError:
                return
            self.peers.append(peer)
            self._conns.append(conn)
            chunks: queue.Queue[bytes | None] = queue.Queue()
            for target, args in ((self._read, (conn, chunks)), (self._write, (conn, chunks))):
                thread = threading.Thread(target=target, args=args, daemon=True)
                self._threads.append(thread)
                thread.start()

    @staticmethod
    def _read(conn: socket.socket, chunks: queue.Queue[bytes | None]) -> None:
        """Reads never wait for writes, so a client may send everything before it reads."""
        try:
            while data := conn.recv(65536):
                chunks.put(data)
        except OSError:
            pass
        chunks.put(None)

    @staticmethod
    def _write(conn: socket.socket, chunks: queue.Queue[bytes | None]) -> None:
        try:
            while (data := chunks.get()) is not None:
                conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)  # all echoed: the client reads to the end
        except OSError:
            pass

    def close(self) -> None:
        for sock in (self.listener, *self._conns):
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked on it
            except OSError:
                pass
        for thread in self._threads:
            thread.join(5)
        for sock in (self.listener, *self._conns):
            sock.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
