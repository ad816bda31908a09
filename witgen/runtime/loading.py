"""Compiling components, with an on-disk cache of compiled artifacts.

Compiling an 18 MB componentize-py component takes seconds; loading its serialized artifact with
`deserialize_file` (an mmap) takes milliseconds. Artifacts are keyed by the component's content
hash, the wasmtime version and the engine settings witgen uses (epoch interruption and fuel
metering change the compiled code: each combination has its own engine and artifacts), and
written atomically so concurrent processes never see a partial file.
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

from witgen.runtime._capi import enable_async_features
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

    @property
    def tag(self) -> str:
        """The settings, as compiled artifacts' cache keys spell them ("" for the default)."""
        return ("+epoch" if self.epoch else "") + ("+fuel" if self.fuel else "")

    def supports(self, limits: Limits) -> bool:
        return (self.epoch or limits.deadline is None) and (self.fuel or limits.fuel is None)


_NONE = EngineSettings()
"""An engine witgen didn't make: its code is assumed to carry neither check."""
_ENGINES: dict[tuple[bool, bool], wasmtime.Engine] = {}
_SETTINGS: weakref.WeakKeyDictionary[wasmtime.Engine, EngineSettings] = weakref.WeakKeyDictionary()
_engines_lock = threading.Lock()


def _configure(config: wasmtime.Config, epoch: bool, fuel: bool) -> wasmtime.Config:
    config.wasm_component_model_map = True
    config.wasm_component_model_implements = True  # `[implements=<...>]` names (Binary.md)
    enable_async_features(config)  # guests may use async internally (wasmtime-py can't call async exports)
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


def default_engine(limits: Limits | None = None) -> wasmtime.Engine:
    """The process-wide engine generated bindings use unless given one (maps, `implements`
    names and async enabled), one per kind of `limits`: epoch interruption for a deadline, fuel
    metering for fuel. Instances without those limits run on the plain engine, whose code pays
    for neither check."""
    key = _checks(limits)
    found = _ENGINES.get(key)
    if found is None:
        with _engines_lock:
            found = _ENGINES.get(key)
            if found is None:
                found = wasmtime.Engine(_configure(wasmtime.Config(), *key))
                _SETTINGS[found] = EngineSettings(*key, shared=True)
                _ENGINES[key] = found
    return found


def make_engine(config: wasmtime.Config | None = None, *, limits: Limits | None = None) -> wasmtime.Engine:
    """A new engine from `config` (maps, `implements` names and async enabled), compiled for
    `limits` (a deadline needs epoch interruption, fuel needs fuel metering): the way to pass
    `engine=` together with such limits, since wasmtime can't tell which checks an engine's
    code carries."""
    checks = _checks(limits)
    engine = wasmtime.Engine(_configure(config or wasmtime.Config(), *checks))
    _SETTINGS[engine] = EngineSettings(*checks)
    return engine


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
        f"component-model,map,implements,async{settings.tag}"
        if settings and settings.shared
        else f"engine-{id(engine)}"
    )
    digest.update(f"\0{_wasmtime_build()}\0{name}".encode())
    return digest.hexdigest()


_BOILERPLATE = re.compile(r"^\s*failed to parse WebAssembly module\s*Caused by:\s*")
_WASMTIME_OFFSET = re.compile(r"\s*\(at offset (0x[0-9a-f]+)\)")


def decode_error(exc: wasmtime.WasmtimeError, what: str) -> tuple[str, int | None]:
    """wasmtime's refusal as `what: reason` on one line, and the byte offset it gave, if any."""
    text = _BOILERPLATE.sub("", str(exc)).strip()
    found = _WASMTIME_OFFSET.search(text)
    offset = int(found.group(1), 16) if found else None
    reason = " ".join(line.strip() for line in _WASMTIME_OFFSET.sub("", text).splitlines() if line.strip())
    return f"{what}: {reason}", offset


def _compile(engine: wasmtime.Engine, data: bytes) -> wc.Component:
    """wasmtime's compile (which validates the whole component); an invalid one is a `DecodeError`."""
    try:
        return wc.Component(engine, data)
    except wasmtime.WasmtimeError as exc:
        raise DecodeError(*decode_error(exc, "the component is invalid")) from None


def compile_component(
    engine: wasmtime.Engine, data: bytes, cache_dir: str | os.PathLike[str] | None | bool = None
) -> wc.Component:
    """Compile `data` (component binary or WAT text), reusing a cached artifact when there is one.

    `cache_dir=None` uses the default cache dir, `False` disables the cache. Only the
    process-wide engines' artifacts (`default_engine`) are cached across processes, each under its
    settings (a caller's own engine may differ in settings the cache key can't see).
    """
    settings = _SETTINGS.get(engine)
    if cache_dir is False or settings is None or not settings.shared:
        component = _compile(engine, data)
        remember_digest(component, hashlib.sha256(data).hexdigest())  # cheap beside compiling
        return component
    root = Path(default_cache_dir() if cache_dir is None or cache_dir is True else cache_dir)
    key = _cache_key(data, engine)
    path = root / f"{key}.cwasm"
    if path.exists():
        try:
            component = wc.Component.deserialize_file(engine, str(path))
            remember_digest(component, key)
            return component
        except wasmtime.WasmtimeError:
            pass  # stale or foreign artifact: compile again and replace it
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
