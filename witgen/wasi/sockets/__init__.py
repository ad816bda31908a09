"""`wasi:sockets` 0.2: TCP, UDP and name lookup over real non-blocking host sockets, denied
unless the instance's `Network` policy (`witgen.wasi.policy.Network`) grants them.

One module per job: `network` (the `network` resource and the instance's network state),
`addresses` (WIT addresses to and from the host's), `errors` (errnos to error codes),
`shared` (host sockets), `options` (socket options), `tcp` and `tcp_streams`, `udp`, `lookup`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from witgen.wasi.sockets.lookup import LookupHost
from witgen.wasi.sockets.network import InstanceNetworkHost, Net, NetworkHost
from witgen.wasi.sockets.tcp import TcpCreateHost, TcpHost
from witgen.wasi.sockets.udp import UdpCreateHost, UdpHost

if TYPE_CHECKING:
    from witgen.wasi.link import Session


def hosts(session: Session) -> dict[str, object]:
    """The `wasi:sockets` host objects of one instance, sharing its network state."""
    net = Net(session.policy.network)
    return {
        "wasi:sockets/network": NetworkHost(),
        "wasi:sockets/instance-network": InstanceNetworkHost(net),
        "wasi:sockets/tcp": TcpHost(),
        "wasi:sockets/tcp-create-socket": TcpCreateHost(net),
        "wasi:sockets/udp": UdpHost(),
        "wasi:sockets/udp-create-socket": UdpCreateHost(net),
        "wasi:sockets/ip-name-lookup": LookupHost(),
    }
