"""The ASGI application serving a `wasi:http/incoming-handler` component.

Each HTTP request becomes an `incoming-request` (its body fed by a pump task from ASGI's
`receive`) and a `response-outparam`; the component's `handle` runs on a worker thread, and once
it sets the response, the head is sent and the body streamed from what the guest writes. A
trap, or a handler that never answers, is a 500 with the error logged; the server goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from witgen.http.instances import Instances
from witgen.runtime.types import Err, Ok
from witgen.wasi.bindings.imports.wasi_http_types import ErrorCode_ConnectionTerminated
from witgen.wasi.http.body import Incoming
from witgen.wasi.http.messages import Answer, Head, IncomingRequest, OutgoingResponse, ResponseOutparam

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("witgen.http")
CHUNK = 1 << 16
FIRST_LOOK = 0.005
LOOK = 0.05
"""Seconds before the first look, and at most between looks, for the answer of a handler that
goes on after setting it (streaming its body, waiting on something)."""


class App:
    """An ASGI 3 application (`await app(scope, receive, send)`) over `instances`."""

    def __init__(self, instances: Instances, workers: int = 8) -> None:
        self.instances = instances
        self._calls = ThreadPoolExecutor(max(workers, instances.pool), thread_name_prefix="witgen-http")
        self._io = ThreadPoolExecutor(64, thread_name_prefix="witgen-http-io")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            raise ValueError(f"witgen.http serves HTTP only, not {scope['type']!r}")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await asyncio.get_running_loop().run_in_executor(self._calls, self.instances.warm)
                except Exception as exc:  # noqa: BLE001  # reported to the server, which stops
                    await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._calls.shutdown(wait=False)
                self._io.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        incoming = Incoming()
        pump = await self._start_body(receive, incoming)
        request = IncomingRequest(_head(scope), incoming)
        settled: asyncio.Future[Answer | Ended] = loop.create_future()
        delivered: list[Answer] = []
        outparam = ResponseOutparam(delivered.append)
        self._calls.submit(self._call, loop, scope, request, outparam, delivered, incoming, settled, pump)
        result = await _answer(settled, delivered)
        if isinstance(result, Ended):
            text = "the component failed" if result.failure else "the component sent no response"
            await _plain(send, 500, text)
        elif isinstance(result, Err):
            await _plain(send, 500, f"the component answered with an error: {result.value}")
        else:
            await self._respond(scope, send, result.value)

    def _call(
        self,
        loop: asyncio.AbstractEventLoop,
        scope: Scope,
        request: IncomingRequest,
        outparam: ResponseOutparam,
        delivered: list[Answer],
        incoming: Incoming,
        settled: asyncio.Future[Answer | Ended],
        pump: asyncio.Future[None] | None,
    ) -> None:
        """Run `handle` on a worker thread: the instance goes back to the pool unless it failed;
        then settle the request with the answer set (or the failure)."""
        failure: BaseException | None = None
        try:
            instance = self.instances.take()
            try:
                instance.handle(request, outparam)
            except Exception as exc:  # noqa: BLE001  # a trap (or the guest exited): log, 500
                failure = exc
                log.error(
                    "the component trapped handling %s %s", scope["method"], scope["path"], exc_info=exc
                )
            else:
                self.instances.give(instance)
        except Exception as exc:  # noqa: BLE001  # instantiation failed: this request fails
            failure = exc
            log.error("instantiating %s failed", self.instances.path, exc_info=exc)
        finally:
            incoming.pipe.abandon()
            for result in delivered:  # a body still open now will never be finished
                if isinstance(result, Ok):
                    result.value.sink.close("broken")
            loop.call_soon_threadsafe(_settle, settled, delivered[0] if delivered else Ended(failure))
            if pump is not None:
                loop.call_soon_threadsafe(pump.cancel)

    async def _start_body(self, receive: Receive, incoming: Incoming) -> asyncio.Future[None] | None:
        """Take the request's first message; a pump task feeds the rest of a longer body."""
        message = await receive()
        if message["type"] == "http.disconnect":
            incoming.end(error=ErrorCode_ConnectionTerminated())
            return None
        body = message.get("body", b"")
        if len(body) > incoming.pipe.capacity:
            return asyncio.ensure_future(self._pump(receive, incoming, body))
        if body:
            incoming.pipe.feed(body)  # fits: the pipe is empty
        if not message.get("more_body", False):
            incoming.end()
            return None
        return asyncio.ensure_future(self._pump(receive, incoming, b""))

    async def _pump(self, receive: Receive, incoming: Incoming, body: bytes) -> None:
        """Feed the request body to the guest as the client sends it."""
        loop = asyncio.get_running_loop()
        while True:
            if body and not await loop.run_in_executor(self._io, incoming.pipe.feed, body):
                incoming.end()  # the guest dropped the body: its future-trailers resolve
                return
            message = await receive()
            if message["type"] == "http.disconnect":
                incoming.end(error=ErrorCode_ConnectionTerminated())
                return
            body = message.get("body", b"")
            if not message.get("more_body", False):
                if body:
                    await loop.run_in_executor(self._io, incoming.pipe.feed, body)
                incoming.end()
                return

    async def _respond(self, scope: Scope, send: Send, response: OutgoingResponse) -> None:
        loop = asyncio.get_running_loop()
        headers = [(k.lower().encode("latin-1"), v) for k, v in response.fields.items()]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        sink = response.sink
        held: bytes | None = None
        while True:
            chunk = sink.pipe.drain(CHUNK, timeout=0)
            if chunk == b"":
                more: asyncio.Future[None] = loop.create_future()
                sink.listen(partial(loop.call_soon_threadsafe, _settle, more, None))
                chunk = sink.pipe.drain(CHUNK, timeout=0)  # what came before the listener
                if chunk == b"":
                    if held is not None:  # nothing more yet: the client gets what there is
                        await send({"type": "http.response.body", "body": held, "more_body": True})
                        held = None
                    await more
                    continue
            if chunk is None:
                break
            if held is not None:
                await send({"type": "http.response.body", "body": held, "more_body": True})
            held = chunk
        if sink.state != "finished":
            log.error("the component did not finish the body of %s %s", scope["method"], scope["path"])
            raise BrokenBody("the component did not finish the response body")
        await send({"type": "http.response.body", "body": held or b"", "more_body": False})


