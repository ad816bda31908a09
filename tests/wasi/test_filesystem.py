"""The `wasi:filesystem` hosts called directly, on a host directory and on a MemoryTree, with the
same expectations (the error codes are wasmtime-wasi's for the same calls)."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from witgen.runtime.errors import Trap
from witgen.runtime.types import Err
from witgen.wasi.bindings.imports import wasi_filesystem_types as t
from witgen.wasi.bindings.imports.streams import StreamError_Closed, StreamError_LastOperationFailed
from witgen.wasi.bindings.imports.wall_clock import Datetime
from witgen.wasi.filesystem import hosts
from witgen.wasi.filesystem.descriptor import MAX_READ, Descriptor
from witgen.wasi.fs.memory import ENTRY_COST, MemoryTree
from witgen.wasi.io import IoError
from witgen.wasi.policy import Preopen, Wasi

F = t.DescriptorFlags
OF = t.OpenFlags
NONE = OF(0)
NOFOLLOW = t.PathFlags(0)
FOLLOW = t.PathFlags.SYMLINK_FOLLOW
RW = F.READ | F.WRITE


def code(call: Callable[[], Any]) -> str:
    """The WASI error code `call` fails with."""
    with pytest.raises(Err) as info:
        call()
    value = info.value.value
    assert isinstance(value, t.ErrorCode)
    return value.name.lower().replace("_", "-")


def preopens(*ps: Preopen, max_open_files: int = 1024) -> list[tuple[Descriptor, str]]:
    session = SimpleNamespace(policy=Wasi(preopens=ps, max_open_files=max_open_files))
    host = hosts(session)["wasi:filesystem/preopens"]
    return host.get_directories()  # type: ignore[attr-defined, no-any-return]


@dataclass
class Fs:
    """A preopen's root descriptor and how the test lays out and inspects its content."""

    kind: str
    root: Descriptor
    tree: MemoryTree | None
    top: Path | None
    outside: Path | None

    def file(self, path: str, data: bytes = b"") -> None:
        if self.tree is not None:
            self.tree.add_file(path, data)
        else:
            assert self.top is not None
            (self.top / path).parent.mkdir(parents=True, exist_ok=True)
            (self.top / path).write_bytes(data)

    def dir(self, path: str) -> None:
        if self.tree is not None:
            self.tree.add_dir(path)
        else:
            assert self.top is not None
            (self.top / path).mkdir(parents=True)

    def symlink(self, path: str, target: str) -> None:
        if self.tree is not None:
            self.tree.add_symlink(path, target)
        else:
            assert self.top is not None
            os.symlink(target, self.top / path)

    def names(self, d: Descriptor | None = None) -> list[str]:
        stream = (d or self.root).read_directory()
        out = []
        while (entry := stream.read_directory_entry()) is not None:
            out.append(entry.name)
        return sorted(out)

    def open(self, path: str, oflags: OF = NONE, flags: F = F.READ, follow: bool = True) -> Descriptor:
        return self.root.open_at(FOLLOW if follow else NOFOLLOW, path, oflags, flags)

    def contents(self, path: str) -> bytes:
        f = self.open(path)
        try:
            return f.read(1 << 20, 0)[0]
        finally:
            f.close()


def _make(kind: str, tmp_path: Path, read_only: bool = False, max_open_files: int = 1024) -> Fs:
    if kind == "memory":
        tree = MemoryTree()
        [(root, _)] = preopens(Preopen(tree, "/data", read_only), max_open_files=max_open_files)
        return Fs(kind, root, tree, None, None)
    top = tmp_path / "preopen"
    top.mkdir(exist_ok=True)
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_bytes(b"outside")
    [(root, _)] = preopens(Preopen(top, "/data", read_only), max_open_files=max_open_files)
    return Fs(kind, root, None, top, outside)


@pytest.fixture(params=["host", "memory"])
def fs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fs]:
    fs = _make(request.param, tmp_path)
    yield fs
    fs.root.close()


