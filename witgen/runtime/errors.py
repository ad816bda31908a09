"""Exceptions raised by generated bindings at run time."""

from __future__ import annotations

from witgen.component import errors as component_errors


class WitgenRuntimeError(Exception):
    """Base class of the errors raised by a running component."""


class Trap(WitgenRuntimeError):
    """The guest trapped; the message carries wasm's own text and backtrace."""


class AbiViolation(Trap):
    """The guest broke the Canonical ABI's rules (a bad pointer, discriminant, char or string
    encoding, or a misused handle): wasmtime traps there, and so does the cabi engine."""


class HostBudgetExhausted(Trap):
    """The guest made the host do more work than a call may (wasmtime's hostcall fuel: the
    bytes and elements one call's values lift), or filled a resource handle table."""


class InstanceDead(WitgenRuntimeError):
    """The instance trapped earlier: wasmtime refuses to re-enter it, so no call can succeed."""


class ResourceDropped(ValueError):
    """A resource handle was used after it was dropped or moved into the guest."""


class LinkError(WitgenRuntimeError):
    """The component can't be loaded or linked: it is invalid, or its imports could not be
    satisfied (a missing or mistyped implementation)."""


class DecodeError(LinkError, component_errors.DecodeError):
    """A component binary is malformed or invalid, or uses an encoding witgen does not know;
    `offset` locates it. The runtime turns the decoder's `witgen.component` error into this
    one, so loading raises only `LinkError`s."""

    def __init__(self, message: str, offset: int | None) -> None:
        component_errors.DecodeError.__init__(self, message, offset)
