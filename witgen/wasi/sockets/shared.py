"""Host sockets as WASI resources hold them: non-blocking, counted in the instance's budget, and
shared by the resources made from one (a TCP socket and its streams).
"""

from __future__ import annotations

import errno
import selectors
import socket

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import ErrorCode, IpAddressFamily
from witgen.wasi.poll import FdReady, Pollable
from witgen.wasi.sockets.addresses import FAMILIES
from witgen.wasi.sockets.errors import code_of
from witgen.wasi.sockets.network import Net


class Shared:
    """A host socket used by several resources (each holds a `Lease`); closed, and its slot in
    the instance's budget given back, when the last lease is released."""

    def __init__(self, sock: socket.socket, net: Net) -> None:
        self.sock = sock
        self._net = net
        self._leases = 0

    def lease(self) -> Lease:
        self._leases += 1
        return Lease(self)

    def _release(self) -> None:
        self._leases -= 1
        if self._leases == 0:
            self.sock.close()
            self._net.release()


class Lease:
    """One resource's hold on a `Shared` socket; `release` (when the guest drops the resource)
    counts once however often it is called."""

    def __init__(self, shared: Shared) -> None:
        self._shared: Shared | None = shared

    def release(self) -> None:
        if self._shared is not None:
            self._shared._release()
            self._shared = None


def new_socket(net: Net, family: IpAddressFamily, kind: int) -> Shared:
    """A non-blocking host socket of `kind` (SOCK_STREAM, SOCK_DGRAM), counted in the
    instance's budget (`new-socket-limit` beyond it); IPv6 ones are IPv6-only, as WASI wants."""
    net.acquire()
    try:
        sock = socket.socket(FAMILIES[family], kind)
    except OSError as exc:
        net.release()
        raise Err(code_of(exc, {errno.EAFNOSUPPORT: ErrorCode.NOT_SUPPORTED})) from None
    sock.setblocking(False)
    if family == IpAddressFamily.IPV6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    return Shared(sock, net)


class SocketReady(Pollable):
    """Ready when a host socket is readable (or writable, `write=True`), or once it is closed
    (a pollable may outlive its stream; a closed socket has nothing left to wait for)."""

    def __init__(self, sock: socket.socket, write: bool = False) -> None:
        self._sock = sock
        self._write = write

    def _fd(self) -> FdReady | None:
        fd = self._sock.fileno()
        return None if fd < 0 else FdReady(fd, self._write)

    def ready(self) -> bool:
        fd = self._fd()
        return fd is None or fd.ready()

    def fileno(self) -> int | None:
        fd = self._fd()
        return None if fd is None else fd.fileno()

    def events(self) -> int:
        return selectors.EVENT_WRITE if self._write else selectors.EVENT_READ
