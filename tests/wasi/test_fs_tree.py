"""The filesystem core of `witgen.wasi` on both backends (host directories, memory), with the
same expectations: paths resolve inside the preopen and never outside it."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from witgen.wasi.fs.errors import FsError
from witgen.wasi.fs.host import HostTree, open_root
from witgen.wasi.fs.memory import ENTRY_COST, MemoryTree
from witgen.wasi.fs.tree import OpenMode
from witgen.wasi.fs.walk import MAX_LINKS, resolve


@dataclass
class Fs:
    """A backend, the preopen's root directory, and how to lay out content in it from the test."""

    tree: Any
    root: Any
    kind: str
    host_dir: Path | None = None

    def file(self, path: str, data: bytes = b"") -> None:
        if self.host_dir is not None:
            (self.host_dir / path).parent.mkdir(parents=True, exist_ok=True)
            (self.host_dir / path).write_bytes(data)
        else:
            self.tree.add_file(path, data)

    def dir(self, path: str) -> None:
        if self.host_dir is not None:
            (self.host_dir / path).mkdir(parents=True)
        else:
            self.tree.add_dir(path)

    def symlink(self, path: str, target: str) -> None:
        if self.host_dir is not None:
            os.symlink(target, self.host_dir / path)
        else:
            self.tree.add_symlink(path, target)

    def read(self, path: str, follow: bool = True) -> bytes:
        with resolve(self.tree, self.root, path, follow) as (d, name):
            f = self.tree.open_file(d, name, OpenMode())
            try:
                return bytes(self.tree.read(f, 1 << 20, 0))
            finally:
                self.tree.close_file(f)

    def stat_kind(self, path: str, follow: bool = False) -> str:
        with resolve(self.tree, self.root, path, follow) as (d, name):
            return str(self.tree.stat(d, name).kind)


@pytest.fixture(params=["host", "memory"])
def fs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fs]:
    if request.param == "memory":
        tree = MemoryTree()
        yield Fs(tree, tree.root, "memory")
        return
    top = tmp_path / "preopen"
    top.mkdir()
    (tmp_path / "secret.txt").write_bytes(b"outside")
    root = open_root(top)
    yield Fs(HostTree(), root, "host", top)
    os.close(root)


def _code(call: Any) -> str:
    with pytest.raises(FsError) as info:
        call()
    return info.value.code


def test_paths_resolve_inside_the_preopen(fs: Fs) -> None:
    fs.file("a/b/c.txt", b"hello")
    assert fs.read("a/b/c.txt") == b"hello"
    assert fs.read("a/./b/../b/c.txt") == b"hello"
    assert fs.read("./a//b/c.txt") == b"hello"
    assert fs.stat_kind("a/b") == "directory"
    assert fs.stat_kind("a/b/..") == "directory"  # ends at a directory: the name is "."
    assert fs.stat_kind(".") == "directory"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("..", "not-permitted"),
        ("../secret.txt", "not-permitted"),
        ("a/../../secret.txt", "not-permitted"),
        ("/etc/passwd", "not-permitted"),
        ("", "no-entry"),
        ("a\0b", "invalid"),
        pytest.param("x" * 5000, "name-too-long", id="long"),
        ("missing/c.txt", "no-entry"),
        ("a/b/c.txt/", "not-directory"),
        ("a/b/c.txt/x", "not-directory"),
    ],
)
def test_paths_that_leave_or_make_no_sense_are_refused(fs: Fs, path: str, code: str) -> None:
    fs.file("a/b/c.txt", b"hello")
    assert _code(lambda: fs.read(path)) == code