@pytest.fixture(params=["host", "memory"])
def ro(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fs]:
    """A read-only preopen holding `f.txt`, `d/` and a symlink `ln` -> `f.txt`."""
    fs = _make(request.param, tmp_path, read_only=True)
    fs.file("f.txt", b"data")
    fs.dir("d")
    fs.symlink("ln", "f.txt")
    yield fs
    fs.root.close()


# --- preopens ---


def test_preopens_are_directories_with_their_rights(tmp_path: Path) -> None:
    tree = MemoryTree()
    dirs = preopens(Preopen(tmp_path, "/host"), Preopen(tree, "mem", read_only=True))
    assert [name for _, name in dirs] == ["/host", "mem"]
    (host, _), (mem, _) = dirs
    assert host.get_type() == mem.get_type() == t.DescriptorType.DIRECTORY
    assert host.get_flags() == F.READ | F.MUTATE_DIRECTORY
    assert mem.get_flags() == F.READ
    assert host.stat().type == t.DescriptorType.DIRECTORY
    for d, _ in dirs:
        d.close()
        d.close()  # closing twice is harmless


def test_a_preopen_that_vanished_is_a_trap(tmp_path: Path) -> None:
    (tmp_path / "gone").mkdir()
    p = Preopen(tmp_path / "gone", "/gone")
    (tmp_path / "gone").rmdir()
    with pytest.raises(Trap, match="preopen"):
        preopens(p)


# --- files ---


def test_files_read_write_and_resize(fs: Fs) -> None:
    f = fs.open("new.txt", OF.CREATE, RW)
    assert f.get_type() == t.DescriptorType.REGULAR_FILE
    assert f.get_flags() == RW
    assert f.write(b"hello", 0) == 5
    assert f.write(memoryview(b"!"), 7) == 1
    assert f.read(100, 0) == (b"hello\0\0!", False)
    assert f.read(3, 1) == (b"ell", False)
    assert f.read(10, 8) == (b"", True)  # the end is reported when nothing is left, as wasmtime
    assert f.stat().size == 8 and f.stat().link_count == 1
    f.set_size(2)
    assert f.read(100, 0) == (b"he", False)
    f.set_size(4)
    assert f.read(100, 0) == (b"he\0\0", False)
    f.sync()
    f.sync_data()
    f.advise(0, 0, t.Advice.SEQUENTIAL)
    f.close()
    assert fs.contents("new.txt") == b"he\0\0"
    assert sorted(fs.names()) == ["new.txt"]


def test_a_read_returns_at_most_a_chunk(fs: Fs) -> None:
    fs.file("big", bytes(MAX_READ * 2))
    f = fs.open("big")
    data, end = f.read(2**64 - 1, 0)
    assert len(data) == MAX_READ and not end


def test_open_modes_decide_what_a_file_allows(fs: Fs) -> None:
    fs.file("f.txt", b"abc")
    r = fs.open("f.txt")
    assert r.get_flags() == F.READ
    assert code(lambda: r.write(b"x", 0)) == "bad-descriptor"
    assert code(lambda: r.set_size(0)) == "invalid"  # ftruncate on a file not open to write
    w = fs.open("f.txt", flags=F.WRITE)
    assert w.get_flags() == F.WRITE
    assert code(lambda: w.read(1, 0)) == "bad-descriptor"
    assert w.write(b"X", 0) == 1
    t_ = fs.open("f.txt", OF.TRUNCATE)  # truncating implies writing
    assert t_.get_flags() == RW
    assert fs.contents("f.txt") == b""
    for d in (r, w, t_):
        d.close()


