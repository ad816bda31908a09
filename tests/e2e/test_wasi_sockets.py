"""`wasi:sockets` end to end: a componentize-py guest using Python's own `socket` module (which
its wasi-libc runs on `wasi:sockets/tcp`, `udp` and `ip-name-lookup`) under
`wasi=witgen.wasi.Wasi(network=...)`, on both engines, against real servers on 127.0.0.1:
what the policy allows works, what it doesn't is refused (`access-denied`, EACCES in the guest).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.wasi.sockets_util import EchoServer, free_port
from witgen.runtime.errors import Trap
from witgen.runtime.types import Err
from witgen.wasi.link import AREAS
from witgen.wasi.policy import Network, Wasi

from .build import SPECS
from .conftest import _built, generate_bindings

pytestmark = pytest.mark.skipif(
    "wasi:filesystem" not in AREAS,
    reason="componentize-py's runtime imports wasi:filesystem, which witgen.wasi doesn't provide yet",
)

TWO_BORROWS = pytest.mark.xfail(
    raises=Trap,
    strict=True,
    reason="wasmtime 50 traps on a host function taking two borrowed handles ('deferred host scope has no"
    " call context'): poll() of two pollables, tcp-socket.start-connect(socket, network), ...",
)
ENGINES = ["cabi", pytest.param("wasmtime", marks=TWO_BORROWS)]
"""Engines for guests that bind, connect or poll on two things at once."""


@pytest.fixture(scope="session")
def sockets_wasm() -> Path:
    return _built("sockets")


@pytest.fixture(scope="session")
def sockets_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    spec = SPECS["sockets"]
    return generate_bindings(tmp_path_factory, spec.wit_path, "witgen_e2e_sockets", world=spec.world)


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.close()


def _probe(pkg: ModuleType, wasm: Path, cache: Path, abi: str, network: Network) -> Any:
    return pkg.SocketsProbe.from_file(
        wasm, abi=abi, wasi=Wasi(stderr="inherit", network=network), cache_dir=cache
    )


def _refusal(call: Any, *args: Any) -> str:
    with pytest.raises(Err) as refused:
        call(*args)
    return str(refused.value.value)


@pytest.mark.parametrize("abi", ENGINES)
def test_tcp_to_an_allowed_server_and_nowhere_else(
    sockets_pkg: ModuleType, sockets_wasm: Path, wasm_cache_dir: Path, abi: str, echo: EchoServer
) -> None:
    probe = _probe(sockets_pkg, sockets_wasm, wasm_cache_dir, abi, Network(allow=[f"127.0.0.1:{echo.port}"]))
    message = bytes(range(256)) * 4096  # 1 MiB: many writes, back-pressure both ways
    assert probe.tcp_echo("127.0.0.1", echo.port, message) == message
    assert len(echo.peers) == 1
    other = EchoServer()
    try:
        assert _refusal(probe.tcp_echo, "127.0.0.1", other.port, b"x") == "PermissionError: EACCES"
        assert not other.peers
    finally:
        other.close()
    closed = _probe(sockets_pkg, sockets_wasm, wasm_cache_dir, abi, Network())
    assert _refusal(closed.tcp_echo, "127.0.0.1", echo.port, b"x") == "PermissionError: EACCES"
    assert len(echo.peers) == 1


@pytest.mark.parametrize("abi", ENGINES)
def test_a_guest_server_under_a_bind_pattern(
    sockets_pkg: ModuleType, sockets_wasm: Path, wasm_cache_dir: Path, abi: str
) -> None:
    port = free_port()
    probe = _probe(sockets_pkg, sockets_wasm, wasm_cache_dir, abi, Network(bind=[f"127.0.0.1:{port}"]))
    replies: list[bytes] = []

    def client() -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        with conn:
            conn.sendall(b"ping" * 1000)
            conn.shutdown(socket.SHUT_WR)
            reply = b""
            while chunk := conn.recv(65536):
                reply += chunk
            replies.append(reply)

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    assert probe.tcp_serve_once(port) == 4000
    thread.join(10)
    assert replies == [b"ping" * 1000]
    elsewhere = _probe(sockets_pkg, sockets_wasm, wasm_cache_dir, abi, Network(allow=["*:*"]))
    assert _refusal(elsewhere.tcp_serve_once, port) == "PermissionError: EACCES"


@pytest.mark.parametrize("abi", ENGINES)
def test_udp_to_an_allowed_peer(
    sockets_pkg: ModuleType, sockets_wasm: Path, wasm_cache_dir: Path, abi: str
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(10)
        port = peer.getsockname()[1]

        def reply() -> None:
            data, source = peer.recvfrom(65536)
            peer.sendto(data.upper(), source)

        thread = threading.Thread(target=reply, daemon=True)
        thread.start()
        # a client: its ephemeral port needs no bind pattern, the peer needs an allow pattern
        probe = _probe(sockets_pkg, sockets_wasm, wasm_cache_dir, abi, Network(allow=[f"127.0.0.1:{port}"]))
        assert probe.udp_echo("127.0.0.1", port, b"datagram") == b"DATAGRAM"
        thread.join(10)
        elsewhere = Network(allow=[f"127.0.0.1:{port + 1}"])
        refused = _probe(sockets_pkg, sockets_wasm, wasm_cache_dir, abi, elsewhere)
        assert _refusal(refused.udp_echo, "127.0.0.1", port, b"x") == "PermissionError: EACCES"


@pytest.mark.parametrize("abi", ["cabi", "wasmtime"])
def test_name_lookup_of_allowed_names_only(
    sockets_pkg: ModuleType, sockets_wasm: Path, wasm_cache_dir: Path, abi: str
) -> None:
    probe = _probe(sockets_pkg, sockets_wasm, wasm_cache_dir, abi, Network(allow=["localhost:*"]))
    assert "127.0.0.1" in probe.resolve("localhost")
    assert probe.resolve("10.1.2.3") == ["10.1.2.3"]  # an address is parsed, never looked up
    assert _refusal(probe.resolve, "example.com") == "PermissionError: EACCES"
