"""`wasi:sockets/tcp` and `tcp-create-socket`: the TCP socket state machine of WASI 0.2
(TcpSocketOperationalSemantics.md) over a non-blocking host socket.

Bind and listen happen on the host in `start-*` (their `finish-*` only moves the state on);
connect is started in `start-connect` and finished when the host socket turns writable. Errors
follow the WIT: a method called in the wrong state is `invalid-state` (or
`concurrency-conflict` while another operation is in progress) and changes nothing; a
`finish-*` with nothing started is `not-in-progress`. Every bind, listen and connect is
checked against the instance's `Network` policy first (`access-denied`): listening needs a
`bind` pattern, a client's ephemeral port doesn't.
"""

from __future__ import annotations

import enum
import errno
import math
import socket

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import ErrorCode, IpAddressFamily, IpSocketAddress
from witgen.wasi.bindings.imports.tcp import ShutdownType
from witgen.wasi.poll import Pollable, Ready
from witgen.wasi.sockets import addresses, options
from witgen.wasi.sockets.errors import err
from witgen.wasi.sockets.network import Net, NetworkResource, net_of
from witgen.wasi.sockets.shared import Shared, SocketReady, new_socket
from witgen.wasi.sockets.tcp_streams import TcpInput, TcpOutput

DEFAULT_BACKLOG = 128
MAX_BACKLOG = 4096
"""The largest listen queue a guest gets, whatever it asks."""
MAX_KEEPALIVE_SECONDS = 32767
"""TCP_KEEPIDLE and TCP_KEEPINTVL's largest value on Linux."""
MAX_KEEPALIVE_COUNT = 127
_CONNECT_ERRORS = {errno.EADDRNOTAVAIL: ErrorCode.ADDRESS_IN_USE}
"""On connect, EADDRNOTAVAIL means no ephemeral port was free."""


class State(enum.Enum):
    UNBOUND = "unbound"
    BIND_STARTED = "bind-in-progress"
    BOUND = "bound"
    LISTEN_STARTED = "listen-in-progress"
    LISTENING = "listening"
    CONNECTING = "connect-in-progress"
    CONNECTED = "connected"
    CLOSED = "closed"


_BUSY = {State.BIND_STARTED, State.LISTEN_STARTED, State.CONNECTING}
"""States with an operation in progress: starting another is a `concurrency-conflict`."""
_BOUND = {State.BOUND, State.LISTEN_STARTED, State.LISTENING, State.CONNECTING, State.CONNECTED}


