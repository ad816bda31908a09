"""`wasi:sockets/udp` and `udp-create-socket`: UDP sockets and their datagram streams over a
non-blocking host socket.

`stream(remote)` associates the socket with a peer in the host (the host socket itself stays
unconnected, so it can be re-associated or freed): sends then go to that peer only and receives
keep only its datagrams. Only the latest pair of streams works; older ones report
`invalid-state`. Every bind and every destination is checked against the instance's `Network`
policy (`access-denied`); a socket bound without a `bind` pattern (a client's ephemeral port)
receives only from peers the policy lets it reach. A receive returns at most `MAX_DATAGRAMS` datagrams and
`MAX_RECEIVE_BYTES` bytes, whatever the guest asks.
"""

from __future__ import annotations

import enum
import socket
from collections.abc import Sequence

from witgen.runtime.errors import Trap
from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import ErrorCode, IpAddressFamily, IpSocketAddress
from witgen.wasi.bindings.imports.udp import IncomingDatagram, OutgoingDatagram
from witgen.wasi.poll import Pollable, Ready
from witgen.wasi.sockets import addresses, options
from witgen.wasi.sockets.addresses import Sockaddr
from witgen.wasi.sockets.errors import err
from witgen.wasi.sockets.network import Net, NetworkResource, net_of
from witgen.wasi.sockets.shared import Shared, SocketReady, new_socket

MAX_DATAGRAMS = 64
"""Datagrams one `receive` returns, or one `check-send` permits."""
MAX_RECEIVE_BYTES = 1 << 20
"""Bytes one `receive` gathers before it returns (datagrams are up to 64 KiB each)."""
MAX_DATAGRAM = 65535
_MAX_PAYLOAD = {socket.AF_INET: 65507, socket.AF_INET6: 65527}
"""The largest UDP payload per family (a 64 KiB IP packet minus headers)."""


class State(enum.Enum):
    UNBOUND = "unbound"
    BIND_STARTED = "bind-in-progress"
    BOUND = "bound"


class UdpSocket(options.BufferSizes):
    """The resource `udp-socket`."""

    def __init__(self, shared: Shared, family: IpAddressFamily) -> None:
        self._shared = shared
        self._sock = shared.sock
        self._lease = shared.lease()
        self._family = family
        self.state = State.UNBOUND
        self.net: Net | None = None
        self.remote: IpSocketAddress | None = None
        self.generation = 0
        self.open_to_all = False
        """Whether it receives from anyone (a `bind` pattern), or only from peers it may reach."""

    def start_bind(self, network: NetworkResource, local_address: IpSocketAddress) -> None:
        if self.state != State.UNBOUND:
            raise Err(
                ErrorCode.CONCURRENCY_CONFLICT
                if self.state == State.BIND_STARTED
                else ErrorCode.INVALID_STATE
            )
        net = net_of(network)
        addresses.check_local(local_address, self._family)
        grant = net.bind_grant(addresses.ip_of(local_address), addresses.port_of(local_address))
        try:
            self._sock.bind(addresses.to_sockaddr(local_address))
        except OSError as exc:
            raise err(exc) from None
        self.net = net
        self.open_to_all = grant
        self.state = State.BIND_STARTED

    def finish_bind(self) -> None:
        if self.state != State.BIND_STARTED:
            raise Err(ErrorCode.NOT_IN_PROGRESS)
        self.state = State.BOUND

    def stream(
        self, remote_address: IpSocketAddress | None
    ) -> tuple[IncomingDatagramStream, OutgoingDatagramStream]:
        if self.state != State.BOUND or self.net is None:
            raise Err(ErrorCode.INVALID_STATE)
        if remote_address is not None:
            addresses.check_remote(remote_address, self._family)
            if not self.net.may_reach(addresses.ip_of(remote_address), addresses.port_of(remote_address)):
                raise Err(ErrorCode.ACCESS_DENIED)
        self.remote = remote_address
        self.generation += 1
        return IncomingDatagramStream(self, self._shared), OutgoingDatagramStream(self, self._shared)

    def local_address(self) -> IpSocketAddress:
        if self.state != State.BOUND:
            raise Err(ErrorCode.INVALID_STATE)
        return addresses.from_sockaddr(self._sock.getsockname())

    def remote_address(self) -> IpSocketAddress:
        if self.remote is None:
            raise Err(ErrorCode.INVALID_STATE)
        return self.remote

    def address_family(self) -> IpAddressFamily:
        return self._family

    def unicast_hop_limit(self) -> int:
        return options.hop_limit(self._sock)

    def set_unicast_hop_limit(self, value: int) -> None:
        options.set_hop_limit(self._sock, value)

    def subscribe(self) -> Pollable:
        """Bind completes in `start-bind`, so nothing is ever pending."""
        return Ready()

    def close(self) -> None:
        self._lease.release()


