"""WIT kebab-case names to Python names (componentize-py's conventions)."""

from __future__ import annotations

import keyword

# Names a generated module defines or imports itself; a WIT item with one of these names gets a `_`.
_RESERVED = {"Some", "Ok", "Err", "Result", "Optional", "Union", "Any", "Protocol", "dataclass", "enum"}


def _words(name: str) -> list[str]:
    return [w for w in name.lstrip("%").split("-") if w]


def _escape(name: str) -> str:
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _RESERVED:
        return name + "_"
    return name


def snake(name: str) -> str:
    """Functions, parameters, fields, modules: `get-thing` -> `get_thing`."""
    return _escape("_".join(w.lower() for w in _words(name)))


def camel(name: str) -> str:
    """Classes: `kitchen-sink` -> `KitchenSink`."""
    return _escape("".join(w[:1].upper() + w[1:].lower() for w in _words(name)))


def shouty(name: str) -> str:
    """Enum and flags members: `read-write` -> `READ_WRITE`."""
    return _escape("_".join(w.upper() for w in _words(name)))
