"""Linking witgen's Python WASI into an instance: for each WASI 0.2 interface the *component*
imports, the host object of its area, defined through the checked-in bindings' `link()` under
the exact name (and version) the component imports.

An area is a module with `hosts(session) -> {unversioned interface name: host object}`; the host
objects follow the Protocols of `witgen.wasi.bindings.imports`. Each instance gets its own
`Session`, so instances made from one `Wasi` policy share nothing but the policy.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterable
from typing import Any

from witgen.wasi.policy import Wasi
from witgen.wasi.stdio import Sink, Source, sink

AREAS = {
    "wasi:io": "witgen.wasi.io",
    "wasi:clocks": "witgen.wasi.clocks",
    "wasi:random": "witgen.wasi.random",
    "wasi:cli": "witgen.wasi.cli",
    "wasi:filesystem": "witgen.wasi.filesystem",
    "wasi:sockets": "witgen.wasi.sockets",
    "wasi:http": "witgen.wasi.http",
}
"""The module implementing each WASI package."""

BINDINGS = {
    "wasi:cli/environment": "environment",
    "wasi:cli/exit": "exit",
    "wasi:cli/stderr": "stderr",
    "wasi:cli/stdin": "stdin",
    "wasi:cli/stdout": "stdout",
    "wasi:cli/terminal-input": "terminal_input",
    "wasi:cli/terminal-output": "terminal_output",
    "wasi:cli/terminal-stderr": "terminal_stderr",
    "wasi:cli/terminal-stdin": "terminal_stdin",
    "wasi:cli/terminal-stdout": "terminal_stdout",
    "wasi:clocks/monotonic-clock": "monotonic_clock",
    "wasi:clocks/wall-clock": "wall_clock",
    "wasi:filesystem/preopens": "preopens",
    "wasi:filesystem/types": "wasi_filesystem_types",
    "wasi:http/outgoing-handler": "outgoing_handler",
    "wasi:http/types": "wasi_http_types",
    "wasi:io/error": "error",
    "wasi:io/poll": "poll",
    "wasi:io/streams": "streams",
    "wasi:random/insecure": "insecure",
    "wasi:random/insecure-seed": "insecure_seed",
    "wasi:random/random": "random",
    "wasi:sockets/instance-network": "instance_network",
    "wasi:sockets/ip-name-lookup": "ip_name_lookup",
    "wasi:sockets/network": "network",
    "wasi:sockets/tcp": "tcp",
    "wasi:sockets/tcp-create-socket": "tcp_create_socket",
    "wasi:sockets/udp": "udp",
    "wasi:sockets/udp-create-socket": "udp_create_socket",
}
"""The module of `witgen.wasi.bindings` generated for each WASI 0.2 interface."""


class Session:
    """One instance's WASI: the policy, the stdio it resolves to, and the host objects made
    for it (one per interface, on first need). Areas keep per-instance state in `state`."""

    def __init__(self, policy: Wasi) -> None:
        self.policy = policy
        self.stdin = Source(policy.stdin)
        self.stdout: Sink = sink(policy.stdout, 1)
        self.stderr: Sink = sink(policy.stderr, 2)
        self.state: dict[str, Any] = {}
        self._hosts: dict[str, object] = {}

    def host(self, interface: str) -> object | None:
        """The host object for an unversioned interface name, if witgen implements it."""
        found = self._hosts.get(interface)
        if found is None:
            area = AREAS.get(interface.partition("/")[0])
            if area is None:
                return None
            self._hosts.update(importlib.import_module(area).hosts(self))
            found = self._hosts.get(interface)
        return found


def provides(name: str) -> bool:
    """Whether witgen's Python WASI implements the import `name` (`wasi:io/streams@0.2.3`)."""
    base, _, version = name.partition("@")
    return version.startswith("0.2.") and base in BINDINGS and base.partition("/")[0] in AREAS


def link(rt: Any, policy: Wasi, imported: Iterable[str], defined: Collection[str] = ()) -> Session:
    """Define in `rt` every WASI import of the component (`imported`: its import names) that
    the host hasn't defined itself (`defined`, in any version); imports witgen doesn't implement are left for
    instantiation to report."""
    session = Session(policy)
    host_defined = {name.partition("@")[0] for name in defined}
    for name in imported:
        if name.partition("@")[0] in host_defined or not provides(name):
            continue
        base = name.partition("@")[0]
        host = session.host(base)
        if host is None:
            continue
        wiring = importlib.import_module(f"witgen.wasi.bindings._wiring.imports.{BINDINGS[base]}")
        wiring.link(rt, host, interface=name)
    return session
