"""Stand-in `wasi:sockets` area denying everything, so that componentize-py guests (which import
sockets) link while witgen.wasi.sockets is not on this branch yet. Used only when
`witgen.wasi.link.AREAS` has no `wasi:sockets`; delete once it has."""

from __future__ import annotations

from typing import Any, NoReturn

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import ErrorCode


def _denied(*args: Any) -> NoReturn:
    raise Err(ErrorCode.ACCESS_DENIED)


class Network:
    pass


class TcpSocket:
    pass


class UdpSocket:
    pass


class IncomingDatagramStream:
    pass


class OutgoingDatagramStream:
    pass


class ResolveAddressStream:
    pass


class _Host:
    def __init__(self, **members: Any) -> None:
        self.__dict__.update(members)


def hosts(session: object) -> dict[str, object]:
    return {
        "wasi:sockets/network": _Host(Network=Network),
        "wasi:sockets/instance-network": _Host(instance_network=Network),
        "wasi:sockets/tcp": _Host(TcpSocket=TcpSocket),
        "wasi:sockets/tcp-create-socket": _Host(create_tcp_socket=_denied),
        "wasi:sockets/udp": _Host(
            UdpSocket=UdpSocket, IncomingDatagramStream=IncomingDatagramStream, OutgoingDatagramStream=OutgoingDatagramStream
        ),
        "wasi:sockets/udp-create-socket": _Host(create_udp_socket=_denied),
        "wasi:sockets/ip-name-lookup": _Host(ResolveAddressStream=ResolveAddressStream, resolve_addresses=_denied),
    }
