"""witgen's WASI in Python (`wasi=witgen.wasi.Wasi(...)`) runs the componentize-py kitchen
component on both engines, with the same results; bindings generated from a world that imports
WASI have optional WASI fields in `<World>Imports`, and a host object given there replaces that
interface of witgen's WASI. Each test picks the engines itself.
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from witgen.wasi import Wasi
from witgen.wasi.io import OutputStream, SinkOutput

from .build import SPECS
from .conftest import generate_bindings, kitchen_wit_with_wasi, make_host_api

ENGINES = ["wasmtime", "cabi"]


@pytest.fixture(scope="session")
def wasi_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    wit = kitchen_wit_with_wasi(tmp_path_factory)
    return generate_bindings(
        tmp_path_factory, wit, "witgen_e2e_kitchen_py_wasi", world=SPECS["kitchen"].world
    )


def _new(
    pkg: ModuleType, wasm: Path, cache: Path, abi: str, fields: dict[str, Any] | None = None, **kwargs: Any
) -> Any:
    imports = pkg.KitchenSinkImports(host_api=make_host_api(pkg), now=lambda: 7, **(fields or {}))
    return pkg.KitchenSink.from_file(wasm, imports=imports, cache_dir=cache, abi=abi, **kwargs)


@pytest.mark.parametrize("abi", ENGINES)
def test_print_goes_where_the_policy_says(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, abi: str
) -> None:
    out, err = bytearray(), bytearray()
    sink = _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, abi, wasi=Wasi(stdout=out, stderr=err))
    sink.runner.print_line("hello from the guest")
    sink.runner.eprint_line("oops on stderr")
    assert bytes(out) == b"hello from the guest\n"
    assert b"oops on stderr" in err and b"oops" not in out
    assert sink.call_now() == 8  # the world's own import `now` (7) beside them, plus one
    assert sink.runner.use_counters(3) == [5, 1, 30, 7]


class Shouting:
    """`wasi:cli/stdout` of the host's own making: what the guest prints, in capitals."""

    def __init__(self) -> None:
        self.seen = bytearray()

    def get_stdout(self) -> OutputStream:
        return SinkOutput(lambda data: self.seen.extend(data.upper()))


@pytest.mark.parametrize("abi", ENGINES)
def test_a_wasi_field_replaces_that_interface_of_witgens_wasi(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, abi: str
) -> None:
    out = bytearray()
    stdout = Shouting()
    sink = _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, abi, {"stdout": stdout}, wasi=Wasi(stdout=out))
    sink.runner.print_line("quiet words")
    assert stdout.seen == b"QUIET WORDS\n" and out == b""


def test_engines_agree_on_a_guest_crash(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, runtime: ModuleType
) -> None:
    """CPython's traceback reaches the guest's stderr identically, and the trap is the same."""
    seen = []
    for abi in ENGINES:
        out, err = bytearray(), bytearray()
        sink = _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, abi, wasi=Wasi(stdout=out, stderr=err))
        with pytest.raises(runtime.Trap):
            sink.runner.crash("guest exception")
        with pytest.raises(runtime.InstanceDead):
            sink.echo.echo_u32(1)
        seen.append((bytes(out), bytes(err)))
    assert seen[0] == seen[1]
    assert b"guest exception" in seen[0][1]


@pytest.mark.parametrize("abi", ENGINES)
def test_without_wasi_is_one_clear_link_error(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, abi: str, runtime: ModuleType
) -> None:
    with pytest.raises(runtime.LinkError) as info:
        _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, abi)
    message = str(info.value)
    assert "wasi:" in message and "witgen.wasi.Wasi" in message
    if abi == "cabi":
        assert "wasi:cli/stdout@0.2.9: get-stdout" in message


def test_python_wasi_fields_and_wasmtimes_wasi_together_are_refused(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, runtime: ModuleType
) -> None:
    """wasmtime's own WASI defines every WASI interface: fields of the imports can't replace
    some of them (witgen's WASI can, above)."""
    with pytest.raises(runtime.LinkError) as info:
        _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, "wasmtime", {"stdout": Shouting()}, wasi=True)
    assert "WASI" in str(info.value)


def test_wasmtime_wasi_still_links_when_the_fields_are_left_out(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    sink = _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, "wasmtime", wasi=True)
    sink.runner.print_line("from wasmtime's WASI")
    assert "from wasmtime's WASI" in capfd.readouterr().out


@pytest.mark.parametrize("abi", ENGINES)
def test_a_dropped_instance_frees_its_store(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, abi: str
) -> None:
    """Nothing global keeps an instance alive once it was used (host imports' bodies made,
    host and guest resources made and dropped, the resource built-ins called, WASI linked)."""
    sink = _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, abi, wasi=Wasi())
    sink.runner.print_line("hello")
    assert sink.runner.use_counters(3) == [5, 1, 30, 7]
    acc = sink.resources.Accumulator(1)
    assert acc.add(2) == 3
    del acc
    store, rt = weakref.ref(sink._rt.store), weakref.ref(sink._rt)
    del sink
    gc.collect()
    assert rt() is None and store() is None
