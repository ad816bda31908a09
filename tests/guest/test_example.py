"""The example guest (``examples/guest``), tested twice by one suite: natively through the stubs'
local harness (``wit_world.testing``, mocked imports) and as the component componentize-py builds
from the same source, called through ``witgen host`` bindings. Both must agree.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import EXAMPLE, run_witgen


class Host:
    """The mock of interface `host`: the same object serves both sides."""

    def __init__(self) -> None:
        self.logs: list[tuple[str, str]] = []
        self.prices = {"apple": 30, "pear": 45}

    def log(self, level: Any, msg: str) -> None:
        self.logs.append((level.name, msg))

    def price_of(self, sku: str) -> int | None:
        return self.prices.get(sku)


@dataclass
class Side:
    """One way of running the guest: its world instance and the modules its values come from."""

    name: str
    world: Any
    inv: ModuleType  # the `inventory` types as this side spells them
    Err: type[BaseException]
    Trap: type[BaseException]
    host: Host = field(default_factory=Host)


@pytest.fixture(params=["native", "component"])
def side(request: pytest.FixtureRequest) -> Side:
    host = Host()
    if request.param == "native":
        request.getfixturevalue("example_stubs")
        testing = importlib.import_module("wit_world.testing")
        inv = importlib.import_module("wit_world.exports.inventory")
        types = importlib.import_module("componentize_py_types")
        world = testing.InventoryApp(testing.InventoryAppImports(host=host), app="app")
        return Side("native", world, inv, types.Err, testing.Trap, host)
    pkg = request.getfixturevalue("example_host")
    wasm: Path = request.getfixturevalue("example_wasm")
    from tests.e2e.build import cache_dir
    from witgen import runtime

    world = pkg.InventoryApp.from_file(
        wasm, imports=pkg.InventoryAppImports(host=host), wasi=True, cache_dir=cache_dir() / "compiled"
    )
    inv = importlib.import_module(f"{pkg.__name__}.exports.inventory")
    types = importlib.import_module(f"{pkg.__name__}.types")
    return Side("component", world, inv, types.Err, runtime.Trap, host)


def test_version(side: Side) -> None:
    assert side.world.version() == "inventory 1.0"


def test_store_records_and_host_log(side: Side) -> None:
    inv = side.inv
    store = side.world.inventory.Store("main")
    assert store.name() == "main"
    assert side.host.logs == [("INFO", "opened store main")]
    store.add_item(inv.Item(sku="apple", name="Apple", quantity=3))
    store.add_item(inv.Item(sku="kiwi", name="Kiwi", quantity=1))
    assert store.get("apple") == inv.Item(sku="apple", name="Apple", quantity=3)
    assert store.get("nope") is None
    assert [i.sku for i in store.items()] == ["apple", "kiwi"]
    assert side.world.inventory.total_quantity(store) == 4


def test_variants_and_result_errors(side: Side) -> None:
    inv = side.inv
    store = side.world.inventory.Store("s")
    store.add_item(inv.Item("apple", "Apple", 3))
    assert store.apply("apple", inv.Change_Add(2)) == inv.Item("apple", "Apple", 5)
    assert store.apply("apple", inv.Change_Rename("Green apple")).name == "Green apple"
    with pytest.raises(side.Err) as exc:
        store.apply("apple", inv.Change_Remove(9))
    assert exc.value.value == inv.StockError_Insufficient(5)
    assert side.host.logs[-1] == ("WARN", "cannot remove 9 apple")
    with pytest.raises(side.Err) as exc:
        store.apply("pear", inv.Change_Clear())
    assert exc.value.value == inv.StockError_UnknownSku("pear")
    with pytest.raises(side.Err) as exc:
        store.add_item(inv.Item("apple", "Again", 1))
    assert exc.value.value == inv.StockError_DuplicateSku("apple")
    assert store.apply("apple", inv.Change_Clear()).quantity == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("add 3", ("Change_Add", 3)), ("remove 1", ("Change_Remove", 1)), ("rename X", ("Change_Rename", "X"))],
)
def test_parse_change(side: Side, text: str, expected: tuple[str, Any]) -> None:
    cls, value = expected
    assert side.world.inventory.parse_change(text) == getattr(side.inv, cls)(value)


def test_parse_change_errors(side: Side) -> None:
    assert side.world.inventory.parse_change("clear") == side.inv.Change_Clear()
    for text, message in [("add x", "`add` needs a count, got 'x'"), ("jump", "unknown change 'jump'")]:
        with pytest.raises(side.Err) as exc:
            side.world.inventory.parse_change(text)
        assert exc.value.value == message


def test_resource_static_borrow_and_host_import(side: Side) -> None:
    inv = side.inv
    Store = side.world.inventory.Store
    a, b = Store("a"), Store("b")
    a.add_item(inv.Item("apple", "Apple", 2))
    b.add_item(inv.Item("apple", "Apple", 1))
    b.add_item(inv.Item("plum", "Plum", 4))
    merged = Store.merge("ab", a, b)
    assert merged.name() == "ab"
    assert merged.items() == [inv.Item("apple", "Apple", 3), inv.Item("plum", "Plum", 4)]
    assert merged.value() == inv.Valuation(total_cents=90, unpriced=["plum"])
    a.drop()
    with Store("c") as c:
        assert c.items() == []


def test_each_instance_starts_fresh(side: Side) -> None:
    assert side.world.inventory.Store("x").items() == []


def test_example_type_checks_against_stubs(example_stubs: Path, tmp_path: Path) -> None:
    env = {"MYPYPATH": str(example_stubs), "PATH": "", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "c"),
            "app.py",
            "inventory.py",
        ],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


BAD_APP = """
from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import inventory as types


class Inventory(exports.Inventory):
    def parse_change(self, text: bytes) -> types.Change:  # E: wrong parameter type
        raise Err("x")

    def total_quantity(self, s: types.Store) -> str:  # E: wrong return type
        return "x"
"""


def test_wrong_signature_is_a_mypy_error(example_stubs: Path, tmp_path: Path) -> None:
    (tmp_path / "bad_app.py").write_text(BAD_APP)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "c"), "bad_app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"MYPYPATH": str(example_stubs), "PATH": "", "HOME": str(tmp_path)},
    )
    assert proc.returncode == 1, proc.stdout
    assert {int(line.split(":")[1]) for line in proc.stdout.splitlines() if ": error:" in line} == {
        8,
        11,
    }, proc.stdout


def test_app_skeleton_is_written_once(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    proc = run_witgen("guest", str(EXAMPLE / "wit"), "-o", str(tmp_path), "--app", str(app))
    assert proc.returncode == 0, proc.stderr
    assert "class Inventory(exports.Inventory):" in app.read_text()
    resources = (tmp_path / "inventory.py").read_text()
    assert (
        "class Store(inventory.Store):" in resources
        and "def merge(cls, name: str, a: Self, b: Self) -> Self:" in resources
    )
    app.write_text("# mine\n")
    proc = run_witgen("guest", str(EXAMPLE / "wit"), "-o", str(tmp_path), "--app", str(app))
    assert proc.returncode == 0 and "kept" in proc.stderr
    assert app.read_text() == "# mine\n"
    assert (tmp_path / "wit_world" / "testing.py").is_file()