@dataclass
class Ended:
    """`handle` returned (or failed: `failure`) without setting the response."""

    failure: BaseException | None


async def _answer(settled: asyncio.Future[Answer | Ended], delivered: list[Answer]) -> Answer | Ended:
    """The guest's answer, as soon as `handle` returns or, if it goes on (streaming a body,
    waiting on something), once it has set one: `delivered` is looked at after 5 ms, 10 ms, ...
    (at most `LOOK` apart). Waking the event loop as `set` is called would make it fight the
    guest's thread for the GIL while most handlers are about to return anyway."""
    loop = asyncio.get_running_loop()
    timer: list[asyncio.TimerHandle] = []

    def look(delay: float) -> None:
        if delivered:
            _settle(settled, delivered[0])
        elif not settled.done():
            timer[:] = [loop.call_later(delay, look, min(delay * 2, LOOK))]

    look(FIRST_LOOK)
    try:
        return await settled
    finally:
        for handle in timer:
            handle.cancel()


def _settle(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


class BrokenBody(Exception):
    """The guest dropped its response body unfinished (or trapped while writing it): the
    server cuts the connection, so the client sees an incomplete response."""


def _head(scope: Scope) -> Head:
    """What the guest's `incoming-request` reports, from the ASGI scope."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    query = scope.get("query_string", b"")
    path = raw.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
    headers = [(k.decode("latin-1"), bytes(v)) for k, v in scope["headers"]]
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"host"), None)
    if host is None and scope.get("server"):
        name, port = scope["server"]
        host = f"{name}:{port}" if port is not None else name
    return Head(scope["method"], path, scope.get("scheme", "http"), host, headers)


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
