"""`wasi:sockets/network` and `instance-network`: the `network` resource a guest passes to bind,
connect and name lookup, and the per-instance state behind it (the policy, the names the guest
resolved, how many sockets it holds).
"""

from __future__ import annotations

import ipaddress
import threading
from collections import OrderedDict

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import ErrorCode
from witgen.wasi.policy import Network as Policy

MAX_LOOKUPS = 16
"""Name lookups (each a host thread) one instance may have under way at once."""
MAX_NAMES = 4096
"""Resolved addresses remembered for name patterns (the oldest are forgotten first)."""


class Net:
    """One instance's network: what its policy permits, with the addresses it learned by name
    lookup (so that a pattern `example.com:443` covers the addresses of example.com), and its
    budget of open sockets and lookups."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._names: OrderedDict[str, set[str]] = OrderedDict()
        self._open = 0
        self._lookups = 0
        self._lock = threading.Lock()

    def may_reach(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int) -> bool:
        host = str(ip)
        if self.policy.permits(host, port):
            return True
        with self._lock:
            names = tuple(self._names.get(host, ()))
        return any(self.policy.permits(name, port) for name in names)

    def bind_grant(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int) -> bool:
        """Whether a socket may bind `ip:port`: True if it may then listen or receive from anyone
        (a `bind` pattern), False if only as a client (an ephemeral port, when `allow` grants
        something); `access-denied` if neither."""
        if self.policy.permits_bind(str(ip), port):
            return True
        if port == 0 and self.policy.allow:
            return False
        raise Err(ErrorCode.ACCESS_DENIED)

    def learn(self, name: str, ips: list[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> None:
        """Remember that `name` resolved to `ips`."""
        with self._lock:
            for ip in ips:
                self._names.setdefault(str(ip), set()).add(name)
                self._names.move_to_end(str(ip))
            while len(self._names) > MAX_NAMES:
                self._names.popitem(last=False)

    def acquire(self) -> None:
        """Count one more socket or lookup, or refuse with `new-socket-limit`."""
        with self._lock:
            if self._open >= self.policy.max_sockets:
                raise Err(ErrorCode.NEW_SOCKET_LIMIT)
            self._open += 1

    def release(self) -> None:
        with self._lock:
            self._open -= 1

    def begin_lookup(self) -> None:
        """Count one more lookup under way (it also takes a socket's place in the budget), or
        refuse with `out-of-memory`, the resolver's own word for running out (EAI_MEMORY)."""
        with self._lock:
            if self._lookups >= MAX_LOOKUPS or self._open >= self.policy.max_sockets:
                raise Err(ErrorCode.OUT_OF_MEMORY)
            self._lookups += 1
            self._open += 1

    def end_lookup(self) -> None:
        with self._lock:
            self._lookups -= 1
            self._open -= 1

    @property
    def open(self) -> int:
        return self._open


class NetworkResource:
    """The resource `network`: the capability a guest hands to bind, connect and lookup."""

    def __init__(self, net: Net) -> None:
        self.net = net


def net_of(network: object) -> Net:
    """The state behind a `network` argument (`invalid-argument` for anything else)."""
    if not isinstance(network, NetworkResource):
        raise Err(ErrorCode.INVALID_ARGUMENT)
    return network.net


class NetworkHost:
    """`wasi:sockets/network`: only the resource's class."""

    Network = NetworkResource


class InstanceNetworkHost:
    """`wasi:sockets/instance-network`: the instance's network."""

    def __init__(self, net: Net) -> None:
        self._net = net

    def instance_network(self) -> NetworkResource:
        return NetworkResource(self._net)
