"""Export call sites are bound on first use, on both engines, and a component missing an
export its bindings name still fails when it is loaded, not on a later call."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .build import SPECS
from .conftest import CalcHost, KitchenSetup, generate_bindings

ENGINES = ["wasmtime", "cabi"]


@pytest.mark.parametrize("abi", ENGINES)
def test_a_site_is_bound_on_its_first_call_and_kept(calc_pkg: ModuleType, calc_wasm: Path, abi: str) -> None:
    imports = calc_pkg.CalculatorImports(host=CalcHost(), log=lambda msg: None)
    calc = calc_pkg.Calculator.from_file(calc_wasm, imports=imports, abi=abi)
    assert "_call_add" not in vars(calc) and "_call_add" not in vars(calc.calc)
    assert calc.add(2, 3) == 5
    site = vars(calc)["_call_add"]
    assert calc.add(4, 5) == 9 and vars(calc)["_call_add"] is site
    assert "_call_add" not in vars(calc.calc)  # the interface's `add` is another site
    assert calc.calc.add(1, 1) == 2 and "_call_add" in vars(calc.calc)
    assert "_call_greet" not in vars(calc)
    with pytest.raises(AttributeError):
        calc._call_nothing_such  # noqa: B018 - only named sites are made


def test_guest_resource_functions_are_bound_on_first_use(kitchen_setup: KitchenSetup) -> None:
    sink = kitchen_setup.new()
    sites = sink.resources.Accumulator._funcs
    assert len(sites) == 0
    acc = sink.resources.Accumulator(10)
    acc.add(5)
    assert acc.total() == 15
    assert set(sites) == {"[constructor]accumulator", "[method]accumulator.add", "[method]accumulator.total"}


def _calc_wit_with(tmp_path: Path, extra: str, where: str) -> Path:
    text = SPECS["calc"].wit_path.read_text()
    anchor = {
        "interface": "  add: func(a: u32, b: u32) -> u32;\n}",
        "world": "  export greet: func(name: string);",
    }[where]
    assert anchor in text
    wit = tmp_path / "calc.wit"
    wit.write_text(
        text.replace(anchor, extra + "\n" + anchor if where == "interface" else anchor + "\n" + extra)
    )
    return wit


@pytest.mark.parametrize("where", ["world", "interface"])
def test_a_missing_export_fails_at_load_on_both_engines(
    tmp_path_factory: pytest.TempPathFactory, calc_wasm: Path, runtime: ModuleType, where: str
) -> None:
    wit = _calc_wit_with(
        tmp_path_factory.mktemp("wit"),
        "  export shout: func();" if where == "world" else "  shout: func();",
        where,
    )
    pkg = generate_bindings(tmp_path_factory, wit, f"witgen_e2e_calc_shout_{where}", world="calculator")
    for abi in ENGINES:
        imports: Any = pkg.CalculatorImports(host=CalcHost(), log=lambda msg: None)
        with pytest.raises(runtime.LinkError, match="shout"):
            pkg.Calculator.from_file(calc_wasm, imports=imports, abi=abi)
