"""The wasmtime engines both of witgen's engines compile with, and where compiled code is cached.

Epoch interruption and fuel metering change the compiled code, so witgen keeps one process-wide
engine per combination (`default_engine`) and records what it configured on every engine it
makes (`EngineSettings`): compiled artifacts are cached per settings (`engine_tag`), and limits
are checked against the engine's (`check_engine`). Compiling a component for wasmtime's engine,
with its on-disk artifact cache, is `witgen.runtime.wasmtime.compile`; the cabi engine's core
modules, `witgen.runtime.cabi.modules`.

witgen's engines run without wasmtime's concurrency support (see `_capi.disable_concurrency`:
wasmtime 50 traps on host calls taking two borrows of host resources with it on); a component
using the component-model async features is compiled on the process-wide engine's concurrent
sibling instead.
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

import wasmtime

from witgen.runtime._capi import disable_concurrency, enable_async_features
from witgen.runtime.errors import DecodeError
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
    return shared_engine(*_checks(limits), concurrent)


def shared_engine(epoch: bool, fuel: bool, concurrent: bool) -> wasmtime.Engine:
    """The process-wide engine with these settings (made on first use)."""
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


def default_cache_dir() -> str:
    """Where compiled components are cached: $WITGEN_CACHE_DIR, else the user's cache dir."""
    env = os.environ.get("WITGEN_CACHE_DIR")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "witgen", "components")


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


def settings_of(engine: wasmtime.Engine) -> EngineSettings | None:
    """What witgen configured on `engine`, if witgen made it."""
    return _SETTINGS.get(engine)


def shared_sibling(settings: EngineSettings) -> wasmtime.Engine | None:
    """The process-wide concurrent engine with the checks of `settings`, if it was made."""
    return _ENGINES.get((settings.epoch, settings.fuel, True))


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


def wasmtime_build() -> str:
    """Identifies the installed libwasmtime (cheaper than importlib.metadata, and exact)."""
    package = Path(wasmtime.__file__).parent
    libs = sorted(package.glob("*/_libwasmtime*")) or sorted(package.glob("_libwasmtime*"))
    parts = [f"{lib.name}:{lib.stat().st_size}:{lib.stat().st_mtime_ns}" for lib in libs]
    return "wasmtime " + ",".join(parts)


_BOILERPLATE = re.compile(r"^\s*failed to parse WebAssembly module\s*Caused by:\s*")
_WASMTIME_OFFSET = re.compile(r"\s*\(at offset (0x[0-9a-f]+)\)")


def decode_error(exc: wasmtime.WasmtimeError, what: str) -> tuple[str, int | None]:
    """wasmtime's refusal as `what: reason` on one line, and the byte offset it gave, if any."""
    text = _BOILERPLATE.sub("", str(exc)).strip()
    found = _WASMTIME_OFFSET.search(text)
    offset = int(found.group(1), 16) if found else None
    reason = " ".join(line.strip() for line in _WASMTIME_OFFSET.sub("", text).splitlines() if line.strip())
    return f"{what}: {reason}", offset
