"""`wasi:sockets` end to end: a componentize-py guest (tests/e2e/components/sockets) using
Python's own `socket` module (which its wasi-libc runs on `wasi:sockets/tcp`, `udp` and
`ip-name-lookup`) under `wasi=witgen.wasi.Wasi(network=...)`, on both engines (each test picks
them itself), against real servers on 127.0.0.1: what the policy allows works, what it doesn't
is refused (`access-denied`, EACCES in the guest).
"""

from __future__ import annotations

import importlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.e2e import build
from tests.wasi.sockets_util import EchoServer, free_port
from witgen.runtime.types import Err
from witgen.wasi.policy import Network, Wasi

ENGINES = ["cabi", "wasmtime"]
"""Engines for guests that bind, connect or poll on two things at once."""


@pytest.fixture(scope="module")
def sockets_wasm() -> Path:
    try:
        return build.build("sockets")
    except build.BuildError as exc:
        pytest.fail(f"building the sockets component failed:\n{exc}", pytrace=False)


@pytest.fixture(scope="module")
def sockets_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("sockets-bindings")
    spec = build.SPECS["sockets"]
    cmd = [sys.executable, "-m", "witgen", "host", str(spec.wit_path), "--world", spec.world]
    proc = subprocess.run(
        [*cmd, "-o", str(out / "witgen_wasi_sockets_probe")], cwd=build.ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    sys.path.insert(0, str(out))
    return importlib.import_module("witgen_wasi_sockets_probe")


@pytest.fixture(scope="module")
def wasm_cache_dir() -> Path:
    """The compiled-artifact cache the e2e tests share (`cache_dir=`)."""
    path = build.cache_dir() / "compiled"
    path.mkdir(parents=True, exist_ok=True)
    return path


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
    served = threading.Event()

    def client() -> None:
        """Connect once the guest listens (until it has returned), send, read the echo."""
        while not served.is_set():
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            except ConnectionRefusedError:
                time.sleep(0.02)
                continue
            with conn:
                conn.sendall(b"ping" * 1000)
                conn.shutdown(socket.SHUT_WR)
                reply = b""
                while chunk := conn.recv(65536):
                    reply += chunk
                replies.append(reply)
            return

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    try:
        assert probe.tcp_serve_once(port) == 4000
    finally:
        served.set()
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
            try:
                data, source = peer.recvfrom(65536)
                peer.sendto(data.upper(), source)
            except OSError:  # nothing came (the guest failed first): the test says so
                pass

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
