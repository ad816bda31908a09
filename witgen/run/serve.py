"""`witgen serve`: a `wasi:http/proxy` component's `incoming-handler` behind uvicorn, with WASI
configured like `witgen run`'s (`--env`, `--dir`) plus the hosts its outgoing requests may reach."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from witgen.run.wasi import WasiOptions
from witgen.runtime.errors import WitgenRuntimeError

if TYPE_CHECKING:
    from witgen.http import App


@dataclass
class ServeRequest:
    component: str
    host: str = "127.0.0.1"
    port: int = 8080
    engine: str | None = None
    env: Sequence[str] = ()
    dirs: Sequence[str] = ()
    allow: Sequence[str] = ()
    """`host:port` patterns the guest's outgoing requests may reach (default: none)."""
    pool: int = 0
    workers: int = 8


def serve(request: ServeRequest) -> int:
    """Serve until interrupted; an `error:` line and status 1 if the component can't be served."""
    try:
        app = _app(request)
    except (OSError, ValueError, WitgenRuntimeError) as exc:  # bad options, unreadable or invalid file
        print(f"error: {exc}", file=sys.stderr)
        return 1
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    uvicorn.run(app, host=request.host, port=request.port, log_level="info", lifespan="on")
    return 0


def _app(request: ServeRequest) -> App:
    from witgen.http import asgi
    from witgen.wasi.policy import Network, Preopen, Wasi

    options = WasiOptions.parse(request.component, request.env, request.dirs)
    wasi = Wasi(
        args=[options.program],
        env=dict(options.env),
        stdout="inherit",
        stderr="inherit",
        preopens=[Preopen(host, guest) for host, guest in options.dirs],
        network=Network(tuple(request.allow)),
    )
    return asgi(
        request.component,
        abi=request.engine,  # type: ignore[arg-type]  # argparse's choices
        wasi=wasi,
        pool=request.pool,
        workers=request.workers,
    )
