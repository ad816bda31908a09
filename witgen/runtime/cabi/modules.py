"""Compiling core modules, with an on-disk cache of serialized artifacts, and `Prepared`
components (decoded and compiled once per process and engine).

An 18 MB componentize-py component holds a dozen core modules; compiling them takes seconds,
deserializing them milliseconds. Artifacts are keyed by the module bytes (or the component's
digest and the module's offset in it) and the wasmtime build; an artifact the engine refuses
(other settings) is recompiled and replaced. Writes are atomic.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import wasmtime

from witgen.runtime.cabi import binary as b
from witgen.runtime.cabi.plan import Plan
from witgen.runtime.cabi.wiring import ImportArrays
from witgen.runtime.instance import default_cache_dir
from witgen.runtime.loading import _wasmtime_build, engine_tag

if TYPE_CHECKING:
    from witgen.runtime.cabi.instantiate import HostBatch

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
    engine: wasmtime.Engine, data: bytes | memoryview, cache_dir: CacheDir = None, key: str | None = None
) -> wasmtime.Module:
    """Compile `data`, or load its artifact from the cache (`key` names it, default: a hash of `data`)."""
    root = cache_root(cache_dir)
    if root is None:
        return wasmtime.Module(engine, bytes(data))
    path = root / f"{key or _key(data)}.cwasm"
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


@dataclass(eq=False)
class CompiledModule:
    module: wasmtime.Module
    imports: list[tuple[str, str]]
    """(module, name) of each import, in order (wasmtime-py wraps each `ImportType` slowly)."""


class Prepared:
    """A component decoded once, its core modules compiled once: what every instantiation of it
    in this process (with this engine) shares. Get one with `prepare`."""

    def __init__(self, data: bytes, engine: wasmtime.Engine, cache_dir: CacheDir, digest: str) -> None:
        self.component = b.decode(data)
        self.engine = engine
        self.cache_dir = cache_dir
        self.digest = digest
        self.modules: dict[int, CompiledModule] = {}
        self.plan: Plan | None = None
        """How to instantiate it (`plan.plan`), made on first instantiation."""
        self.batches: dict[bool, HostBatch] = {}
        """The host functions each instantiation makes at once, with the lowered imports or not
        (`instantiate.HostBatch`, by whether the resolver gives them all at once)."""
        self.import_arrays = ImportArrays()
        """Its core modules' import arrays, reused by every instantiation."""

    def module(self, d: b.CoreModule) -> CompiledModule:
        found = self.modules.get(d.offset)
        if found is None:
            key = f"{self.digest}-{d.offset}{engine_tag(self.engine)}"  # epoch/fuel code apart
            module = compile_module(self.engine, d.data, self.cache_dir, key=key)
            found = CompiledModule(module, [(i.module, i.name or "") for i in module.imports])
            self.modules[d.offset] = found
        return found


_PREPARED: weakref.WeakKeyDictionary[wasmtime.Engine, dict[tuple[str, str], Prepared]] = (
    weakref.WeakKeyDictionary()
)


MAX_PREPARED = 16
"""Components kept prepared per engine; the least recently loaded is forgotten first."""


def prepare(data: bytes, engine: wasmtime.Engine, cache_dir: CacheDir = None) -> Prepared:
    """The `Prepared` form of component `data` for `engine`, shared by later calls with equal bytes."""
    digest = _key(data)
    memo = _PREPARED.setdefault(engine, {})
    key = (digest, str(cache_root(cache_dir)))
    found = memo.pop(key, None)
    if found is None:
        found = Prepared(data, engine, cache_dir, digest)
    memo[key] = found  # most recent last
    while len(memo) > MAX_PREPARED:
        del memo[next(iter(memo))]
    return found