class TcpSocket(options.BufferSizes):
    """The resource `tcp-socket`."""

    def __init__(self, shared: Shared, family: IpAddressFamily, state: State = State.UNBOUND) -> None:
        self._shared = shared
        self._sock = shared.sock
        self._lease = shared.lease()
        self._family = family
        self.state = state
        self._network: NetworkResource | None = None
        self._backlog = DEFAULT_BACKLOG
        self._input: TcpInput | None = None
        self._output: TcpOutput | None = None
        self._listenable = False

    def _expect(self, *states: State) -> None:
        """For `start-*`: the state must be one of `states`."""
        if self.state not in states:
            raise Err(ErrorCode.CONCURRENCY_CONFLICT if self.state in _BUSY else ErrorCode.INVALID_STATE)

    def _finish(self, started: State, then: State) -> None:
        if self.state != started:
            raise Err(ErrorCode.NOT_IN_PROGRESS)
        self.state = then

    # --- bind ----------------------------------------------------------------------------

    def start_bind(self, network: NetworkResource, local_address: IpSocketAddress) -> None:
        self._expect(State.UNBOUND)
        net = net_of(network)
        addresses.check_local(local_address, self._family)
        listenable = net.bind_grant(addresses.ip_of(local_address), addresses.port_of(local_address))
        try:
            if addresses.port_of(local_address):
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._sock.bind(addresses.to_sockaddr(local_address))
        except OSError as exc:
            raise err(exc) from None
        self._network = network
        self._listenable = listenable
        self.state = State.BIND_STARTED

    def finish_bind(self) -> None:
        self._finish(State.BIND_STARTED, State.BOUND)

    # --- connect -------------------------------------------------------------------------

    def start_connect(self, network: NetworkResource, remote_address: IpSocketAddress) -> None:
        self._expect(State.UNBOUND, State.BOUND)
        net = net_of(network)
        addresses.check_remote(remote_address, self._family)
        if self._network is not None and net is not self._network.net:
            raise Err(ErrorCode.INVALID_ARGUMENT)  # bound on another instance's network
        if not net.may_reach(addresses.ip_of(remote_address), addresses.port_of(remote_address)):
            raise Err(ErrorCode.ACCESS_DENIED)
        result = self._sock.connect_ex(addresses.to_sockaddr(remote_address))
        if result not in (0, errno.EINPROGRESS, errno.EAGAIN):
            self.state = State.CLOSED
            raise err(result, _CONNECT_ERRORS)
        self._network = network
        self.state = State.CONNECTING

    def finish_connect(self) -> tuple[TcpInput, TcpOutput]:
        if self.state != State.CONNECTING:
            raise Err(ErrorCode.NOT_IN_PROGRESS)
        if not SocketReady(self._sock, write=True).ready():
            raise Err(ErrorCode.WOULD_BLOCK)
        failure = self._sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if failure:
            self.state = State.CLOSED
            raise err(failure, _CONNECT_ERRORS)
        self.state = State.CONNECTED
        return self._streams()

    def _streams(self) -> tuple[TcpInput, TcpOutput]:
        self._input, self._output = TcpInput(self._shared), TcpOutput(self._shared)
        return self._input, self._output

    # --- listen and accept ---------------------------------------------------------------

    def start_listen(self) -> None:
        self._expect(State.BOUND)
        if not self._listenable:
            raise Err(ErrorCode.ACCESS_DENIED)
        try:
            self._sock.listen(self._backlog)
        except OSError as exc:
            self.state = State.CLOSED
            raise err(exc) from None
        self.state = State.LISTEN_STARTED

    def finish_listen(self) -> None:
        self._finish(State.LISTEN_STARTED, State.LISTENING)

    def accept(self) -> tuple[TcpSocket, TcpInput, TcpOutput]:
        if self.state != State.LISTENING:
            raise Err(ErrorCode.INVALID_STATE)
        net = net_of(self._network)
        net.acquire()
        try:
            conn, _ = self._sock.accept()
        except BlockingIOError:
            net.release()
            raise Err(ErrorCode.WOULD_BLOCK) from None
        except OSError as exc:
            net.release()
            raise err(exc) from None
        conn.setblocking(False)
        client = TcpSocket(Shared(conn, net), self._family, State.CONNECTED)
        client._network = self._network
        return (client, *client._streams())

    # --- addresses and state -------------------------------------------------------------

    def local_address(self) -> IpSocketAddress:
        if self.state not in _BOUND:
            raise Err(ErrorCode.INVALID_STATE)
        return addresses.from_sockaddr(self._sock.getsockname())

    def remote_address(self) -> IpSocketAddress:
        if self.state != State.CONNECTED:
            raise Err(ErrorCode.INVALID_STATE)
        try:
            return addresses.from_sockaddr(self._sock.getpeername())
        except OSError as exc:
            raise err(exc) from None

    def is_listening(self) -> bool:
        return self.state == State.LISTENING

    def address_family(self) -> IpAddressFamily:
        return self._family

    def set_listen_backlog_size(self, value: int) -> None:
        if value == 0:
            raise Err(ErrorCode.INVALID_ARGUMENT)
        if self.state in (State.CONNECTING, State.CONNECTED):
            raise Err(ErrorCode.INVALID_STATE)
        self._backlog = min(value, MAX_BACKLOG)
        if self.state == State.LISTENING:
            try:
                self._sock.listen(self._backlog)
            except OSError:
                raise Err(ErrorCode.NOT_SUPPORTED) from None

    # --- options -------------------------------------------------------------------------

    def keep_alive_enabled(self) -> bool:
        return bool(options.get(self._sock, socket.SOL_SOCKET, socket.SO_KEEPALIVE))

    def set_keep_alive_enabled(self, value: bool) -> None:
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(value))
        except OSError as exc:
            raise err(exc) from None

    def keep_alive_idle_time(self) -> int:
        return options.get(self._sock, socket.IPPROTO_TCP, _KEEPIDLE) * 1_000_000_000

    def set_keep_alive_idle_time(self, value: int) -> None:
        options.set_positive(
            self._sock, socket.IPPROTO_TCP, _KEEPIDLE, _seconds(value), MAX_KEEPALIVE_SECONDS
        )

    def keep_alive_interval(self) -> int:
        return options.get(self._sock, socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) * 1_000_000_000

    def set_keep_alive_interval(self, value: int) -> None:
        options.set_positive(
            self._sock, socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, _seconds(value), MAX_KEEPALIVE_SECONDS
        )

    def keep_alive_count(self) -> int:
        return options.get(self._sock, socket.IPPROTO_TCP, socket.TCP_KEEPCNT)

    def set_keep_alive_count(self, value: int) -> None:
        options.set_positive(self._sock, socket.IPPROTO_TCP, socket.TCP_KEEPCNT, value, MAX_KEEPALIVE_COUNT)

    def hop_limit(self) -> int:
        return options.hop_limit(self._sock)

    def set_hop_limit(self, value: int) -> None:
        options.set_hop_limit(self._sock, value)

    # --- readiness, shutdown, drop -------------------------------------------------------

    def subscribe(self) -> Pollable:
        return TcpReady(self)

    def shutdown(self, shutdown_type: ShutdownType) -> None:
        if self.state != State.CONNECTED:
            raise Err(ErrorCode.INVALID_STATE)
        receive = shutdown_type in (ShutdownType.RECEIVE, ShutdownType.BOTH)
        send = shutdown_type in (ShutdownType.SEND, ShutdownType.BOTH)
        if send and self._output is not None:
            self._output.finish()
        if receive and self._input is not None:
            self._input.shut = True
        how = socket.SHUT_RDWR if receive and send else socket.SHUT_RD if receive else socket.SHUT_WR
        try:
            self._sock.shutdown(how)
        except OSError as exc:
            if exc.errno != errno.ENOTCONN:
                raise err(exc) from None

    def close(self) -> None:
        """The guest dropped the socket (its streams may live on)."""
        self.state = State.CLOSED
        self._lease.release()


