"""A `Tree` over host directories: every operation is relative to an open directory descriptor
and never follows a symlink itself (the walk does, within the preopen)."""

from __future__ import annotations

import errno
import os
import stat as st
import time
from collections.abc import Callable
from typing import TypeVar

from witgen.wasi.fs.errors import FsError, from_os
from witgen.wasi.fs.tree import Advice, Kind, OpenMode, Stat, Time

T = TypeVar("T")

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_KINDS: list[tuple[Callable[[int], bool], Kind]] = [
    (st.S_ISDIR, "directory"),
    (st.S_ISREG, "regular-file"),
    (st.S_ISLNK, "symbolic-link"),
    (st.S_ISBLK, "block-device"),
    (st.S_ISCHR, "character-device"),
    (st.S_ISFIFO, "fifo"),
    (st.S_ISSOCK, "socket"),
]


_ADVICE: dict[Advice, int] = {
    "normal": os.POSIX_FADV_NORMAL,
    "sequential": os.POSIX_FADV_SEQUENTIAL,
    "random": os.POSIX_FADV_RANDOM,
    "will-need": os.POSIX_FADV_WILLNEED,
    "dont-need": os.POSIX_FADV_DONTNEED,
    "no-reuse": os.POSIX_FADV_NOREUSE,
}


def _kind(mode: int) -> Kind:
    return next((kind for test, kind in _KINDS if test(mode)), "unknown")


def _stat(s: os.stat_result) -> Stat:
    return Stat(
        _kind(s.st_mode),
        s.st_nlink,
        s.st_size,
        s.st_atime_ns,
        s.st_mtime_ns,
        s.st_ctime_ns,
        s.st_dev,
        s.st_ino,
    )


def _os(call: Callable[[], T]) -> T:
    try:
        return call()
    except OSError as exc:
        raise from_os(exc) from None


def _utime_ns(current: os.stat_result, accessed: Time, modified: Time) -> tuple[int, int]:
    """`os.utime`'s `ns` for the requested change, keeping what is left unchanged."""
    now = time.time_ns()

    def pick(t: Time, old: int) -> int:
        return old if t is None else now if t == "now" else t

    return pick(accessed, current.st_atime_ns), pick(modified, current.st_mtime_ns)


def open_root(path: str | os.PathLike[str]) -> int:
    """A host directory as a preopen's root descriptor (the one place a host path is opened)."""
    return _os(lambda: os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))


class HostTree:
    """Directories are descriptors (`int`), files too."""

    def subdir(self, parent: int, name: str) -> int:
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=parent)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a symlink appeared after the walk looked
                raise FsError("loop", f"{name!r} became a symlink") from None
            raise from_os(exc) from None

    def link_target(self, parent: int, name: str) -> str | None:
        try:
            return os.readlink(name, dir_fd=parent)
        except OSError as exc:
            if exc.errno in (errno.EINVAL, errno.ENOENT):
                return None
            raise from_os(exc) from None

    def close_dir(self, d: int) -> None:
        os.close(d)

    def stat(self, parent: int, name: str) -> Stat:
        return _stat(_os(lambda: os.stat(name, dir_fd=parent, follow_symlinks=False)))

    def mkdir(self, parent: int, name: str) -> None:
        _os(lambda: os.mkdir(name, dir_fd=parent))

    def rmdir(self, parent: int, name: str) -> None:
        _os(lambda: os.rmdir(name, dir_fd=parent))

    def unlink(self, parent: int, name: str) -> None:
        _os(lambda: os.unlink(name, dir_fd=parent))

    def rename(self, old_parent: int, old: str, new_parent: int, new: str) -> None:
        _os(lambda: os.rename(old, new, src_dir_fd=old_parent, dst_dir_fd=new_parent))

    def symlink(self, target: str, parent: int, name: str) -> None:
        _os(lambda: os.symlink(target, name, dir_fd=parent))

    def hardlink(self, old_parent: int, old: str, new_parent: int, new: str) -> None:
        _os(lambda: os.link(old, new, src_dir_fd=old_parent, dst_dir_fd=new_parent, follow_symlinks=False))

    def readlink(self, parent: int, name: str) -> str:
        return _os(lambda: os.readlink(name, dir_fd=parent))

    def set_times(self, parent: int, name: str, accessed: Time, modified: Time) -> None:
        current = _os(lambda: os.stat(name, dir_fd=parent, follow_symlinks=False))
        ns = _utime_ns(current, accessed, modified)
        _os(lambda: os.utime(name, ns=ns, dir_fd=parent, follow_symlinks=False))

    def entries(self, d: int) -> list[tuple[str, Kind]]:
        def scan() -> list[tuple[str, Kind]]:
            with os.scandir(d) as it:  # scandir reads a dup of `d` from its start, leaving `d` be
                return sorted((e.name, _kind(e.stat(follow_symlinks=False).st_mode)) for e in it)

        return _os(scan)

    def open_file(self, parent: int, name: str, mode: OpenMode) -> int:
        flags = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # a FIFO must not block the host
        flags |= os.O_RDWR if mode.read and mode.write else os.O_WRONLY if mode.write else os.O_RDONLY
        flags |= (os.O_CREAT if mode.create else 0) | (os.O_EXCL if mode.exclusive else 0)
        flags |= os.O_TRUNC if mode.truncate else 0
        try:
            fd = os.open(name, flags, 0o666, dir_fd=parent)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise FsError("loop", f"{name!r} is a symlink") from None
            raise from_os(exc) from None
        if not st.S_ISREG(os.fstat(fd).st_mode):
            kind = _kind(os.fstat(fd).st_mode)
            os.close(fd)
            raise FsError("is-directory" if kind == "directory" else "unsupported", f"{name!r} is a {kind}")
        return fd

    def file_stat(self, f: int) -> Stat:
        return _stat(_os(lambda: os.fstat(f)))

    def read(self, f: int, size: int, offset: int) -> bytes:
        return _os(lambda: os.pread(f, size, offset))

    def write(self, f: int, data: bytes, offset: int | None) -> int:
        if offset is None:
            end = _os(lambda: os.fstat(f).st_size)
            return _os(lambda: os.pwrite(f, data, end))
        return _os(lambda: os.pwrite(f, data, offset))

    def set_size(self, f: int, size: int) -> None:
        _os(lambda: os.ftruncate(f, size))

    def file_set_times(self, f: int, accessed: Time, modified: Time) -> None:
        ns = _utime_ns(_os(lambda: os.fstat(f)), accessed, modified)
        _os(lambda: os.utime(f, ns=ns))

    def advise(self, f: int, offset: int, length: int, advice: Advice) -> None:
        _os(lambda: os.posix_fadvise(f, offset, length, _ADVICE[advice]))

    def sync(self, f: int, data_only: bool) -> None:
        _os(lambda: os.fdatasync(f) if data_only else os.fsync(f))

    def sync_dir(self, d: int) -> None:
        _os(lambda: os.fsync(d))

    def close_file(self, f: int) -> None:
        os.close(f)