def test_symlinks_are_followed_inside_and_refused_outside(fs: Fs) -> None:
    fs.file("data/real.txt", b"real")
    fs.symlink("inside", "data/real.txt")
    fs.symlink("dirlink", "data")
    fs.symlink("up", "..")
    fs.symlink("abs", "/etc/passwd")
    fs.symlink("sneaky", "data/../../secret.txt")
    fs.dir("deep")
    fs.symlink("deep/back", "../data/real.txt")
    assert fs.read("inside") == b"real"
    assert fs.read("dirlink/real.txt") == b"real"
    assert fs.read("deep/back") == b"real"
    assert fs.stat_kind("inside") == "symbolic-link"  # not followed unless asked
    assert fs.stat_kind("inside", follow=True) == "regular-file"
    for path in ("up/secret.txt", "abs", "sneaky", "up"):
        assert _code(lambda p=path: fs.read(p)) == "not-permitted", path
    # an escaping symlink as the last component, not followed, is only a name: reading it
    # without following refuses to open a symlink
    assert _code(lambda: fs.read("abs", follow=False)) == "loop"


def test_symlink_loops_end(fs: Fs) -> None:
    fs.symlink("ping", "pong")
    fs.symlink("pong", "ping")
    assert _code(lambda: fs.read("ping")) == "loop"
    for i in range(MAX_LINKS + 1):
        fs.symlink(f"l{i}", f"l{i + 1}")
    fs.file(f"l{MAX_LINKS + 1}", b"end")
    assert _code(lambda: fs.read("l0")) == "loop"
    assert fs.read("l1") == b"end"  # exactly MAX_LINKS expansions


def test_directory_operations(fs: Fs) -> None:
    t, r = fs.tree, fs.root
    t.mkdir(r, "d")
    assert _code(lambda: t.mkdir(r, "d")) == "exist"
    with resolve(t, r, "d", True) as (d, name):
        sub = t.subdir(d, name)
    f = t.open_file(sub, "x.txt", OpenMode(read=True, write=True, create=True))
    assert t.write(f, b"abc", 0) == 3 and t.write(f, b"Z", None) == 1 and t.write(f, b"!", 6) == 1
    assert t.read(f, 100, 0) == b"abcZ\0\0!"
    t.set_size(f, 2)
    assert t.read(f, 100, 0) == b"ab" and t.file_stat(f).size == 2
    t.close_file(f)
    assert _code(lambda: t.open_file(sub, "x.txt", OpenMode(create=True, exclusive=True))) == "exist"
    assert _code(lambda: t.open_file(sub, "nope", OpenMode())) == "no-entry"
    assert _code(lambda: t.open_file(r, "d", OpenMode())) == "is-directory"
    t.hardlink(sub, "x.txt", r, "hard.txt")
    assert t.stat(r, "hard.txt").links == 2
    assert t.stat(r, "hard.txt").inode == t.stat(sub, "x.txt").inode
    t.rename(r, "hard.txt", sub, "moved.txt")
    assert [n for n, _ in t.entries(sub)] == ["moved.txt", "x.txt"]
    assert dict(t.entries(r)) == {"d": "directory"}
    assert _code(lambda: t.rmdir(r, "d")) == "not-empty"
    assert _code(lambda: t.unlink(r, "d")) in ("is-directory", "not-permitted")
    t.unlink(sub, "moved.txt")
    t.unlink(sub, "x.txt")
    t.symlink("target", sub, "ln")
    assert t.readlink(sub, "ln") == "target" and t.stat(sub, "ln").kind == "symbolic-link"
    assert _code(lambda: t.readlink(r, "d")) == "invalid"
    t.unlink(sub, "ln")
    t.close_dir(sub)
    t.rmdir(r, "d")
    assert t.entries(r) == []


def test_times(fs: Fs) -> None:
    fs.file("f.txt", b"x")
    t, r = fs.tree, fs.root
    t.set_times(r, "f.txt", 1_000_000_000, None)
    s = t.stat(r, "f.txt")
    assert s.accessed == 1_000_000_000 and s.modified is not None and s.modified > 1_000_000_000
    t.set_times(r, "f.txt", None, 2_000_000_000)
    assert t.stat(r, "f.txt").modified == 2_000_000_000 and t.stat(r, "f.txt").accessed == 1_000_000_000


