"""`witgen.wasi.http`'s `wasi:http/types` resources, called directly as a guest would."""

from __future__ import annotations

import threading

import pytest

from witgen.runtime.errors import Trap
from witgen.runtime.types import Err, Ok
from witgen.wasi.bindings.imports import wasi_http_types as t
from witgen.wasi.bindings.imports.streams import StreamError_Closed, StreamError_LastOperationFailed
from witgen.wasi.http.body import Incoming, IncomingBody, OutgoingBody
from witgen.wasi.http.errors import http_error_code
from witgen.wasi.http.fields import MAX_BYTES, Fields
from witgen.wasi.http.messages import (
    Head,
    IncomingRequest,
    OutgoingRequest,
    OutgoingResponse,
    RequestOptions,
    ResponseOutparam,
    method,
    method_name,
)
from witgen.wasi.io import IoError
from witgen.wasi.poll import poll


def err(call: object, *args: object) -> object:
    with pytest.raises(Err) as info:
        call(*args)  # type: ignore[operator]
    return info.value.value


# --- fields -------------------------------------------------------------------------------------


def test_fields_are_case_insensitive_and_keep_order_and_casing() -> None:
    f = Fields.from_list([("Content-Type", b"text/plain"), ("X-A", b"1"), ("x-a", b"2")])
    assert f.get("x-A") == [b"1", b"2"]
    assert f.has("CONTENT-TYPE") and not f.has("x-b")
    f.append("X-B", b"")
    assert f.get("x-b") == [b""]
    f.set("x-a", [b"3"])
    assert f.entries() == [("Content-Type", b"text/plain"), ("X-B", b""), ("x-a", b"3")]
    f.delete("X-B")
    assert f.entries() == [("Content-Type", b"text/plain"), ("x-a", b"3")]


def test_fields_reject_bad_syntax_and_forbidden_names() -> None:
    f = Fields()
    assert isinstance(err(f.append, "bad name", b"v"), t.HeaderError_InvalidSyntax)
    assert isinstance(err(f.append, "", b"v"), t.HeaderError_InvalidSyntax)
    assert isinstance(err(f.append, "x-ok", b"line\r\nbreak"), t.HeaderError_InvalidSyntax)
    assert isinstance(err(f.set, "x-ok", [b"ok", b"nul\x00"]), t.HeaderError_InvalidSyntax)
    assert isinstance(err(f.append, "héader", b"v"), t.HeaderError_InvalidSyntax)
    for name in ("Connection", "transfer-encoding", "Host", "upgrade", "keep-alive"):
        assert isinstance(err(f.append, name, b"v"), t.HeaderError_Forbidden), name
    assert isinstance(err(Fields.from_list, [("Connection", b"close")]), t.HeaderError_Forbidden)
    assert isinstance(err(Fields.from_list, [("x", b"a\nb")]), t.HeaderError_InvalidSyntax)
    assert f.entries() == []
    assert f.get("bad name") == [] and not f.has("bad name")


def test_fields_given_to_a_message_become_immutable_and_its_headers_are_immutable() -> None:
    f = Fields.from_list([("x-a", b"1")])
    request = OutgoingRequest(f)
    for mutate, args in ((f.set, ("x-a", [b"2"])), (f.append, ("x-b", b"2")), (f.delete, ("x-a",))):
        assert isinstance(err(mutate, *args), t.HeaderError_Immutable)
    view = request.headers()
    assert view.entries() == [("x-a", b"1")]
    assert isinstance(err(view.append, "x-c", b"3"), t.HeaderError_Immutable)
    clone = view.clone()  # a clone is mutable again
    clone.append("x-c", b"3")
    assert clone.get("x-c") == [b"3"] and view.get("x-c") == []


