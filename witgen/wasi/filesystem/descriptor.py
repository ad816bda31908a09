"""The resources `descriptor` and `directory-entry-stream` of `wasi:filesystem/types`, over a
`Tree` (host directories or memory).

A descriptor is an open directory or regular file. Every path a guest passes is resolved by
`witgen.wasi.fs.walk.resolve` relative to the descriptor's own directory, which it can never
leave. Rights follow wasmtime-wasi, so that a guest sees the same answers from either WASI: a
preopen is read-only or mutable and everything opened under it inherits that; a change
through a read-only one is `not-permitted` (wasmtime's code, where the WIT suggests
`read-only`). Checks happen in wasmtime's order, so a call wrong in two ways fails the same way.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from witgen.wasi.bindings.imports import wasi_filesystem_types as t
from witgen.wasi.bindings.imports.wall_clock import Datetime
from witgen.wasi.filesystem.errors import MAX_OFFSET, check_offset, wasi_errors
from witgen.wasi.filesystem.opened import Opened, OpenFiles
from witgen.wasi.filesystem.streams import FileInput, FileOutput
from witgen.wasi.fs.errors import FsError
from witgen.wasi.fs.host import HostTree, open_root
from witgen.wasi.fs.memory import MemoryTree
from witgen.wasi.fs.tree import Advice, Kind, OpenMode, Stat, Time, Tree
from witgen.wasi.fs.walk import resolve
from witgen.wasi.policy import Preopen

MAX_TIME = (1 << 63) - 1
"""The latest timestamp (ns since the epoch) a host file may carry; later is `overflow`."""

MAX_READ = 64 * 1024
"""Bytes one `read` returns at most (as wasmtime): a guest asking for 2^64 gets a chunk."""

HOST = HostTree()
"""The one host tree: its state is the descriptors themselves."""

_SECRET = os.urandom(16)
"""Keys metadata hashes, so a guest can't read device and inode numbers from them."""

_SYNC_FLAGS = (
    t.DescriptorFlags.FILE_INTEGRITY_SYNC
    | t.DescriptorFlags.DATA_INTEGRITY_SYNC
    | t.DescriptorFlags.REQUESTED_WRITE_SYNC
)


@dataclass(frozen=True)
class Rights:
    """What a descriptor allows: `mutable` from its preopen; `read` and `write` from how it was
    opened (for a directory, `write` is what `get-flags` reports as `mutate-directory`)."""

    mutable: bool
    read: bool
    write: bool


