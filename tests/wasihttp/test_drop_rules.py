"""The WIT's parent/child rule on both engines: a WAT guest dropping an `outgoing-request` while
its `headers` child lives traps (a clean `Trap`); dropping them in order is fine."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.e2e.build import WASI_0_2_12, tool
from witgen.runtime.errors import Trap
from witgen.wasi import Wasi

from .build import PACKAGES

SOURCE = Path(__file__).resolve().parent / "components" / "orphan"


@pytest.fixture(scope="module")
def orphan(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    work = tmp_path_factory.mktemp("orphan")
    wit = work / "wit"
    (wit / "deps").mkdir(parents=True)
    (wit / "world.wit").write_text((SOURCE / "world.wit").read_text())
    for package in PACKAGES:
        (wit / "deps" / package).symlink_to(WASI_0_2_12 / package, target_is_directory=True)
    wt = tool("wasm-tools")
    core, embedded, wasm = work / "core.wasm", work / "embedded.wasm", work / "orphan.wasm"
    subprocess.run([wt, "parse", str(SOURCE / "orphan.wat"), "-o", str(core)], check=True)
    subprocess.run([wt, "component", "embed", str(wit), str(core), "--world", "orphan", "-o", str(embedded)], check=True)
    subprocess.run([wt, "component", "new", str(embedded), "-o", str(wasm)], check=True)
    out = work / "orphan_bindings"
    subprocess.run([sys.executable, "-m", "witgen", "host", str(wit), "--world", "orphan", "-o", str(out)], check=True)
    sys.path.insert(0, str(work))
    try:
        return importlib.import_module("orphan_bindings"), wasm
    finally:
        sys.path.remove(str(work))


@pytest.mark.parametrize("engine", ["cabi", "wasmtime"])
def test_dropping_a_parent_before_its_child_traps(orphan: tuple[ModuleType, Path], engine: str) -> None:
    pkg, wasm = orphan
    instance = pkg.Orphan.from_file(wasm, abi=engine, wasi=Wasi())
    assert instance.in_order() == 1
    with pytest.raises(Trap) as trapped:
        instance.orphan()
    cause = f"{trapped.value} {trapped.value.__cause__}"
    assert "dropping outgoing-request while 1 child resource(s) of it are alive" in cause