@pytest.mark.parametrize(
    ("oflags", "flags", "path", "expected"),
    [
        (OF.CREATE | OF.EXCLUSIVE, RW, "f.txt", "exist"),
        (NONE, F.READ, "missing", "no-entry"),
        (OF.DIRECTORY, F.READ, "f.txt", "not-directory"),
        (OF.DIRECTORY | OF.CREATE, F.READ, "newdir", "invalid"),
        (OF.DIRECTORY | OF.TRUNCATE, F.READ, "d", "invalid"),
        (NONE, F.READ | F.FILE_INTEGRITY_SYNC, "f.txt", "unsupported"),
        (NONE, RW, "d", "is-directory"),
        (OF.CREATE, F.READ, "d", "is-directory"),
        (NONE, F.READ, "f.txt/", "not-directory"),
        (NONE, F.READ, "f.txt/x", "not-directory"),
        (NONE, F.READ, "missing/x", "no-entry"),
        (NONE, F.READ, "", "no-entry"),
    ],
)
def test_open_at_refuses(fs: Fs, oflags: OF, flags: F, path: str, expected: str) -> None:
    fs.file("f.txt", b"abc")
    fs.dir("d")
    assert code(lambda: fs.open(path, oflags, flags)) == expected
    assert fs.names() == ["d", "f.txt"]


def test_open_at_and_symlinks(fs: Fs) -> None:
    fs.file("f.txt", b"abc")
    fs.dir("d")
    fs.symlink("lf", "f.txt")
    fs.symlink("ld", "d")
    assert fs.contents("lf") == b"abc"
    assert code(lambda: fs.open("lf", follow=False)) == "loop"
    assert code(lambda: fs.open("lf", OF.CREATE, RW, follow=False)) == "loop"
    assert code(lambda: fs.open("lf", OF.CREATE | OF.EXCLUSIVE, RW, follow=False)) == "exist"
    assert code(lambda: fs.open("ld", OF.DIRECTORY, follow=False)) == "loop"  # as wasmtime (Linux: ENOTDIR)
    d = fs.open("ld", OF.DIRECTORY)
    assert d.get_type() == t.DescriptorType.DIRECTORY
    d.close()


# --- directories ---


def test_directory_operations(fs: Fs) -> None:
    r = fs.root
    r.create_directory_at("d")
    r.create_directory_at("d/e/")  # a trailing slash names the new directory
    assert code(lambda: r.create_directory_at("d")) == "exist"
    d = fs.open("d", OF.DIRECTORY)
    assert d.get_flags() == F.READ  # a directory opened under a mutable preopen (as wasmtime)
    f = d.open_at(NOFOLLOW, "x.txt", OF.CREATE, RW)
    f.write(b"xyz", 0)
    f.close()
    stream = r.read_directory()
    assert stream.read_directory_entry() == t.DirectoryEntry(t.DescriptorType.DIRECTORY, "d")
    assert stream.read_directory_entry() is None
    assert stream.read_directory_entry() is None
    assert fs.names(d) == ["e", "x.txt"]
    assert r.stat_at(NOFOLLOW, "d/x.txt").size == 3

    r.link_at(NOFOLLOW, "d/x.txt", d, "hard.txt")
    assert r.stat_at(NOFOLLOW, "d/hard.txt").link_count == 2
    assert d.is_same_object(d) and not d.is_same_object(r)
    a, b = fs.open("d/x.txt"), fs.open("d/hard.txt")
    assert a.is_same_object(b) and a.metadata_hash() == b.metadata_hash()
    assert a.metadata_hash() == r.metadata_hash_at(NOFOLLOW, "d/hard.txt")
    assert a.metadata_hash() != r.metadata_hash_at(NOFOLLOW, "d")
    a.close()
    b.close()

    d.rename_at("hard.txt", r, "moved.txt")
    assert fs.names() == ["d", "moved.txt"] and fs.contents("moved.txt") == b"xyz"
    assert code(lambda: r.remove_directory_at("d")) == "not-empty"
    assert code(lambda: r.unlink_file_at("d")) == "is-directory"
    assert code(lambda: r.unlink_file_at("nope")) == "no-entry"
    assert code(lambda: r.remove_directory_at("moved.txt")) == "not-directory"

    r.symlink_at("moved.txt", "ln")
    assert r.readlink_at("ln") == "moved.txt"
    assert r.stat_at(NOFOLLOW, "ln").type == t.DescriptorType.SYMBOLIC_LINK
    assert r.stat_at(FOLLOW, "ln").type == t.DescriptorType.REGULAR_FILE
    assert code(lambda: r.readlink_at("moved.txt")) == "invalid"
    assert code(lambda: r.symlink_at("x", "ln")) == "exist"
    r.unlink_file_at("ln")  # removes the link, not its target
    assert fs.names() == ["d", "moved.txt"]

    d.unlink_file_at("x.txt")
    assert code(lambda: d.remove_directory_at("e/")) == "invalid"  # as wasmtime (cap-std)
    d.remove_directory_at("e")
    d.close()
    r.remove_directory_at("d")
    assert fs.names() == ["moved.txt"]


