"""WASI: ``wasi=True`` inherits stdout/stderr; a ``wasmtime.WasiConfig`` can be passed instead."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime

from .conftest import CABI, KitchenSetup, _subprocess_env, kitchen_script

wasmtime_wasi = pytest.mark.skipif(
    CABI, reason="wasmtime's WASI (`wasi=`); the cabi engine takes WASI from imports"
)


@wasmtime_wasi
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


@wasmtime_wasi
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


@pytest.mark.skipif(not CABI, reason="the cabi engine (WITGEN_ABI=cabi) takes WASI from the imports")
def test_cabi_print_goes_to_the_wasi_doubles(kitchen_setup: KitchenSetup) -> None:
    sink = kitchen_setup.new()
    sink.runner.print_line("hello from the guest")
    sink.runner.eprint_line("oops on stderr")
    assert b"hello from the guest\n" in kitchen_setup.wasi.stdout
    assert b"oops on stderr" in kitchen_setup.wasi.stderr
    assert b"oops" not in kitchen_setup.wasi.stdout


@pytest.mark.skipif(not CABI, reason="the cabi engine (WITGEN_ABI=cabi) takes WASI from the imports")
def test_cabi_without_wasi_imports_is_one_clear_link_error(kitchen_setup: KitchenSetup) -> None:
    from witgen.runtime import LinkError

    imports = kitchen_setup.pkg.KitchenSinkImports(host_api=kitchen_setup.host, now=kitchen_setup.now)
    with pytest.raises(LinkError) as info:
        kitchen_setup.pkg.KitchenSink.from_file(
            kitchen_setup.wasm, imports=imports, cache_dir=kitchen_setup.cache_dir
        )
    message = str(info.value)
    assert "wasi:cli/stdout@0.2.9: get-stdout" in message and "abi='wasmtime'" in message
