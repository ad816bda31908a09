"""Compiling components, with an on-disk cache of compiled artifacts.

Compiling an 18 MB componentize-py component takes seconds; loading its serialized artifact with
`deserialize_file` (an mmap) takes milliseconds. Artifacts are keyed by the component's content
hash, the wasmtime version and the engine settings witgen uses (epoch interruption and fuel
metering change the compiled code: each combination has its own engine and artifacts), and
written atomically so concurrent processes never see a partial file.

witgen's engines run without wasmtime's concurrency support (see `_capi.disable_concurrency`:
wasmtime 50 traps on host calls taking two borrows of host resources with it on); a component
using the component-model async features is compiled on the process-wide engine's concurrent
sibling instead, and `engine_of` names the engine its store must come from.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

import wasmtime
from wasmtime import component as wc

from witgen.runtime._capi import disable_concurrency, enable_async_features
from witgen.runtime.errors import DecodeError
from witgen.runtime.instance import default_cache_dir, remember_digest
from witgen.runtime.limits import Limits


@dataclass(frozen=True)
class EngineSettings:
    """What witgen configured on an engine it made: the checks compiled code carries."""

    epoch: bool = False
    """Epoch interruption (`Limits.deadline`)."""
    fuel: bool = False
    """Fuel metering (`Limits.fuel`)."""
    shared: bool = False
    """One of the process-wide engines (`default_engine`): its artifacts are cached on disk."""
    concurrent: bool = False
    """Concurrency support and the component-model async features on (components using async)."""

    @property
    def tag(self) -> str:
        """The settings, as compiled artifacts' cache keys spell them ("" for the default)."""
        return (
            ("+epoch" if self.epoch else "")
            + ("+fuel" if self.fuel else "")
            + ("+async" if self.concurrent else "")
        )

    def supports(self, limits: Limits) -> bool:
        return (self.epoch or limits.deadline is None) and (self.fuel or limits.fuel is None)


_NONE = EngineSettings()
"""An engine witgen didn't make: its code is assumed to carry neither check."""
_ENGINES: dict[tuple[bool, bool, bool], wasmtime.Engine] = {}
_SETTINGS: weakref.WeakKeyDictionary[wasmtime.Engine, EngineSettings] = weakref.WeakKeyDictionary()
_ENGINE_OF: weakref.WeakKeyDictionary[wc.Component, wasmtime.Engine] = weakref.WeakKeyDictionary()
"""The engine each component `compile_component` made was compiled on."""
_engines_lock = threading.Lock()


def _configure(config: wasmtime.Config, epoch: bool, fuel: bool, concurrent: bool) -> wasmtime.Config:
    config.wasm_component_model_map = True
    config.wasm_component_model_implements = True  # `[implements=<...>]` names (Binary.md)
    if concurrent:
        enable_async_features(
            config
        )  # guests may use async internally (wasmtime-py can't call async exports)
    else:
        disable_concurrency(config)
    if epoch:
        config.epoch_interruption = True
    if fuel:
        config.consume_fuel = True
    return config


def _checks(limits: Limits | None) -> tuple[bool, bool]:
    """(epoch interruption, fuel metering): what code must be compiled with to enforce `limits`."""
    return (
        limits is not None and limits.deadline is not None,
        limits is not None and limits.fuel is not None,
    )


def default_engine(limits: Limits | None = None, *, concurrent: bool = False) -> wasmtime.Engine:
    """The process-wide engine generated bindings use unless given one (maps and `implements`
    names enabled), one per kind of `limits`: epoch interruption for a deadline, fuel metering
    for fuel. Instances without those limits run on the plain engine, whose code pays for
    neither check. `concurrent` gives the sibling with the component-model async features
    (`compile_component` moves a component needing them there)."""
    return _shared_engine(*_checks(limits), concurrent)


def _shared_engine(epoch: bool, fuel: bool, concurrent: bool) -> wasmtime.Engine:
    key = (epoch, fuel, concurrent)
    found = _ENGINES.get(key)
    if found is None:
        with _engines_lock:
            found = _ENGINES.get(key)
            if found is None:
                found = wasmtime.Engine(_configure(wasmtime.Config(), *key))
                _SETTINGS[found] = EngineSettings(epoch, fuel, shared=True, concurrent=concurrent)
                _ENGINES[key] = found
    return found


