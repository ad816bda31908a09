"""Compiling core modules, with an on-disk cache of serialized artifacts, and `Prepared`
components (decoded and compiled once per process and engine).

An 18 MB componentize-py component holds a dozen core modules; compiling them takes seconds,
deserializing them milliseconds. Artifacts are keyed by the module bytes (or the component's
digest and the module's offset in it) and the wasmtime build; an artifact the engine refuses
(other settings) is recompiled and replaced. Writes are atomic.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import wasmtime

from witgen.component import binary as b
from witgen.component import errors as component_errors
from witgen.runtime.cabi.plan import Plan
from witgen.runtime.cabi.validate import validate
from witgen.runtime.cabi.wiring import ImportArrays
from witgen.runtime.errors import DecodeError
from witgen.runtime.internals import ffi, pointer
from witgen.runtime.loading import default_cache_dir, engine_tag, wasmtime_build

if TYPE_CHECKING:
    from witgen.runtime.cabi.instantiate import HostBatch

CacheDir = str | os.PathLike[str] | bool | None


def _key(data: bytes | memoryview) -> str:
    digest = hashlib.sha256(data)
    digest.update(f"\0core-module\0{wasmtime_build()}".encode())
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
    _exports: dict[str, tuple[str, tuple[tuple[str, ...], tuple[str, ...]] | None]] = field(
        default_factory=dict
    )

    def exports(
        self, names: set[str]
    ) -> dict[str, tuple[str, tuple[tuple[str, ...], tuple[str, ...]] | None]]:
        """The kind ("func", "memory", "table", "global") and, for a function, the core (params,
        results) of those of the exports `names` that exist; read straight from the C API, only
        for the names asked (CPython's main module exports thousands of items)."""
        missing = names - self._exports.keys()
        if missing:
            self._exports.update(export_types(self.module, missing))
        return self._exports


_EXTERN_KINDS = {0: "func", 1: "global", 2: "table", 3: "memory"}
_VALKINDS = {0: "i32", 1: "i64", 2: "f32", 3: "f64", 4: "v128", 128: "externref", 129: "funcref"}


def _valtypes(vec: Any) -> tuple[str, ...]:
    v = vec.contents
    return tuple(_VALKINDS.get(int(ffi.wasm_valtype_kind(v.data[i])), "ref") for i in range(v.size))


def export_types(
    module: wasmtime.Module, names: set[str]
) -> dict[str, tuple[str, tuple[tuple[str, ...], tuple[str, ...]] | None]]:
    """`CompiledModule.exports` of `module`: the exports `names` that exist."""
    wanted = {n.encode("utf-8", "replace"): n for n in names}
    vec = ffi.wasm_exporttype_vec_t()
    ffi.wasmtime_module_exports(pointer(module), ctypes.byref(vec))
    found: dict[str, tuple[str, tuple[tuple[str, ...], tuple[str, ...]] | None]] = {}
    try:
        for i in range(vec.size):
            export = vec.data[i]
            raw = ffi.wasm_exporttype_name(export).contents
            name = wanted.get(ctypes.string_at(raw.data, raw.size))
            if name is None:
                continue
            ty = ffi.wasm_exporttype_type(export)
            kind = _EXTERN_KINDS.get(int(ffi.wasm_externtype_kind(ty)), "tag")
            sig = None
            if kind == "func":
                ft = ffi.wasm_externtype_as_functype_const(ty)
                sig = (_valtypes(ffi.wasm_functype_params(ft)), _valtypes(ffi.wasm_functype_results(ft)))
            found[name] = (kind, sig)
    finally:
        ffi.wasm_exporttype_vec_delete(ctypes.byref(vec))
    return found


def decode(data: bytes | memoryview) -> b.Component:
    """`witgen.component`'s decoder, its errors raised as the runtime's `DecodeError` (a
    `LinkError`, what loading a component raises)."""
    try:
        return b.decode(data)
    except component_errors.DecodeError as exc:
        raise DecodeError(exc.message, exc.offset) from None


class Prepared:
    """A component decoded once, its core modules compiled once: what every instantiation of it
    in this process (with this engine) shares. Get one with `prepare`."""

    def __init__(self, data: bytes, engine: wasmtime.Engine, cache_dir: CacheDir, digest: str) -> None:
        self.judged = validate(data, engine, digest, cache_root(cache_dir))
        """Whether wasmtime's validator judged it; if not, `prepare` plans it at once (the
        planner's checks stand in for the validator's)."""
        self.component = decode(data)
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
        self.checked_exports: dict[int, Any] = {}
        """The bindings' site specs (by identity) whose types its exports were found to fit."""
        self.checked_imports: dict[tuple[int, int], Any] = {}
        """(lowered import step, bindings' cabi factory) pairs, by identity, found to fit."""

    def module(self, d: b.CoreModule) -> CompiledModule:
        found = self.modules.get(d.offset)
        if found is None:
            key = f"{self.digest}-{d.offset}{engine_tag(self.engine)}"  # epoch/fuel code apart
            try:
                module = compile_module(self.engine, d.data, self.cache_dir, key=key)
            except wasmtime.WasmtimeError as exc:
                raise DecodeError(f"core module is invalid: {exc}".strip(), d.offset) from None
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
        if not found.judged:
            from witgen.runtime.cabi.instantiate import plan_of

            plan_of(found)
    memo[key] = found  # most recent last
    while len(memo) > MAX_PREPARED:
        del memo[next(iter(memo))]
    return found
