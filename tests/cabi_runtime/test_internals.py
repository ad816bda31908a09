"""`witgen.runtime.internals`: wasmtime-py's private layer is used only for a release witgen was
tested with; elsewhere the cabi engine says why it can't run (the wasmtime engine falls back to
the public API: tests/test_public_fallback.py)."""

from __future__ import annotations

import pytest

from witgen.runtime import internals, loading, world
from witgen.runtime.cabi import engine  # noqa: F401  # imported before a test patches internals
from witgen.runtime.errors import LinkError

ADD = b"(component)"


def test_the_installed_wasmtime_is_a_tested_one() -> None:
    assert internals.AVAILABLE and internals.reason == ""
    assert int(internals.VERSION.split(".")[0]) in internals.TESTED


def test_an_untested_release_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(internals, "_version", lambda: "99.0.0")
    ffi, enter, reason = internals._load()
    assert ffi is None and enter is None
    assert "wasmtime-py 99.0.0 is not a release witgen was tested with" in reason


def test_without_internals_the_cabi_engine_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(internals, "AVAILABLE", False)
    monkeypatch.setattr(internals, "reason", "wasmtime-py 99.0.0 is not a release witgen was tested with")
    wasm_engine = loading.default_engine(None)
    with pytest.raises(
        LinkError, match="the cabi engine cannot run here: wasmtime-py 99.0.0 .* use abi='wasmtime'"
    ):
        world.load_bytes(ADD, wasm_engine, False, "cabi")
