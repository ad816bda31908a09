"""`wasi:sockets/ip-name-lookup`: resolving names through the host's resolver, off the guest's
thread.

An IP address given as a name is parsed on the spot, with no traffic. A name is resolved only
when the policy lets the guest resolve it (`Network.permits_name`: a lookup is traffic to a
resolver and can leak data), by `getaddrinfo` in a daemon thread; the stream says `would-block`
until it is done, and its pollable waits on it for at most `LOOKUP_TIMEOUT` seconds (then the
stream reports `timeout`). What a name resolved to is remembered for the policy's name patterns.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import ErrorCode, IpAddress
from witgen.wasi.clocks import Clock, SystemClock
from witgen.wasi.poll import Pollable
from witgen.wasi.sockets.addresses import ip_address
from witgen.wasi.sockets.network import Net, NetworkResource, net_of

LOOKUP_TIMEOUT = 30.0
MAX_ADDRESSES = 64
"""Addresses one lookup returns at most."""
_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
_GAI_ERRORS = {
    socket.EAI_NONAME: ErrorCode.NAME_UNRESOLVABLE,
    socket.EAI_AGAIN: ErrorCode.TEMPORARY_RESOLVER_FAILURE,
    socket.EAI_FAIL: ErrorCode.PERMANENT_RESOLVER_FAILURE,
    socket.EAI_MEMORY: ErrorCode.OUT_OF_MEMORY,
}
for _name in ("EAI_NODATA", "EAI_ADDRFAMILY"):
    if hasattr(socket, _name):
        _GAI_ERRORS[getattr(socket, _name)] = ErrorCode.NAME_UNRESOLVABLE

Ip = ipaddress.IPv4Address | ipaddress.IPv6Address


class ResolveAddressStream:
    """The resource `resolve-address-stream`: the addresses of one lookup, once it is done."""

    def __init__(self, addresses: list[Ip] | None = None) -> None:
        self.cond = threading.Condition()
        self._addresses = [ip_address(ip) for ip in addresses or []]
        self._done = addresses is not None
        self._error: ErrorCode | None = None
        self._deadline = time.monotonic_ns() + int(LOOKUP_TIMEOUT * 1e9)

    def finished(self, addresses: list[Ip] | None, error: ErrorCode | None = None) -> None:
        """The lookup thread's result."""
        with self.cond:
            self._addresses = [ip_address(ip) for ip in addresses or []]
            self._error = error
            self._done = True
            self.cond.notify_all()

    def resolve_next_address(self) -> IpAddress | None:
        with self.cond:
            if not self._done:
                if time.monotonic_ns() < self._deadline:
                    raise Err(ErrorCode.WOULD_BLOCK)
                self._done, self._error = True, ErrorCode.TIMEOUT
            if self._error is not None:
                raise Err(self._error)
            return self._addresses.pop(0) if self._addresses else None

    def is_ready(self) -> bool:
        return self._done or time.monotonic_ns() >= self._deadline

    def subscribe(self) -> Pollable:
        return LookupReady(self)


class LookupReady(Pollable):
    """Ready once the lookup is done or has timed out."""

    def __init__(self, stream: ResolveAddressStream) -> None:
        self._stream = stream
        self._clock = SystemClock()

    def ready(self) -> bool:
        return self._stream.is_ready()

    def deadline(self) -> int | None:
        return self._stream._deadline

    def clock(self) -> Clock | None:
        return self._clock

    def condition(self) -> threading.Condition | None:
        return self._stream.cond


_ResolveAddressStream = ResolveAddressStream


class LookupHost:
    """`wasi:sockets/ip-name-lookup`."""

    ResolveAddressStream = ResolveAddressStream

    def resolve_addresses(self, network: NetworkResource, name: str) -> _ResolveAddressStream:
        net = net_of(network)
        literal = _ip_literal(name)
        if literal is not None:
            return ResolveAddressStream([literal])
        ascii_name = _ascii_name(name)
        if not net.policy.permits_name(ascii_name):
            raise Err(ErrorCode.ACCESS_DENIED)
        net.begin_lookup()
        stream = ResolveAddressStream()
        threading.Thread(
            target=_resolve, args=(net, ascii_name, stream), name="wasi-lookup", daemon=True
        ).start()
        return stream


def _ip_literal(name: str) -> Ip | None:
    text = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _ascii_name(name: str) -> str:
    """`name` as the resolver takes it (IDNA), or `invalid-argument`."""
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise Err(ErrorCode.INVALID_ARGUMENT) from None
    labels = ascii_name.removesuffix(".").split(".")
    if len(ascii_name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise Err(ErrorCode.INVALID_ARGUMENT)
    return ascii_name


def _resolve(net: Net, name: str, stream: ResolveAddressStream) -> None:
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        stream.finished(None, _GAI_ERRORS.get(exc.errno or 0, ErrorCode.UNKNOWN))
        return
    except (OSError, UnicodeError):
        stream.finished(None, ErrorCode.UNKNOWN)
        return
    finally:
        net.end_lookup()
    found: list[Ip] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).partition("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip not in found and len(found) < MAX_ADDRESSES:
            found.append(ip)
    net.learn(name, found)
    stream.finished(found)
