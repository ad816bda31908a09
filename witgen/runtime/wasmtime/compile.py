"""Compiling components for wasmtime's engine, with an on-disk cache of compiled artifacts.

Compiling an 18 MB componentize-py component takes seconds; loading its serialized artifact with
`deserialize_file` (an mmap) takes milliseconds. Artifacts are keyed by the component's content
hash, the wasmtime version and the engine settings witgen uses (`loading.engine_tag`), and
written atomically so concurrent processes never see a partial file. A component using the
component-model async features goes to the process-wide engine's concurrent sibling, and
`engine_of` names the engine its store must come from.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import weakref
from pathlib import Path

import wasmtime
from wasmtime import component as wc

from witgen.runtime.errors import DecodeError
from witgen.runtime.loading import (
    decode_error,
    default_cache_dir,
    settings_of,
    shared_engine,
    shared_sibling,
    wasmtime_build,
)
from witgen.runtime.wasmtime.instance import remember_digest

_ENGINE_OF: weakref.WeakKeyDictionary[wc.Component, wasmtime.Engine] = weakref.WeakKeyDictionary()
"""The engine each component `compile_component` made was compiled on."""
_ASYNC_FEATURE = re.compile(
    r"requires? the component model (async|async stackful|more async builtins) feature"
)
"""wasmtime's refusal of a component using async on an engine without concurrency support."""


def engine_of(component: wc.Component, engine: wasmtime.Engine) -> wasmtime.Engine:
    """The engine to run `component` on when given `engine`: the concurrent sibling if
    `compile_component` moved it there from `engine` (it uses async), else `engine` itself."""
    settings = settings_of(engine)
    if settings is None or not settings.shared or settings.concurrent:
        return engine
    compiled = _ENGINE_OF.get(component)
    sibling = shared_sibling(settings)
    return compiled if compiled is not None and compiled is sibling else engine


def _cache_key(data: bytes, engine: wasmtime.Engine) -> str:
    digest = hashlib.sha256(data)
    settings = settings_of(engine)
    name = (
        f"component-model,map,implements{settings.tag}"
        if settings and settings.shared
        else f"engine-{id(engine)}"
    )
    digest.update(f"\0{wasmtime_build()}\0{name}".encode())
    return digest.hexdigest()


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
    settings = settings_of(engine)
    if settings is None or not settings.shared or settings.concurrent:
        return _compile_cached(engine, data, cache_dir)
    sibling = shared_engine(settings.epoch, settings.fuel, True)
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
    settings = settings_of(engine)
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
