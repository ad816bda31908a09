"""A JavaScript guest from another toolchain (componentize-js, built from npm in the test
session): its default build imports ~18 WASI interfaces and wasi:http, none of which its own
WIT names. Bindings generated from that plain WIT run it with `wasi=` alone, on both engines:
the runtime links what the *component* imports."""

from __future__ import annotations

import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from witgen.wasi import SeededRandom, Wasi

from .build import SPECS
from .conftest import _built, generate_bindings


@pytest.fixture(scope="session")
def greeter_wasm() -> Path:
    return _built("greeter-js")


@pytest.fixture(scope="session")
def greeter_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return generate_bindings(tmp_path_factory, SPECS["greeter-js"].wit_path, "witgen_e2e_greeter_js")


def _load(pkg: ModuleType, wasm: Path, cache: Path, abi: str, wasi: Any) -> Any:
    return pkg.Greeter.from_file(wasm, wasi=wasi, abi=abi, cache_dir=cache)


def test_wasmtimes_own_wasi_links_wasi_http_the_component_imports(
    greeter_pkg: ModuleType, greeter_wasm: Path, wasm_cache_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The world names no wasi:http, the component imports it: `wasi=True` links it anyway."""
    greeter = _load(greeter_pkg, greeter_wasm, wasm_cache_dir, "wasmtime", True)
    assert greeter.greet("world") == "Hello, world!"
    greeter.shout("from wasmtime's wasi")
    assert "FROM WASMTIME'S WASI" in capfd.readouterr().out


@pytest.mark.parametrize("abi", ["wasmtime", "cabi"])
def test_witgens_wasi_runs_the_js_guest(
    greeter_pkg: ModuleType, greeter_wasm: Path, wasm_cache_dir: Path, abi: str
) -> None:
    out = bytearray()
    greeter = _load(greeter_pkg, greeter_wasm, wasm_cache_dir, abi, Wasi(stdout=out, random=SeededRandom(3)))
    assert greeter.greet("Ada") == "Hello, Ada!"
    assert greeter.sum([1, 2, 3, 2**32 - 1]) == 2**32 + 5
    greeter.shout("hello")
    assert out == b"HELLO\n"
    assert abs(greeter.now_ms() - time.time() * 1000) < 60_000
    first = greeter.random_bytes(16)
    assert len(first) == 16 and first != bytes(16)


@pytest.mark.parametrize("abi", ["wasmtime", "cabi"])
def test_wasi_true_inherits_stdout(
    greeter_pkg: ModuleType,
    greeter_wasm: Path,
    wasm_cache_dir: Path,
    abi: str,
    capfd: pytest.CaptureFixture[str],
) -> None:
    greeter = _load(greeter_pkg, greeter_wasm, wasm_cache_dir, abi, True)
    greeter.shout(f"inherited on {abi}")
    assert f"INHERITED ON {abi.upper()}" in capfd.readouterr().out
