"""`witgen.http.asgi(...)` in this process, under uvicorn and hypercorn on 127.0.0.1, on each
engine: the same checks as `witgen serve`, with a fresh instance per request (no pool)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from witgen.http import App, asgi
from witgen.http.instances import Instances
from witgen.runtime import Limits
from witgen.wasi.policy import Network, Wasi

from . import checks
from .conftest import free_port
from .stand_ins import imports


def _app(wasm: Path, engine: str, upstream_port: int, **options: Any) -> App:
    wasi = Wasi(network=Network([f"127.0.0.1:{upstream_port}"]))
    return asgi(wasm, abi=engine, wasi=wasi, imports=imports(), **options)


@contextmanager
def uvicorn_serving(app: App) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        checks.wait_until_serving(base, thread.is_alive)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module", params=["cabi", "wasmtime"])
def under_uvicorn(request: pytest.FixtureRequest, handler_wasm: Path, upstream_port: int) -> Iterator[str]:
    with uvicorn_serving(_app(handler_wasm, request.param, upstream_port, pool=0)) as base:
        yield base


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


@pytest.mark.parametrize("engine", ["cabi", "wasmtime"])
def test_a_handler_past_its_deadline_is_a_500(engine: str, handler_wasm: Path, upstream_port: int) -> None:
    # the deadline bounds instantiation too: compile (and cache) the component for such an
    # engine first, without a short deadline
    Instances(str(handler_wasm), abi=engine, limits=Limits(deadline=120.0), imports=imports()).make()  # type: ignore[arg-type]
    app = _app(handler_wasm, engine, upstream_port, pool=1, limits=Limits(deadline=1.0))
    with uvicorn_serving(app) as base:
        start = time.monotonic()
        assert checks.get(base, "/spin").status == 500
        assert time.monotonic() - start < 10
        checks.hello(base)


def test_under_hypercorn(handler_wasm: Path, upstream_port: int) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    port = free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def run() -> None:
        await serve(_app(handler_wasm, "cabi", upstream_port, pool=2), config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        checks.wait_until_serving(base, thread.is_alive)
        checks.hello(base)
        checks.echo_streamed(base)
        checks.trap_then_serving(base)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
