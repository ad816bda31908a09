"""WASI written in Python (the test doubles of `wasi_doubles.py`), on both engines.

Bindings generated from a world that imports WASI have optional WASI fields in `<World>Imports`;
either engine links them like any import (wasmtime's engine may take `wasi=` instead). The
componentize-py kitchen component runs its CPython on them; each test picks the engines itself.
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .build import SPECS
from .conftest import generate_bindings, kitchen_wit_with_wasi, make_host_api
from .wasi_doubles import WasiDoubles

ENGINES = ["wasmtime", "cabi"]


@pytest.fixture(scope="session")
def wasi_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    wit = kitchen_wit_with_wasi(tmp_path_factory)
    return generate_bindings(
        tmp_path_factory, wit, "witgen_e2e_kitchen_py_wasi", world=SPECS["kitchen"].world
    )


def _new(
    pkg: ModuleType, wasm: Path, cache: Path, abi: str, doubles: WasiDoubles | None, **kwargs: Any
) -> Any:
    fields = doubles.imports(pkg, pkg.KitchenSinkImports) if doubles is not None else {}
    imports = pkg.KitchenSinkImports(host_api=make_host_api(pkg), now=lambda: 7, **fields)
    return pkg.KitchenSink.from_file(wasm, imports=imports, cache_dir=cache, abi=abi, **kwargs)


@pytest.mark.parametrize("abi", ENGINES)
def test_print_goes_to_the_python_wasi(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, abi: str
) -> None:
    wasi = WasiDoubles()
    sink = _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, abi, wasi)
    sink.runner.print_line("hello from the guest")
    sink.runner.eprint_line("oops on stderr")
    assert bytes(wasi.stdout) == b"hello from the guest\n"
    assert b"oops on stderr" in wasi.stderr and b"oops" not in wasi.stdout
    assert sink.call_now() == 8  # the world's own import `now` (7) beside them, plus one
    assert sink.runner.use_counters(3) == [5, 1, 30, 7]


def test_engines_agree_on_a_guest_crash_through_python_wasi(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, runtime: ModuleType
) -> None:
    """CPython's traceback reaches the Python stderr identically, and the trap is the same."""
    seen = []
    for abi in ENGINES:
        wasi = WasiDoubles()
        sink = _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, abi, wasi)
        with pytest.raises(runtime.Trap):
            sink.runner.crash("guest exception")
        with pytest.raises(runtime.InstanceDead):
            sink.echo.echo_u32(1)
        seen.append((bytes(wasi.stdout), bytes(wasi.stderr)))
    assert seen[0] == seen[1]
    assert b"guest exception" in seen[0][1]


@pytest.mark.parametrize("abi", ENGINES)
def test_without_wasi_is_one_clear_link_error(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, abi: str, runtime: ModuleType
) -> None:
    with pytest.raises(runtime.LinkError) as info:
        _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, abi, None)
    message = str(info.value)
    assert "wasi:" in message
    if abi == "cabi":
        assert "wasi:cli/stdout@0.2.9: get-stdout" in message and "wasi=witgen.wasi.Wasi" in message
    else:
        assert "wasi=True" in message and "witgen.wasi.Wasi" in message


def test_python_wasi_fields_and_wasmtimes_wasi_together_are_refused(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, runtime: ModuleType
) -> None:
    """wasmtime's own WASI defines every WASI interface: fields of the imports can't replace
    some of them (witgen's WASI, `wasi=Wasi(...)`, can: tests/wasi/test_kitchen.py)."""
    with pytest.raises(runtime.LinkError) as info:
        _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, "wasmtime", WasiDoubles(), wasi=True)
    assert "WASI" in str(info.value)


def test_wasmtime_wasi_still_links_when_the_fields_are_left_out(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    sink = _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, "wasmtime", None, wasi=True)
    sink.runner.print_line("from wasmtime's WASI")
    assert "from wasmtime's WASI" in capfd.readouterr().out


@pytest.mark.parametrize("abi", ENGINES)
def test_a_dropped_instance_frees_its_store(
    wasi_pkg: ModuleType, kitchen_wasm: Path, wasm_cache_dir: Path, abi: str
) -> None:
    """Nothing global keeps an instance alive once it was used (host imports' bodies made,
    host and guest resources made and dropped, the resource built-ins called)."""
    sink = _new(wasi_pkg, kitchen_wasm, wasm_cache_dir, abi, WasiDoubles())
    sink.runner.print_line("hello")
    assert sink.runner.use_counters(3) == [5, 1, 30, 7]
    acc = sink.resources.Accumulator(1)
    assert acc.add(2) == 3
    del acc
    store, rt = weakref.ref(sink._rt.store), weakref.ref(sink._rt)
    del sink
    gc.collect()
    assert rt() is None and store() is None
