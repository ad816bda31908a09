"""WASI behaviour, seen by a real guest: the componentize-py `probe` (components/probe) does
plain-Python things (os.listdir, open, os.environ, sys.argv, print, os._exit, time.sleep,
os.urandom...) and every configuration must answer the same:

- `wasmtime-wasi`: the wasmtime engine with wasmtime's own WASI (the reference);
- `wasmtime`, `cabi`: either engine with `wasi=witgen.wasi.Wasi(...)` over host directories;
- `wasmtime-memory`, `cabi-memory`: the same with in-memory preopens (MemoryTree).

Each configuration gets its own copy of the same layout: a mutable preopen `/data`, a read-only
`/ro`, and (for host directories) an `outside` directory next to them that no path may reach.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import wasmtime

from tests.e2e import build
from witgen.runtime.errors import InstanceDead, Trap
from witgen.runtime.limits import Limits, Timeout
from witgen.wasi.clocks import FakeClock
from witgen.wasi.fs.memory import MemoryTree
from witgen.wasi.policy import Exit, Preopen, Wasi
from witgen.wasi.random import SeededRandom

REFERENCE = "wasmtime-wasi"
OURS = ["wasmtime", "cabi", "wasmtime-memory", "cabi-memory"]
CONFIGS = [REFERENCE, *OURS]

ARGS = ["probe", "--flag", "värde"]
ENV = {"GREETING": "hello", "EMPTY": "", "UNICODE": "ünï"}


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    try:
        wasm = build.build("probe")
    except build.BuildError as exc:
        pytest.fail(f"building the probe component failed:\n{exc}", pytrace=False)
    out = tmp_path_factory.mktemp("probe-bindings")
    cmd = [
        sys.executable,
        "-m",
        "witgen",
        "host",
        str(build.SPECS["probe"].wit_path),
        "-o",
        str(out / "witgen_wasi_probe"),
    ]
    proc = subprocess.run(cmd, cwd=build.ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    sys.path.insert(0, str(out))
    return importlib.import_module("witgen_wasi_probe"), wasm


@dataclass
class Box:
    """One configuration's filesystems and captured output."""

    config: str
    base: Path
    data: Path | MemoryTree = field(init=False)
    ro: Path | MemoryTree = field(init=False)
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        (self.base / "outside").mkdir(parents=True)
        (self.base / "outside" / "secret.txt").write_bytes(b"outside")
        if self.config.endswith("memory"):
            self.data, self.ro = MemoryTree(), MemoryTree()
        else:
            self.data, self.ro = self.base / "data", self.base / "ro"
            self.data.mkdir()
            self.ro.mkdir()
        self.file(self.data, "a.txt", b"hello")
        self.file(self.data, "sub/b.txt", b"bee")
        self.symlink(self.data, "inlink", "a.txt")
        self.symlink(self.data, "dirlink", "sub")
        self.symlink(self.data, "esc", "../outside/secret.txt")
        self.symlink(self.data, "abs", str(self.base / "outside" / "secret.txt"))
        self.symlink(self.data, "up", "..")
        self.symlink(self.data, "loop1", "loop2")
        self.symlink(self.data, "loop2", "loop1")
        self.file(self.ro, "r.txt", b"read only")
        self.file(self.ro, "rsub/inner.txt", b"inner")

    @staticmethod
    def file(top: Path | MemoryTree, path: str, data: bytes) -> None:
        if isinstance(top, MemoryTree):
            top.add_file(path, data)
        else:
            (top / path).parent.mkdir(parents=True, exist_ok=True)
            (top / path).write_bytes(data)

    @staticmethod
    def symlink(top: Path | MemoryTree, path: str, target: str) -> None:
        if isinstance(top, MemoryTree):
            top.add_symlink(path, target)
        else:
            os.symlink(target, top / path)

    def read(self, path: str) -> bytes:
        """A file of `/data`, read by the host."""
        return (
            self.data.read_file(path)
            if isinstance(self.data, MemoryTree)
            else (self.data / path).read_bytes()
        )

    def outside(self) -> dict[str, bytes]:
        """What is outside the preopens (which the guest must not have changed)."""
        return {p.name: p.read_bytes() for p in sorted((self.base / "outside").iterdir())}

    def host_output(self, name: str) -> bytes:
        return (self.base / name).read_bytes() if (self.base / name).exists() else b""


