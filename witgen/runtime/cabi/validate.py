"""Full validation of a component before the cabi engine trusts any of it.

The cabi engine runs the Canonical ABI itself, but whether a component is valid at all (its
structure, indices, types, names, canonical options and their core types, its core modules) is
decided by the validator wasmtime uses: wasmtime's component compile validates the whole component
before compiling it, so any component the wasmtime engine refuses, the cabi engine refuses too.

Compiling the real code would double a cold load (the cabi engine compiles each core module
itself), so the compile runs over a *skeleton*: a copy whose core function bodies are all
`unreachable`. Component-level validation only sees a core module's types, imports and exports,
which the skeleton keeps; the bodies are checked by core validation (`wasmtime.Module.validate`,
which compiles nothing). An 18 MB componentize-py component validates in about half a second,
once: the verdict is kept in the cache dir under the component's digest.

The skeleton is compiled on an engine of its own with every component-model feature wasmtime's
C API can turn on (maps, `implements`, async and its built-ins), so such components get past
validation and meet the cabi engine's own, clearer refusals where it lacks support. Two features
the C API can't turn on, fixed-length lists (which the cabi engine supports) and threading, make
wasmtime's verdict inconclusive: such a component is held to the cabi decoder's and planner's own
checks (made at load, not left for the first instantiation: the planner applies the spec's value
size rule, for one), and its core modules still to core validation.
"""

from __future__ import annotations

import bisect
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import wasmtime
from wasmtime import component as wc

from witgen.runtime._capi import enable_async_features
from witgen.runtime.errors import DecodeError
from witgen.runtime.loading import decode_error

_COMPONENT_LAYER = b"\x00asm\x0d\x00\x01\x00"
_STUB_BODY = b"\x03\x00\x00\x0b"  # size 3: no locals, unreachable, end
_CORE_MODULE_SECTION = 1
_NESTED_COMPONENT_SECTION = 4
_CODE_SECTION = 10


class _Malformed(Exception):
    """The bytes don't have the section layout the skeleton needs: validate them as they are."""


