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
    """A host socket used by several resources; closed (and its slot in the instance's budget
    given back) when the last user releases it."""

    def __init__(self, sock: socket.socket, net: Net) -> None:
        self.sock = sock
        self._net = net
        self._users = 1

    def share(self) -> Shared:
        self._users += 1
        return self

    def release(self) -> None:
        self._users -= 1
        if self._users == 0:
            self.sock.close()
            self._net.release()


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
