"""What a guest holds open in its filesystems, and the limit on it (`Wasi.max_open_files`)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from witgen.wasi.fs.errors import FsError
from witgen.wasi.fs.tree import Tree


@dataclass
class OpenFiles:
    """The files and directories one guest holds open, at most `limit`: each may be a host
    descriptor, and a guest must not exhaust the host's."""

    limit: int
    count: int = 0

    def take(self) -> None:
        if self.count >= self.limit:
            raise FsError(
                "insufficient-memory", f"the guest holds {self.limit} open files (Wasi.max_open_files)"
            )
        self.count += 1

    def release(self) -> None:
        self.count -= 1


class Opened:
    """A tree's open directory or file, shared by its descriptor and the streams reading or
    writing it (which may outlive the descriptor, as in wasmtime): closed, and its slot in
    `OpenFiles` given back, when the last of them lets go."""

    def __init__(self, tree: Tree[Any, Any], handle: Any, is_dir: bool, files: OpenFiles) -> None:
        self.tree = tree
        self.handle = handle
        self.is_dir = is_dir
        self.files = files
        self._users = 1
        # An instance that ends holding descriptors (wasi-libc never drops its preopens) must
        # not leak host descriptors: closed when the object goes, if not before.
        self._close = weakref.finalize(self, tree.close_dir if is_dir else tree.close_file, handle)

    def retain(self) -> None:
        self._users += 1

    def release(self) -> None:
        self._users -= 1
        if self._users == 0:
            self._close()
            self.files.release()
