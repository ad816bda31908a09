"""What a filesystem backend provides: directories walked one name at a time (so the walk, not
the OS, decides where a path may lead) and the operations on a directory entry or open file.

`witgen.wasi.fs.host` implements it over host directories, `witgen.wasi.fs.memory` in memory;
both raise `FsError` with a WASI error code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

Kind = Literal[
    "unknown",
    "block-device",
    "character-device",
    "directory",
    "fifo",
    "symbolic-link",
    "regular-file",
    "socket",
]

Advice = Literal["normal", "sequential", "random", "will-need", "dont-need", "no-reuse"]

Time = int | Literal["now"] | None
"""A timestamp to set: nanoseconds since the epoch, "now", or None to leave it."""

D = TypeVar("D")
"""A backend's handle of an open directory."""
F = TypeVar("F")
"""A backend's handle of an open regular file."""


@dataclass(frozen=True)
class Stat:
    kind: Kind
    links: int
    size: int
    accessed: int | None
    """Nanoseconds since the epoch, or None where the backend keeps no such time."""
    modified: int | None
    changed: int | None
    device: int
    inode: int


@dataclass(frozen=True)
class OpenMode:
    read: bool = True
    write: bool = False
    create: bool = False
    exclusive: bool = False
    truncate: bool = False


class Tree(Protocol[D, F]):
    """A filesystem. Every `name` is one path component (never containing `/`), or "." for
    the directory itself; no operation follows a symlink at `name` (the walk does that)."""

    def subdir(self, parent: D, name: str) -> D:
        """Open directory `name` of `parent`, refusing a symlink (`not-directory`/`loop`)."""
        ...

    def link_target(self, parent: D, name: str) -> str | None:
        """The target of `name` if it is a symlink, else None (also when it doesn't exist)."""
        ...

    def close_dir(self, d: D) -> None: ...

    def stat(self, parent: D, name: str) -> Stat: ...

    def mkdir(self, parent: D, name: str) -> None: ...

    def rmdir(self, parent: D, name: str) -> None: ...

    def unlink(self, parent: D, name: str) -> None: ...

    def rename(self, old_parent: D, old: str, new_parent: D, new: str) -> None: ...

    def symlink(self, target: str, parent: D, name: str) -> None: ...

    def hardlink(self, old_parent: D, old: str, new_parent: D, new: str) -> None: ...

    def readlink(self, parent: D, name: str) -> str: ...

    def set_times(self, parent: D, name: str, accessed: Time, modified: Time) -> None: ...

    def entries(self, d: D) -> list[tuple[str, Kind]]:
        """The directory's entries (without "." and ".."), sorted by name."""
        ...

    def open_file(self, parent: D, name: str, mode: OpenMode) -> F:
        """Open (or create) the regular file `name`; a directory is `is-directory`."""
        ...

    def file_stat(self, f: F) -> Stat: ...

    def read(self, f: F, size: int, offset: int) -> bytes:
        """Up to `size` bytes at `offset`; `bad-descriptor` if `f` wasn't opened to read."""
        ...

    def write(self, f: F, data: bytes, offset: int | None) -> int:
        """Write at `offset`, or at the end when None; the number of bytes written
        (`bad-descriptor` if `f` wasn't opened to write)."""
        ...

    def set_size(self, f: F, size: int) -> None:
        """Truncate or zero-extend; `invalid` if `f` wasn't opened to write (as `ftruncate`)."""
        ...

    def file_set_times(self, f: F, accessed: Time, modified: Time) -> None: ...

    def advise(self, f: F, offset: int, length: int, advice: Advice) -> None:
        """A hint about how the file will be read (`posix_fadvise`); may do nothing."""
        ...

    def sync(self, f: F, data_only: bool) -> None:
        """Flush the file's data (and its metadata unless `data_only`) to storage."""
        ...

    def sync_dir(self, d: D) -> None: ...

    def close_file(self, f: F) -> None: ...
