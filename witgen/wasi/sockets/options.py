"""Socket options TCP and UDP share (hop limit, buffer sizes), with WASI's rules: 0 is
`invalid-argument`, other values are clamped to what the host accepts."""

from __future__ import annotations

import socket

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import ErrorCode
from witgen.wasi.sockets.errors import err

MAX_BUFFER = (1 << 31) - 1
"""The largest buffer size a host `setsockopt` takes (an `int`); the kernel caps it further."""


def _hop_option(sock: socket.socket) -> tuple[int, int]:
    if sock.family == socket.AF_INET6:
        return socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS
    return socket.IPPROTO_IP, socket.IP_TTL


def get(sock: socket.socket, level: int, option: int) -> int:
    try:
        return sock.getsockopt(level, option)
    except OSError as exc:
        raise err(exc) from None


def set_positive(sock: socket.socket, level: int, option: int, value: int, most: int) -> None:
    """Set an option that must be at least 1, clamping it to `most`."""
    if value == 0:
        raise Err(ErrorCode.INVALID_ARGUMENT)
    try:
        sock.setsockopt(level, option, min(value, most))
    except OSError as exc:
        raise err(exc) from None


def hop_limit(sock: socket.socket) -> int:
    return get(sock, *_hop_option(sock))


def set_hop_limit(sock: socket.socket, value: int) -> None:
    set_positive(sock, *_hop_option(sock), value, 255)


def buffer_size(sock: socket.socket, option: int) -> int:
    return get(sock, socket.SOL_SOCKET, option)


def set_buffer_size(sock: socket.socket, option: int, value: int) -> None:
    set_positive(sock, socket.SOL_SOCKET, option, value, MAX_BUFFER)


class BufferSizes:
    """`receive-buffer-size`, `send-buffer-size` and their setters, which `tcp-socket` and
    `udp-socket` share word for word, over the socket in `_sock`."""

    _sock: socket.socket

    def receive_buffer_size(self) -> int:
        return buffer_size(self._sock, socket.SO_RCVBUF)

    def set_receive_buffer_size(self, value: int) -> None:
        set_buffer_size(self._sock, socket.SO_RCVBUF, value)

    def send_buffer_size(self) -> int:
        return buffer_size(self._sock, socket.SO_SNDBUF)

    def set_send_buffer_size(self, value: int) -> None:
        set_buffer_size(self._sock, socket.SO_SNDBUF, value)
