"""The one error of decoding a component binary."""

from __future__ import annotations


class DecodeError(Exception):
    """A component binary is malformed or uses an encoding witgen does not know; `offset`
    locates it. The runtime raises its own subclass, which is also a `LinkError`."""

    def __init__(self, message: str, offset: int | None) -> None:
        super().__init__(message if offset is None else f"{message} (at byte offset {offset:#x})")
        self.message = message
        self.offset = offset