def _uleb(data: memoryview, pos: int, end: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= end or shift > 35:
            raise _Malformed
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


@dataclass
class Skeleton:
    """The skeleton's bytes, where each of its pieces came from, and the core modules found."""

    parts: list[bytes | memoryview] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    """Offset of each part in the skeleton (sorted), to map an error's offset back..."""
    origins: list[int] = field(default_factory=list)
    """...to the offset of the same part in the original."""
    size: int = 0
    modules: list[tuple[int, memoryview]] = field(default_factory=list)
    """(offset in the original, bytes) of every core module, nested components' included."""

    def add(self, piece: bytes | memoryview, origin: int) -> None:
        self.parts.append(piece)
        self.starts.append(self.size)
        self.origins.append(origin)
        self.size += len(piece)

    def original_offset(self, offset: int) -> int:
        """Where the skeleton's byte `offset` was in the original (a stubbed body: its section)."""
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0:
            return offset
        delta = offset - self.starts[i]
        piece = self.parts[i]
        return self.origins[i] + (delta if isinstance(piece, memoryview) else 0)

    def data(self) -> bytes:
        return b"".join(self.parts)


def _section_header(sid: int, size: int) -> bytes:
    return bytes([sid]) + _leb(size)


def _sections(data: memoryview) -> Iterator[tuple[int, int, int, int]]:
    """(id, start, body start, end) of each section after the 8-byte header."""
    pos = 8
    while pos < len(data):
        size, body = _uleb(data, pos + 1, len(data))
        end = body + size
        if end > len(data):
            raise _Malformed
        yield data[pos], pos, body, end
        pos = end


def _module(data: memoryview, base: int, into: Skeleton) -> None:
    """Append core module `data` (at `base` in the original) with every function body stubbed."""
    into.modules.append((base, data))
    into.add(data[:8], base)
    for sid, pos, body, end in _sections(data):
        if sid == _CODE_SECTION:
            count, _ = _uleb(data, body, end)
            stubbed = _leb(count) + _STUB_BODY * count
            into.add(_section_header(sid, len(stubbed)) + stubbed, base + pos)
        else:
            into.add(data[pos:end], base + pos)


def _component(data: memoryview, base: int, into: Skeleton) -> None:
    """Append component `data` (at `base` in the original) with its core modules' bodies stubbed."""
    into.add(data[:8], base)
    for sid, pos, body, end in _sections(data):
        if sid not in (_CORE_MODULE_SECTION, _NESTED_COMPONENT_SECTION):
            into.add(data[pos:end], base + pos)
            continue
        inner = Skeleton()
        (_module if sid == _CORE_MODULE_SECTION else _component)(data[body:end], base + body, inner)
        into.add(_section_header(sid, inner.size), base + pos)
        for piece, origin in zip(inner.parts, inner.origins, strict=True):
            into.add(piece, origin)
        into.modules.extend(inner.modules)


def skeleton(data: bytes) -> Skeleton | None:
    """`data` with every core function body stubbed, or None if it isn't a well-formed component."""
    if not data.startswith(_COMPONENT_LAYER):
        return None
    found = Skeleton()
    try:
        _component(memoryview(data), 0, found)
    except _Malformed:
        return None
    return found


_UNAVAILABLE_FEATURE = re.compile(r"requires? the component model (fixed-length lists|threading) feature")
"""wasmtime's refusal of a feature its C API can't enable (not a verdict on the component)."""

_validator: wasmtime.Engine | None = None


def validator_engine() -> wasmtime.Engine:
    """The engine skeletons are compiled on: every component-model feature on, no optimising."""
    global _validator
    if _validator is None:
        config = wasmtime.Config()
        config.cranelift_opt_level = "none"
        config.wasm_component_model_map = True
        config.wasm_component_model_implements = True
        enable_async_features(config)
        _validator = wasmtime.Engine(config)
    return _validator


def _check_structure(data: bytes, found: Skeleton | None) -> bool:
    """False if wasmtime couldn't judge (a feature it can't enable); a `DecodeError` if invalid."""
    try:
        wc.Component(validator_engine(), data if found is None else found.data())
    except wasmtime.WasmtimeError as exc:
        if _UNAVAILABLE_FEATURE.search(str(exc)):
            return False
        message, offset = decode_error(exc, "the component is invalid")
        if offset is not None and found is not None:
            offset = found.original_offset(offset)
        raise DecodeError(message, offset) from None
    return True


def _check_modules(engine: wasmtime.Engine, found: Skeleton) -> None:
    for base, module in found.modules:
        try:
            wasmtime.Module.validate(engine, bytes(module))
        except wasmtime.WasmtimeError as exc:
            message, offset = decode_error(exc, f"core module at byte offset {base:#x} is invalid")
            raise DecodeError(message, base + offset if offset is not None else base) from None


_VALID: set[str] = set()
"""Digests of components found valid in this process (whatever the cache dir)."""
_MAX_REMEMBERED = 4096


def validate(data: bytes, engine: wasmtime.Engine, digest: str, root: Path | None) -> bool:
    """Refuse `data` with a `DecodeError` unless wasmtime's validator accepts the whole component;
    False if it couldn't judge it (then the caller must run its own checks, and nothing is kept).

    `digest` identifies `data` (and the wasmtime build); `root` is the cabi cache dir, where a
    valid verdict is remembered across processes (None: only in this process).
    """
    if digest in _VALID:
        return True
    marker = None if root is None else root / f"{digest}.valid"
    if marker is not None and marker.exists():
        _VALID.add(digest)
        return True
    if not data.startswith(b"\0asm"):
        raise DecodeError("not a component binary (it doesn't start with \\0asm)", 0)
    found = skeleton(data)
    judged = _check_structure(data, found)
    if found is not None:
        _check_modules(engine, found)
    if not judged:
        return False
    if len(_VALID) >= _MAX_REMEMBERED:
        _VALID.clear()  # a host loading ever new components: forget, don't grow
    _VALID.add(digest)
    if marker is not None:
        _remember(marker)
    return True


def _remember(marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=marker.parent, suffix=".tmp")
        os.close(fd)
        os.replace(tmp, marker)
    except OSError:
        pass  # a read-only cache is not an error: the verdict is kept in this process
