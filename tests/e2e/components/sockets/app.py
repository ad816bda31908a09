"""The `sockets-probe` guest: plain Python sockets, which componentize-py's wasi-libc runs on
`wasi:sockets`."""

import encodings.idna  # noqa: F401  (socket.getaddrinfo encodes names with it; bundle it)
import errno
import socket

import wit_world
from componentize_py_types import Err


def _failure(exc: OSError) -> Err[str]:
    name = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return Err(f"{type(exc).__name__}: {name}")


class WitWorld(wit_world.WitWorld):
    def tcp_echo(self, host: str, port: int, message: bytes) -> bytes:
        try:
            with socket.create_connection((host, port), timeout=10) as conn:
                conn.sendall(message)
                conn.shutdown(socket.SHUT_WR)
                received = b""
                while chunk := conn.recv(65536):
                    received += chunk
                return received
        except OSError as exc:
            raise _failure(exc) from None

    def tcp_serve_once(self, port: int) -> int:
        try:
            with socket.create_server(("127.0.0.1", port)) as server:
                conn, _ = server.accept()
                with conn:
                    total = 0
                    while chunk := conn.recv(65536):
                        conn.sendall(chunk)
                        total += len(chunk)
                    return total
        except OSError as exc:
            raise _failure(exc) from None

    def udp_echo(self, host: str, port: int, message: bytes) -> bytes:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(10)
                sock.bind(("127.0.0.1", 0))
                sock.sendto(message, (host, port))
                return sock.recvfrom(65536)[0]
        except OSError as exc:
            raise _failure(exc) from None

    def resolve(self, name: str) -> list[str]:
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise _failure(exc) from None
        return sorted({str(info[4][0]) for info in infos})
