"""witgen run's Python WASI (the cabi engine's): what it doesn't implement says so by name."""

from __future__ import annotations

import time

import pytest

from witgen.run.pywasi import Interface, OutputStream, PythonWasi, WasiUnsupported


def test_unimplemented_functions_and_resources_name_themselves() -> None:
    iface = Interface("wasi:filesystem/types@0.2.12", {})
    with pytest.raises(WasiUnsupported, match=r"wasi:filesystem/types@0.2.12#get_flags is not implemented"):
        iface.get_flags()
    descriptor = iface.Descriptor
    assert iface.Descriptor is descriptor  # one class per interface: handles keep their class
    with pytest.raises(WasiUnsupported, match="constructor is not implemented"):
        descriptor()
    with pytest.raises(WasiUnsupported, match=r"Descriptor\.open_at is not implemented"):
        descriptor.open_at(1)
    with pytest.raises(WasiUnsupported, match=r"OutputStream\.splice is not implemented.*--engine wasmtime"):
        OutputStream(1).splice(None, 1)


def test_poll_reports_only_what_is_ready_and_waits_on_timers() -> None:
    """`poll` and the clocks' pollables are witgen.wasi's: a timer not yet due is not ready, and
    polling it waits until it is."""
    impls = PythonWasi(args=[]).interfaces({})
    clock = impls["wasi:clocks/monotonic-clock"]
    poll = impls["wasi:io/poll"]["poll"]
    start = time.monotonic_ns()
    soon = clock["subscribe_duration"](20_000_000)
    far = clock["subscribe_duration"](60 * 10**9)
    stdout = OutputStream(1).subscribe()
    assert poll([far, stdout]) == [1]
    assert poll([far, soon]) == [1] and time.monotonic_ns() - start >= 20_000_000
    assert not far.ready()
