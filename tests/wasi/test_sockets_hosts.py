"""`witgen.wasi.sockets.hosts`: one host object per `wasi:sockets` interface, each with every
function and resource method its checked-in bindings' `Host` Protocol names."""

from __future__ import annotations

import importlib
import inspect
from types import SimpleNamespace

from witgen.wasi.bindings.imports.network import ErrorCode, IpAddressFamily
from witgen.wasi.policy import Network, Wasi
from witgen.wasi.poll import poll
from witgen.wasi.sockets import hosts
from witgen.wasi.sockets.tcp import State

from .sockets_util import code, sockets, v4, v6

MODULES = {
    "wasi:sockets/network": "network",
    "wasi:sockets/instance-network": "instance_network",
    "wasi:sockets/tcp": "tcp",
    "wasi:sockets/tcp-create-socket": "tcp_create_socket",
    "wasi:sockets/udp": "udp",
    "wasi:sockets/udp-create-socket": "udp_create_socket",
    "wasi:sockets/ip-name-lookup": "ip_name_lookup",
}


def _members(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")}


def test_every_interface_function_and_resource_method_is_implemented() -> None:
    made = hosts(SimpleNamespace(policy=Wasi()))  # type: ignore[arg-type]
    assert set(made) == set(MODULES)
    for interface, module_name in MODULES.items():
        bindings = importlib.import_module(f"witgen.wasi.bindings.imports.{module_name}")
        host = made[interface]
        for member in _members(bindings.Host):
            implementation = getattr(host, member)
            if inspect.isclass(implementation):  # a resource: every method of its Protocol
                missing = _members(getattr(bindings, member)) - set(dir(implementation))
                assert not missing, f"{interface} {member} lacks {missing}"


def test_a_pollable_outliving_its_socket_is_ready_not_a_crash() -> None:
    s = sockets(Network(bind=["127.0.0.1:*"]))
    udp = s.udp.create_udp_socket(IpAddressFamily.IPV4)
    udp.start_bind(s.network, v4(0))
    udp.finish_bind()
    incoming, outgoing = udp.stream(None)
    pollable = incoming.subscribe()
    assert not pollable.ready()
    for resource in (incoming, outgoing, udp):
        resource.close()
    assert pollable.ready() and poll([pollable]) == [0]
    tcp = s.tcp.create_tcp_socket(IpAddressFamily.IPV4)
    tcp.start_bind(s.network, v4(0))
    tcp.finish_bind()
    tcp.start_listen()
    tcp.finish_listen()
    listening = tcp.subscribe()
    assert not listening.ready()
    tcp.close()
    assert tcp.state == State.CLOSED and listening.ready()


def test_an_ipv6_flow_label_wider_than_20_bits_is_invalid() -> None:
    s = sockets(Network(allow=["*:*"]))
    six = s.tcp.create_tcp_socket(IpAddressFamily.IPV6)
    address = v6(80)
    address.value.flow_info = 1 << 20  # type: ignore[union-attr]
    assert code(six.start_connect, s.network, address) == ErrorCode.INVALID_ARGUMENT
