"""A guest's stdio as the policy says: where its output bytes go and where its input comes from.

"inherit" writes to the host's file descriptors 1 and 2 directly (not through `sys.stdout`, whose
buffering and replacement by test runners would reorder or swallow guest output), and reads
descriptor 0.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import BinaryIO

from witgen.wasi.policy import Input, Output

Sink = Callable[[bytes], None]


def sink(target: Output, inherit_fd: int) -> Sink:
    """A function taking each write of the guest to `target`."""
    if target is None:
        return lambda data: None
    if target == "inherit":
        return lambda data: _write_all(inherit_fd, data)
    if isinstance(target, bytearray):
        return target.extend
    if callable(target):
        call = target

        def to_function(data: bytes) -> None:
            call(bytes(data))

        return to_function
    file = target

    def to_file(data: bytes) -> None:
        file.write(data)
        file.flush()

    return to_file


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Source:
    """Bytes the guest reads: `read(n)` returns up to `n` bytes, b"" at the end; `fileno()` is a
    host descriptor to wait on when reading could block (None: never blocks)."""

    def __init__(self, source: Input) -> None:
        self._data = memoryview(source if isinstance(source, bytes) else b"")
        self._file: BinaryIO | None = (
            source if not isinstance(source, (bytes, str)) and source is not None else None
        )
        self._fd = 0 if source == "inherit" else None

    def read(self, n: int) -> bytes:
        if self._fd is not None:
            return os.read(self._fd, n)
        if self._file is not None:
            return self._file.read(n) or b""
        chunk, self._data = self._data[:n], self._data[n:]
        return bytes(chunk)

    def fileno(self) -> int | None:
        return self._fd
