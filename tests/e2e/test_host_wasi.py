"""WASI: ``wasi=True`` inherits stdout/stderr; a ``wasmtime.WasiConfig`` can be passed instead."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime

from .conftest import KitchenSetup, _subprocess_env, kitchen_script

# `wasi=True` is wasmtime's WASI on its engine and witgen's on the cabi engine (tests/test_cabi_engine.py
# runs these there too, but for the `wasmtime.WasiConfig` one, which only wasmtime's engine takes).


def test_print_goes_to_inherited_stdout(
    kitchen_setup: KitchenSetup, capfd: pytest.CaptureFixture[str]
) -> None:
    sink = kitchen_setup.new(wasi=True)
    sink.runner.print_line("hello from the guest")
    sink.runner.eprint_line("oops on stderr")
    out, err = capfd.readouterr()
    assert "hello from the guest" in out
    assert "oops on stderr" in err
    assert "hello from the guest" not in err


def test_print_in_a_subprocess(kitchen_setup: KitchenSetup, tmp_path: Path) -> None:
    """The guest's print is visible on the real stdout of a fresh process (and flushed at exit)."""
    script = tmp_path / "run.py"
    script.write_text(
        kitchen_script(
            kitchen_setup,
            """
            print("host before", flush=True)
            sink.runner.print_line("guest line")
            print("host after", flush=True)
            """,
        )
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=_subprocess_env(), timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["host before", "guest line", "host after"]


def test_explicit_wasi_config(
    kitchen_setup: KitchenSetup, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "guest-stdout.txt"
    config = wasmtime.WasiConfig()
    config.stdout_file = str(out_file)
    sink = kitchen_setup.new(wasi=config)
    sink.runner.print_line("into the file")
    del sink
    assert out_file.read_text().splitlines() == ["into the file"]
    assert "into the file" not in capfd.readouterr().out


def test_wasi_http_is_linked_by_wasi_true(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A WAT component importing wasi:http/types: `wasi=True` links wasi:http too (wasmtime's, or
    witgen's on the cabi engine), and the guest uses its `fields` resource."""
    from witgen.runtime.errors import LinkError

    from .build import SPECS
    from .conftest import _built, generate_bindings

    spec = SPECS["http"]
    pkg = generate_bindings(tmp_path_factory, spec.wit_path, "witgen_e2e_http", world=spec.world)
    wasm = _built("http")
    assert pkg.HttpClient.from_file(wasm, wasi=True, abi="wasmtime").check_fields() is True
    with pytest.raises(LinkError, match="pass wasi=True"):
        pkg.HttpClient.from_file(wasm, abi="wasmtime")
    assert pkg.HttpClient.from_file(wasm, wasi=True, abi="cabi").check_fields() is True
