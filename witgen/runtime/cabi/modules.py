"""Compiling core modules, with an on-disk cache of serialized artifacts.

An 18 MB componentize-py component holds a dozen core modules; compiling them takes seconds,
deserializing them milliseconds. Artifacts are keyed by the module bytes and the wasmtime build;
an artifact the engine refuses (other settings) is recompiled and replaced. Writes are atomic.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import wasmtime

from witgen.runtime.instance import default_cache_dir
from witgen.runtime.loading import _wasmtime_build

CacheDir = str | os.PathLike[str] | bool | None


def _key(data: bytes | memoryview) -> str:
    digest = hashlib.sha256(data)
    digest.update(f"\0core-module\0{_wasmtime_build()}".encode())
    return digest.hexdigest()


def cache_root(cache_dir: CacheDir) -> Path | None:
    """`None`/`True`: the default cache dir (`$WITGEN_CACHE_DIR` honoured); `False`: no cache."""
    if cache_dir is False:
        return None
    return Path(default_cache_dir() if cache_dir is None or cache_dir is True else cache_dir) / "cabi"


def compile_module(
    engine: wasmtime.Engine, data: bytes | memoryview, cache_dir: CacheDir = None
) -> wasmtime.Module:
    root = cache_root(cache_dir)
    if root is None:
        return wasmtime.Module(engine, bytes(data))
    path = root / f"{_key(data)}.cwasm"
    if path.exists():
        try:
            return wasmtime.Module.deserialize_file(engine, str(path))
        except wasmtime.WasmtimeError:
            pass  # built by another wasmtime or with other settings: compile again
    module = wasmtime.Module(engine, bytes(data))
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(module.serialize())
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache is not an error
    return module
