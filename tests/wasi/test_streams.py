"""wasi:io streams as `witgen.wasi.io` implements them: what the WIT prescribes for reads, the
check-write permit, flushes, the blocking variants, splice, and a `Pipe`'s back-pressure."""

from __future__ import annotations

import threading
import time

import pytest

from witgen.runtime.errors import Trap
from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.streams import StreamError_Closed, StreamError_LastOperationFailed
from witgen.wasi.io import (
    BLOCKING_MAX,
    MAX_READ,
    BytesInput,
    InputStream,
    IoError,
    Pipe,
    SinkOutput,
    StreamFailure,
)


def _error(call: object) -> object:
    assert callable(call)
    with pytest.raises(Err) as info:
        call()
    return info.value.value


def test_reads_give_what_is_there_then_closed() -> None:
    stream = BytesInput(b"hello world")
    assert stream.read(0) == b""
    assert stream.read(5) == b"hello"
    assert stream.skip(1) == 1
    assert stream.blocking_read(100) == b"world"
    assert isinstance(_error(lambda: stream.read(1)), StreamError_Closed)
    assert isinstance(_error(lambda: stream.read(0)), StreamError_Closed)  # closed stays closed
    assert stream.subscribe().ready()


def test_a_read_never_returns_more_than_the_cap_whatever_the_guest_asks() -> None:
    stream = BytesInput(bytes(MAX_READ + 10))
    assert len(stream.read(2**64 - 1)) == MAX_READ


def test_a_failing_source_is_last_operation_failed_then_closed() -> None:
    class Broken(InputStream):
        def _take(self, n: int) -> bytes | None:
            raise StreamFailure("disk on fire", code="io")

    stream = Broken()
    failed = _error(lambda: stream.read(4))
    assert isinstance(failed, StreamError_LastOperationFailed)
    assert isinstance(failed.value, IoError)
    assert failed.value.to_debug_string() == "disk on fire" and failed.value.code == "io"
    assert isinstance(_error(lambda: stream.read(4)), StreamError_Closed)


def test_writes_must_stay_within_the_check_write_permit() -> None:
    out = bytearray()
    stream = SinkOutput(out.extend)
    with pytest.raises(Trap, match="exceeds the 0 bytes check-write permitted"):
        stream.write(b"x")  # no check-write yet
    permit = stream.check_write()
    assert permit > 0
    stream.write(b"abc")
    stream.write(bytes(permit - 3))
    with pytest.raises(Trap, match="check-write"):
        stream.write(b"y")
    stream.check_write()
    stream.write_zeroes(2)
    stream.flush()
    with pytest.raises(Trap):
        stream.write(b"z")  # a flush takes the permit back
    assert out == b"abc" + bytes(permit - 3) + bytes(2)


def test_blocking_write_and_flush_takes_at_most_4096_bytes() -> None:
    out = bytearray()
    stream = SinkOutput(out.extend)
    stream.blocking_write_and_flush(b"x" * BLOCKING_MAX)
    stream.blocking_write_zeroes_and_flush(3)
    with pytest.raises(Trap, match="at most 4096"):
        stream.blocking_write_and_flush(b"x" * (BLOCKING_MAX + 1))
    assert out == b"x" * BLOCKING_MAX + bytes(3)


def test_splice_moves_what_both_sides_allow() -> None:
    out = bytearray()
    sink = SinkOutput(out.extend)
    src = BytesInput(b"0123456789")
    assert sink.splice(src, 4) == 4
    assert sink.blocking_splice(src, 100) == 6
    assert isinstance(_error(lambda: sink.splice(src, 1)), StreamError_Closed)
    assert out == b"0123456789"


def test_a_pipe_applies_back_pressure_to_the_guests_writes() -> None:
    pipe = Pipe(capacity=8)
    stream = pipe.output()
    assert stream.check_write() == 8
    stream.write(b"12345678")
    assert stream.check_write() == 0
    assert not stream.subscribe().ready()
    assert pipe.drain(3) == b"123"
    assert stream.subscribe().ready()
    assert stream.check_write() == 3
    # a blocking write waits for the host's reader, on another thread
    got = bytearray()

    def reader() -> None:
        while (chunk := pipe.drain(4)) is not None:
            got.extend(chunk)

    thread = threading.Thread(target=reader)
    thread.start()
    stream.blocking_write_and_flush(b"a" * 100)
    stream.close()  # finishes the pipe: the reader sees the end
    thread.join(5)
    assert got == b"45678" + b"a" * 100


def test_a_pipe_feeds_the_guest_and_its_pollable_waits_for_data() -> None:
    pipe = Pipe(capacity=4)
    stream = pipe.input()
    assert stream.read(10) == b""
    ready = stream.subscribe()
    assert not ready.ready()

    def writer() -> None:
        time.sleep(0.05)
        assert pipe.feed(b"abcdefgh")  # waits for room twice
        pipe.finish()

    thread = threading.Thread(target=writer)
    thread.start()
    start = time.monotonic()
    data = stream.blocking_read(10)
    assert time.monotonic() - start >= 0.04 and data
    while True:
        try:
            data += stream.blocking_read(10)
        except Err as exc:
            assert isinstance(exc.value, StreamError_Closed)
            break
    thread.join(5)
    assert data == b"abcdefgh"


def test_a_pipe_finished_with_an_error_fails_the_read() -> None:
    pipe = Pipe()
    pipe.feed(b"ab")
    pipe.finish("connection reset")
    stream = pipe.input()
    assert stream.read(10) == b"ab"
    failed = _error(lambda: stream.read(10))
    assert isinstance(failed, StreamError_LastOperationFailed)
    assert failed.value.to_debug_string() == "connection reset"


def test_writing_to_a_pipe_whose_reader_left_is_closed() -> None:
    pipe = Pipe()
    stream = pipe.output()
    pipe.abandon()
    assert isinstance(_error(stream.check_write), StreamError_Closed)
    assert pipe.feed(b"x") is False
