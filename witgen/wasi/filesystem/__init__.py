"""`wasi:filesystem` (`types` and `preopens`): the preopened directories of `Wasi.preopens`,
host directories or in-memory trees, that a guest can read and change but never leave.

`hosts(session)` gives the host objects the runtime links; the resources are in `descriptor`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from witgen.runtime.errors import Trap
from witgen.wasi.bindings.imports import wasi_filesystem_types as t
from witgen.wasi.filesystem.descriptor import Descriptor, DirectoryEntryStream
from witgen.wasi.filesystem.opened import OpenFiles
from witgen.wasi.fs.errors import FsError
from witgen.wasi.io import IoError
from witgen.wasi.policy import Preopen

if TYPE_CHECKING:
    from witgen.wasi.link import Session


class Types:
    """`wasi:filesystem/types`."""

    Descriptor = Descriptor
    DirectoryEntryStream = DirectoryEntryStream

    def filesystem_error_code(self, err: IoError) -> t.ErrorCode | None:
        """The filesystem error behind a stream's `error`, if it has one (file streams set it)."""
        return err.code if isinstance(err.code, t.ErrorCode) else None


class Preopens:
    """`wasi:filesystem/preopens`: a fresh descriptor of each preopen, per call."""

    def __init__(self, preopens: list[Preopen], files: OpenFiles) -> None:
        self._preopens = preopens
        self._files = files

    def get_directories(self) -> list[tuple[Descriptor, str]]:
        out: list[tuple[Descriptor, str]] = []
        try:
            for p in self._preopens:
                out.append((Descriptor.preopen(p, self._files), p.guest_path))
        except FsError as exc:
            for d, _ in out:
                d.close()
            raise Trap(f"wasi:filesystem/preopens: can't open a preopened directory: {exc}") from None
        return out


def hosts(session: Session) -> dict[str, object]:
    files = OpenFiles(session.policy.max_open_files)
    return {
        "wasi:filesystem/types": Types(),
        "wasi:filesystem/preopens": Preopens(list(session.policy.preopens), files),
    }
