"""Semver-compatible import lookup: a 0.2.9 import finds 0.2.12 bindings, as on wasmtime."""

from __future__ import annotations

import pytest

from witgen.runtime.cabi.versions import Imports

DEFINED = {
    ("wasi:io/streams@0.2.12", "write"): "12",
    ("wasi:io/streams@0.2.3", "write"): "3",
    ("wasi:io/streams@0.3.0", "write"): "0.3",
    ("a:b/c@1.4.0", "f"): "1.4",
    ("a:b/plain", "f"): "plain",
}


def lookup(interface: str, name: str) -> str:
    table: Imports[str] = Imports()
    for key, value in DEFINED.items():
        table[key] = value
    return table.lookup(interface, name)


def test_exact_name_wins() -> None:
    assert lookup("wasi:io/streams@0.2.3", "write") == "3"


def test_compatible_newest_wins() -> None:
    assert lookup("wasi:io/streams@0.2.9", "write") == "12"
    assert lookup("a:b/c@1.0.1", "f") == "1.4"


def test_definitions_after_a_lookup_are_found() -> None:
    table: Imports[str] = Imports()
    table[("wasi:io/streams@0.2.3", "write")] = "3"
    assert table.lookup("wasi:io/streams@0.2.9", "write") == "3"
    table[("wasi:io/streams@0.2.12", "write")] = "12"
    assert table.lookup("wasi:io/streams@0.2.9", "write") == "12"


@pytest.mark.parametrize(
    "interface,name",
    [
        ("wasi:io/streams@0.1.0", "write"),  # other 0.x track
        ("wasi:io/streams@0.2.9", "read"),  # other item
        ("a:b/c@2.0.0", "f"),  # other major
        ("wasi:io/streams@0.2.9-rc", "write"),  # pre-releases match exactly only
        ("a:b/plain@1.0.0", "f"),
    ],
)
def test_incompatible_is_missing(interface: str, name: str) -> None:
    with pytest.raises(KeyError):
        lookup(interface, name)
