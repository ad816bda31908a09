"""WASI on the cabi engine, from the imports (the WASI test doubles): run only by
tests/test_cabi_engine.py, with WITGEN_ABI=cabi (the file name keeps the main run from
collecting it: there the kitchen package has no WASI import fields)."""

from __future__ import annotations

import pytest

from .conftest import CABI, KitchenSetup

pytestmark = pytest.mark.usefixtures()
assert CABI, "run with WITGEN_ABI=cabi (see tests/test_cabi_engine.py)"


def test_cabi_print_goes_to_the_wasi_doubles(kitchen_setup: KitchenSetup) -> None:
    sink = kitchen_setup.new()
    sink.runner.print_line("hello from the guest")
    sink.runner.eprint_line("oops on stderr")
    assert b"hello from the guest\n" in kitchen_setup.wasi.stdout
    assert b"oops on stderr" in kitchen_setup.wasi.stderr
    assert b"oops" not in kitchen_setup.wasi.stdout


def test_cabi_without_wasi_imports_is_one_clear_link_error(kitchen_setup: KitchenSetup) -> None:
    from witgen.runtime import LinkError

    imports = kitchen_setup.pkg.KitchenSinkImports(host_api=kitchen_setup.host, now=kitchen_setup.now)
    with pytest.raises(LinkError) as info:
        kitchen_setup.pkg.KitchenSink.from_file(
            kitchen_setup.wasm, imports=imports, cache_dir=kitchen_setup.cache_dir
        )
    message = str(info.value)
    assert "wasi:cli/stdout@0.2.9: get-stdout" in message and "abi='wasmtime'" in message
