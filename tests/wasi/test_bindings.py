"""`witgen.wasi.bindings` is checked in: it must be what the generator writes today."""

from __future__ import annotations

from tests.wasi.regenerate import stale


def test_checked_in_wasi_bindings_are_current() -> None:
    assert stale() == [], "run `python -m tests.wasi.regenerate` and commit the result"