def test_a_directory_descriptor_is_its_own_sandbox(fs: Fs) -> None:
    fs.file("top.txt", b"top")
    fs.dir("sub")
    sub = fs.open("sub", OF.DIRECTORY)
    assert code(lambda: sub.open_at(NOFOLLOW, "../top.txt", NONE, F.READ)) == "not-permitted"
    assert code(lambda: sub.stat_at(NOFOLLOW, "..")) == "not-permitted"
    sub.close()


def test_operations_need_the_right_kind_of_descriptor(fs: Fs) -> None:
    fs.file("f.txt", b"abc")
    f = fs.open("f.txt")
    r = fs.root
    for call in (
        lambda: f.read_directory(),
        lambda: f.create_directory_at("x"),
        lambda: f.stat_at(NOFOLLOW, "x"),
        lambda: f.open_at(NOFOLLOW, "x", NONE, F.READ),
        lambda: f.readlink_at("x"),
        lambda: f.unlink_file_at("x"),
        lambda: f.rename_at("x", r, "y"),
        lambda: r.rename_at("f.txt", f, "y"),
        lambda: f.metadata_hash_at(NOFOLLOW, "x"),
    ):
        assert code(call) == "not-directory"
    for call in (
        lambda: r.read(1, 0),
        lambda: r.write(b"x", 0),
        lambda: r.set_size(0),
        lambda: r.advise(0, 0, t.Advice.NORMAL),
    ):
        assert code(call) == "bad-descriptor"
    r.sync()
    r.sync_data()
    f.close()


def test_times(fs: Fs) -> None:
    fs.file("f.txt", b"x")
    r = fs.root
    when = t.NewTimestamp_Timestamp(Datetime(1_000_000_000, 5))
    r.set_times_at(NOFOLLOW, "f.txt", when, t.NewTimestamp_NoChange())
    s = r.stat_at(NOFOLLOW, "f.txt")
    assert s.data_access_timestamp == Datetime(1_000_000_000, 5)
    assert s.data_modification_timestamp is not None and s.data_modification_timestamp.seconds > 1_600_000_000
    f = fs.open("f.txt", flags=RW)
    f.set_times(t.NewTimestamp_NoChange(), when)
    assert f.stat().data_modification_timestamp == Datetime(1_000_000_000, 5)
    f.set_times(t.NewTimestamp_Now(), t.NewTimestamp_NoChange())
    accessed = f.stat().data_access_timestamp
    assert accessed is not None and accessed.seconds > 1_600_000_000
    r.set_times(when, when)
    assert r.stat().data_modification_timestamp == Datetime(1_000_000_000, 5)
    too_late = t.NewTimestamp_Timestamp(Datetime(2**64 - 1, 0))
    assert code(lambda: f.set_times(too_late, too_late)) == "overflow"
    f.close()


def test_offsets_beyond_the_host_are_invalid(fs: Fs) -> None:
    f = fs.open("f", OF.CREATE, RW)
    for call in (
        lambda: f.read(1, 2**64 - 1),
        lambda: f.write(b"x", 2**63),
        lambda: f.set_size(2**64 - 1),
    ):
        assert code(call) == "invalid"
    f.advise(2**63, 1, t.Advice.RANDOM)  # a hint about no bytes: ignored
    f.close()


