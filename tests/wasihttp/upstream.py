"""A local HTTP server for the outgoing-handler tests: `/hello` (with an `x-upstream` header and
the request's `x-from` echoed), `/slow` (the head after a delay), `/drip` (a body sent slowly),
`/big` (1 MiB), `/echo` (POST: the body back)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/hello":
            self._send(203, b"upstream says hi", {"x-upstream": "yes", "x-saw-from": self.headers.get("x-from", "")})
        elif self.path == "/slow":
            time.sleep(1.0)
            self._send(200, b"late")
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"ab")
            self.wfile.flush()
            time.sleep(1.0)
            self.wfile.write(b"cd")
        elif self.path == "/big":
            self._send(200, bytes(range(256)) * 4096)
        else:
            self._send(404, b"")

    def do_POST(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = bytearray(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        self._send(200, bytes(body), {"x-method": self.command})

    do_PUT = do_POST


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that timed out on purpose leaves a broken pipe behind


@contextmanager
def upstream() -> Iterator[int]:
    """Serve on 127.0.0.1 for the block; yields the port."""
    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
