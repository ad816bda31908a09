"""`wasi:http/outgoing-handler`: the guest's requests sent by urllib3 on a host thread each, so
the `future-incoming-response` is a real pollable and the guest keeps running meanwhile.

Only hosts the policy's `Network` allows are reached (default: none, `HTTP-request-denied`).
`request-options` timeouts apply: connect, first byte (the response head), between bytes (each
read of the body). Redirects are not followed (the guest sees them), content is not decoded.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from functools import cache
from urllib.parse import urlsplit

import urllib3
from urllib3 import exceptions as u3

from witgen.runtime.types import Err, Ok, Result
from witgen.wasi.bindings.imports import wasi_http_types as t
from witgen.wasi.http.body import Incoming
from witgen.wasi.http.messages import (
    IncomingResponse,
    OutgoingRequest,
    RequestOptions,
    method_name,
    scheme_name,
)
from witgen.wasi.policy import Network
from witgen.wasi.poll import Pollable, Ready, Waiting

MAX_IN_FLIGHT = 64
"""Outgoing requests one instance may have open at once (each holds a host thread)."""
IDLE_LIMIT = 300.0
"""Seconds a reader thread waits for the guest to take more of a body before giving up."""
CHUNK = 1 << 16


@cache
def _pool() -> urllib3.PoolManager:
    """One connection pool for the process: instances share kept-alive connections."""
    return urllib3.PoolManager(num_pools=32, maxsize=16, block=False)


def _seconds(ns: int | None) -> float | None:
    return None if ns is None else ns / 1e9


class FutureIncomingResponse:
    """The resource `future-incoming-response`: resolved by the request's thread."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._result: Result[IncomingResponse, t.ErrorCode] | None = None
        self._taken = False

    def resolve(self, result: Result[IncomingResponse, t.ErrorCode]) -> None:
        with self._cond:
            self._result = result
            self._cond.notify_all()

    def subscribe(self) -> Pollable:
        if self._result is not None:
            return Ready()
        return Waiting(self._cond, lambda: self._result is not None)

    def get(self) -> Ok[Result[IncomingResponse, t.ErrorCode]] | Err[None] | None:
        with self._cond:
            if self._result is None:
                return None
            if self._taken:
                return Err(None)
            self._taken = True
            return Ok(self._result)


class OutgoingHandler:
    """`wasi:http/outgoing-handler` for one instance, under its network policy."""

    def __init__(self, network: Network) -> None:
        self._network = network
        self._in_flight = threading.BoundedSemaphore(MAX_IN_FLIGHT)

    def handle(self, request: OutgoingRequest, options: RequestOptions | None) -> FutureIncomingResponse:
        url, host, port = _target(request)
        if not self._network.permits(host, port):
            raise Err(t.ErrorCode_HttpRequestDenied())
        if not self._in_flight.acquire(blocking=False):
            raise Err(t.ErrorCode_ConnectionLimitReached())
        future = FutureIncomingResponse()
        opts = options or RequestOptions()
        thread = threading.Thread(
            target=self._send, args=(request, url, opts, future), name=f"wasi-http {host}", daemon=True
        )
        thread.start()
        return future

    def _send(
        self, request: OutgoingRequest, url: str, opts: RequestOptions, future: FutureIncomingResponse
    ) -> None:
        try:
            headers = urllib3.HTTPHeaderDict()
            for name, value in request.fields.items():
                headers.add(name, value.decode("latin-1"))
            body, chunked = _body(request)
            try:
                timeout = urllib3.Timeout(connect=_seconds(opts.connect), read=_seconds(opts.first_byte))
                response = _pool().urlopen(
                    method_name(request.method()),
                    url,
                    body=body,
                    headers=headers,
                    chunked=chunked,
                    redirect=False,
                    retries=False,
                    timeout=timeout,
                    preload_content=False,
                    decode_content=False,
                )
            except Exception as exc:  # noqa: BLE001  # every failure is an error-code for the guest
                future.resolve(Err(error_code(exc, head=True)))
                return
            _set_read_timeout(response, _seconds(opts.between_bytes))
            incoming = Incoming()
            entries = [(k, v.encode("latin-1")) for k, v in response.headers.items()]
            future.resolve(Ok(IncomingResponse(response.status, entries, incoming)))
            _pump(response, incoming)
        finally:
            self._in_flight.release()