def _instance(probe: tuple[ModuleType, Path], box: Box, **policy: Any) -> Any:
    pkg, wasm = probe
    if box.config == REFERENCE:
        c = wasmtime.WasiConfig()
        c.argv = ARGS
        c.env = list(ENV.items())
        assert isinstance(box.data, Path) and isinstance(box.ro, Path)
        c.preopen_dir(str(box.data), "/data")
        c.preopen_dir(str(box.ro), "/ro", fs_mutable=False)
        c.stdout_file = str(box.base / "stdout")
        c.stderr_file = str(box.base / "stderr")
        return pkg.Probe.from_file(wasm, wasi=c, abi="wasmtime")
    wasi = Wasi(
        args=ARGS,
        env=ENV,
        preopens=[Preopen(box.data, "/data"), Preopen(box.ro, "/ro", read_only=True)],
        stdout=box.stdout,
        stderr=box.stderr,
        **policy,
    )
    return pkg.Probe.from_file(wasm, wasi=wasi, abi=box.config.partition("-")[0])


Step = tuple[str, ...]


@dataclass
class Run:
    """The answers of every configuration to the same steps, and the boxes they ran in."""

    answers: dict[str, list[Any]]
    boxes: dict[str, Box]

    @property
    def reference(self) -> list[Any]:
        return self.answers[REFERENCE]


def run(
    probe: tuple[ModuleType, Path],
    tmp_path: Path,
    steps: list[Step],
    configs: list[str] = CONFIGS,
    **policy: Any,
) -> Run:
    """Each configuration, in a fresh box and instance, answers `steps` ((op, *args) each)."""
    answers: dict[str, list[Any]] = {}
    boxes: dict[str, Box] = {}
    for config in configs:
        box = boxes[config] = Box(config, tmp_path / config)
        guest = _instance(probe, box, **(policy if config != REFERENCE else {}))
        answers[config] = [_answer(json.loads(guest.call(op, list(args)))) for op, *args in steps]
    return Run(answers, boxes)


def _ask(guest: Any, op: str, *args: str) -> Any:
    return _answer(json.loads(guest.call(op, list(args))))


def _answer(reply: dict[str, Any]) -> Any:
    return reply["ok"] if "ok" in reply else ("err", reply["err"])


def assert_same(result: Run, steps: list[Step]) -> None:
    """Every configuration answered each step as wasmtime's WASI did."""
    for config in OURS:
        if config not in result.answers:
            continue
        for step, want, got in zip(steps, result.reference, result.answers[config], strict=True):
            assert got == want, f"{config}: {step} answered {got!r}, wasmtime's WASI {want!r}"


# --- files ---

READING: list[Step] = [
    ("listdir", "/data"),
    ("kinds", "/data"),
    ("read", "/data/a.txt"),
    ("read", "/data/sub/b.txt"),
    ("read", "/data/inlink"),
    ("read", "/data/dirlink/b.txt"),
    ("read", "/data/./sub/../a.txt"),
    ("read", "/data/missing"),
    ("read", "/data/sub"),
    ("stat", "/data/a.txt"),
    ("stat", "/data/inlink", "0"),
    ("stat", "/data/inlink"),
    ("stat", "/data/sub"),
    ("exists", "/data/sub/b.txt"),
    ("exists", "/data/nothing"),
    ("walk", "/data/sub"),
    ("listdir", "/ro"),
    ("read", "/ro/rsub/inner.txt"),
    ("readlink", "/data/inlink"),
    ("readlink", "/data/a.txt"),
    ("same", "/data/a.txt", "/data/a.txt"),
    ("same", "/data/a.txt", "/data/inlink"),
    ("same", "/data/a.txt", "/data/sub/b.txt"),
    ("cwd",),
]


