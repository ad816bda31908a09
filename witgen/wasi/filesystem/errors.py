"""The core's `FsError` names as `wasi:filesystem/types.error-code` results: every host method of
the filesystem raises `Err(ErrorCode...)`, never a Python exception the guest can't read."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.wasi_filesystem_types import ErrorCode
from witgen.wasi.fs.errors import FsError

P = ParamSpec("P")
R = TypeVar("R")

MAX_OFFSET = (1 << 63) - 1
"""The largest file offset or size the host's `off_t` holds; beyond it is `invalid`."""


def error_code(code: str) -> ErrorCode:
    """The enum case for a WASI error name such as "no-entry"."""
    return ErrorCode[code.upper().replace("-", "_")]


def fail(code: str) -> Err[ErrorCode]:
    """The exception a host method raises to return `error-code` `code`."""
    return Err(error_code(code))


def wasi_errors(method: Callable[P, R]) -> Callable[P, R]:
    """`method` with its `FsError`s turned into the `Err(ErrorCode)` the bindings return."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except FsError as exc:
            raise fail(exc.code) from None

    return call


def check_offset(*values: int) -> None:
    """Refuse offsets and sizes the host can't represent (`u64` from the guest, `off_t` here)."""
    if any(v > MAX_OFFSET for v in values):
        raise FsError("invalid", "offset or size beyond 2**63 - 1")