def test_a_directory_cannot_move_into_itself(fs: Fs) -> None:
    fs.dir("a/b")
    t, r = fs.tree, fs.root
    with resolve(t, r, "a/b", True) as (d, name):
        b = t.subdir(d, name)
        assert _code(lambda: t.rename(r, "a", b, "a2")) == "invalid"
        t.close_dir(b)


def test_the_memory_filesystem_is_bounded() -> None:
    tree = MemoryTree(capacity=1000 + ENTRY_COST + len("big"))  # the bytes and big's entry
    f = tree.open_file(tree.root, "big", OpenMode(write=True, create=True))
    tree.write(f, bytes(900), 0)
    with pytest.raises(FsError) as info:
        tree.write(f, bytes(200), None)
    assert info.value.code == "insufficient-space"
    with pytest.raises(FsError):
        tree.set_size(f, 10**12)
    tree.set_size(f, 0)
    tree.write(f, bytes(1000), 0)  # truncating gave the space back


def test_host_walk_never_opens_through_a_symlink(tmp_path: Path) -> None:
    """A directory that a symlink replaced after the walk looked is refused, not followed."""
    top = tmp_path / "top"
    (top / "d").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", top / "swapped")
    root = open_root(top)
    try:
        with pytest.raises(FsError) as info:
            HostTree().subdir(root, "swapped")
        assert info.value.code in ("loop", "not-directory")
    finally:
        os.close(root)


def test_entries_count_against_the_memory_filesystems_capacity() -> None:
    """Empty files and directories cost space too: a guest can't make them without end."""
    tree = MemoryTree(capacity=100 * (ENTRY_COST + 4))
    made = 0
    with pytest.raises(FsError) as info:
        while True:
            tree.mkdir(tree.root, f"d{made:03}")
            made += 1
    assert info.value.code == "insufficient-space" and made == 100
    tree.rmdir(tree.root, "d000")
    with pytest.raises(FsError):
        tree.symlink("x", tree.root, "abcd")  # as long a name, and a 1-byte target: it doesn't fit
    tree.rename(tree.root, "d001", tree.root, "e001")  # a rename moves the cost
    used = tree.used
    assert tree.used == used
    tree.open_file(tree.root, "f000", OpenMode(write=True, create=True))
    assert tree.used == tree.capacity


def test_a_renamed_file_still_counts() -> None:
    tree = MemoryTree()
    tree.add_file("a", b"12345")
    used = tree.used
    tree.rename(tree.root, "a", tree.root, "b")
    assert tree.used == used - len("a") + len("b")


def test_the_memory_filesystem_is_shared_safely_between_threads() -> None:
    """One MemoryTree preopened by instances running on several threads: its space accounting
    stays exact."""
    tree = MemoryTree()

    def work(n: int) -> None:
        tree.mkdir(tree.root, f"t{n}")
        d = tree.subdir(tree.root, f"t{n}")
        for i in range(200):
            f = tree.open_file(d, f"f{i}", OpenMode(write=True, create=True))
            tree.write(f, b"x" * i, None)
            tree.close_file(f)
            tree.rename(d, f"f{i}", tree.root, f"t{n}-{i}")
            if i % 2:
                tree.unlink(tree.root, f"t{n}-{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    names = [name for name, _ in tree.entries(tree.root)]
    assert len(names) == 8 + 8 * 100
    files = sum(i for n in range(8) for i in range(0, 200, 2))
    entries = sum(ENTRY_COST + len(name) for name in names)
    assert tree.used == files + entries


def test_an_unlinked_files_bytes_count_until_it_is_closed() -> None:
    tree = MemoryTree(capacity=ENTRY_COST + 1 + 1000)
    f = tree.open_file(tree.root, "f", OpenMode(write=True, create=True))
    tree.write(f, bytes(500), 0)
    tree.unlink(tree.root, "f")
    tree.write(f, bytes(500), 500)  # still held: still counted, so still bounded
    assert tree.used == 1000
    with pytest.raises(FsError):
        tree.write(f, bytes(ENTRY_COST + 2), 1000)
    tree.close_file(f)
    assert tree.used == 0
