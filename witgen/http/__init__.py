"""Serving `wasi:http/incoming-handler` components: `asgi("app.wasm")` is an ASGI application
(uvicorn, hypercorn, ...) running the component for each request; `witgen serve` runs it under
uvicorn."""

from __future__ import annotations

import os

from witgen import runtime as _rt
from witgen.http.app import App
from witgen.http.instances import Instances
from witgen.wasi.bindings import HostImports
from witgen.wasi.policy import Wasi

__all__ = ["App", "asgi"]


def asgi(
    path: str | os.PathLike[str],
    *,
    abi: _rt.Abi | None = None,
    wasi: Wasi | None = None,
    pool: int = 0,
    workers: int = 8,
    cache_dir: _rt.CacheDir = None,
    limits: _rt.Limits | None = None,
    imports: HostImports | None = None,
) -> App:
    """An ASGI application serving the `wasi:http/proxy` component at `path`.

    `abi` picks the engine ("cabi", the default, or "wasmtime"); `wasi` is what the guest may
    see and reach (default: the host's stdout and stderr, nothing else; its `network` is the
    allow-list of outgoing requests); `pool` keeps that many warm instances for reuse (0: a
    fresh instance per request); `workers` bounds the requests handled at once; `limits`
    bounds each instance (a deadline, fuel, memory); `imports` replaces witgen.wasi's
    implementation of some interfaces with the host's own.
    """
    instances = Instances(
        os.fspath(path),
        abi=abi,
        wasi=wasi if wasi is not None else Wasi(stdout="inherit", stderr="inherit"),
        pool=pool,
        cache_dir=cache_dir,
        limits=limits,
        imports=imports,
    )
    return App(instances, workers=workers)
