"""`wasi:http/types` bodies: `incoming-body` (its `input-stream` and `future-trailers`) and
`outgoing-body` (its `output-stream`, finished with optional trailers).

A body's bytes travel through a `witgen.wasi.io.Pipe` between the guest and a host thread (the
HTTP client's reader or writer, the server's request pump or response sender), which bounds
what is buffered: the slower side makes the faster one wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from witgen.runtime.types import Err, Ok, Result
from witgen.wasi.bindings.imports.wasi_http_types import (
    ErrorCode,
    ErrorCode_HttpRequestBodySize,
    ErrorCode_HttpResponseBodySize,
)
from witgen.wasi.http.fields import Family, Fields
from witgen.wasi.io import InputStream, Pipe, PipeInput, PipeOutput, StreamFailure
from witgen.wasi.poll import Pollable, Ready, Waiting

Kind = Literal["request", "response"]


class Incoming:
    """The host's side of an incoming body: it feeds `pipe`, then `end`s it with the outcome
    (trailers or an error code) that the guest's `future-trailers` reports."""

    def __init__(self, capacity: int = 1 << 20) -> None:
        self.pipe = Pipe(capacity)
        self._outcome: Result[Fields | None, ErrorCode] | None = None

    def end(self, trailers: list[tuple[str, bytes]] | None = None, error: ErrorCode | None = None) -> None:
        with self.pipe.cond:
            if self._outcome is None:
                frozen = None if trailers is None else Fields.frozen(trailers)
                self._outcome = Err(error) if error is not None else Ok(frozen)
        self.pipe.finish(None if error is None else _describe(error))

    def outcome(self) -> Result[Fields | None, ErrorCode] | None:
        return self._outcome


def _describe(code: ErrorCode) -> str:
    return f"HTTP body failed: {type(code).__name__.removeprefix('ErrorCode_')}"


class BodyInput(PipeInput):
    """The `input-stream` of an incoming body; a failure carries the body's `error-code`."""

    def __init__(self, source: Incoming, parent: Family) -> None:
        super().__init__(source.pipe)
        self._source = source
        self._parent: Family | None = parent.adopt()

    def _take(self, n: int) -> bytes | None:
        try:
            return super()._take(n)
        except StreamFailure as failure:
            outcome = self._source.outcome()
            code = outcome.value if isinstance(outcome, Err) else None
            raise StreamFailure(str(failure), code) from None

    def close(self) -> None:
        if self._parent is not None:
            self._parent.release()
            self._parent = None
        super().close()


class IncomingBody:
    """The resource `incoming-body`."""

    def __init__(self, source: Incoming) -> None:
        self._source = source
        self._family = Family("incoming-body")
        self._streamed = False

    def stream(self) -> InputStream:
        if self._streamed:
            raise Err(None)
        self._streamed = True
        return BodyInput(self._source, self._family)

    @staticmethod
    def finish(this: IncomingBody) -> FutureTrailers:
        this._family.check("finishing")
        return FutureTrailers(this._source)

    def close(self) -> None:
        self._family.check("dropping")


class FutureTrailers:
    """The resource `future-trailers`: ready once the whole body has arrived (or failed)."""

    def __init__(self, source: Incoming) -> None:
        self._source = source
        self._taken = False
        self._family = Family("future-trailers")

    def subscribe(self) -> Pollable:
        if self._source.outcome() is not None:
            return Ready()
        return Waiting(self._source.pipe.cond, lambda: self._source.outcome() is not None)

    def get(self) -> Ok[Result[Fields | None, ErrorCode]] | Err[None] | None:
        outcome = self._source.outcome()
        if outcome is None:
            return None
        if self._taken:
            return Err(None)
        self._taken = True
        if isinstance(outcome, Ok) and outcome.value is not None:
            return Ok(Ok(outcome.value.view(self._family)))
        return Ok(outcome)

    def close(self) -> None:
        self._family.check("dropping")


@dataclass
class Outgoing:
    """The host's side of an outgoing body: it drains `pipe`; `state` says how the guest ended
    it ("open" while writing, "finished" with `trailers`, or "broken": dropped unfinished or its
    instance gone)."""

    kind: Kind
    length: int | None
    """The Content-Length the guest declared, which `finish` checks."""

    def __post_init__(self) -> None:
        self.pipe = Pipe()
        self.state: Literal["open", "finished", "broken"] = "open"
        self.trailers: list[tuple[str, bytes]] | None = None
        self.written = 0
        self._listener: Callable[[], object] | None = None
        self._listening = threading.Lock()

    def listen(self, wake: Callable[[], object]) -> None:
        """Call `wake` once, from the writer's thread, when bytes arrive or the body ends (a
        reader on an event loop waits so, with no thread blocked in `drain`)."""
        with self._listening:
            self._listener = wake

    def wake(self) -> None:
        with self._listening:  # taken and cleared at once: a listener set meanwhile stays
            listener, self._listener = self._listener, None
        if listener is not None:
            listener()

    def close(self, state: Literal["finished", "broken"]) -> None:
        with self.pipe.cond:
            if self.state != "open":
                return
            self.state = state
        self.pipe.finish(None if state == "finished" else "the body was not finished")
        self.wake()


class BodyOutput(PipeOutput):
    """The `output-stream` of an outgoing body: counts what is written against Content-Length."""

    def __init__(self, sink: Outgoing, parent: Family) -> None:
        super().__init__(sink.pipe, finish_on_close=False)
        self._sink = sink
        self._parent: Family | None = parent.adopt()

    def _put(self, data: bytes) -> None:
        self._sink.written += len(data)
        if self._sink.length is not None and self._sink.written > self._sink.length:
            code = _size_error(self._sink)
            self._sink.close("broken")
            raise StreamFailure("wrote more than the body's Content-Length", code)
        super()._put(data)
        self._sink.wake()

    def close(self) -> None:
        if self._parent is not None:
            self._parent.release()
            self._parent = None


def _size_error(sink: Outgoing) -> ErrorCode:
    if sink.kind == "request":
        return ErrorCode_HttpRequestBodySize(sink.written)
    return ErrorCode_HttpResponseBodySize(sink.written)


class OutgoingBody:
    """The resource `outgoing-body`."""

    def __init__(self, sink: Outgoing) -> None:
        self._sink = sink
        self._family = Family("outgoing-body")
        self._written = False

    def write(self) -> BodyOutput:
        if self._written:
            raise Err(None)
        self._written = True
        return BodyOutput(self._sink, self._family)

    @staticmethod
    def finish(this: OutgoingBody, trailers: Fields | None) -> None:
        this._family.check("finishing")
        sink = this._sink
        if sink.length is not None and sink.written != sink.length:
            sink.close("broken")
            raise Err(_size_error(sink))
        sink.trailers = None if trailers is None else trailers.items()
        sink.close("finished")

    def close(self) -> None:
        self._family.check("dropping")
        self._sink.close("broken")


def declared_length(headers: Fields) -> int | None:
    """The Content-Length in `headers`, if any and well-formed."""
    value = headers.first("content-length")
    return int(value) if value is not None and value.isdigit() else None