class TcpReady(Pollable):
    """A socket's pollable: ready unless a connect is under way (then: once the host socket is
    writable) or it listens (then: once a connection waits to be accepted)."""

    def __init__(self, tcp: TcpSocket) -> None:
        self._tcp = tcp

    def _fd(self) -> SocketReady | None:
        if self._tcp.state == State.CONNECTING:
            return SocketReady(self._tcp._sock, write=True)
        if self._tcp.state == State.LISTENING:
            return SocketReady(self._tcp._sock)
        return None

    def ready(self) -> bool:
        fd = self._fd()
        return fd is None or fd.ready()

    def fileno(self) -> int | None:
        fd = self._fd()
        return None if fd is None else fd.fileno()

    def events(self) -> int:
        fd = self._fd()
        return Ready().events() if fd is None else fd.events()


def _seconds(ns: int) -> int:
    """A duration in whole seconds, rounded up (a positive duration never becomes 0)."""
    return math.ceil(ns / 1_000_000_000)


_KEEPIDLE = getattr(socket, "TCP_KEEPIDLE", getattr(socket, "TCP_KEEPALIVE", 0x10))


class TcpHost:
    """`wasi:sockets/tcp`: only the resource's class."""

    TcpSocket = TcpSocket


class TcpCreateHost:
    """`wasi:sockets/tcp-create-socket`."""

    def __init__(self, net: Net) -> None:
        self._net = net

    def create_tcp_socket(self, address_family: IpAddressFamily) -> TcpSocket:
        return TcpSocket(new_socket(self._net, address_family, socket.SOCK_STREAM), address_family)
