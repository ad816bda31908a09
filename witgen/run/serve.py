"""`witgen serve`: a `wasi:http/proxy` component's `incoming-handler` behind uvicorn, with WASI
configured like `witgen run`'s (`--env`, `--dir`) plus the hosts its outgoing requests may reach."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
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
    deadline: float | None = None
    """Wall-clock seconds one request's `handle` (and an instantiation) may run."""
    pin: bool = False
    """Keep the server on one CPU (see `pin_to_one_cpu`)."""


def serve(request: ServeRequest) -> int:
    """Serve until interrupted; an `error:` line and status 1 if the component can't be served."""
    try:
        app = _app(request)
    except (OSError, ValueError, WitgenRuntimeError) as exc:  # bad options, unreadable or invalid file
        print(f"error: {exc}", file=sys.stderr)
        return 1
    import uvicorn

    if request.pin:
        pin_to_one_cpu()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    uvicorn.run(app, host=request.host, port=request.port, log_level="info", lifespan="on")
    return 0


def pin_to_one_cpu() -> None:
    """Run this process (its threads to come included) on the CPU it runs on now. Python runs
    one thread at a time anyway, and each request hops between the event loop's thread and a
    worker's: on one CPU the guest's working set stays in that CPU's caches (measured: twice the
    requests per second on 2 CPUs). Opt-in (`--pin`): several servers started on one CPU would
    share it, and a guest computing long does better on several. Linux only; elsewhere nothing
    changes."""
    if not hasattr(os, "sched_setaffinity"):
        return
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        os.sched_setaffinity(0, {int(fields[36])})
    except (OSError, ValueError, IndexError):
        pass  # not Linux's /proc, or not allowed: unpinned


def _app(request: ServeRequest) -> App:
    from witgen.http import asgi
    from witgen.runtime import Limits
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
        limits=None if request.deadline is None else Limits(deadline=request.deadline),
    )
