"""`wasi:http/outgoing-handler` (urllib3 on host threads), called directly as a guest would."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from witgen.runtime.types import Err, Ok
from witgen.wasi.bindings.imports import wasi_http_types as t
from witgen.wasi.bindings.imports.streams import StreamError_Closed, StreamError_LastOperationFailed
from witgen.wasi.http.body import IncomingBody, OutgoingBody
from witgen.wasi.http.client import FutureIncomingResponse, OutgoingHandler
from witgen.wasi.http.errors import http_error_code
from witgen.wasi.http.fields import Fields
from witgen.wasi.http.messages import IncomingResponse, OutgoingRequest, RequestOptions
from witgen.wasi.policy import Network
from witgen.wasi.poll import poll

from .upstream import upstream


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with upstream() as p:
        yield p


def request(port: int, path: str, method: t.Method | None = None, headers: Fields | None = None) -> OutgoingRequest:
    r = OutgoingRequest(headers or Fields())
    r.set_scheme(t.Scheme_Http())
    r.set_authority(f"127.0.0.1:{port}")
    r.set_path_with_query(path)
    if method is not None:
        r.set_method(method)
    return r


def wait(future: FutureIncomingResponse) -> Ok[IncomingResponse] | Err[t.ErrorCode]:
    poll([future.subscribe()])
    result = future.get()
    assert isinstance(result, Ok)
    assert future.get() == Err(None)  # taken once
    return result.value  # type: ignore[return-value]


def read_all(body: IncomingBody) -> bytes:
    stream = body.stream()
    data = bytearray()
    while True:
        try:
            data += stream.blocking_read(1 << 16)
        except Err as e:
            assert isinstance(e.value, StreamError_Closed)
            break
    stream.close()
    return bytes(data)


def allow(port: int) -> OutgoingHandler:
    return OutgoingHandler(Network([f"127.0.0.1:{port}"]))


def test_default_policy_denies_every_request(port: int) -> None:
    handler = OutgoingHandler(Network())
    with pytest.raises(Err) as info:
        handler.handle(request(port, "/hello"), None)
    assert info.value.value == t.ErrorCode_HttpRequestDenied()
    with pytest.raises(Err) as other_port:
        OutgoingHandler(Network(["127.0.0.1:1"])).handle(request(port, "/hello"), None)
    assert other_port.value.value == t.ErrorCode_HttpRequestDenied()


def test_get_through_the_allow_list_is_a_real_pollable_future(port: int) -> None:
    future = allow(port).handle(request(port, "/hello", headers=Fields.from_list([("x-from", b"guest")])), None)
    result = wait(future)
    assert isinstance(result, Ok)
    response = result.value
    assert response.status() == 203
    headers = response.headers()
    assert headers.get("x-upstream") == [b"yes"] and headers.get("x-saw-from") == [b"guest"]
    headers.close()
    assert read_all(response.consume()) == b"upstream says hi"


def test_the_future_is_pending_until_the_head_arrives(port: int) -> None:
    future = allow(port).handle(request(port, "/slow"), None)
    assert future.get() is None and not future.subscribe().ready()
    start = time.monotonic()
    result = wait(future)
    assert time.monotonic() - start > 0.5
    assert isinstance(result, Ok) and read_all(result.value.consume()) == b"late"


def test_a_large_body_streams_with_back_pressure(port: int) -> None:
    result = wait(allow(port).handle(request(port, "/big"), None))
    assert isinstance(result, Ok)
    assert read_all(result.value.consume()) == bytes(range(256)) * 4096


def test_post_streams_the_request_body_chunked_and_with_a_length(port: int) -> None:
    handler = allow(port)
    r = request(port, "/echo", t.Method_Post())
    body = r.body()
    future = handler.handle(r, None)  # sent while the guest is still writing
    stream = body.write()
    for _ in range(64):
        stream.blocking_write_and_flush(b"z" * 4096)
    stream.close()
    OutgoingBody.finish(body, None)
    result = wait(future)
    assert isinstance(result, Ok) and read_all(result.value.consume()) == b"z" * (64 * 4096)

    sized = request(port, "/echo", t.Method_Put(), Fields.from_list([("content-length", b"5")]))
    body = sized.body()
    stream = body.write()
    stream.blocking_write_and_flush(b"hello")
    stream.close()
    OutgoingBody.finish(body, None)
    result = wait(handler.handle(sized, None))
    assert isinstance(result, Ok)
    assert result.value.headers().get("x-method") == [b"PUT"]
    assert read_all(result.value.consume()) == b"hello"


def test_timeouts_from_request_options(port: int) -> None:
    handler = allow(port)
    options = RequestOptions()
    options.set_first_byte_timeout(200_000_000)
    result = wait(handler.handle(request(port, "/slow"), options))
    assert result == Err(t.ErrorCode_HttpResponseTimeout())

    options = RequestOptions()
    options.set_between_bytes_timeout(200_000_000)
    result = wait(handler.handle(request(port, "/drip"), options))
    assert isinstance(result, Ok)
    stream = result.value.consume().stream()
    assert stream.blocking_read(10) == b"ab"
    with pytest.raises(Err) as info:
        stream.blocking_read(10)
    failure = info.value.value
    assert isinstance(failure, StreamError_LastOperationFailed)
    assert http_error_code(failure.value) == t.ErrorCode_ConnectionReadTimeout()


def test_connection_errors_are_error_codes() -> None:
    with upstream() as closed_port:
        pass  # the port is free again: connecting is refused
    result = wait(allow(closed_port).handle(request(closed_port, "/"), None))
    assert result == Err(t.ErrorCode_ConnectionRefused())


def test_malformed_targets_are_refused(port: int) -> None:
    handler = OutgoingHandler(Network(["*:*"]))
    r = OutgoingRequest(Fields())
    with pytest.raises(Err) as info:
        handler.handle(r, None)  # no authority
    assert info.value.value == t.ErrorCode_HttpRequestUriInvalid()
    r = request(port, "/")
    r.set_scheme(t.Scheme_Other("ftp"))
    with pytest.raises(Err) as info:
        handler.handle(r, None)
    assert info.value.value == t.ErrorCode_HttpProtocolError()
