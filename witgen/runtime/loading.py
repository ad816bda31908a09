"""Compiling components, with an on-disk cache of compiled artifacts.

Compiling an 18 MB componentize-py component takes seconds; loading its serialized artifact with
`deserialize_file` (an mmap) takes milliseconds. Artifacts are keyed by the component's content
hash, the wasmtime version and the engine settings witgen uses, and written atomically so
concurrent processes never see a partial file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import wasmtime
from wasmtime import component as wc

from witgen.runtime.instance import default_cache_dir

_ENGINE: wasmtime.Engine | None = None
_ENGINE_SETTINGS = "component-model,map"


def default_engine() -> wasmtime.Engine:
    """The process-wide engine generated bindings use unless given one (maps enabled)."""
    global _ENGINE
    if _ENGINE is None:
        config = wasmtime.Config()
        config.wasm_component_model_map = True
        _ENGINE = wasmtime.Engine(config)
    return _ENGINE


def _wasmtime_build() -> str:
    """Identifies the installed libwasmtime (cheaper than importlib.metadata, and exact)."""
    package = Path(wasmtime.__file__).parent
    libs = sorted(package.glob("*/_libwasmtime*")) or sorted(package.glob("_libwasmtime*"))
    parts = [f"{lib.name}:{lib.stat().st_size}:{lib.stat().st_mtime_ns}" for lib in libs]
    return "wasmtime " + ",".join(parts)


def _cache_key(data: bytes, engine: wasmtime.Engine) -> str:
    digest = hashlib.sha256(data)
    settings = _ENGINE_SETTINGS if engine is _ENGINE else f"engine-{id(engine)}"
    digest.update(f"\0{_wasmtime_build()}\0{settings}".encode())
    return digest.hexdigest()


def compile_component(
    engine: wasmtime.Engine, data: bytes, cache_dir: str | os.PathLike[str] | None | bool = None
) -> wc.Component:
    """Compile `data` (component binary or WAT text), reusing a cached artifact when there is one.

    `cache_dir=None` uses the default cache dir, `False` disables the cache. Only the default
    engine's artifacts are cached across processes (a caller's own engine may differ in settings
    the cache key can't see).
    """
    if cache_dir is False or engine is not _ENGINE:
        return wc.Component(engine, data)
    root = Path(default_cache_dir() if cache_dir is None or cache_dir is True else cache_dir)
    path = root / f"{_cache_key(data, engine)}.cwasm"
    if path.exists():
        try:
            return wc.Component.deserialize_file(engine, str(path))
        except wasmtime.WasmtimeError:
            pass  # stale or foreign artifact: compile again and replace it
    component = wc.Component(engine, data)
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(component.serialize())
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache is not an error: the component still runs
    return component