def test_the_memory_tree_stays_within_its_capacity() -> None:
    [(root, _)] = preopens(Preopen(MemoryTree(capacity=ENTRY_COST + len("f") + 100), "/m"))
    f = root.open_at(NOFOLLOW, "f", OF.CREATE, RW)
    f.write(bytes(100), 0)
    assert code(lambda: f.write(b"x", 100)) == "insufficient-space"
    assert code(lambda: f.set_size(2**40)) == "insufficient-space"


# --- read-only preopens ---


def test_a_read_only_preopen_refuses_every_change(ro: Fs) -> None:
    r = ro.root
    f = ro.open("f.txt")
    d = ro.open("d", OF.DIRECTORY)
    now = t.NewTimestamp_Now()
    keep = t.NewTimestamp_NoChange()
    for call in (
        lambda: ro.open("f.txt", flags=RW),
        lambda: ro.open("f.txt", flags=F.WRITE),
        lambda: ro.open("new.txt", OF.CREATE),
        lambda: ro.open("f.txt", OF.TRUNCATE),
        lambda: r.create_directory_at("x"),
        lambda: r.remove_directory_at("d"),
        lambda: r.unlink_file_at("f.txt"),
        lambda: r.rename_at("f.txt", r, "g.txt"),
        lambda: r.link_at(NOFOLLOW, "f.txt", r, "g.txt"),
        lambda: r.symlink_at("f.txt", "g.txt"),
        lambda: r.set_times_at(NOFOLLOW, "f.txt", now, keep),
        lambda: r.set_times(now, keep),
        lambda: d.create_directory_at("x"),
        lambda: f.write(b"x", 0),
        lambda: f.set_size(0),
        lambda: f.set_times(now, keep),
    ):
        assert code(call) == "not-permitted"
    assert ro.contents("ln") == b"data"
    assert r.stat_at(NOFOLLOW, "f.txt").size == 4
    assert r.readlink_at("ln") == "f.txt"
    assert ro.names() == ["d", "f.txt", "ln"]
    assert ro.names(d) == []
    f.close()
    d.close()


def test_rename_and_link_need_both_directories_mutable(tmp_path: Path) -> None:
    (tmp_path / "rw").mkdir()
    (tmp_path / "ro").mkdir()
    (tmp_path / "rw" / "f.txt").write_bytes(b"x")
    (rw, _), (ro, _), (mem, _) = preopens(
        Preopen(tmp_path / "rw", "/rw"),
        Preopen(tmp_path / "ro", "/ro", read_only=True),
        Preopen(MemoryTree(), "/m"),
    )
    assert code(lambda: rw.rename_at("f.txt", ro, "f.txt")) == "not-permitted"
    assert code(lambda: rw.link_at(NOFOLLOW, "f.txt", ro, "f.txt")) == "not-permitted"
    assert code(lambda: rw.rename_at("f.txt", mem, "f.txt")) == "cross-device"
    assert code(lambda: rw.link_at(FOLLOW, "f.txt", rw, "g.txt")) == "invalid"
    assert sorted(os.listdir(tmp_path / "ro")) == []


# --- escapes ---


@pytest.mark.parametrize(
    "path",
    [
        "..",
        "../outside/secret.txt",
        "a/../../outside/secret.txt",
        "/etc/passwd",
        "up/secret.txt",
        "abs",
        "sneaky",
    ],
)
def test_paths_that_leave_the_preopen_are_not_permitted(fs: Fs, path: str) -> None:
    fs.dir("a")
    fs.symlink("up", "../outside")
    fs.symlink("abs", "/etc/passwd")
    fs.symlink("sneaky", "a/../../outside/secret.txt")
    r = fs.root
    keep = t.NewTimestamp_NoChange()
    for call in (
        lambda: fs.open(path),
        lambda: fs.open(path, OF.CREATE, RW),
        lambda: r.stat_at(FOLLOW, path),
        lambda: r.metadata_hash_at(FOLLOW, path),
        lambda: r.set_times_at(FOLLOW, path, keep, keep),
    ):
        assert code(call) == "not-permitted", path
    if "/" in path or path == "..":  # a last component is itself, not followed, for these
        for call in (
            lambda: r.unlink_file_at(path),
            lambda: r.remove_directory_at(path),
            lambda: r.create_directory_at(path + "/x"),
            lambda: r.rename_at(path, r, "stolen"),
            lambda: r.rename_at("a", r, path),
            lambda: r.link_at(NOFOLLOW, path, r, "stolen"),
            lambda: r.symlink_at("a", path),
        ):
            assert code(call) == "not-permitted", path
    if fs.outside is not None:
        assert sorted(os.listdir(fs.outside)) == ["secret.txt"]
        assert (fs.outside / "secret.txt").read_bytes() == b"outside"
    assert fs.names() == ["a", "abs", "sneaky", "up"]


