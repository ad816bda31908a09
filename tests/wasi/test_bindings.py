"""`witgen.wasi.bindings` is checked in: it must be what the generator writes today."""

from __future__ import annotations

from tests.wasi.regenerate import stale


def test_checked_in_wasi_bindings_are_current() -> None:
    assert stale() == [], "run `python -m tests.wasi.regenerate` and commit the result"


def test_link_knows_the_module_of_every_interface() -> None:
    import importlib
    import pkgutil

    import witgen.wasi.bindings.imports as imports
    from witgen.wasi.link import BINDINGS

    found = {}
    for info in pkgutil.iter_modules(imports.__path__):
        module = importlib.import_module(f"{imports.__name__}.{info.name}")
        found[module._interface.partition("@")[0]] = info.name
    assert found == BINDINGS
