"""WIT socket addresses to and from Python's `socket` ones, and the checks WASI puts on them.

A WIT `ip-socket-address` is a variant of records of int tuples; Python's `socket` takes
`(host, port)` for IPv4 and `(host, port, flowinfo, scope_id)` for IPv6.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import (
    ErrorCode,
    IpAddress,
    IpAddress_Ipv4,
    IpAddress_Ipv6,
    IpAddressFamily,
    IpSocketAddress,
    IpSocketAddress_Ipv4,
    IpSocketAddress_Ipv6,
    Ipv4SocketAddress,
    Ipv6SocketAddress,
)

Sockaddr = tuple[Any, ...]
"""What Python's socket functions take and give: `(host, port)` or `(host, port, flow, scope)`."""

MAX_FLOW_INFO = (1 << 20) - 1
"""An IPv6 flow label is 20 bits (Python's socket refuses more)."""
FAMILIES = {IpAddressFamily.IPV4: socket.AF_INET, IpAddressFamily.IPV6: socket.AF_INET6}


def family_of(address: IpSocketAddress) -> IpAddressFamily:
    return IpAddressFamily.IPV4 if isinstance(address, IpSocketAddress_Ipv4) else IpAddressFamily.IPV6


def ip_of(address: IpSocketAddress) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(address, IpSocketAddress_Ipv4):
        return ipaddress.IPv4Address(bytes(address.value.address))
    return ipaddress.IPv6Address(b"".join(part.to_bytes(2, "big") for part in address.value.address))


def port_of(address: IpSocketAddress) -> int:
    return address.value.port


def to_sockaddr(address: IpSocketAddress) -> Sockaddr:
    if isinstance(address, IpSocketAddress_Ipv4):
        return (str(ip_of(address)), address.value.port)
    v6 = address.value
    return (str(ip_of(address)), v6.port, v6.flow_info, v6.scope_id)


def from_sockaddr(sockaddr: Sockaddr) -> IpSocketAddress:
    ip = ipaddress.ip_address(sockaddr[0].partition("%")[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return IpSocketAddress_Ipv4(Ipv4SocketAddress(sockaddr[1], _v4_tuple(ip)))
    flow, scope = (sockaddr[2], sockaddr[3]) if len(sockaddr) >= 4 else (0, 0)
    return IpSocketAddress_Ipv6(Ipv6SocketAddress(sockaddr[1], flow, _v6_tuple(ip), scope))


def ip_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> IpAddress:
    """A WIT `ip-address`; an IPv4-mapped IPv6 address becomes the IPv4 one (WASI never gives
    mapped addresses)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return IpAddress_Ipv4(_v4_tuple(ip))
    return IpAddress_Ipv6(_v6_tuple(ip))


def _v4_tuple(ip: ipaddress.IPv4Address) -> tuple[int, int, int, int]:
    a, b, c, d = ip.packed
    return (a, b, c, d)


def _v6_tuple(ip: ipaddress.IPv6Address) -> tuple[int, int, int, int, int, int, int, int]:
    p = ip.packed
    a, b, c, d, e, f, g, h = (int.from_bytes(p[i : i + 2], "big") for i in range(0, 16, 2))
    return (a, b, c, d, e, f, g, h)


def check_local(address: IpSocketAddress, family: IpAddressFamily) -> None:
    """What `start-bind` refuses with `invalid-argument`: the other family, a multicast or
    broadcast address, an IPv4-mapped IPv6 address."""
    _check_common(address, family)


def check_remote(address: IpSocketAddress, family: IpAddressFamily) -> None:
    """What `start-connect`, `stream` and `send` refuse with `invalid-argument`: what bind
    refuses, plus the unspecified address (`0.0.0.0`, `::`) and port 0."""
    _check_common(address, family)
    if ip_of(address).is_unspecified or port_of(address) == 0:
        raise Err(ErrorCode.INVALID_ARGUMENT)


def _check_common(address: IpSocketAddress, family: IpAddressFamily) -> None:
    ip = ip_of(address)
    if family_of(address) != family or ip.is_multicast:
        raise Err(ErrorCode.INVALID_ARGUMENT)
    if isinstance(address, IpSocketAddress_Ipv6) and address.value.flow_info > MAX_FLOW_INFO:
        raise Err(ErrorCode.INVALID_ARGUMENT)
    if isinstance(ip, ipaddress.IPv4Address) and ip == ipaddress.IPv4Address("255.255.255.255"):
        raise Err(ErrorCode.INVALID_ARGUMENT)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        raise Err(ErrorCode.INVALID_ARGUMENT)
