"""A component given as WebAssembly text (`from_bytes`/`from_file` say "binary or WAT text") loads
on both engines; text that is not valid is a `DecodeError` (a `LinkError`) on both."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from witgen.runtime.errors import DecodeError, LinkError

from .conftest import bindings_from_wat

WAT = """(component
  (core module $M (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
  (core instance $m (instantiate $M))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $m "add"))))"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    return bindings_from_wat(tmp_path_factory, WAT, "witgen_text_components")


@pytest.mark.parametrize("abi", ["wasmtime", "cabi"])
def test_text_loads_like_the_binary(built: tuple[ModuleType, Path], abi: str, tmp_path: Path) -> None:
    pkg, _ = built
    assert pkg.Root.from_bytes(WAT.encode(), abi=abi, cache_dir=False).add(40, 2) == 42
    (tmp_path / "c.wat").write_text(WAT)
    assert pkg.Root.from_file(tmp_path / "c.wat", abi=abi, cache_dir=False).add(1, 2) == 3


@pytest.mark.parametrize("abi", ["wasmtime", "cabi"])
@pytest.mark.parametrize("text", [WAT + ")", "(component (func $f))", "not wasm at all", "\xff\xfe"])
def test_bad_text_is_a_decode_error(built: tuple[ModuleType, Path], abi: str, text: str) -> None:
    pkg, _ = built
    with pytest.raises(DecodeError) as raised:
        pkg.Root.from_bytes(text.encode("utf-8", "surrogateescape"), abi=abi, cache_dir=False)
    assert isinstance(raised.value, LinkError)
