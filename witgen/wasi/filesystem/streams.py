"""The streams `read-via-stream`, `write-via-stream` and `append-via-stream` hand out: a file
read or written from a position that moves with each operation. A file never blocks, so
they are always ready; a failure is `last-operation-failed` with the filesystem error code
that `filesystem-error-code` reports."""

from __future__ import annotations

from witgen.wasi.filesystem.errors import check_offset, error_code
from witgen.wasi.filesystem.opened import Opened
from witgen.wasi.fs.errors import FsError
from witgen.wasi.io import InputStream, OutputStream, StreamFailure


def _failure(exc: FsError) -> StreamFailure:
    return StreamFailure(str(exc), error_code(exc.code))


class _FileUser:
    """Keeps the file open while the stream lives (the guest may drop the descriptor first)."""

    def __init__(self, file: Opened) -> None:
        file.retain()
        self._file: Opened | None = file

    def _opened(self) -> Opened:
        if self._file is None:
            raise FsError("bad-descriptor", "the stream was dropped")
        return self._file

    def _let_go(self) -> None:
        if self._file is not None:
            self._file.release()
            self._file = None


class FileInput(InputStream, _FileUser):
    """Reads a file from `offset` on; the end of the file ends the stream."""

    def __init__(self, file: Opened, offset: int) -> None:
        InputStream.__init__(self)
        _FileUser.__init__(self, file)
        self._position = offset

    def _take(self, n: int) -> bytes | None:
        try:
            check_offset(self._position)
            f = self._opened()
            data = f.tree.read(f.handle, n, self._position)
        except FsError as exc:
            raise _failure(exc) from None
        if not data:
            return None
        self._position += len(data)
        return data

    def close(self) -> None:
        self._let_go()


class FileOutput(OutputStream, _FileUser):
    """Writes a file from `offset` on, or at its end each time (`offset` None: appending)."""

    def __init__(self, file: Opened, offset: int | None) -> None:
        OutputStream.__init__(self)
        _FileUser.__init__(self, file)
        self._position = offset

    def _put(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            f = self._opened()
            while view:
                if self._position is not None:
                    check_offset(self._position)
                written = f.tree.write(f.handle, bytes(view), self._position)
                view = view[written:]
                if self._position is not None:
                    self._position += written
        except FsError as exc:
            raise _failure(exc) from None

    def close(self) -> None:
        self._let_go()
