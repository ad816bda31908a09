"""Stand-ins for the WASI areas witgen.wasi doesn't implement yet in this branch (filesystem,
sockets: other work of issue 18), so that a componentize-py guest, which imports them all,
instantiates. They are only passed for interfaces `witgen.wasi.link` can't provide; every call
traps except `get-directories` (no preopens)."""

from __future__ import annotations

from typing import Any

from witgen.runtime.errors import Trap
from witgen.wasi import link
from witgen.wasi.bindings import HostImports

_FIELDS = {
    "wasi:filesystem/types": "wasi_filesystem_types",
    "wasi:filesystem/preopens": "preopens",
    "wasi:sockets/network": "network",
    "wasi:sockets/instance-network": "instance_network",
    "wasi:sockets/udp": "udp",
    "wasi:sockets/udp-create-socket": "udp_create_socket",
    "wasi:sockets/tcp": "tcp",
    "wasi:sockets/tcp-create-socket": "tcp_create_socket",
    "wasi:sockets/ip-name-lookup": "ip_name_lookup",
}


class Absent:
    """A host object whose resource classes are empty and whose functions trap."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._classes: dict[str, type] = {}

    def get_directories(self) -> list[Any]:
        return []

    def __getattr__(self, attr: str) -> Any:
        if attr[:1].isupper():
            return self._classes.setdefault(attr, type(attr, (), {}))

        def missing(*args: Any) -> Any:
            raise Trap(f"{self._name}: {attr} is not available in this test")

        return missing


def imports() -> HostImports:
    fields = {
        field: Absent(name) for name, field in _FIELDS.items() if not link.provides(name + "@0.2.12")
    }
    return HostImports(**fields)  # type: ignore[arg-type]  # stand-ins, not the Protocols
