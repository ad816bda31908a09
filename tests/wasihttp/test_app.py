"""`witgen.http.App` driven directly as an ASGI server would, with Python handlers standing in
for a component (the same resources a guest gets): bodies bigger than a pipe, a client that
disconnects mid-body, failures."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from witgen.http.app import App
from witgen.runtime.errors import Trap
from witgen.runtime.types import Err, Ok
from witgen.wasi.bindings.imports import wasi_http_types as t
from witgen.wasi.bindings.imports.streams import StreamError_Closed, StreamError_LastOperationFailed
from witgen.wasi.http.body import IncomingBody, OutgoingBody
from witgen.wasi.http.errors import http_error_code
from witgen.wasi.http.fields import Fields
from witgen.wasi.http.messages import IncomingRequest, OutgoingResponse, ResponseOutparam
from witgen.wasi.poll import poll

Handler = Callable[[IncomingRequest, ResponseOutparam], None]


class Handlers:
    """What `App` needs of `Instances`: here every instance is the same Python handler."""

    path = "handlers"
    pool = 0

    def __init__(self, handle: Handler) -> None:
        self.handle = handle
        self.given = 0

    def take(self) -> Handlers:
        return self

    def give(self, instance: object) -> None:
        self.given += 1


def serve(handle: Handler, messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Handlers]:
    """Run one request through `App`; the messages the server was sent, and the instances."""
    handlers = Handlers(handle)
    app = App(handlers)  # type: ignore[arg-type]
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"", "headers": [(b"host", b"h")]}

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(app(scope, receive, send), 30))
    return sent, handlers


def read_all(request: IncomingRequest) -> bytes:
    body = request.consume()
    stream = body.stream()
    data = bytearray()
    while True:
        try:
            data += stream.blocking_read(1 << 16)
        except Err as e:
            if isinstance(e.value, StreamError_Closed):
                break
            raise
    stream.close()
    IncomingBody.finish(body)
    return bytes(data)


def reply(out: ResponseOutparam, status: int, data: bytes) -> None:
    response = OutgoingResponse(Fields.from_list([("x-len", str(len(data)).encode())]))
    response.set_status_code(status)
    body = response.body()
    ResponseOutparam.set(out, Ok(response))
    stream = body.write()
    for start in range(0, len(data), 4096):
        stream.blocking_write_and_flush(data[start : start + 4096])
    stream.close()
    OutgoingBody.finish(body, None)


def body_of(sent: list[dict[str, Any]]) -> bytes:
    assert sent[-1]["type"] == "http.response.body" and not sent[-1].get("more_body", False)
    return b"".join(m.get("body", b"") for m in sent[1:])


def test_a_body_bigger_than_the_pipe_streams_both_ways() -> None:
    big = bytes(range(256)) * (12 * 1024)  # 3 MiB in the first message, more after
    messages = [
        {"type": "http.request", "body": big, "more_body": True},
        {"type": "http.request", "body": b"tail", "more_body": False},
    ]
    sent, handlers = serve(lambda req, out: reply(out, 201, read_all(req)), messages)
    assert sent[0]["status"] == 201 and (b"x-len", str(len(big) + 4).encode()) in sent[0]["headers"]
    assert body_of(sent) == big + b"tail"
    assert handlers.given == 1  # the instance went back


def test_a_client_gone_mid_body_is_connection_terminated_for_the_guest() -> None:
    seen: list[object] = []

    def handle(request: IncomingRequest, out: ResponseOutparam) -> None:
        stream = request.consume().stream()
        try:
            while True:
                stream.blocking_read(1 << 16)
        except Err as e:
            seen.append(e.value)
        reply(out, 200, b"")

    messages = [{"type": "http.request", "body": b"part", "more_body": True}, {"type": "http.disconnect"}]
    serve(handle, messages)
    (failure,) = seen
    assert isinstance(failure, StreamError_LastOperationFailed)
    assert http_error_code(failure.value) == t.ErrorCode_ConnectionTerminated()


def test_a_failing_handler_is_a_500_and_its_instance_is_not_reused() -> None:
    def handle(request: IncomingRequest, out: ResponseOutparam) -> None:
        raise Trap("wasm trap: unreachable")

    sent, handlers = serve(handle, [{"type": "http.request", "body": b"", "more_body": False}])
    assert sent[0]["status"] == 500 and body_of(sent) == b"the component failed"
    assert handlers.given == 0


def test_trailers_resolve_when_the_guest_drops_the_body_early() -> None:
    got: list[object] = []

    def handle(request: IncomingRequest, out: ResponseOutparam) -> None:
        body = request.consume()
        stream = body.stream()
        got.append(stream.blocking_read(4))
        stream.close()  # not interested in the rest
        trailers = IncomingBody.finish(body)
        poll([trailers.subscribe()])
        got.append(trailers.get())
        reply(out, 200, b"")

    messages = [
        {"type": "http.request", "body": b"head", "more_body": True},
        {"type": "http.request", "body": b"more", "more_body": True},
        {"type": "http.request", "body": b"last", "more_body": False},
    ]
    sent, _ = serve(handle, messages)
    assert sent[0]["status"] == 200
    assert got == [b"head", Ok(Ok(None))]
