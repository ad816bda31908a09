"""Host-implemented imports: interface functions, world-level functions and the ``counter`` resource."""

from __future__ import annotations

import dataclasses
from types import ModuleType
from typing import Any

from .conftest import CalcSetup, KitchenSetup, submodule

# --------------------------------------------------------------------------- calc


def test_imports_dataclass_fields(calc_pkg: ModuleType, kitchen_pkg: ModuleType) -> None:
    assert dataclasses.is_dataclass(calc_pkg.CalculatorImports)
    assert {f.name for f in dataclasses.fields(calc_pkg.CalculatorImports)} == {"host", "log"}
    required = {
        f.name for f in dataclasses.fields(kitchen_pkg.KitchenSinkImports) if f.default is dataclasses.MISSING
    }
    assert required == {"host_api", "now"}  # (the cabi engine's run adds optional WASI fields)


def test_host_protocols_exist(calc_pkg: ModuleType, kitchen_pkg: ModuleType) -> None:
    for pkg, iface in [(calc_pkg, "host"), (kitchen_pkg, "host_api")]:
        host = submodule(pkg, f"imports.{iface}").Host
        assert getattr(host, "_is_protocol", False), f"{pkg.__name__}.imports.{iface}.Host is not a Protocol"


def test_interface_import_called_in_a_loop(calc_setup: CalcSetup) -> None:
    calc = calc_setup.new()
    assert calc.loop_host(4) == 2 * (4 + 3 + 2 + 1)
    assert calc_setup.host.ticks == [4, 3, 2, 1]
    assert calc.loop_host(0) == 0
    assert calc.loop_host(1000) == 1000 * 1001  # many host calls in one export call


def test_world_level_import(calc_setup: CalcSetup) -> None:
    calc = calc_setup.new()
    calc.greet("Wörld")
    calc.greet("")
    assert calc_setup.logs == ["Hello, Wörld!", "Hello, !"]


def test_import_implementations_are_per_instance(calc_pkg: ModuleType, calc_setup: CalcSetup) -> None:
    other_logs: list[str] = []
    other = calc_pkg.Calculator.from_file(
        calc_setup.wasm, imports=calc_pkg.CalculatorImports(host=calc_setup.host, log=other_logs.append)
    )
    first = calc_setup.new()
    first.greet("a")
    other.greet("b")
    assert calc_setup.logs == ["Hello, a!"]
    assert other_logs == ["Hello, b!"]


# --------------------------------------------------------------------------- kitchen: functions


def test_world_level_import_returning_u64(kitchen_setup: KitchenSetup) -> None:
    kitchen_setup.now = lambda: 2**64 - 2
    assert kitchen_setup.new().call_now() == 2**64 - 1


def test_enum_argument_reaches_host_as_enum(kitchen: Any, kitchen_setup: KitchenSetup) -> None:
    level = submodule(kitchen_setup.pkg, "imports.host_api").Level
    kitchen.runner.call_log(level.WARN, "careful")
    assert kitchen_setup.host.logs == [(level.WARN, "careful")]
    assert type(kitchen_setup.host.logs[0][0]) is level


def test_option_result_from_host(kitchen: Any) -> None:
    assert kitchen.runner.call_lookup("one") == 1
    assert kitchen.runner.call_lookup("zero") == 0
    assert kitchen.runner.call_lookup("missing") is None


def test_list_of_records_from_host(kitchen: Any, kitchen_setup: KitchenSetup) -> None:
    entry = submodule(kitchen_setup.pkg, "imports.host_api").Entry
    out = kitchen.runner.call_entries()
    assert out == [entry(key="one", value=1), entry(key="zero", value=0)]
    assert all(type(e) is entry for e in out)


# --------------------------------------------------------------------------- kitchen: counter resource


def test_guest_uses_every_part_of_host_resource(kitchen: Any, kitchen_setup: KitchenSetup) -> None:
    Counter = kitchen_setup.host.Counter
    assert kitchen.runner.use_counters(3) == [5, 1, 30, 7]
    c, zero, made, seven = Counter.created
    assert (c.value, zero.value, made.value, seven.value) == (5, 1, 30, 7)
    # The guest dropped its handles to c, zero and made: close() ran once for each.
    assert (c.closed, zero.closed, made.closed) == (1, 1, 1)
    # read-counter / consume-counter received the host's own objects.
    assert kitchen_setup.host.seen == [("read_counter", made), ("consume_counter", seven)]


def test_host_object_passed_as_borrow(kitchen: Any, kitchen_setup: KitchenSetup) -> None:
    counter = kitchen_setup.host.Counter(10)
    assert kitchen.runner.bump(counter, 5) == 15
    assert counter.value == 15
    assert kitchen.runner.bump(counter, 1) == 16  # still ours after a borrow
    assert counter.closed == 0


def test_borrow_relayed_back_to_host_keeps_identity(kitchen: Any, kitchen_setup: KitchenSetup) -> None:
    counter = kitchen_setup.host.Counter(8)
    assert kitchen.runner.relay_read(counter) == 8
    assert kitchen_setup.host.seen == [("read_counter", counter)]
    assert kitchen_setup.host.seen[0][1] is counter


def test_host_object_passed_as_own_is_closed_when_guest_drops_it(
    kitchen: Any, kitchen_setup: KitchenSetup
) -> None:
    counter = kitchen_setup.host.Counter(4)
    assert kitchen.runner.take(counter) == 4
    assert counter.closed == 1


def test_guest_returns_host_object(kitchen: Any, kitchen_setup: KitchenSetup) -> None:
    out = kitchen.runner.make(12)
    made = kitchen_setup.host.Counter.created[-1]
    assert out is made
    assert out.value == 12
    assert out.closed == 0  # ownership came back to the host; not closed


def test_static_constructor_on_host_resource(kitchen: Any, kitchen_setup: KitchenSetup) -> None:
    kitchen.runner.use_counters(0)
    zero = kitchen_setup.host.Counter.created[1]
    assert zero.value == 1  # Counter.zero() then inc(1)


def test_reentrant_host_call_of_export(calc_pkg: ModuleType, calc_setup: CalcSetup) -> None:
    """A host import may call back into an export of the same instance."""
    box: dict[str, Any] = {}

    class ReentrantHost:
        def tick(self, x: int) -> int:
            return int(box["calc"].add(x, 100))

    calc = calc_pkg.Calculator.from_file(
        calc_setup.wasm, imports=calc_pkg.CalculatorImports(host=ReentrantHost(), log=print)
    )
    box["calc"] = calc
    assert calc.loop_host(3) == (3 + 100) + (2 + 100) + (1 + 100)
