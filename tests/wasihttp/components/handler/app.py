"""A `wasi:http/proxy` handler for witgen's HTTP tests (componentize-py).

Routes: `/hello`; `/echo` (POST: the body streamed back, `x-echo-*` headers returned, `?status=N`);
`/status/N`; `/headers` (the request's headers as lines, plus repeated response headers); `/trap`
(the handler raises, so the component traps); `/fetch?url=U` (an outgoing request to U: its
status, headers and body relayed, or 502 with the error-code's name); `/drip` (three chunks
300 ms apart); `/error` (the response set to an error-code); `/silent` (no response set);
`/half` (a trap after part of the body); `/spin` (never returns).
"""

from urllib.parse import parse_qs, urlsplit

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports import monotonic_clock, outgoing_handler
from wit_world.imports.streams import OutputStream, StreamError_Closed
from wit_world.imports.types import (
    ErrorCode_InternalError,
    Fields,
    IncomingBody,
    IncomingRequest,
    Method_Get,
    Method_Post,
    OutgoingBody,
    OutgoingRequest,
    OutgoingResponse,
    ResponseOutparam,
    Scheme_Http,
    Scheme_Https,
)

CHUNK = 65536


def write_all(stream: OutputStream, data: bytes) -> None:
    """`blocking-write-and-flush` takes at most 4096 bytes at a time."""
    for start in range(0, len(data), 4096):
        stream.blocking_write_and_flush(data[start : start + 4096])


def respond(out: ResponseOutparam, status: int, headers: list[tuple[str, bytes]], body: bytes) -> None:
    response = OutgoingResponse(Fields.from_list(headers))
    response.set_status_code(status)
    outgoing = response.body()
    ResponseOutparam.set(out, Ok(response))
    stream = outgoing.write()
    write_all(stream, body)
    stream.__exit__(None, None, None)
    OutgoingBody.finish(outgoing, None)


def read_all(body: IncomingBody) -> bytes:
    stream = body.stream()
    data = bytearray()
    while True:
        try:
            data += stream.blocking_read(CHUNK)
        except Err as e:
            if isinstance(e.value, StreamError_Closed):
                break
            raise
    stream.__exit__(None, None, None)
    IncomingBody.finish(body)
    return bytes(data)


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        url = urlsplit(request.path_with_query() or "/")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/hello":
            respond(response_out, 200, [("content-type", b"text/plain")], b"hello world")
        elif url.path == "/echo":
            self.echo(request, response_out, int(query.get("status", "200")))
        elif url.path.startswith("/status/"):
            respond(response_out, int(url.path[len("/status/") :]), [], b"")
        elif url.path == "/headers":
            headers = request.headers()
            lines = b"".join(k.encode() + b"=" + v + b"\n" for k, v in headers.entries())
            respond(response_out, 200, [("x-reply", b"one"), ("x-reply", b"two")], lines)
        elif url.path == "/trap":
            raise RuntimeError("the handler fails on purpose")
        elif url.path == "/fetch":
            self.fetch(response_out, query["url"])
        elif url.path == "/drip":
            self.drip(response_out)
        elif url.path == "/error":
            ResponseOutparam.set(response_out, Err(ErrorCode_InternalError("on purpose")))
        elif url.path == "/silent":
            pass
        elif url.path == "/spin":
            while True:
                pass
        elif url.path == "/half":
            response = OutgoingResponse(Fields())
            body = response.body()
            ResponseOutparam.set(response_out, Ok(response))
            body.write().blocking_write_and_flush(b"half")
            raise RuntimeError("the handler fails mid-body on purpose")
        else:
            respond(response_out, 404, [], b"no route " + url.path.encode())

    def echo(self, request: IncomingRequest, out: ResponseOutparam, status: int) -> None:
        """Stream the body back chunk by chunk (never holding all of it)."""
        if not isinstance(request.method(), Method_Post):
            respond(out, 405, [], b"")
            return
        headers = [(k, v) for k, v in request.headers().entries() if k.lower().startswith("x-echo-")]
        response = OutgoingResponse(Fields.from_list(headers))
        response.set_status_code(status)
        outgoing = response.body()
        ResponseOutparam.set(out, Ok(response))
        sink = outgoing.write()
        body = request.consume()
        source = body.stream()
        while True:
            try:
                chunk = source.blocking_read(CHUNK)
            except Err as e:
                if isinstance(e.value, StreamError_Closed):
                    break
                raise
            write_all(sink, chunk)
        source.__exit__(None, None, None)
        IncomingBody.finish(body)
        sink.__exit__(None, None, None)
        OutgoingBody.finish(outgoing, None)

    def drip(self, out: ResponseOutparam) -> None:
        """A streamed body: each chunk written, then a pause the client can observe."""
        response = OutgoingResponse(Fields())
        body = response.body()
        ResponseOutparam.set(out, Ok(response))
        stream = body.write()
        for chunk in (b"one ", b"two ", b"three"):
            stream.blocking_write_and_flush(chunk)
            monotonic_clock.subscribe_duration(300_000_000).block()
        stream.__exit__(None, None, None)
        OutgoingBody.finish(body, None)

    def fetch(self, out: ResponseOutparam, target: str) -> None:
        url = urlsplit(target)
        request = OutgoingRequest(Fields.from_list([("x-from", b"guest")]))
        request.set_method(Method_Get())
        request.set_scheme(Scheme_Https() if url.scheme == "https" else Scheme_Http())
        request.set_authority(url.netloc)
        request.set_path_with_query(url.path + ("?" + url.query if url.query else ""))
        try:
            future = outgoing_handler.handle(request, None)
        except Err as e:
            respond(out, 502, [], type(e.value).__name__.encode())
            return
        pollable = future.subscribe()
        pollable.block()
        result = future.get()
        assert result is not None
        inner = result.value
        if isinstance(inner, Err):
            respond(out, 502, [], type(inner.value).__name__.encode())
            return
        response = inner.value
        upstream = [(k, v) for k, v in response.headers().entries() if k.lower().startswith("x-")]
        respond(out, response.status(), upstream, read_all(response.consume()))
