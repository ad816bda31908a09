"""witgen run's Python WASI (the cabi engine's): what it doesn't implement says so by name."""

from __future__ import annotations

import pytest

from witgen.run.pywasi import Interface, OutputStream, WasiUnsupported


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