def make_engine(
    config: wasmtime.Config | None = None, *, limits: Limits | None = None, concurrent: bool = False
) -> wasmtime.Engine:
    """A new engine from `config` (maps and `implements` names enabled), compiled for `limits`
    (a deadline needs epoch interruption, fuel needs fuel metering): the way to pass `engine=`
    together with such limits, since wasmtime can't tell which checks an engine's code carries.
    `concurrent=True` enables the component-model async features a component using async needs,
    at the cost of wasmtime 50's trap on host functions taking two borrows of host resources."""
    checks = _checks(limits)
    engine = wasmtime.Engine(_configure(config or wasmtime.Config(), *checks, concurrent))
    _SETTINGS[engine] = EngineSettings(*checks, concurrent=concurrent)
    return engine


def check_limits(limits: object) -> None:
    if limits is not None and not isinstance(limits, Limits):
        raise TypeError(f"limits must be a witgen.runtime.Limits, got {type(limits).__name__}")


def engine_for(
    engine: wasmtime.Engine | None, store: wasmtime.Store | None, limits: Limits | None = None
) -> wasmtime.Engine:
    """The engine to compile with: the given one (checked against `limits`), else the
    process-wide one for `limits` (`loading.default_engine`)."""
    check_limits(limits)
    if engine is not None:
        if limits is not None:
            check_engine(engine, limits)
        return engine
    if store is not None:
        raise TypeError("pass the engine the store was created with: engine=..., store=...")
    return default_engine(limits)


def text_to_binary(data: bytes) -> bytes:
    """A component written as WebAssembly text, as its binary (both engines take text)."""
    try:
        return bytes(wasmtime.wat2wasm(data))
    except (wasmtime.WasmtimeError, UnicodeDecodeError, ValueError) as exc:
        raise DecodeError(f"not a component binary, nor valid WebAssembly text: {exc}", 0) from None


def engine_of(component: wc.Component, engine: wasmtime.Engine) -> wasmtime.Engine:
    """The engine to run `component` on when given `engine`: the concurrent sibling if
    `compile_component` moved it there from `engine` (it uses async), else `engine` itself."""
    settings = _SETTINGS.get(engine)
    if settings is None or not settings.shared or settings.concurrent:
        return engine
    compiled = _ENGINE_OF.get(component)
    sibling = _ENGINES.get((settings.epoch, settings.fuel, True))
    return compiled if compiled is not None and compiled is sibling else engine


def engine_tag(engine: wasmtime.Engine) -> str:
    """The part of a compiled artifact's cache key naming the checks `engine`'s code carries."""
    settings = _SETTINGS.get(engine)
    return "" if settings is None else settings.tag


def check_engine(engine: wasmtime.Engine, limits: Limits) -> EngineSettings:
    """`engine`'s settings, or a `ValueError` if it can't enforce `limits`."""
    settings = _SETTINGS.get(engine) or _NONE
    if not settings.supports(limits):
        needs = [n for n, on in (("deadline", limits.deadline), ("fuel", limits.fuel)) if on is not None]
        raise ValueError(
            f"limits= sets {' and '.join(needs)}, which the given engine= was not made for: pass no"
            " engine (witgen keeps one per kind of limits) or make one with"
            " witgen.runtime.make_engine(config, limits=...)"
        )
    return settings


def _wasmtime_build() -> str:
    """Identifies the installed libwasmtime (cheaper than importlib.metadata, and exact)."""
    package = Path(wasmtime.__file__).parent
    libs = sorted(package.glob("*/_libwasmtime*")) or sorted(package.glob("_libwasmtime*"))
    parts = [f"{lib.name}:{lib.stat().st_size}:{lib.stat().st_mtime_ns}" for lib in libs]
    return "wasmtime " + ",".join(parts)


def _cache_key(data: bytes, engine: wasmtime.Engine) -> str:
    digest = hashlib.sha256(data)
    settings = _SETTINGS.get(engine)
    name = (
        f"component-model,map,implements{settings.tag}"
        if settings and settings.shared
        else f"engine-{id(engine)}"
    )
    digest.update(f"\0{_wasmtime_build()}\0{name}".encode())
    return digest.hexdigest()


