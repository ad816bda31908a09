"""`witgen.http.asgi(...)` in this process, under uvicorn and hypercorn on 127.0.0.1, on each
engine: the same checks as `witgen serve`, with a fresh instance per request (no pool)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from witgen.http import App, asgi
from witgen.wasi.policy import Network, Wasi

from . import checks
from .conftest import free_port
from .stand_ins import imports


def _app(wasm: Path, engine: str, upstream_port: int) -> App:
    wasi = Wasi(network=Network([f"127.0.0.1:{upstream_port}"]))
    return asgi(wasm, abi=engine, wasi=wasi, pool=0, imports=imports())  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=["cabi", "wasmtime"])
def under_uvicorn(request: pytest.FixtureRequest, handler_wasm: Path, upstream_port: int) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(_app(handler_wasm, request.param, upstream_port), host="127.0.0.1", port=port)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        checks.wait_until_serving(base)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_get_and_status_codes(under_uvicorn: str) -> None:
    checks.hello(under_uvicorn)
    checks.statuses(under_uvicorn)


def test_headers_both_ways(under_uvicorn: str) -> None:
    checks.headers_both_ways(under_uvicorn)


def test_post_1mb_streamed_and_echoed(under_uvicorn: str) -> None:
    checks.echo_streamed(under_uvicorn)


def test_a_trap_is_a_500_and_the_server_keeps_serving(under_uvicorn: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="witgen.http"):
        checks.trap_then_serving(under_uvicorn)
    trapped = [r for r in caplog.records if "trapped handling GET /trap" in r.getMessage()]
    assert trapped and trapped[0].exc_info is not None  # the trap is logged with its cause


def test_streaming_and_guest_errors(under_uvicorn: str) -> None:
    checks.streams_as_written(under_uvicorn)
    checks.guest_errors_are_500s(under_uvicorn)


def test_outgoing_requests_allowed_and_denied(under_uvicorn: str, upstream_port: int, denied_port: int) -> None:
    checks.fetch_allowed(under_uvicorn, upstream_port)
    checks.fetch_denied(under_uvicorn, denied_port)


def test_under_hypercorn(handler_wasm: Path, upstream_port: int) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def run() -> None:
        await serve(_app(handler_wasm, "cabi", upstream_port), config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        checks.wait_until_serving(base)
        checks.hello(base)
        checks.echo_streamed(base)
        checks.trap_then_serving(base)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
