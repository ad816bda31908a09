"""Host `OSError`s as WASI socket error codes.

Some errnos mean different things per operation (`EADDRNOTAVAIL` is an unbindable address for
bind, but no free ephemeral port for connect), so callers may pass overrides.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping

from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.network import ErrorCode

_BY_ERRNO: dict[int, ErrorCode] = {
    errno.EACCES: ErrorCode.ACCESS_DENIED,
    errno.EPERM: ErrorCode.ACCESS_DENIED,
    errno.EADDRINUSE: ErrorCode.ADDRESS_IN_USE,
    errno.EADDRNOTAVAIL: ErrorCode.ADDRESS_NOT_BINDABLE,
    errno.ECONNREFUSED: ErrorCode.CONNECTION_REFUSED,
    errno.ECONNRESET: ErrorCode.CONNECTION_RESET,
    errno.EPIPE: ErrorCode.CONNECTION_RESET,
    errno.ECONNABORTED: ErrorCode.CONNECTION_ABORTED,
    errno.ETIMEDOUT: ErrorCode.TIMEOUT,
    errno.EHOSTUNREACH: ErrorCode.REMOTE_UNREACHABLE,
    errno.EHOSTDOWN: ErrorCode.REMOTE_UNREACHABLE,
    errno.ENETUNREACH: ErrorCode.REMOTE_UNREACHABLE,
    errno.ENETDOWN: ErrorCode.REMOTE_UNREACHABLE,
    errno.EMSGSIZE: ErrorCode.DATAGRAM_TOO_LARGE,
    errno.ENOMEM: ErrorCode.OUT_OF_MEMORY,
    errno.ENOBUFS: ErrorCode.OUT_OF_MEMORY,
    errno.EMFILE: ErrorCode.NEW_SOCKET_LIMIT,
    errno.ENFILE: ErrorCode.NEW_SOCKET_LIMIT,
    errno.EAFNOSUPPORT: ErrorCode.NOT_SUPPORTED,
    errno.EOPNOTSUPP: ErrorCode.NOT_SUPPORTED,
    errno.EINVAL: ErrorCode.INVALID_ARGUMENT,
    errno.EALREADY: ErrorCode.CONCURRENCY_CONFLICT,
    errno.EAGAIN: ErrorCode.WOULD_BLOCK,
    errno.EINPROGRESS: ErrorCode.WOULD_BLOCK,
    errno.EISCONN: ErrorCode.INVALID_STATE,
    errno.ENOTCONN: ErrorCode.INVALID_STATE,
}
if hasattr(errno, "ENONET"):
    _BY_ERRNO[errno.ENONET] = ErrorCode.REMOTE_UNREACHABLE


def code_of(error: OSError | int, overrides: Mapping[int, ErrorCode] | None = None) -> ErrorCode:
    """The WASI error code for an `OSError` (or an errno)."""
    number = error if isinstance(error, int) else error.errno
    if number is None:
        return ErrorCode.UNKNOWN
    return (overrides or {}).get(number) or _BY_ERRNO.get(number, ErrorCode.UNKNOWN)


def err(error: OSError | int, overrides: Mapping[int, ErrorCode] | None = None) -> Err[ErrorCode]:
    """The `Err` to raise for a failed host call."""
    return Err(code_of(error, overrides))