class _Stream:
    """What both datagram streams share: their socket and whether they are still its latest."""

    def __init__(self, udp: UdpSocket, shared: Shared) -> None:
        self._udp = udp
        self._lease = shared.lease()
        self._sock = shared.sock
        self._generation = udp.generation
        self._remote = udp.remote

    def _check_current(self) -> None:
        if self._generation != self._udp.generation:
            raise Err(ErrorCode.INVALID_STATE)

    def close(self) -> None:
        self._lease.release()


class IncomingDatagramStream(_Stream):
    """The resource `incoming-datagram-stream`."""

    def receive(self, max_results: int) -> list[IncomingDatagram]:
        self._check_current()
        want = None if self._remote is None else _key(addresses.to_sockaddr(self._remote))
        received: list[IncomingDatagram] = []
        size = 0
        while len(received) < min(max_results, MAX_DATAGRAMS) and size < MAX_RECEIVE_BYTES:
            try:
                data, source = self._sock.recvfrom(MAX_DATAGRAM)
            except BlockingIOError:
                break
            except OSError as exc:
                if received:
                    break
                raise err(exc) from None
            if (want is not None and _key(source) != want) or not self._hears(source):
                continue
            received.append(IncomingDatagram(data, addresses.from_sockaddr(source)))
            size += len(data)
        return received

    def _hears(self, source: Sockaddr) -> bool:
        if self._udp.open_to_all or self._udp.net is None:
            return self._udp.open_to_all
        address = addresses.from_sockaddr(source)
        return self._udp.net.may_reach(addresses.ip_of(address), addresses.port_of(address))

    def subscribe(self) -> Pollable:
        return SocketReady(self._sock)


class OutgoingDatagramStream(_Stream):
    """The resource `outgoing-datagram-stream`."""

    def __init__(self, udp: UdpSocket, shared: Shared) -> None:
        super().__init__(udp, shared)
        self._permit = 0

    def check_send(self) -> int:
        self._check_current()
        self._permit = MAX_DATAGRAMS if SocketReady(self._sock, write=True).ready() else 0
        return self._permit

    def send(self, datagrams: Sequence[OutgoingDatagram]) -> int:
        self._check_current()
        if len(datagrams) > self._permit:
            raise Trap(
                f"udp send of {len(datagrams)} datagrams exceeds the {self._permit} check-send permitted"
            )
        self._permit -= len(datagrams)
        sent = 0
        for datagram in datagrams:
            try:
                self._send_one(datagram)
            except BlockingIOError:
                break
            except Err:
                if sent:
                    break
                raise
            sent += 1
        return sent

    def _send_one(self, datagram: OutgoingDatagram) -> None:
        remote = datagram.remote_address
        if remote is None:
            remote = self._remote
        elif self._remote is not None and remote != self._remote:
            raise Err(ErrorCode.INVALID_ARGUMENT)
        if remote is None:
            raise Err(ErrorCode.INVALID_ARGUMENT)
        addresses.check_remote(remote, self._udp.address_family())
        net = self._udp.net
        if net is None or not net.may_reach(addresses.ip_of(remote), addresses.port_of(remote)):
            raise Err(ErrorCode.ACCESS_DENIED)
        if len(datagram.data) > _MAX_PAYLOAD[self._sock.family]:
            raise Err(ErrorCode.DATAGRAM_TOO_LARGE)
        try:
            self._sock.sendto(datagram.data, addresses.to_sockaddr(remote))
        except BlockingIOError:
            raise
        except OSError as exc:
            raise err(exc) from None

    def subscribe(self) -> Pollable:
        return SocketReady(self._sock, write=True)


def _key(sockaddr: Sockaddr) -> tuple[str, int]:
    """A peer as receives compare it (IPv6 flow info and scope aside)."""
    address = addresses.from_sockaddr(sockaddr)
    return str(addresses.ip_of(address)), address.value.port


class UdpHost:
    """`wasi:sockets/udp`: the resources' classes."""

    UdpSocket = UdpSocket
    IncomingDatagramStream = IncomingDatagramStream
    OutgoingDatagramStream = OutgoingDatagramStream


class UdpCreateHost:
    """`wasi:sockets/udp-create-socket`."""

    def __init__(self, net: Net) -> None:
        self._net = net

    def create_udp_socket(self, address_family: IpAddressFamily) -> UdpSocket:
        return UdpSocket(new_socket(self._net, address_family, socket.SOCK_DGRAM), address_family)
