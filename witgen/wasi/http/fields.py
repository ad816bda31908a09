"""`wasi:http/types.fields`: HTTP headers and trailers, with the WIT's rules.

Names are case-insensitive tokens and values printable bytes (no CR, LF, NUL); a guest may not
set the hop-by-hop headers the host owns (`forbidden`, as wasmtime refuses them). Fields the
guest builds are mutable; those the host hands out (a request's headers, trailers, the headers
of a request or response the guest made) are immutable views, children of their parent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from witgen.runtime.errors import Trap
from witgen.runtime.types import Err
from witgen.wasi.bindings.imports.wasi_http_types import (
    HeaderError_Forbidden,
    HeaderError_Immutable,
    HeaderError_InvalidSyntax,
)

FORBIDDEN = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "transfer-encoding",
        "upgrade",
        "host",
        "http2-settings",
    }
)
"""Headers the host's HTTP layer owns: a guest setting them is `header-error.forbidden`."""
MAX_BYTES = 1 << 20
"""Bytes of names and values one `fields` may hold: a guest can't grow host memory without bound."""

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")

Entry = tuple[str, bytes]


def valid_name(name: str) -> bool:
    try:
        return _TOKEN.fullmatch(name.encode("ascii")) is not None
    except UnicodeEncodeError:
        return False


def valid_value(value: bytes) -> bool:
    return _VALUE.fullmatch(value) is not None


class Family:
    """Counts a parent's live child resources: the WIT says dropping (or finishing) a parent
    while a child lives traps."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.children = 0

    def adopt(self) -> Family:
        self.children += 1
        return self

    def release(self) -> None:
        self.children -= 1

    def check(self, action: str) -> None:
        if self.children:
            raise Trap(f"{action} {self.what} while {self.children} child resource(s) of it are alive")


class Fields:
    """The resource `fields` (also `headers` and `trailers`)."""

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._size = 0
        self._immutable = False
        self._parent: Family | None = None

    # --- host side ----------------------------------------------------------------------------

    @classmethod
    def frozen(cls, entries: Iterable[Entry], parent: Family | None = None) -> Fields:
        """Immutable fields the host hands out (as they came, unchecked); `parent` counts it as
        a child until the guest drops it."""
        fields = cls()
        fields._entries = list(entries)
        fields._immutable = True
        fields._parent = parent.adopt() if parent is not None else None
        return fields

    def view(self, parent: Family) -> Fields:
        """An immutable child copy (`outgoing-request.headers` and the like)."""
        return Fields.frozen(self._entries, parent)

    def freeze(self) -> None:
        """The guest gave these fields to a request or response: no more changes."""
        self._immutable = True

    def items(self) -> list[Entry]:
        return list(self._entries)

    def first(self, name: str) -> bytes | None:
        lower = name.lower()
        return next((v for k, v in self._entries if k.lower() == lower), None)

    # --- the guest's methods ------------------------------------------------------------------

    @staticmethod
    def from_list(entries: Sequence[tuple[str, bytes]]) -> Fields:
        fields = Fields()
        for name, value in entries:
            fields._check(name, [value])
            fields._add(name, value)
        return fields

    def get(self, name: str) -> list[bytes]:
        lower = name.lower()
        return [v for k, v in self._entries if k.lower() == lower]

    def has(self, name: str) -> bool:
        lower = name.lower()
        return any(k.lower() == lower for k, _ in self._entries)

    def set(self, name: str, value: Sequence[bytes]) -> None:
        self._check(name, value, mutating=True)
        self._remove(name)
        for v in value:
            self._add(name, v)

    def delete(self, name: str) -> None:
        self._check(name, [], mutating=True)
        self._remove(name)

    def append(self, name: str, value: bytes) -> None:
        self._check(name, [value], mutating=True)
        self._add(name, value)

    def entries(self) -> list[tuple[str, bytes]]:
        return list(self._entries)

    def clone(self) -> Fields:
        fields = Fields()
        fields._entries = list(self._entries)
        fields._size = self._size
        return fields

    def close(self) -> None:
        if self._parent is not None:
            self._parent.release()
            self._parent = None

    # --- rules --------------------------------------------------------------------------------

    def _check(self, name: str, values: Sequence[bytes], mutating: bool = False) -> None:
        if mutating and self._immutable:
            raise Err(HeaderError_Immutable())
        if not valid_name(name) or not all(valid_value(bytes(v)) for v in values):
            raise Err(HeaderError_InvalidSyntax())
        if name.lower() in FORBIDDEN:
            raise Err(HeaderError_Forbidden())

    def _add(self, name: str, value: bytes) -> None:
        self._size += len(name) + len(value)
        if self._size > MAX_BYTES:
            raise Trap(f"fields: more than {MAX_BYTES} bytes of names and values")
        self._entries.append((name, bytes(value)))

    def _remove(self, name: str) -> None:
        lower = name.lower()
        kept = [(k, v) for k, v in self._entries if k.lower() != lower]
        self._size -= sum(len(k) + len(v) for k, v in self._entries if k.lower() == lower)
        self._entries = kept