def test_fields_size_is_bounded() -> None:
    f = Fields()
    f.append("x-big", b"a" * (MAX_BYTES // 2))
    with pytest.raises(Trap):
        f.append("x-big", b"a" * (MAX_BYTES // 2 + 10))


# --- requests and responses ---------------------------------------------------------------------


def test_incoming_request_reports_its_head_and_gives_its_body_once() -> None:
    body = Incoming()
    head = Head("PATCH", "/p?q=1", "https", "example.com:8443", [("x-a", b"1")])
    request = IncomingRequest(head, body)
    assert isinstance(request.method(), t.Method_Patch)
    assert request.path_with_query() == "/p?q=1"
    assert isinstance(request.scheme(), t.Scheme_Https)
    assert request.authority() == "example.com:8443"
    headers = request.headers()
    assert headers.entries() == [("x-a", b"1")]
    assert isinstance(err(headers.append, "x-b", b""), t.HeaderError_Immutable)
    assert isinstance(request.consume(), IncomingBody)
    assert err(request.consume) is None


def test_dropping_a_parent_before_its_children_traps() -> None:
    request = IncomingRequest(Head("GET", "/", "http", "h", []), Incoming())
    headers = request.headers()
    with pytest.raises(Trap, match="incoming-request"):
        request.close()
    headers.close()
    request.close()


def test_methods_round_trip_and_other_methods_are_checked() -> None:
    for name in ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PURGE"):
        assert method_name(method(name)) == name
    request = OutgoingRequest(Fields())
    assert isinstance(request.method(), t.Method_Get)
    request.set_method(t.Method_Other("PURGE"))
    assert request.method() == t.Method_Other("PURGE")
    assert err(request.set_method, t.Method_Other("BAD METHOD")) is None
    assert err(request.set_path_with_query, "/a b") is None
    assert err(request.set_authority, "a/b") is None
    assert err(request.set_scheme, t.Scheme_Other("1http")) is None
    request.set_path_with_query("/x?y=1")
    request.set_authority("localhost:80")
    assert (request.path_with_query(), request.authority()) == ("/x?y=1", "localhost:80")


def test_outgoing_response_status_and_body_once() -> None:
    response = OutgoingResponse(Fields())
    assert response.status_code() == 200
    response.set_status_code(418)
    assert response.status_code() == 418
    assert err(response.set_status_code, 99) is None
    assert err(response.set_status_code, 600) is None
    response.body()
    assert err(response.body) is None


def test_request_options_keep_their_timeouts() -> None:
    options = RequestOptions()
    assert options.connect_timeout() is None
    options.set_connect_timeout(5)
    options.set_first_byte_timeout(6)
    options.set_between_bytes_timeout(7)
    assert (options.connect_timeout(), options.first_byte_timeout(), options.between_bytes_timeout()) == (5, 6, 7)


def test_response_outparam_delivers_once_and_an_unwritten_body_is_empty_and_finished() -> None:
    got: list[object] = []
    out = ResponseOutparam(got.append)
    response = OutgoingResponse(Fields())
    assert out.pending
    ResponseOutparam.set(out, Ok(response))
    ResponseOutparam.set(out, Err(t.ErrorCode_InternalError("again")))
    assert got == [Ok(response)] and not out.pending
    assert response.sink.state == "finished"
    assert response.sink.pipe.drain(10, timeout=0) is None


# --- bodies -------------------------------------------------------------------------------------


def test_incoming_body_streams_what_the_host_feeds_then_the_trailers() -> None:
    source = Incoming()
    body = IncomingBody(source)
    stream = body.stream()
    assert err(body.stream) is None
    assert stream.read(10) == b""
    pollable = stream.subscribe()
    assert not pollable.ready()
    feeder = threading.Thread(target=lambda: (source.pipe.feed(b"hello "), source.pipe.feed(b"world")))
    feeder.start()
    data = b""
    while len(data) < 11:
        data += stream.blocking_read(100)
    feeder.join()
    assert data == b"hello world"
    with pytest.raises(Trap, match="incoming-body"):
        IncomingBody.finish(body)  # the stream is still alive
    stream.close()
    trailers = IncomingBody.finish(body)
    assert trailers.get() is None
    ready = trailers.subscribe()
    threading.Timer(0.05, lambda: source.end([("x-checksum", b"abc")])).start()
    assert poll([ready]) == [0]
    result = trailers.get()
    assert isinstance(result, Ok) and isinstance(result.value, Ok)
    fields = result.value.value
    assert fields is not None and fields.entries() == [("x-checksum", b"abc")]
    assert trailers.get() == Err(None)


def test_incoming_body_failure_carries_its_error_code() -> None:
    source = Incoming()
    stream = IncomingBody(source).stream()
    source.pipe.feed(b"part")
    source.end(error=t.ErrorCode_ConnectionReadTimeout())
    assert stream.read(100) == b"part"
    failure = err(stream.read, 100)
    assert isinstance(failure, StreamError_LastOperationFailed)
    assert isinstance(failure.value, IoError)
    assert http_error_code(failure.value) == t.ErrorCode_ConnectionReadTimeout()
    assert http_error_code(IoError("not http", code=None)) is None


def test_outgoing_body_finish_needs_the_stream_dropped_and_the_declared_length() -> None:
    response = OutgoingResponse(Fields.from_list([("content-length", b"5")]))
    body = response.body()
    stream = body.write()
    assert err(body.write) is None
    stream.blocking_write_and_flush(b"abc")
    with pytest.raises(Trap, match="outgoing-body"):
        OutgoingBody.finish(body, None)
    stream.close()
    code = err(OutgoingBody.finish, body, None)
    assert code == t.ErrorCode_HttpResponseBodySize(3)
    assert response.sink.state == "broken"


def test_outgoing_body_finished_with_trailers_and_written_past_its_length() -> None:
    response = OutgoingResponse(Fields())
    body = response.body()
    stream = body.write()
    stream.blocking_write_and_flush(b"x" * 4096)
    stream.close()
    OutgoingBody.finish(body, Fields.from_list([("x-sum", b"1")]))
    sink = response.sink
    assert (sink.state, sink.trailers) == ("finished", [("x-sum", b"1")])
    assert sink.pipe.drain(1 << 20) == b"x" * 4096 and sink.pipe.drain(10) is None

    capped = OutgoingRequest(Fields.from_list([("content-length", b"2")]))
    out = capped.body().write()
    assert out.check_write() > 0
    failure = err(out.write, b"abc")
    assert isinstance(failure, StreamError_LastOperationFailed)
    assert http_error_code(failure.value) == t.ErrorCode_HttpRequestBodySize(3)
    assert isinstance(err(out.check_write), StreamError_Closed)
    assert capped.sink.state == "broken"


def test_an_outgoing_body_dropped_unfinished_is_broken() -> None:
    response = OutgoingResponse(Fields())
    body = response.body()
    body.close()
    assert response.sink.state == "broken"