def test_escaping_symlinks_can_be_made_and_removed_but_not_followed(fs: Fs) -> None:
    r = fs.root
    r.symlink_at("../outside/secret.txt", "out")
    assert r.readlink_at("out") == "../outside/secret.txt"
    assert r.stat_at(NOFOLLOW, "out").type == t.DescriptorType.SYMBOLIC_LINK
    assert code(lambda: r.stat_at(FOLLOW, "out")) == "not-permitted"
    assert code(lambda: r.symlink_at("/etc/passwd", "abs")) == "not-permitted"
    fs.symlink("abs", "/etc/passwd")
    assert code(lambda: r.readlink_at("abs")) == "not-permitted"
    r.unlink_file_at("out")
    r.unlink_file_at("abs")
    assert fs.names() == []


def test_symlink_loops_end(fs: Fs) -> None:
    fs.symlink("ping", "pong")
    fs.symlink("pong", "ping")
    fs.symlink("self", "self/x")
    assert code(lambda: fs.open("ping")) == "loop"
    assert code(lambda: fs.root.stat_at(FOLLOW, "self")) == "loop"
    assert code(lambda: fs.root.create_directory_at("ping/x")) == "loop"


def test_a_rename_out_of_the_preopen_leaves_nothing_outside(fs: Fs) -> None:
    fs.file("f.txt", b"mine")
    fs.symlink("up", "..")
    r = fs.root
    for new in ("../f.txt", "up/f.txt", "/tmp/f.txt"):
        assert code(lambda n=new: r.rename_at("f.txt", r, n)) == "not-permitted"  # type: ignore[misc]
        assert code(lambda n=new: r.link_at(NOFOLLOW, "f.txt", r, n)) == "not-permitted"  # type: ignore[misc]
    assert fs.contents("f.txt") == b"mine"


# --- limits and errors ---


@pytest.mark.parametrize("kind", ["host", "memory"])
def test_max_open_files(kind: str, tmp_path: Path) -> None:
    fs = _make(kind, tmp_path, max_open_files=3)
    fs.file("f.txt", b"x")
    a, b = fs.open("f.txt"), fs.open("f.txt")
    assert code(lambda: fs.open("f.txt")) == "insufficient-memory"
    assert code(lambda: fs.open("missing")) == "insufficient-memory"
    a.close()
    c = fs.open("f.txt")
    assert code(lambda: fs.open("missing")) == "insufficient-memory"
    b.close()
    assert code(lambda: fs.open("missing")) == "no-entry"  # a failed open gives its slot back
    d = fs.open(".", OF.DIRECTORY)
    for x in (c, d, fs.root):
        x.close()


def test_filesystem_error_code_reads_a_file_streams_error(fs: Fs) -> None:
    types = hosts(SimpleNamespace(policy=Wasi()))["wasi:filesystem/types"]
    fs.file("f.txt", b"abc")
    w = fs.open("f.txt", flags=F.WRITE)
    stream = w.read_via_stream(0)
    with pytest.raises(Err) as info:
        stream.read(10)
    assert isinstance(info.value.value, StreamError_LastOperationFailed)
    assert types.filesystem_error_code(info.value.value.value) == t.ErrorCode.BAD_DESCRIPTOR  # type: ignore[attr-defined]
    assert types.filesystem_error_code(IoError("not a file's")) is None  # type: ignore[attr-defined]
    w.close()


# --- streams ---


