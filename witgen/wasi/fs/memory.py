"""An in-memory `Tree`: files, directories, symlinks and hard links held in Python objects, for
tests and for guests that should touch no disk. Its size is bounded (`capacity` bytes of file
data and directory entries) so a guest can't grow it without limit."""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

from witgen.wasi.fs.errors import FsError
from witgen.wasi.fs.tree import Advice, Kind, OpenMode, Stat, Time

_inodes = itertools.count(1)

ENTRY_COST = 128
"""Bytes of `capacity` one directory entry counts for (plus its name and a symlink's target),
so that a guest making empty files or directories without end runs out of space too."""


P = ParamSpec("P")
R = TypeVar("R")


def _locked(method: Callable[Concatenate[MemoryTree, P], R]) -> Callable[Concatenate[MemoryTree, P], R]:
    @functools.wraps(method)
    def call(tree: MemoryTree, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with tree.lock:
            return method(tree, *args, **kwargs)

    return call


@dataclass(eq=False)
class Node:
    inode: int = field(default_factory=lambda: next(_inodes))
    links: int = 0
    accessed: int = field(default_factory=time.time_ns)
    modified: int = field(default_factory=time.time_ns)
    changed: int = field(default_factory=time.time_ns)

    kind: Kind = "unknown"

    def size(self) -> int:
        return 0

    def touch(self) -> None:
        self.modified = self.changed = time.time_ns()


@dataclass(eq=False)
class Dir(Node):
    entries: dict[str, Node] = field(default_factory=dict)
    kind: Kind = "directory"

    def size(self) -> int:
        return len(self.entries)


@dataclass(eq=False)
class File(Node):
    data: bytearray = field(default_factory=bytearray)
    handles: int = 0
    """Open files of it: an unlinked file's bytes still count until the last is closed."""
    kind: Kind = "regular-file"

    def size(self) -> int:
        return len(self.data)


@dataclass(eq=False)
class Link(Node):
    target: str = ""
    kind: Kind = "symbolic-link"

    def size(self) -> int:
        return len(self.target.encode())


@dataclass(eq=False)
class OpenFile:
    node: File
    mode: OpenMode


class MemoryTree:
    """Directories are `Dir` nodes; an open file is an `OpenFile`. `root` is the top directory."""

    def __init__(self, capacity: int = 64 << 20) -> None:
        self.lock = threading.RLock()
        """Held by every operation: one tree may serve several instances on several threads."""
        self.root = Dir(links=1)
        self.capacity = capacity
        self.used = 0

    # --- building it from Python (tests) ---

    @_locked
    def add_file(self, path: str, data: bytes = b"") -> None:
        parent, name = self._parent_of(path)
        node = File(data=bytearray(data))
        self._grow(len(data))
        self._attach(parent, name, node)

    @_locked
    def add_dir(self, path: str) -> None:
        parent, name = self._parent_of(path)
        self._attach(parent, name, Dir())

    @_locked
    def add_symlink(self, path: str, target: str) -> None:
        parent, name = self._parent_of(path)
        self._attach(parent, name, Link(target=target))

    @_locked
    def read_file(self, path: str) -> bytes:
        parent, name = self._parent_of(path)
        node = parent.entries[name]
        assert isinstance(node, File), path
        return bytes(node.data)

    def _parent_of(self, path: str) -> tuple[Dir, str]:
        """The directory holding `path` (made, with its parents, if missing) and the name."""
        *dirs, name = [p for p in path.split("/") if p]
        d = self.root
        for part in dirs:
            if part not in d.entries:
                self._attach(d, part, Dir())
            child = d.entries[part]
            assert isinstance(child, Dir), path
            d = child
        return d, name

    # --- Tree ---

    def _get(self, parent: Dir, name: str) -> Node:
        if name == ".":
            return parent
        try:
            return parent.entries[name]
        except KeyError:
            raise FsError("no-entry", name) from None

    def _attach(self, parent: Dir, name: str, node: Node) -> None:
        if name in parent.entries or name == ".":
            raise FsError("exist", name)
        self._grow(_entry_cost(name, node))
        parent.entries[name] = node
        node.links += 1
        parent.touch()

    def _detach(self, parent: Dir, name: str, moving: bool = False) -> Node:
        """Remove the entry; a file's bytes count as freed with its last link, unless `moving`
        (a rename attaches it again)."""
        node = parent.entries.pop(name)
        self.used -= _entry_cost(name, node)
        node.links -= 1
        node.changed = time.time_ns()
        parent.touch()
        if isinstance(node, File) and node.links == 0 and node.handles == 0 and not moving:
            self.used -= len(node.data)
        return node

    def _grow(self, more: int) -> None:
        if self.used + more > self.capacity:
            raise FsError(
                "insufficient-space", f"the in-memory filesystem holds at most {self.capacity} bytes"
            )
        self.used += more

    @_locked
    def subdir(self, parent: Dir, name: str) -> Dir:
        node = self._get(parent, name)
        if isinstance(node, Link):
            raise FsError("loop", f"{name!r} is a symlink")
        if not isinstance(node, Dir):
            raise FsError("not-directory", name)
        return node

    @_locked
    def link_target(self, parent: Dir, name: str) -> str | None:
        node = parent.entries.get(name)
        return node.target if isinstance(node, Link) else None

    def close_dir(self, d: Dir) -> None:
        pass

    @_locked
    def stat(self, parent: Dir, name: str) -> Stat:
        return _stat(self._get(parent, name))

    @_locked
    def mkdir(self, parent: Dir, name: str) -> None:
        self._attach(parent, name, Dir())

    @_locked
    def rmdir(self, parent: Dir, name: str) -> None:
        node = self._get(parent, name)
        if name == ".":
            raise FsError("invalid", "can't remove `.`")
        if not isinstance(node, Dir):
            raise FsError("not-directory", name)
        if node.entries:
            raise FsError("not-empty", name)
        self._detach(parent, name)

    @_locked
    def unlink(self, parent: Dir, name: str) -> None:
        node = self._get(parent, name)
        if isinstance(node, Dir):
            raise FsError("is-directory", name)
        self._detach(parent, name)

    @_locked
    def rename(self, old_parent: Dir, old: str, new_parent: Dir, new: str) -> None:
        node = self._get(old_parent, old)
        if old == "." or new == ".":
            raise FsError("busy", "can't rename `.`")  # as Linux
        if isinstance(node, Dir) and _contains(node, new_parent):
            raise FsError("invalid", "a directory can't move into itself")
        existing = new_parent.entries.get(new)
        if existing is node:
            return
        if existing is not None:
            if isinstance(existing, Dir) and _contains(existing, old_parent):
                raise FsError("not-empty", f"{new!r} holds {old!r}")  # Linux checks this first
            if isinstance(node, Dir) and not isinstance(existing, Dir):
                raise FsError("not-directory", new)
            if isinstance(existing, Dir):
                if not isinstance(node, Dir):
                    raise FsError("is-directory", new)
                if existing.entries:
                    raise FsError("not-empty", new)
            self._detach(new_parent, new)
        self._detach(old_parent, old, moving=True)
        self._attach(new_parent, new, node)

    @_locked
    def symlink(self, target: str, parent: Dir, name: str) -> None:
        self._attach(parent, name, Link(target=target))

    @_locked
    def hardlink(self, old_parent: Dir, old: str, new_parent: Dir, new: str) -> None:
        node = self._get(old_parent, old)
        if isinstance(node, Dir):
            raise FsError("not-permitted", "hard links to directories")
        self._attach(new_parent, new, node)

    @_locked
    def readlink(self, parent: Dir, name: str) -> str:
        node = self._get(parent, name)
        if not isinstance(node, Link):
            raise FsError("invalid", f"{name!r} is not a symlink")
        return node.target

    @_locked
    def set_times(self, parent: Dir, name: str, accessed: Time, modified: Time) -> None:
        _set_times(self._get(parent, name), accessed, modified)

    @_locked
    def entries(self, d: Dir) -> list[tuple[str, Kind]]:
        return sorted((name, node.kind) for name, node in d.entries.items())

    @_locked
    def open_file(self, parent: Dir, name: str, mode: OpenMode) -> OpenFile:
        node = parent.entries.get(name) if name != "." else parent
        if node is None:
            if not mode.create:
                raise FsError("no-entry", name)
            node = File()
            self._attach(parent, name, node)
        elif mode.create and mode.exclusive:
            raise FsError("exist", name)
        if isinstance(node, Link):
            raise FsError("loop", f"{name!r} is a symlink")
        if isinstance(node, Dir):
            raise FsError("is-directory", name)
        assert isinstance(node, File)
        if mode.truncate and mode.write:
            self.used -= len(node.data)
            node.data.clear()
            node.touch()
        node.handles += 1
        return OpenFile(node, mode)

    @_locked
    def file_stat(self, f: OpenFile) -> Stat:
        return _stat(f.node)

    @_locked
    def read(self, f: OpenFile, size: int, offset: int) -> bytes:
        if not f.mode.read:
            raise FsError("bad-descriptor", "the file is not open for reading")
        f.node.accessed = time.time_ns()
        return bytes(f.node.data[offset : offset + size])

    @_locked
    def write(self, f: OpenFile, data: bytes, offset: int | None) -> int:
        if not f.mode.write:
            raise FsError("bad-descriptor", "the file is not open for writing")
        buf = f.node.data
        start = len(buf) if offset is None else offset
        self._grow(max(0, start + len(data) - len(buf)))
        if start > len(buf):
            buf.extend(bytes(start - len(buf)))
        buf[start : start + len(data)] = data
        f.node.touch()
        return len(data)

    @_locked
    def set_size(self, f: OpenFile, size: int) -> None:
        if not f.mode.write:
            raise FsError("invalid", "the file is not open for writing")
        buf = f.node.data
        self._grow(size - len(buf))
        if size < len(buf):
            del buf[size:]
        else:
            buf.extend(bytes(size - len(buf)))
        f.node.touch()

    @_locked
    def file_set_times(self, f: OpenFile, accessed: Time, modified: Time) -> None:
        _set_times(f.node, accessed, modified)

    def advise(self, f: OpenFile, offset: int, length: int, advice: Advice) -> None:
        pass

    def sync(self, f: OpenFile, data_only: bool) -> None:
        pass

    def sync_dir(self, d: Dir) -> None:
        pass

    @_locked
    def close_file(self, f: OpenFile) -> None:
        f.node.handles -= 1
        if f.node.links == 0 and f.node.handles == 0:
            self.used -= len(f.node.data)


def _entry_cost(name: str, node: Node) -> int:
    return (
        ENTRY_COST
        + len(name.encode("utf-8", "surrogateescape"))
        + (node.size() if isinstance(node, Link) else 0)
    )


def _stat(node: Node) -> Stat:
    return Stat(node.kind, node.links, node.size(), node.accessed, node.modified, node.changed, 0, node.inode)


def _set_times(node: Node, accessed: Time, modified: Time) -> None:
    now = time.time_ns()
    if accessed is not None:
        node.accessed = now if accessed == "now" else accessed
    if modified is not None:
        node.modified = now if modified == "now" else modified
    node.changed = now


def _contains(d: Dir, other: Dir) -> bool:
    """Whether `other` is `d` or inside it."""
    todo = [d]
    while todo:
        here = todo.pop()
        if here is other:
            return True
        todo += [n for n in here.entries.values() if isinstance(n, Dir)]
    return False