_ASYNC_FEATURE = re.compile(
    r"requires? the component model (async|async stackful|more async builtins) feature"
)
"""wasmtime's refusal of a component using async on an engine without concurrency support."""
_BOILERPLATE = re.compile(r"^\s*failed to parse WebAssembly module\s*Caused by:\s*")
_WASMTIME_OFFSET = re.compile(r"\s*\(at offset (0x[0-9a-f]+)\)")


def decode_error(exc: wasmtime.WasmtimeError, what: str) -> tuple[str, int | None]:
    """wasmtime's refusal as `what: reason` on one line, and the byte offset it gave, if any."""
    text = _BOILERPLATE.sub("", str(exc)).strip()
    found = _WASMTIME_OFFSET.search(text)
    offset = int(found.group(1), 16) if found else None
    reason = " ".join(line.strip() for line in _WASMTIME_OFFSET.sub("", text).splitlines() if line.strip())
    return f"{what}: {reason}", offset


class _NeedsConcurrency(DecodeError):
    """The component uses the component-model async features the engine was made without."""


def _compile(engine: wasmtime.Engine, data: bytes) -> wc.Component:
    """wasmtime's compile (which validates the whole component); an invalid one is a `DecodeError`."""
    try:
        component = wc.Component(engine, data)
    except wasmtime.WasmtimeError as exc:
        message, offset = decode_error(exc, "the component is invalid")
        if _ASYNC_FEATURE.search(message):
            hint = " (it uses async: make the engine with witgen.runtime.make_engine(..., concurrent=True))"
            raise _NeedsConcurrency(message + hint, offset) from None
        raise DecodeError(message, offset) from None
    _ENGINE_OF[component] = engine
    return component


def compile_component(
    engine: wasmtime.Engine, data: bytes, cache_dir: str | os.PathLike[str] | None | bool = None
) -> wc.Component:
    """Compile `data` (component binary or WAT text), reusing a cached artifact when there is one.

    `cache_dir=None` uses the default cache dir, `False` disables the cache. Only the
    process-wide engines' artifacts (`default_engine`) are cached across processes, each under its
    settings (a caller's own engine may differ in settings the cache key can't see). A component
    using async given a process-wide engine without concurrency goes to its concurrent sibling
    (`engine_of`).
    """
    settings = _SETTINGS.get(engine)
    if settings is None or not settings.shared or settings.concurrent:
        return _compile_cached(engine, data, cache_dir)
    sibling = _shared_engine(settings.epoch, settings.fuel, True)
    try:
        return _compile_cached(engine, data, cache_dir, also=sibling)
    except _NeedsConcurrency:
        return _compile_cached(sibling, data, cache_dir)


def _compile_cached(
    engine: wasmtime.Engine,
    data: bytes,
    cache_dir: str | os.PathLike[str] | None | bool,
    also: wasmtime.Engine | None = None,
) -> wc.Component:
    """`compile_component` on one engine; `also`: another engine whose cached artifact will do."""
    settings = _SETTINGS.get(engine)
    if cache_dir is False or settings is None or not settings.shared:
        component = _compile(engine, data)
        remember_digest(component, hashlib.sha256(data).hexdigest())  # cheap beside compiling
        return component
    root = Path(default_cache_dir() if cache_dir is None or cache_dir is True else cache_dir)
    for candidate in (engine, also):
        found = None if candidate is None else _load_artifact(candidate, data, root)
        if found is not None:
            return found
    key = _cache_key(data, engine)
    path = root / f"{key}.cwasm"
    component = _compile(engine, data)
    remember_digest(component, key)
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(component.serialize())
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache is not an error: the component still runs
    return component


def _load_artifact(engine: wasmtime.Engine, data: bytes, root: Path) -> wc.Component | None:
    """The cached artifact of `data` compiled on `engine`, if there is a usable one."""
    key = _cache_key(data, engine)
    path = root / f"{key}.cwasm"
    if not path.exists():
        return None
    try:
        component = wc.Component.deserialize_file(engine, str(path))
    except wasmtime.WasmtimeError:
        return None  # stale or foreign artifact: compile again and replace it
    _ENGINE_OF[component] = engine
    remember_digest(component, key)
    return component