def _target(request: OutgoingRequest) -> tuple[str, str, int]:
    """The URL, host and port a request goes to; a malformed one is an error-code."""
    s = request.scheme()
    name = "http" if s is None else scheme_name(s)
    if name not in ("http", "https"):
        raise Err(t.ErrorCode_HttpProtocolError())
    authority = request.authority()
    if not authority:
        raise Err(t.ErrorCode_HttpRequestUriInvalid())
    try:
        parts = urlsplit(f"{name}://{authority}")
        host, port = parts.hostname, parts.port
    except ValueError:
        raise Err(t.ErrorCode_HttpRequestUriInvalid()) from None
    if not host or parts.username is not None or parts.path:
        raise Err(t.ErrorCode_HttpRequestUriInvalid())
    port = port if port is not None else (443 if name == "https" else 80)
    path = request.path_with_query() or "/"
    if not path.startswith("/"):
        path = "/" + path
    return f"{name}://{authority}{path}", host, port


def _body(request: OutgoingRequest) -> tuple[bytes | Iterator[bytes] | None, bool]:
    """What urllib3 sends: nothing, the bytes (the guest already finished writing), or a
    stream of what the guest writes (chunked unless it declared a Content-Length)."""
    sink = request.sink
    if not request.body_taken:
        return None, False
    if sink.state != "open":
        data = bytearray()
        while (chunk := sink.pipe.drain(CHUNK, timeout=0)) is not None and chunk:
            data += chunk
        return bytes(data), False

    def stream() -> Iterator[bytes]:
        while (chunk := sink.pipe.drain(CHUNK, timeout=IDLE_LIMIT)) is not None:
            if not chunk:
                raise TimeoutError("the guest stopped writing the request body")
            yield chunk
        if sink.state != "finished":
            raise ConnectionAbortedError("the guest did not finish the request body")

    return stream(), sink.length is None


def _set_read_timeout(response: urllib3.BaseHTTPResponse, seconds: float | None) -> None:
    """From the head on, reads wait at most `seconds` each (`between-bytes-timeout`)."""
    conn = getattr(response, "connection", None)
    sock = getattr(conn, "sock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(seconds)


def _pump(response: urllib3.BaseHTTPResponse, incoming: Incoming) -> None:
    """Feed the response body to the guest as it arrives; end with the outcome."""
    try:
        while chunk := response.read1(CHUNK):
            if not incoming.pipe.feed(chunk, timeout=IDLE_LIMIT):
                break  # the guest dropped the body, or stopped reading
        else:
            incoming.end()
            return
        incoming.end(error=t.ErrorCode_ConnectionTerminated())
    except Exception as exc:  # noqa: BLE001
        incoming.end(error=error_code(exc, head=False))
    finally:
        response.release_conn()


def error_code(exc: BaseException, head: bool) -> t.ErrorCode:
    """The `error-code` for an exception of urllib3 (or of the body stream it read)."""
    if isinstance(exc, u3.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    if isinstance(exc, u3.NameResolutionError):
        return t.ErrorCode_DnsError(t.DnsErrorPayload(None, None))
    if isinstance(exc, u3.NewConnectionError):
        if isinstance(exc.__cause__, ConnectionRefusedError) or "refused" in str(exc).lower():
            return t.ErrorCode_ConnectionRefused()
        return t.ErrorCode_DestinationUnavailable()
    if isinstance(exc, u3.ConnectTimeoutError):  # after its subclass NewConnectionError
        return t.ErrorCode_ConnectionTimeout()
    if isinstance(exc, u3.ReadTimeoutError):
        return t.ErrorCode_HttpResponseTimeout() if head else t.ErrorCode_ConnectionReadTimeout()
    if isinstance(exc, u3.SSLError):
        if "certificate" in str(exc).lower():
            return t.ErrorCode_TlsCertificateError()
        return t.ErrorCode_TlsProtocolError()
    if isinstance(exc, u3.ProtocolError | u3.IncompleteRead):
        return t.ErrorCode_HttpResponseIncomplete() if not head else t.ErrorCode_ConnectionTerminated()
    if isinstance(exc, u3.LocationValueError):
        return t.ErrorCode_HttpRequestUriInvalid()
    return t.ErrorCode_InternalError(f"{type(exc).__name__}: {exc}")