def test_file_streams(fs: Fs) -> None:
    f = fs.open("f.txt", OF.CREATE, RW)
    out = f.write_via_stream(2)
    assert out.check_write() > 0
    out.write(b"hello")
    out.blocking_write_and_flush(b"!")
    out.close()
    assert f.read(100, 0) == (b"\0\0hello!", False)
    app = f.append_via_stream()
    app.check_write()
    app.write(b"++")
    app.close()
    inp = f.read_via_stream(2)
    assert inp.blocking_read(3) == b"hel"
    assert inp.skip(2) == 2
    assert inp.read(100) == b"!++"
    with pytest.raises(Err) as info:
        inp.read(1)
    assert isinstance(info.value.value, StreamError_Closed)
    inp.close()
    assert code(lambda: fs.root.read_via_stream(0)) == "is-directory"
    assert code(lambda: fs.root.write_via_stream(0)) == "bad-descriptor"
    assert code(lambda: fs.root.append_via_stream()) == "bad-descriptor"
    f.close()


def test_a_stream_keeps_its_file_open_after_the_descriptor_is_dropped(tmp_path: Path) -> None:
    fs = _make("host", tmp_path, max_open_files=2)
    fs.file("f.txt", b"abc")
    f = fs.open("f.txt")
    stream = f.read_via_stream(0)
    f.close()
    assert code(lambda: fs.open("f.txt")) == "insufficient-memory"  # the stream holds it
    assert stream.read(10) == b"abc"
    stream.close()
    fs.open("f.txt").close()


def test_streams_on_a_read_only_preopen(ro: Fs) -> None:
    f = ro.open("f.txt")
    assert code(lambda: f.write_via_stream(0)) == "not-permitted"
    assert code(lambda: f.append_via_stream()) == "not-permitted"
    assert f.read_via_stream(1).read(10) == b"ata"
    f.close()


def test_a_full_memory_tree_fails_the_stream() -> None:
    [(root, _)] = preopens(Preopen(MemoryTree(capacity=ENTRY_COST + len("f") + 4), "/m"))
    f = root.open_at(NOFOLLOW, "f", OF.CREATE, RW)
    out = f.write_via_stream(0)
    out.check_write()
    with pytest.raises(Err) as info:
        out.write(b"12345")
    failed = info.value.value
    assert (
        isinstance(failed, StreamError_LastOperationFailed)
        and failed.value.code == t.ErrorCode.INSUFFICIENT_SPACE
    )


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_no_host_descriptor_leaks(tmp_path: Path) -> None:
    """Listing a directory leaves no descriptor behind, and a descriptor the guest never dropped
    (wasi-libc keeps its preopens) is closed when its instance's objects go."""
    (tmp_path / "f.txt").write_bytes(b"x")
    gc.collect()  # earlier tests' dropped descriptors
    before = _open_fds()
    [(root, _)] = preopens(Preopen(tmp_path, "/d"))
    f = root.open_at(NOFOLLOW, "f.txt", NONE, F.READ)
    for _ in range(20):
        root.read_directory()
    assert _open_fds() == before + 2
    del root, f
    gc.collect()
    assert _open_fds() == before


def test_host_names_that_are_not_utf8(tmp_path: Path) -> None:
    os.close(os.open(bytes(tmp_path) + b"/bad-\xff", os.O_CREAT | os.O_WRONLY))
    os.symlink(b"target-\xfe", bytes(tmp_path) + b"/link")
    (tmp_path / "z.txt").write_bytes(b"")
    [(root, _)] = preopens(Preopen(tmp_path, "/d"))
    stream = root.read_directory()
    assert code(stream.read_directory_entry) == "illegal-byte-sequence"
    assert stream.read_directory_entry() == t.DirectoryEntry(t.DescriptorType.SYMBOLIC_LINK, "link")
    assert stream.read_directory_entry() == t.DirectoryEntry(t.DescriptorType.REGULAR_FILE, "z.txt")
    assert stream.read_directory_entry() is None
    assert code(lambda: root.readlink_at("link")) == "illegal-byte-sequence"
