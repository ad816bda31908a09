"""`wasi:http` errors: the `error-code` a failed body stream carries in its `wasi:io/error`, and
`http-error-code`, which gives it back to the guest."""

from __future__ import annotations

from typing import get_args

from witgen.wasi.bindings.imports.wasi_http_types import ErrorCode, ErrorCode_InternalError
from witgen.wasi.io import IoError, StreamFailure

CODES = get_args(ErrorCode)
"""Every case class of `error-code`."""


def is_code(value: object) -> bool:
    return isinstance(value, CODES)


def failure(code: ErrorCode, message: str) -> StreamFailure:
    """What a body stream's hook raises: `last-operation-failed` with `code` inside."""
    return StreamFailure(message, code)


def http_error_code(err: IoError) -> ErrorCode | None:
    """The `error-code` inside a body stream's error, if it is one."""
    code = err.code
    return code if is_code(code) else None  # type: ignore[return-value]  # is_code narrowed it


def internal(message: str) -> ErrorCode:
    return ErrorCode_InternalError(message)
