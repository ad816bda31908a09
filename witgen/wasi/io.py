"""`wasi:io`: the `error` resource and the stream resources every other interface hands out.

`InputStream` and `OutputStream` hold the semantics `wasi:io/streams` prescribes (errors, EOF
as `closed`, the `check-write` permit a write may not exceed, flushes, the blocking variants,
splice); a concrete stream only says what is available now and how to wait for more (the
`_take`/`_room`/`_put`/`_readiness` hooks). Ready-made ones: fixed bytes, a host descriptor
or file (stdin), a sink function (stdout/stderr), and `Pipe`, a bounded buffer between the
guest and another thread (HTTP bodies), which is where back-pressure comes from.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from witgen.runtime.errors import Trap
from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.streams import StreamError_Closed, StreamError_LastOperationFailed
from witgen.wasi.poll import FdReady, Pollable, Ready, Waiting, poll
from witgen.wasi.stdio import Sink, Source

if TYPE_CHECKING:
    from witgen.wasi.link import Session

MAX_READ = 1 << 20
"""Bytes one read may return, whatever length the guest asks for (its memory, and ours)."""
MAX_PERMIT = 1 << 20
"""Bytes `check-write` grants at once."""
T = TypeVar("T")

BLOCKING_MAX = 4096
"""What `blocking-write-and-flush` and `blocking-write-zeroes-and-flush` accept (the WIT's limit)."""


class IoError:
    """The resource `error`: why a stream operation failed. `code` is what
    `wasi:filesystem/types.filesystem-error-code` (or another interface's downcast) reports."""

    def __init__(self, message: str, code: object | None = None) -> None:
        self.message = message
        self.code = code

    def to_debug_string(self) -> str:
        return self.message


class StreamFailure(Exception):
    """Raised by a stream's hooks: the operation failed (`last-operation-failed`), and the stream
    is closed from then on."""

    def __init__(self, message: str, code: object | None = None) -> None:
        super().__init__(message)
        self.error = IoError(message, code)


def closed() -> Err[StreamError_Closed]:
    return Err(StreamError_Closed())


class InputStream:
    """The resource `input-stream`. Subclasses provide `_take` and `_readiness`."""

    def __init__(self) -> None:
        self._ended = False

    def _take(self, n: int) -> bytes | None:
        """Up to `n` (> 0) bytes available now: b"" when none are yet, None at the end."""
        raise NotImplementedError

    def _readiness(self) -> Pollable:
        """A pollable ready once `_take` would return bytes or the end."""
        return Ready()

    def read(self, len: int) -> bytes:
        if self._ended:
            raise closed()
        if len == 0:
            return b""
        try:
            data = self._take(min(len, MAX_READ))
        except StreamFailure as failure:
            self._ended = True
            raise Err(StreamError_LastOperationFailed(failure.error)) from None
        if data is None:
            self._ended = True
            raise closed()
        return data

    def blocking_read(self, len: int) -> bytes:
        while True:
            data = self.read(len)
            if data or len == 0:
                return data
            poll([self._readiness()])

    def skip(self, len: int) -> int:
        return _size(self.read(len))

    def blocking_skip(self, len: int) -> int:
        return _size(self.blocking_read(len))

    def subscribe(self) -> Pollable:
        return Ready() if self._ended else self._readiness()

    def close(self) -> None:
        """The guest dropped the stream."""


def _size(data: bytes) -> int:
    """`len`, for the methods whose parameter the WIT names `len`."""
    return len(data)


class OutputStream:
    """The resource `output-stream`. Subclasses provide `_room`, `_put`, and where writes are
    not immediate, `_flush`, `_flushed` and `_readiness`."""

    def __init__(self) -> None:
        self._ended = False
        self._permit = 0

    def _room(self) -> int:
        """Bytes the stream takes now without blocking (0: full). Raise `StreamFailure` if it
        broke, return -1 if the other side is gone (the stream is closed)."""
        return MAX_PERMIT

    def _put(self, data: bytes) -> None:
        raise NotImplementedError

    def _flush(self) -> None:
        """Start flushing what was written."""

    def _flushed(self) -> bool:
        return True

    def _readiness(self) -> Pollable:
        """A pollable ready once `_room` is positive (or the stream broke) and flushes are done."""
        return Ready()

    def check_write(self) -> int:
        if self._ended:
            raise closed()
        room = self._guard(self._room) if self._guard(self._flushed) else 0
        if room < 0:
            self._ended = True
            raise closed()
        self._permit = min(room, MAX_PERMIT)
        return self._permit

    def write(self, contents: bytes | bytearray | memoryview) -> None:
        if self._ended:
            raise closed()
        size = len(contents)
        if size > self._permit:
            raise Trap(
                f"output-stream.write of {size} bytes exceeds the {self._permit} bytes check-write permitted"
            )
        self._permit -= size
        if size:
            data = bytes(contents)
            self._guard(lambda: self._put(data))

    def blocking_write_and_flush(self, contents: bytes | bytearray | memoryview) -> None:
        if len(contents) > BLOCKING_MAX:
            raise Trap(
                f"blocking-write-and-flush of {len(contents)} bytes: at most {BLOCKING_MAX} may be written at once"
            )
        view = memoryview(bytes(contents))
        while True:
            permit = self._wait_for_permit()
            if not view:
                break
            chunk, view = view[:permit], view[permit:]
            self.write(chunk)
        self.blocking_flush()

    def _wait_for_permit(self) -> int:
        while True:
            permit = self.check_write()
            if permit:
                return permit
            poll([self._readiness()])

    def flush(self) -> None:
        if self._ended:
            raise closed()
        self._permit = 0
        self._guard(self._flush)

    def blocking_flush(self) -> None:
        self.flush()
        while not self._guard(self._flushed):
            poll([self._readiness()])
        if self._ended:
            raise closed()

    def subscribe(self) -> Pollable:
        return Ready() if self._ended else self._readiness()

    def write_zeroes(self, len: int) -> None:
        if len > self._permit:
            self.write(b"")  # the same checks as `write`, then its trap
            raise Trap(f"write-zeroes of {len} bytes exceeds the {self._permit} bytes check-write permitted")
        self.write(bytes(len))

    def blocking_write_zeroes_and_flush(self, len: int) -> None:
        if len > BLOCKING_MAX:
            raise Trap(f"blocking-write-zeroes-and-flush of {len} bytes: at most {BLOCKING_MAX} at once")
        self.blocking_write_and_flush(bytes(len))

    def splice(self, src: InputStream, len: int) -> int:
        permit = self.check_write()
        if permit == 0 or len == 0:
            return 0
        data = src.read(min(len, permit))
        self.write(data)
        return _size(data)

    def blocking_splice(self, src: InputStream, len: int) -> int:
        permit = self._wait_for_permit()
        if len == 0:
            return 0
        data = src.blocking_read(min(len, permit))
        self.write(data)
        return _size(data)

    def close(self) -> None:
        """The guest dropped the stream."""

    def _guard(self, hook: Callable[[], T]) -> T:
        """Run a hook; a `StreamFailure` closes the stream and becomes `last-operation-failed`."""
        try:
            return hook()
        except StreamFailure as failure:
            self._ended = True
            raise Err(StreamError_LastOperationFailed(failure.error)) from None


class BytesInput(InputStream):
    """Fixed bytes (stdin given as bytes, an empty stdin): never blocks."""

    def __init__(self, data: bytes = b"") -> None:
        super().__init__()
        self._data = memoryview(data)

    def _take(self, n: int) -> bytes | None:
        if not self._data:
            return None
        chunk, self._data = self._data[:n], self._data[n:]
        return bytes(chunk)


class SourceInput(InputStream):
    """A `stdio.Source`: the host's stdin (waited on through its descriptor), or a file."""

    def __init__(self, source: Source) -> None:
        super().__init__()
        self._source = source

    def _take(self, n: int) -> bytes | None:
        fd = self._source.fileno()
        if fd is not None and not FdReady(fd).ready():
            return b""
        try:
            data = self._source.read(n)
        except OSError as exc:
            raise StreamFailure(f"reading stdin: {os.strerror(exc.errno or 0)}") from None
        return data or None

    def _readiness(self) -> Pollable:
        fd = self._source.fileno()
        return Ready() if fd is None else FdReady(fd)


class SinkOutput(OutputStream):
    """Writes handed to a `stdio.Sink` (stdout, stderr): always room, nothing to flush."""

    def __init__(self, sink: Sink) -> None:
        super().__init__()
        self._sink = sink

    def _put(self, data: bytes) -> None:
        try:
            self._sink(data)
        except OSError as exc:
            raise StreamFailure(f"writing: {os.strerror(exc.errno or 0)}") from None


class Pipe:
    """A bounded byte buffer between a guest's stream and another thread of the host.

    One side is a guest stream (`input()` for the guest to read what the host `feed`s, or
    `output()` for the host to `drain` what the guest writes); `capacity` bounds what waits in
    between, so a fast writer waits for a slow reader (back-pressure). `finish` ends the
    writing side (optionally with an error the reader sees as `last-operation-failed`)."""

    def __init__(self, capacity: int = 1 << 20) -> None:
        self.capacity = capacity
        self.cond = threading.Condition()
        self._buffer = bytearray()
        self._finished = False
        self._error: str | None = None
        self._reader_gone = False

    # --- the host's side ---------------------------------------------------------------------

    def feed(self, data: bytes, timeout: float | None = None) -> bool:
        """Append `data`, waiting while the buffer is full; False if the reader went away (or
        the wait timed out) before all of it fit."""
        view = memoryview(data)
        with self.cond:
            while view:
                if self._reader_gone or self._finished:
                    return False
                room = self.capacity - len(self._buffer)
                if room <= 0:
                    if not self.cond.wait(timeout):
                        return False
                    continue
                self._buffer += view[:room]
                view = view[room:]
                self.cond.notify_all()
        return True

    def finish(self, error: str | None = None) -> None:
        """No more bytes will come (`error`: the writing side failed)."""
        with self.cond:
            if not self._finished:
                self._finished = True
                self._error = error
                self.cond.notify_all()

    def drain(self, n: int = 1 << 16, timeout: float | None = None) -> bytes | None:
        """Up to `n` bytes, waiting for at least one; None once finished and empty (or after
        `timeout` seconds with nothing: b"")."""
        with self.cond:
            while not self._buffer and not self._finished:
                if not self.cond.wait(timeout):
                    return b""
            if not self._buffer:
                return None
            chunk = bytes(self._buffer[:n])
            del self._buffer[:n]
            self.cond.notify_all()
            return chunk

    def abandon(self) -> None:
        """The reading side is gone: writers see the stream closed."""
        with self.cond:
            self._reader_gone = True
            self._buffer.clear()
            self.cond.notify_all()

    @property
    def finished(self) -> bool:
        return self._finished

    # --- the guest's side --------------------------------------------------------------------

    def input(self) -> PipeInput:
        return PipeInput(self)

    def output(self, finish_on_close: bool = True) -> PipeOutput:
        return PipeOutput(self, finish_on_close)

    def _take(self, n: int) -> bytes | None:
        with self.cond:
            if self._buffer:
                chunk = bytes(self._buffer[:n])
                del self._buffer[:n]
                self.cond.notify_all()
                return chunk
            if not self._finished:
                return b""
            if self._error is not None:
                raise StreamFailure(self._error)
            return None

    def _readable(self) -> bool:
        return bool(self._buffer) or self._finished

    def _room(self) -> int:
        with self.cond:
            if self._reader_gone or self._finished:
                return -1
            return max(0, self.capacity - len(self._buffer))

    def _put(self, data: bytes) -> None:
        with self.cond:
            self._buffer += data
            self.cond.notify_all()

    def _writable(self) -> bool:
        return self._reader_gone or self._finished or len(self._buffer) < self.capacity


class PipeInput(InputStream):
    """The guest reads what the host feeds into a `Pipe`."""

    def __init__(self, pipe: Pipe) -> None:
        super().__init__()
        self.pipe = pipe

    def _take(self, n: int) -> bytes | None:
        return self.pipe._take(n)

    def _readiness(self) -> Pollable:
        return Waiting(self.pipe.cond, self.pipe._readable)

    def close(self) -> None:
        self.pipe.abandon()


class PipeOutput(OutputStream):
    """The guest writes into a `Pipe` the host drains; `finish_on_close`: dropping the stream
    ends the pipe (stdout-like), else the owner finishes it (an HTTP body's `finish`)."""

    def __init__(self, pipe: Pipe, finish_on_close: bool) -> None:
        super().__init__()
        self.pipe = pipe
        self._finish_on_close = finish_on_close

    def _room(self) -> int:
        return self.pipe._room()

    def _put(self, data: bytes) -> None:
        self.pipe._put(data)

    def _readiness(self) -> Pollable:
        return Waiting(self.pipe.cond, self.pipe._writable)

    def close(self) -> None:
        if self._finish_on_close:
            self.pipe.finish()


class ErrorHost:
    """`wasi:io/error`."""

    Error = IoError


_Pollable = Pollable


class PollHost:
    """`wasi:io/poll`."""

    Pollable = Pollable

    def poll(self, in_: Sequence[_Pollable]) -> list[int]:
        return poll(in_)


class StreamsHost:
    """`wasi:io/streams`: its resources are made by other interfaces (stdio, files, sockets,
    bodies), never constructed by the guest."""

    InputStream = InputStream
    OutputStream = OutputStream


def hosts(session: Session) -> dict[str, object]:
    return {"wasi:io/error": ErrorHost(), "wasi:io/poll": PollHost(), "wasi:io/streams": StreamsHost()}
