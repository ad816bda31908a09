"""Exported (guest-implemented) resources: ``accumulator`` in interface ``resources``."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest


def test_constructor_and_methods(kitchen: Any) -> None:
    acc = kitchen.resources.Accumulator(10)
    assert acc.total() == 10
    assert acc.add(5) == 15
    assert acc.add(1) == 16
    assert acc.total() == 16


def test_instances_are_independent(kitchen: Any) -> None:
    a = kitchen.resources.Accumulator(1)
    b = kitchen.resources.Accumulator(100)
    a.add(1)
    assert (a.total(), b.total()) == (2, 100)


def test_static_function(kitchen: Any) -> None:
    Accumulator = kitchen.resources.Accumulator
    a, b = Accumulator(2), Accumulator(3)
    merged = Accumulator.merge(a, b)
    assert isinstance(merged, Accumulator)
    assert merged.total() == 5
    assert (a.total(), b.total()) == (2, 3)  # borrowed, still alive


def test_function_taking_borrow(kitchen: Any) -> None:
    acc = kitchen.resources.Accumulator(7)
    assert kitchen.resources.total_of(acc) == 7
    assert acc.add(1) == 8  # the borrow did not consume it


def test_function_returning_own(kitchen: Any) -> None:
    acc = kitchen.resources.make_accumulator(41)
    assert isinstance(acc, kitchen.resources.Accumulator)
    assert acc.add(1) == 42


def test_function_taking_own(kitchen: Any) -> None:
    acc = kitchen.resources.Accumulator(9)
    acc.add(1)
    assert kitchen.resources.consume(acc) == 10


def test_drop_then_use_raises(kitchen: Any, runtime: ModuleType) -> None:
    assert issubclass(runtime.ResourceDropped, ValueError)
    acc = kitchen.resources.Accumulator(1)
    acc.drop()
    with pytest.raises(runtime.ResourceDropped):
        acc.total()
    with pytest.raises(runtime.ResourceDropped):
        acc.add(1)
    with pytest.raises(runtime.ResourceDropped):
        kitchen.resources.total_of(acc)
    # Detected in Python, before entering wasm: the instance is fine.
    assert kitchen.resources.Accumulator(3).total() == 3


def test_context_manager_drops(kitchen: Any, runtime: ModuleType) -> None:
    with kitchen.resources.Accumulator(1) as acc:
        assert acc.add(2) == 3
    with pytest.raises(runtime.ResourceDropped):
        acc.total()
    assert kitchen.echo.echo_u32(5) == 5


def test_context_manager_drops_on_exception(kitchen: Any, runtime: ModuleType) -> None:
    with pytest.raises(KeyError), kitchen.resources.Accumulator(1) as acc:
        raise KeyError("inside")
    with pytest.raises(runtime.ResourceDropped):
        acc.total()


def test_many_resources(kitchen: Any) -> None:
    accs = [kitchen.resources.Accumulator(i) for i in range(200)]
    for acc in accs[::2]:
        acc.drop()
    assert sum(acc.total() for acc in accs[1::2]) == sum(range(1, 200, 2))


def test_wrong_type_for_resource_param(kitchen: Any) -> None:
    with pytest.raises(TypeError):
        kitchen.resources.total_of(5)
    with pytest.raises(TypeError):
        kitchen.resources.Accumulator.merge(kitchen.resources.Accumulator(1), "x")
    assert kitchen.resources.total_of(kitchen.resources.Accumulator(4)) == 4


# Not spelled out in the spec; pinned to the runtime's current (sensible) behaviour.


def test_resource_moved_by_own_param_is_unusable(kitchen: Any, runtime: ModuleType) -> None:
    acc = kitchen.resources.Accumulator(9)
    assert kitchen.resources.consume(acc) == 9
    with pytest.raises(runtime.ResourceDropped):
        acc.total()


def test_resource_from_another_instance_is_rejected(kitchen: Any, kitchen_setup: Any) -> None:
    other = kitchen_setup.new()
    acc = kitchen.resources.Accumulator(5)
    with pytest.raises(ValueError):
        other.resources.total_of(acc)
    assert other.resources.total_of(other.resources.Accumulator(6)) == 6
    assert kitchen.resources.total_of(acc) == 5