def test_listing_and_reading(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    result = run(probe, tmp_path, READING)
    assert_same(result, READING)
    ref = dict(zip([" ".join(s) for s in READING], result.reference, strict=True))
    assert ref["listdir /data"] == ["a.txt", "abs", "dirlink", "esc", "inlink", "loop1", "loop2", "sub", "up"]
    assert ref["read /data/a.txt"] == ref["read /data/inlink"] == ref["read /data/./sub/../a.txt"] == "hello"
    assert ref["read /data/dirlink/b.txt"] == "bee"
    assert ref["read /data/missing"] == ("err", "ENOENT")
    assert ref["read /data/sub"] == ("err", "EISDIR")
    assert ref["stat /data/a.txt"] == {"kind": "file", "size": 5, "nlink": 1}
    assert ref["stat /data/inlink 0"]["kind"] == "link"
    assert ref["walk /data/sub"] == [["/data/sub", [], ["b.txt"]]]
    assert ref["same /data/a.txt /data/a.txt"] is True and ref["same /data/a.txt /data/sub/b.txt"] is False


ESCAPES: list[Step] = [
    ("read", "/data/../outside/secret.txt"),
    ("read", "/data/esc"),
    ("read", "/data/abs"),
    ("read", "/data/up/outside/secret.txt"),
    ("listdir", "/data/up"),
    ("listdir", "/data/.."),
    ("read", "/data/loop1"),
    ("stat", "/data/esc", "0"),
    ("stat", "/data/esc"),
    ("write", "/data/../planted.txt", "x"),
    ("write", "/data/up/planted.txt", "x"),
    ("write", "/data/esc", "overwritten"),
    ("mkdir", "/data/up/newdir"),
    ("symlink", "../outside", "/data/made-escape"),
    ("read", "/data/made-escape/secret.txt"),
    ("remove", "/data/up/outside/secret.txt"),
    ("listdir", "/"),
    ("read", "/etc/passwd"),
    ("read", str(Path(__file__))),
    ("listdir", "/data"),
]


def test_no_escape(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    result = run(probe, tmp_path, ESCAPES)
    assert_same(result, ESCAPES)
    ref = dict(zip([" ".join(s) for s in ESCAPES], result.reference, strict=True))
    for step, answer in ref.items():
        if (
            step.startswith(("read", "write", "mkdir", "rename", "link ", "remove"))
            or step == "listdir /data/up"
        ):
            assert isinstance(answer, tuple) and answer[1] in ("EPERM", "ENOENT", "ELOOP"), (step, answer)
    assert ref["read /data/esc"] == ref["read /data/../outside/secret.txt"] == ("err", "EPERM")
    assert ref["read /data/loop1"] == ("err", "ELOOP")
    assert ref["stat /data/esc 0"]["kind"] == "link"
    assert ref["symlink ../outside /data/made-escape"] is None  # making one is allowed; following it is not
    for box in result.boxes.values():
        assert box.outside() == {"secret.txt": b"outside"}, box.config
        assert not (box.base / "planted.txt").exists() and not (box.base / "stolen.txt").exists()


WRITING: list[Step] = [
    ("write", "/data/new.txt", "new"),
    ("append", "/data/new.txt", "+more"),
    ("read", "/data/new.txt"),
    ("create", "/data/new.txt", "again"),
    ("seek-write", "/data/new.txt", "10", "far"),
    ("truncate", "/data/new.txt", "4"),
    ("read", "/data/new.txt"),
    ("write", "/data/inlink", "through the link"),
    ("read", "/data/a.txt"),
    ("mkdir", "/data/d"),
    ("mkdir", "/data/d"),
    ("makedirs", "/data/d/e/f"),
    ("write", "/data/d/inner.txt", "in d"),
    ("rmdir", "/data/d"),
    ("remove", "/data/d"),
    ("rmdir", "/data/d/e/f"),
    ("symlink", "new.txt", "/data/soft"),
    ("readlink", "/data/soft"),
    ("read", "/data/soft"),
    ("remove", "/data/soft"),
    ("utime", "/data/new.txt", "1000000000"),
    ("mtime", "/data/new.txt"),
    ("walk", "/data/d"),
    ("remove", "/data/missing"),
    ("rmdir", "/data/missing"),
    ("listdir", "/data"),
]


def test_writing(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    result = run(probe, tmp_path, WRITING)
    assert_same(result, WRITING)
    ref = dict(zip([" ".join(s) for s in WRITING], result.reference, strict=False))
    assert result.reference[2] == "new+more"
    assert ref["create /data/new.txt again"] == ("err", "EEXIST")
    assert result.reference[6] == "new+"
    assert ref["read /data/a.txt"] == "through the link"
    assert ref["rmdir /data/d"] == ("err", "ENOTEMPTY")
    assert ref["remove /data/d"] in (("err", "EISDIR"), ("err", "EPERM"))
    assert ref["read /data/soft"] == "new+"
    assert ref["mtime /data/new.txt"] == 1_000_000_000
    assert ref["walk /data/d"] == [["/data/d", ["e"], ["inner.txt"]], ["/data/d/e", [], []]]
    for config, box in result.boxes.items():
        assert box.read("new.txt") == b"new+", config


READ_ONLY: list[Step] = [
    ("read", "/ro/r.txt"),
    ("write", "/ro/r.txt", "changed"),
    ("append", "/ro/r.txt", "more"),
    ("write", "/ro/new.txt", "x"),
    ("mkdir", "/ro/d"),
    ("remove", "/ro/r.txt"),
    ("rmdir", "/ro/rsub"),
    ("symlink", "r.txt", "/ro/ln"),
    ("truncate", "/ro/r.txt", "0"),
    ("utime", "/ro/r.txt", "1000000000"),
    ("listdir", "/ro"),
    ("read", "/ro/r.txt"),
    ("listdir", "/data"),
]


def test_a_read_only_preopen(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    result = run(probe, tmp_path, READ_ONLY)
    assert_same(result, READ_ONLY)
    assert result.reference[0] == result.reference[-2] == "read only"
    for step, answer in zip(READ_ONLY[1:-3], result.reference[1:-3], strict=True):
        assert isinstance(answer, tuple) and answer[0] == "err", (step, answer)
    assert result.reference[-3] == ["r.txt", "rsub"]


EDGES: list[Step] = [
    ("listdir", "/data/a.txt"),
    ("read", "/data/a.txt/"),
    ("read", "/data/dirlink/"),
    ("write", "/data/sub", "x"),
    ("create", "/data/inlink", "x"),
    ("kinds", "/data/loop1"),
    ("stat", "/data/loop1", "0"),
    ("mkdir", "/data/nd/"),
    ("rmdir", "/data/nd/"),
    ("mkdir", "/data/sub/.."),
    ("rmdir", "/data/sub/.."),
    ("mkdir", "/data"),
    ("rmdir", "/data"),
    ("rmdir", "/data/dirlink"),
    ("remove", "/data/dirlink"),
    ("remove", "/data/up"),
    ("fill", "/data/big.bin", str(3 << 20)),
    ("digest", "/data/big.bin"),
    ("stat", "/data/big.bin"),
    ("listdir", "/data"),
]


def test_edges(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    """Odd paths, and a 3 MB file through the streams."""
    result = run(probe, tmp_path, EDGES)
    assert_same(result, EDGES)
    ref = result.reference
    assert ref[0] == ("err", "ENOTDIR") and ref[5] == ("err", "ELOOP")
    assert ref[17] == [3 << 20, ref[16]]
    assert "dirlink" not in ref[-1] and "up" not in ref[-1] and "sub" in ref[-1]


DESCRIPTORS: list[Step] = [
    ("fd-ops", "/data/a.txt", "/data/sub", "/data/inlink"),
    ("fd-ops", "/ro/r.txt", "/ro/rsub", "/ro/none"),
]


def test_descriptors(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    """os.open's modes and the calls on the descriptors (streams underneath, and their errors)."""
    result = run(probe, tmp_path, DESCRIPTORS)
    assert_same(result, DESCRIPTORS)
    rw, ro = result.reference
    assert (
        rw["write-read-only"] == rw["read-write-only"] == "EIO"
    )  # a stream's failure, as wasi-libc reports it
    assert rw["ftruncate-read-only"] == "EINVAL" and rw["open-sync"] == "ENOTSUP"
    assert rw["pread"] == "ell" and rw["after"] == "hZ"
    assert rw["open-dir-write"] == "EISDIR" and rw["open-link-nofollow"] == "ELOOP"
    assert ro["write-read-only"] == ro["open-create-rw"] == ro["utime-fd"] == "EPERM"  # read-only preopen
    assert ro["after"] == "read only"


def _battery(probe: tuple[ModuleType, Path], tmp_path: Path, two_borrows: bool) -> dict[str, Any]:
    """components/probe/raw.py's calls of wasi:filesystem itself; each configuration answered
    each call as wasmtime's WASI did. Wasmtime's answers, by call."""
    result = run(probe, tmp_path, [("raw", "1" if two_borrows else "0")])
    reference = result.reference[0]
    assert isinstance(reference, dict), reference
    for config in OURS:
        answers = result.answers[config][0]
        for call, want in reference.items():
            assert (
                answers[call] == want
            ), f"{config}: {call} answered {answers[call]!r}, wasmtime's WASI {want!r}"
    return reference


def test_wasi_filesystem_itself(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    ref = _battery(probe, tmp_path, two_borrows=False)
    assert len(ref) > 100
    assert ref["flags"] == [["MUTATE_DIRECTORY", "READ"], ["READ"], ["READ"], ["READ"], ["WRITE"], ["READ"]]
    assert ref["read"] == ["ell", False] and ref["read-end"] == ["", True] and ref["read-huge"] == 5
    assert ref["hash-same"] is ref["hash-follow"] is True and ref["hash-other"] is False
    assert ref["stream-read-write-only"] == ["failed", "BAD_DESCRIPTOR"]  # filesystem-error-code
    assert ref["after-append"] == ["HEllo!", False]
    assert ref["set-times-huge"] == ["err", "OVERFLOW"] and ref["atime-carried"] == [3, 500_000_000]
    for call in (
        "open-dot-dot",
        "open-absolute",
        "open-escape-link",
        "stat-sub-up",
        "readlink-absolute",
        "mkdir-up",
    ):
        assert ref[call] == ["err", "NOT_PERMITTED"], call
    refused = [k for k in ref if k.startswith("ro-") and k not in ("ro-read", "ro-open-mutate")]
    assert all(ref[k] == ["err", "NOT_PERMITTED"] for k in refused) and len(refused) == 13
    assert ref["ro-open-mutate"] == "Descriptor"  # wasmtime ignores mutate-directory (the WIT says read-only)
    assert ref["open-link-dir"] == ref["open-loop"] == ["err", "LOOP"]
    assert ref["open-dir-write"] == ["err", "IS_DIRECTORY"] and ref["open-sync"] == ["err", "UNSUPPORTED"]


def test_wasi_filesystem_calls_with_two_descriptors(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    ref = _battery(probe, tmp_path, two_borrows=True)
    assert ref["same-object"] == [True, False, False]
    assert ref["link-follow"] == ["err", "INVALID"] and ref["link-links"] == 2
    for call in ("link-dir", "link-to-ro", "link-from-ro", "link-escape", "rename-to-ro", "rename-escape"):
        assert ref[call] == ["err", "NOT_PERMITTED"], call
    assert ref["rename-dir-into-itself"] == ["err", "INVALID"]
    assert ref["entries-sub"] == [
        ["b.txt", "REGULAR_FILE"],
        ["l2", "REGULAR_FILE"],
        ["made", "DIRECTORY"],
        ["moved", "REGULAR_FILE"],
    ]


RENAMING: list[Step] = [
    ("rename", "/data/a.txt", "/data/sub/moved.txt"),
    ("read", "/data/sub/moved.txt"),
    ("exists", "/data/a.txt"),
    ("link", "/data/sub/moved.txt", "/data/hard.txt"),
    ("stat", "/data/hard.txt"),
    ("remove", "/data/sub/moved.txt"),
    ("stat", "/data/hard.txt"),
    ("rename", "/data/sub", "/data/sub2"),
    ("rename", "/data/hard.txt", "/data/sub2"),
    ("rename", "/data/sub2", "/data/hard.txt"),
    ("rename", "/data/missing", "/data/x"),
    ("link", "/data/sub2", "/data/dir-hard"),
    ("link", "/data/hard.txt", "/data/sub2/b.txt"),
    ("rename", "/data/hard.txt", "/data/up/stolen.txt"),
    ("rename", "/data/hard.txt", "/data/../stolen.txt"),
    ("link", "/data/hard.txt", "/data/up/stolen.txt"),
    ("rename", "/data/up/outside/secret.txt", "/data/got.txt"),
    ("rename", "/ro/r.txt", "/ro/s.txt"),
    ("rename", "/ro/r.txt", "/data/taken.txt"),
    ("rename", "/data/hard.txt", "/ro/given.txt"),
    ("link", "/ro/r.txt", "/data/r-link.txt"),
    ("listdir", "/data"),
    ("walk", "/data/sub2"),
    ("listdir", "/ro"),
]


def test_rename_and_link(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    result = run(probe, tmp_path, RENAMING)
    assert_same(result, RENAMING)
    ref = result.reference
    assert ref[:3] == [None, "hello", False]
    assert ref[4] == {"kind": "file", "size": 5, "nlink": 2} and ref[6]["nlink"] == 1
    assert ref[8:13] == [
        ("err", "EISDIR"),
        ("err", "ENOTDIR"),
        ("err", "ENOENT"),
        ("err", "EPERM"),
        ("err", "EEXIST"),
    ]
    assert all(answer == ("err", "EPERM") for answer in ref[13:21]), ref[13:21]
    assert ref[-3] == ["abs", "dirlink", "esc", "hard.txt", "inlink", "loop1", "loop2", "sub2", "up"]
    assert ref[-1] == ["r.txt", "rsub"]
    for box in result.boxes.values():
        assert box.outside() == {"secret.txt": b"outside"}, box.config
        assert not (box.base / "stolen.txt").exists()


# --- the rest of WASI ---


def test_env_args_and_time(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    steps: list[Step] = [("argv",), ("env",)]
    result = run(probe, tmp_path, [*steps, ("time",)])
    for config in OURS:
        assert result.answers[config][:2] == result.reference[:2], config
    assert result.reference[0] == ARGS
    assert result.reference[1] == ENV
    for config in CONFIGS:
        assert abs(result.answers[config][2] - time.time()) < 60, config


def test_stdout_and_stderr(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    steps: list[Step] = [("print", "to stdout"), ("print", "to stderr", "stderr"), ("print", "ünïcode ✓")]
    result = run(probe, tmp_path, steps)
    assert_same(result, steps)
    ref = result.boxes[REFERENCE]
    assert ref.host_output("stdout") == "to stdout\nünïcode ✓\n".encode()
    assert ref.host_output("stderr") == b"to stderr\n"
    for config in OURS:
        box = result.boxes[config]
        assert bytes(box.stdout) == ref.host_output("stdout"), config
        assert bytes(box.stderr) == ref.host_output("stderr"), config


@pytest.mark.parametrize("code", [0, 3])
def test_exit(probe: tuple[ModuleType, Path], tmp_path: Path, code: int) -> None:
    """`os._exit(n)`: wasmtime's WASI ends the call with its ExitTrap, witgen.wasi with `Exit`;
    the status is the same (wasi:cli/exit@0.2 carries only success or failure)."""
    statuses = {}
    for config in CONFIGS:
        guest = _instance(probe, Box(config, tmp_path / config))
        if config == REFERENCE:
            with pytest.raises(Trap) as trap:
                guest.call("exit", [str(code)])
            assert isinstance(trap.value.__cause__, wasmtime.ExitTrap)
            statuses[config] = trap.value.__cause__.code
        else:
            with pytest.raises(Exit) as exited:
                guest.call("exit", [str(code)])
            statuses[config] = exited.value.code
    assert statuses == dict.fromkeys(CONFIGS, 0 if code == 0 else 1)


def test_sleep_waits_on_a_pollable(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    steps: list[Step] = [("sleep", "0.2")]
    for config, (elapsed,) in run(probe, tmp_path, steps).answers.items():
        assert 0.2 <= elapsed < 5, config


@pytest.mark.parametrize("abi", ["wasmtime", "cabi"])
def test_a_call_deadline_ends_a_guests_sleep(probe: tuple[ModuleType, Path], abi: str) -> None:
    """The store's epoch interrupts wasm, not a host function sleeping on the guest's behalf:
    witgen.wasi's poll stops at the call's deadline, a `Timeout` as wasm running past it."""
    pkg, wasm = probe
    # The deadline covers the guest's start functions (CPython's start-up: slow on a loaded
    # machine), not compiling it: on the cabi engine, compiled here without the cache.
    cache = {"cache_dir": False} if abi == "cabi" else {}
    guest = pkg.Probe.from_file(wasm, wasi=Wasi(), abi=abi, limits=Limits(deadline=3), **cache)
    start = time.monotonic()
    with pytest.raises(Timeout, match="waiting in wasi:io/poll"):
        guest.call("sleep", ["120"])
    assert time.monotonic() - start < 30
    with pytest.raises(InstanceDead):
        guest.call("time", [])


def test_poll_waits_for_the_first_of_two_timers(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    for config, (answer,) in run(probe, tmp_path, [("poll-two", "50", "5000")]).answers.items():
        ready, waited_ms = answer
        assert ready == [1] and 50 <= waited_ms < 2000, (config, answer)


def test_max_open_files_bounds_a_guest(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    """A guest opening files without end gets an error once it holds `Wasi.max_open_files`
    (its two preopens count), and can open again after closing some."""
    for config in ("wasmtime", "cabi"):
        guest = _instance(probe, Box(config, tmp_path / config), max_open_files=10)
        assert _ask(guest, "hold", "/data/a.txt", "8") == 8
        assert _ask(guest, "hold", "/data/a.txt", "1") == ("err", "ENOMEM")
        assert _ask(guest, "release") is None
        assert _ask(guest, "hold", "/data/a.txt", "8") == 8, config


def test_sleep_on_a_fake_clock_takes_no_time(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    clock = FakeClock()
    start = time.monotonic()
    for config in ("wasmtime", "cabi"):
        guest = _instance(probe, Box(config, tmp_path / config), clock=clock)
        assert _answer(json.loads(guest.call("sleep", ["3600"]))) == pytest.approx(3600, abs=1)
    assert time.monotonic() - start < 30


def test_random_bytes(probe: tuple[ModuleType, Path], tmp_path: Path) -> None:
    steps: list[Step] = [("urandom", "16"), ("urandom", "16"), ("urandom", "0")]
    for config, (a, b, empty) in run(probe, tmp_path, steps).answers.items():
        assert len(a) == len(b) == 32 and a != b and empty == "", config
    seeded = []
    for config in ("wasmtime", "cabi"):
        guest = _instance(probe, Box(config, tmp_path / f"seeded-{config}"), random=SeededRandom(7))
        seeded.append(_answer(json.loads(guest.call("urandom", ["16"]))))
    assert seeded[0] == seeded[1]  # a seeded policy gives the same bytes on either engine
