"""The input and output streams of a connected TCP socket, over the host socket.

The socket and its two streams share one host socket (`Shared`): the guest may drop them in any
order, and the host socket closes when the last is gone. Writes go
straight to the socket; what the kernel doesn't take yet waits in a small buffer, and
`check-write` grants only what is left of it (back-pressure from the peer).
"""

from __future__ import annotations

import socket

from witgen.wasi.io import InputStream, OutputStream, StreamFailure
from witgen.wasi.poll import Pollable, Ready
from witgen.wasi.sockets.shared import Shared, SocketReady

WRITE_PERMIT = 1 << 16
"""Bytes waiting in the host for the kernel at most (what `check-write` grants is the rest)."""
_NOSIGNAL = getattr(socket, "MSG_NOSIGNAL", 0)


class TcpInput(InputStream):
    """Bytes from the peer; the end when it shuts down its side (or ours is shut down)."""

    def __init__(self, shared: Shared) -> None:
        super().__init__()
        self._sock = shared.sock
        self._lease = shared.lease()
        self.shut = False

    def _take(self, n: int) -> bytes | None:
        if self.shut:
            return None
        try:
            return self._sock.recv(n) or None
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise StreamFailure(f"tcp receive: {exc.strerror or exc}") from None

    def _readiness(self) -> Pollable:
        return Ready() if self.shut else SocketReady(self._sock)

    def close(self) -> None:
        self._lease.release()


class TcpOutput(OutputStream):
    """Bytes to the peer."""

    def __init__(self, shared: Shared) -> None:
        super().__init__()
        self._sock = shared.sock
        self._lease = shared.lease()
        self._pending = b""
        self._flushing = False
        self.shut = False

    def _drain(self) -> None:
        while self._pending:
            try:
                sent = self._sock.send(self._pending, _NOSIGNAL)
            except BlockingIOError:
                return
            except OSError as exc:
                self._pending = b""
                raise StreamFailure(f"tcp send: {exc.strerror or exc}") from None
            self._pending = self._pending[sent:]

    def _room(self) -> int:
        if self.shut:
            return -1
        self._drain()
        return max(0, WRITE_PERMIT - len(self._pending))

    def _put(self, data: bytes) -> None:
        self._pending += data
        self._drain()

    def _flush(self) -> None:
        self._flushing = True
        self._drain()

    def _flushed(self) -> bool:
        self._drain()
        if not self._pending:
            self._flushing = False
        return not self._flushing

    def _readiness(self) -> Pollable:
        if self.shut or not (self._flushing or len(self._pending) >= WRITE_PERMIT):
            return Ready()
        return SocketReady(self._sock, write=True)

    def finish(self) -> None:
        """`shutdown(send)`: what is buffered goes if the kernel takes it now; then no more."""
        try:
            self._drain()
        except StreamFailure:
            pass
        self._pending = b""
        self.shut = True

    def close(self) -> None:
        self.finish()
        self._lease.release()