def _datetime(ns: int | None) -> Datetime | None:
    if ns is None or ns < 0:
        return None
    return Datetime(ns // 1_000_000_000, ns % 1_000_000_000)


def _type(kind: Kind) -> t.DescriptorType:
    return t.DescriptorType[kind.upper().replace("-", "_")]


def _stat(s: Stat) -> t.DescriptorStat:
    return t.DescriptorStat(
        _type(s.kind), s.links, s.size, _datetime(s.accessed), _datetime(s.modified), _datetime(s.changed)
    )


def _hash(tree: object, s: Stat) -> t.MetadataHashValue:
    """A keyed hash of the object's identity (as wasmtime: it stays while the file changes, since
    wasi-libc reports it as the inode number)."""
    identity = f"{id(tree) if tree is not HOST else 0}:{s.device}:{s.inode}".encode()
    digest = hashlib.blake2b(identity, key=_SECRET, digest_size=16).digest()
    return t.MetadataHashValue(int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little"))


def _time(ts: t.NewTimestamp) -> Time:
    if isinstance(ts, t.NewTimestamp_Now):
        return "now"
    if isinstance(ts, t.NewTimestamp_Timestamp):
        ns = ts.value.seconds * 1_000_000_000 + ts.value.nanoseconds
        if ns > MAX_TIME:
            raise FsError("overflow", "a timestamp beyond what the host's clock holds")
        return ns
    return None


def _follow(flags: t.PathFlags) -> bool:
    return bool(flags & t.PathFlags.SYMLINK_FOLLOW)


class DirectoryEntryStream:
    """A directory's entries, read when the stream was made (as wasmtime does)."""

    def __init__(self, entries: list[tuple[str, Kind]]) -> None:
        self._entries = iter(entries)

    @wasi_errors
    def read_directory_entry(self) -> t.DirectoryEntry | None:
        entry = next(self._entries, None)
        if entry is None:
            return None
        return t.DirectoryEntry(_type(entry[1]), _unicode(entry[0]))


class Descriptor:
    """An open directory (`is_dir`) or regular file of `tree`; `handle` is the tree's."""

    def __init__(self, opened: Opened, rights: Rights) -> None:
        self.opened = opened
        self.tree = opened.tree
        self.handle = opened.handle
        self.is_dir = opened.is_dir
        self.files = opened.files
        self.rights = rights
        self._live = True

    @classmethod
    def preopen(cls, preopen: Preopen, files: OpenFiles) -> Descriptor:
        """A new descriptor of `preopen`'s directory (each `get-directories` gives fresh ones)."""
        files.take()
        try:
            host = preopen.host
            tree: Tree[Any, Any] = host if isinstance(host, MemoryTree) else HOST
            handle = host.root if isinstance(host, MemoryTree) else open_root(host)
        except BaseException:
            files.release()
            raise
        mutable = not preopen.read_only
        return cls(Opened(tree, handle, True, files), Rights(mutable, True, mutable))

    def close(self) -> None:
        if self._live:
            self._live = False
            self.opened.release()

    # --- what each operation needs first ---

    def _file(self) -> Any:
        if self.is_dir:
            raise FsError("bad-descriptor", "a directory, not a file")
        return self.handle

    def _dir(self) -> Any:
        if not self.is_dir:
            raise FsError("not-directory", "a file, not a directory")
        return self.handle

    def _mutate(self) -> None:
        if not self.rights.mutable:
            raise FsError("not-permitted", "the preopened directory is read-only")

    def _at(self, path: str, follow: bool = False) -> Any:
        """`resolve` from this directory (a context giving (directory, name))."""
        return resolve(self.tree, self._dir(), path, follow)

    def _both_mutable(self, other: Descriptor) -> None:
        self._dir()
        other._dir()
        self._mutate()
        other._mutate()

    @contextmanager
    def _pair(self, old: str, other: Descriptor, new: str) -> Iterator[tuple[Any, str, Any, str]]:
        """Both ends of a rename or link, which must be in one tree."""
        if other.tree is not self.tree:
            raise FsError("cross-device", "the two directories are in different filesystems")
        with self._at(old) as (old_dir, old_name), other._at(new) as (new_dir, new_name):
            yield old_dir, old_name, new_dir, new_name

    # --- files ---

    @wasi_errors
    def read_via_stream(self, offset: int) -> FileInput:
        if self.is_dir:
            raise FsError("is-directory", "a directory has no bytes to read")
        return FileInput(self.opened, offset)

    @wasi_errors
    def write_via_stream(self, offset: int) -> FileOutput:
        self._file()
        self._mutate()
        return FileOutput(self.opened, offset)

    @wasi_errors
    def append_via_stream(self) -> FileOutput:
        self._file()
        self._mutate()
        return FileOutput(self.opened, None)

    @wasi_errors
    def read(self, length: int, offset: int) -> tuple[bytes, bool]:
        f = self._file()
        check_offset(offset)
        data = self.tree.read(f, min(length, MAX_READ), offset)
        return data, not data

    @wasi_errors
    def write(self, buffer: bytes | bytearray | memoryview, offset: int) -> int:
        f = self._file()
        self._mutate()
        check_offset(offset)
        return self.tree.write(f, bytes(buffer), offset)

    @wasi_errors
    def advise(self, offset: int, length: int, advice: t.Advice) -> None:
        f = self._file()
        if max(offset, length) > MAX_OFFSET:
            return  # only a hint, about bytes no file has (wasmtime says ok too)
        name: Advice = advice.name.lower().replace("_", "-")  # type: ignore[assignment]  # the enum's names are Advice's
        self.tree.advise(f, offset, length, name)

    @wasi_errors
    def set_size(self, size: int) -> None:
        f = self._file()
        self._mutate()
        check_offset(size)
        self.tree.set_size(f, size)

    # --- either ---

    @wasi_errors
    def sync_data(self) -> None:
        self._sync(data_only=True)

    @wasi_errors
    def sync(self) -> None:
        self._sync(data_only=False)

    def _sync(self, data_only: bool) -> None:
        if self.is_dir:
            self.tree.sync_dir(self.handle)
        else:
            self.tree.sync(self.handle, data_only)

    @wasi_errors
    def get_flags(self) -> t.DescriptorFlags:
        flags = t.DescriptorFlags(0)
        if self.rights.read:
            flags |= t.DescriptorFlags.READ
        if self.rights.write:
            flags |= t.DescriptorFlags.MUTATE_DIRECTORY if self.is_dir else t.DescriptorFlags.WRITE
        return flags

    @wasi_errors
    def get_type(self) -> t.DescriptorType:
        return t.DescriptorType.DIRECTORY if self.is_dir else _type(self.tree.file_stat(self.handle).kind)

    @wasi_errors
    def set_times(
        self, data_access_timestamp: t.NewTimestamp, data_modification_timestamp: t.NewTimestamp
    ) -> None:
        accessed, modified = _time(data_access_timestamp), _time(data_modification_timestamp)
        self._mutate()
        if self.is_dir:
            self.tree.set_times(self.handle, ".", accessed, modified)
        else:
            self.tree.file_set_times(self.handle, accessed, modified)

    @wasi_errors
    def stat(self) -> t.DescriptorStat:
        return _stat(self._own_stat())

    def _own_stat(self) -> Stat:
        return self.tree.stat(self.handle, ".") if self.is_dir else self.tree.file_stat(self.handle)

    def is_same_object(self, other: Descriptor) -> bool:
        try:
            mine, theirs = self._own_stat(), other._own_stat()
        except FsError:
            return False
        return self.tree is other.tree and (mine.device, mine.inode) == (theirs.device, theirs.inode)

    @wasi_errors
    def metadata_hash(self) -> t.MetadataHashValue:
        return _hash(self.tree, self._own_stat())

    # --- directories ---

    @wasi_errors
    def read_directory(self) -> DirectoryEntryStream:
        return DirectoryEntryStream(self.tree.entries(self._dir()))

    @wasi_errors
    def create_directory_at(self, path: str) -> None:
        self._dir()
        self._mutate()
        with self._at(_strip_slashes(path)) as (d, name):
            self.tree.mkdir(d, name)

    @wasi_errors
    def stat_at(self, path_flags: t.PathFlags, path: str) -> t.DescriptorStat:
        with self._at(path, _follow(path_flags)) as (d, name):
            return _stat(self.tree.stat(d, name))

    @wasi_errors
    def metadata_hash_at(self, path_flags: t.PathFlags, path: str) -> t.MetadataHashValue:
        with self._at(path, _follow(path_flags)) as (d, name):
            return _hash(self.tree, self.tree.stat(d, name))

    @wasi_errors
    def set_times_at(
        self,
        path_flags: t.PathFlags,
        path: str,
        data_access_timestamp: t.NewTimestamp,
        data_modification_timestamp: t.NewTimestamp,
    ) -> None:
        self._dir()
        accessed, modified = _time(data_access_timestamp), _time(data_modification_timestamp)
        self._mutate()
        with self._at(path, _follow(path_flags)) as (d, name):
            self.tree.set_times(d, name, accessed, modified)

    @wasi_errors
    def link_at(
        self, old_path_flags: t.PathFlags, old_path: str, new_descriptor: Descriptor, new_path: str
    ) -> None:
        self._both_mutable(new_descriptor)
        if _follow(old_path_flags):
            raise FsError("invalid", "link-at never follows a symlink")
        with self._pair(old_path, new_descriptor, new_path) as (old_dir, old_name, new_dir, new_name):
            self.tree.hardlink(old_dir, old_name, new_dir, new_name)

    @wasi_errors
    def rename_at(self, old_path: str, new_descriptor: Descriptor, new_path: str) -> None:
        self._both_mutable(new_descriptor)
        with self._pair(old_path, new_descriptor, new_path) as (old_dir, old_name, new_dir, new_name):
            self.tree.rename(old_dir, old_name, new_dir, new_name)

    @wasi_errors
    def symlink_at(self, old_path: str, new_path: str) -> None:
        self._dir()
        self._mutate()
        if old_path.startswith("/"):
            raise FsError("not-permitted", "a symlink to an absolute path")
        with self._at(new_path) as (d, name):
            self.tree.symlink(old_path, d, name)

    @wasi_errors
    def readlink_at(self, path: str) -> str:
        with self._at(path) as (d, name):
            target = self.tree.readlink(d, name)
        if target.startswith("/"):
            raise FsError("not-permitted", "the symlink's target is an absolute path")
        return _unicode(target)

    @wasi_errors
    def remove_directory_at(self, path: str) -> None:
        self._dir()
        self._mutate()
        with self._at(path) as (d, name):  # "d/" names d's "." then: `invalid`, as in wasmtime
            self.tree.rmdir(d, name)

    @wasi_errors
    def unlink_file_at(self, path: str) -> None:
        self._dir()
        self._mutate()
        with self._at(path) as (d, name):
            self.tree.unlink(d, name)

    @wasi_errors
    def open_at(
        self, path_flags: t.PathFlags, path: str, open_flags: t.OpenFlags, flags: t.DescriptorFlags
    ) -> Descriptor:
        self._dir()
        if flags & _SYNC_FLAGS:
            raise FsError("unsupported", "synchronized I/O flags")
        create, exclusive = bool(open_flags & t.OpenFlags.CREATE), bool(open_flags & t.OpenFlags.EXCLUSIVE)
        truncate, want_dir = bool(open_flags & t.OpenFlags.TRUNCATE), bool(open_flags & t.OpenFlags.DIRECTORY)
        if want_dir and (create or exclusive or truncate):
            raise FsError("invalid", "a directory can't be created, truncated or opened exclusively")
        write = create or truncate or bool(flags & t.DescriptorFlags.WRITE)
        read = bool(flags & t.DescriptorFlags.READ) or not flags & t.DescriptorFlags.WRITE
        if write:
            self._mutate()
        mode = OpenMode(read=read, write=write, create=create, exclusive=exclusive, truncate=truncate)
        self.files.take()
        try:
            with self._at(path, _follow(path_flags)) as (d, name):
                handle, is_dir = self._open(d, name, mode, want_dir)
        except BaseException:
            self.files.release()
            raise
        return Descriptor(
            Opened(self.tree, handle, is_dir, self.files), Rights(self.rights.mutable, read, write)
        )

    def _open(self, d: Any, name: str, mode: OpenMode, want_dir: bool) -> tuple[Any, bool]:
        """Open `name` in `d` as POSIX `openat` with `O_NOFOLLOW` would (with cap-std's
        answer for a symlink: `loop`, whatever else is asked)."""
        try:
            kind: Kind | None = self.tree.stat(d, name).kind
        except FsError as exc:
            if exc.code != "no-entry":
                raise
            kind = None
        if kind is None:
            if not mode.create:
                raise FsError("no-entry", name)
        elif mode.create and mode.exclusive:
            raise FsError("exist", name)
        elif kind == "symbolic-link":  # not followed: refused even as a directory (wasmtime's loop)
            raise FsError("loop", f"{name!r} is a symlink")
        elif kind == "directory":
            if mode.write:
                raise FsError("is-directory", name)
            return self.tree.subdir(d, name), True
        elif want_dir:
            raise FsError("not-directory", name)
        return self.tree.open_file(d, name, mode), False


def _unicode(name: str) -> str:
    """A host name or link target as a WASI string: one that isn't UTF-8 (Python keeps its bytes
    as surrogates) can't be, and is `illegal-byte-sequence` (as wasmtime)."""
    try:
        name.encode()
    except UnicodeEncodeError:
        raise FsError("illegal-byte-sequence", "a name that isn't UTF-8") from None
    return name


def _strip_slashes(path: str) -> str:
    """`path` without trailing slashes, which name the directory `mkdir("a/")` makes; a path of
    only slashes stays (absolute, refused)."""
    return path.rstrip("/") or path
