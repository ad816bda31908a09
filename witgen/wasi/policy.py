"""`Wasi`, what a guest may see and do: its arguments and environment, its stdio, the host
directories it may open, the network it may reach, and the clock and randomness it gets.

Everything is denied unless granted: `Wasi()` gives a guest no stdio, no files, no network.
`Wasi.inherit()` is what `wasi=True` means (the host's stdin, stdout and stderr, nothing else),
as wasmtime's CLI does by default.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from witgen.wasi.clocks import Clock, SystemClock
from witgen.wasi.fs.memory import MemoryTree
from witgen.wasi.random import Random, SystemRandom

Output = Literal["inherit"] | bytearray | Callable[[bytes], object] | BinaryIO | None
"""Where a guest's stdout/stderr go: the host's own stream, a buffer that collects the bytes, a
function called with each write, a binary file, or nowhere (None)."""
Input = Literal["inherit"] | bytes | BinaryIO | None
"""What a guest reads on stdin: the host's own, fixed bytes, a binary file, or nothing (None)."""


class Exit(Exception):
    """The guest called `wasi:cli/exit`: `code` is its exit status (0 for `exit(ok)`, 1 for
    `exit(err)`). The instance is finished; the host decides what the code means."""

    def __init__(self, code: int) -> None:
        super().__init__(f"the guest exited with status {code}")
        self.code = code


@dataclass(frozen=True)
class Preopen:
    """A directory the guest may open as `guest_path`: a host directory or an in-memory tree.
    `read_only` refuses every change (writes, creating, renaming, removing)."""

    host: str | os.PathLike[str] | MemoryTree
    guest_path: str
    read_only: bool = False

    def __post_init__(self) -> None:
        if not self.guest_path:
            raise ValueError("Preopen: guest_path must not be empty")
        if not isinstance(self.host, MemoryTree) and not Path(self.host).is_dir():
            raise ValueError(f"Preopen: {str(self.host)!r} is not a directory")


@dataclass(frozen=True)
class Network:
    """Which addresses a guest's sockets and outgoing HTTP may reach: `allow` holds patterns
    `host:port` where either may be `*` (`"127.0.0.1:*"`, `"*:443"`, `"example.com:80"`).
    Empty (the default) denies everything."""

    allow: Sequence[str] = ()

    def permits(self, host: str, port: int) -> bool:
        for pattern in self.allow:
            want_host, _, want_port = pattern.rpartition(":")
            if want_host in ("*", host.lower()) and want_port in ("*", str(port)):
                return True
        return False


@dataclass
class Wasi:
    """What a guest may see and do; pass it as `wasi=` when loading a component."""

    args: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    stdin: Input = None
    stdout: Output = None
    stderr: Output = None
    preopens: Sequence[Preopen] = ()
    network: Network = field(default_factory=Network)
    clock: Clock = field(default_factory=SystemClock)
    random: Random = field(default_factory=SystemRandom)
    initial_cwd: str | None = None
    max_open_files: int = 1024
    """Host files and directories a guest may hold open at once (each is a host descriptor)."""

    @classmethod
    def inherit(cls) -> Wasi:
        """The host's stdin, stdout and stderr, and nothing else (what `wasi=True` means)."""
        return cls(stdin="inherit", stdout="inherit", stderr="inherit")

    def __post_init__(self) -> None:
        if isinstance(self.args, str) or not all(isinstance(a, str) for a in self.args):
            raise TypeError("Wasi: args must be a sequence of str")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.env.items()):
            raise TypeError("Wasi: env must map str to str")
