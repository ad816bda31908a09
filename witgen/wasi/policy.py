"""`Wasi`, what a guest may see and do: its arguments and environment, its stdio, the host
directories it may open, the network it may reach, and the clock and randomness it gets.

Everything is denied unless granted: `Wasi()` gives a guest no stdio, no files, no network.
`Wasi.inherit()` is what `wasi=True` means (the host's stdin, stdout and stderr, nothing else),
as wasmtime's CLI does by default.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from witgen.wasi.clocks import Clock, SystemClock
from witgen.wasi.fs.memory import MemoryTree
from witgen.wasi.random import Random, SystemRandom

if TYPE_CHECKING:
    from witgen.wasi.link import Session

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
    """Which addresses a guest's sockets and outgoing HTTP may use. Patterns are `host:port`
    where the host is a name, an IP address (`[::1]` for IPv6), a CIDR block (`10.0.0.0/8`) or
    `*`, and the port a number or `*`: `"127.0.0.1:*"`, `"*:443"`, `"example.com:80"`.

    - `allow`: remote addresses a guest may reach (TCP connect, UDP send, HTTP requests). A name
      pattern covers the addresses the guest got by resolving that name through
      `wasi:sockets/ip-name-lookup`. A guest may resolve a name only when an `allow` pattern
      names it (or is `*`): a lookup is traffic to a resolver, and can leak data.
    - `bind`: local addresses where a guest may listen for TCP connections or receive UDP
      datagrams from anyone (a pattern with port `*` or `0` covers binding an ephemeral port).
      A client needs none: when `allow` grants anything, a socket may bind an ephemeral port
      (port 0), but then it can't listen, and it receives only datagrams from peers `allow`
      permits.
    - `max_sockets`: sockets and name lookups a guest may hold at once.

    Empty (the default) denies everything."""

    allow: Sequence[str] = ()
    bind: Sequence[str] = ()
    max_sockets: int = 256

    def __post_init__(self) -> None:
        for pattern in (*self.allow, *self.bind):
            _parse_pattern(pattern)
        if self.max_sockets < 0:
            raise ValueError("Network: max_sockets must not be negative")

    def permits(self, host: str, port: int) -> bool:
        """Whether the guest may reach `host:port` (a name or an IP address)."""
        return any(_matches(pattern, host, port) for pattern in self.allow)

    def permits_bind(self, host: str, port: int) -> bool:
        """Whether the guest may bind a socket to the local address `host:port`."""
        return any(_matches(pattern, host, port) for pattern in self.bind)

    def permits_name(self, name: str) -> bool:
        """Whether the guest may resolve `name` (some `allow` pattern names it, or is `*`)."""
        want = _canonical(name)
        return any(_parse_pattern(pattern)[0] in ("*", want) for pattern in self.allow)


def _parse_pattern(pattern: str) -> tuple[str, str]:
    """`host:port` split and checked: (canonical host, port text)."""
    host, sep, port = pattern.rpartition(":")
    if not sep or not host or not (port == "*" or (port.isdigit() and int(port) <= 65535)):
        raise ValueError(f"Network: {pattern!r} is not a `host:port` pattern (port a number or `*`)")
    if "/" in host:
        try:
            ipaddress.ip_network(host.strip("[]"), strict=False)
        except ValueError:
            raise ValueError(f"Network: {pattern!r} has a malformed CIDR block") from None
    return _canonical(host), port


def _canonical(host: str) -> str:
    """A host as patterns compare it: IP addresses in their standard form, names in lower case
    without a trailing dot."""
    bare = host.strip("[]")
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        return bare.lower().rstrip(".")


def _matches(pattern: str, host: str, port: int) -> bool:
    want_host, want_port = _parse_pattern(pattern)
    if want_port not in ("*", str(port)):
        return False
    if want_host == "*" or want_host == _canonical(host):
        return True
    if "/" not in want_host:
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")) in ipaddress.ip_network(want_host, strict=False)
    except ValueError:
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

    def link(self, rt: Any, imported: Iterable[str], defined: Collection[str] = ()) -> Session:
        """Define this WASI's imports in the engine instance `rt` (`witgen.runtime.wasi.PythonWasi`)."""
        from witgen.wasi.link import link

        return link(rt, self, imported, defined)

    def __post_init__(self) -> None:
        if isinstance(self.args, str) or not all(isinstance(a, str) for a in self.args):
            raise TypeError("Wasi: args must be a sequence of str")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.env.items()):
            raise TypeError("Wasi: env must map str to str")
