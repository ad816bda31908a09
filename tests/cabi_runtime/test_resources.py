"""Resources: handle tables, resource.new/rep/drop, destructors and the lift/lower handle rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import wasmtime

from witgen.component import types as t
from witgen.runtime.cabi import (
    CallScope,
    CanonOptions,
    ComponentInstance,
    ResourceType,
    lift_borrow,
    lift_own,
    lower_borrow,
    lower_own,
)
from witgen.runtime.cabi.instantiate import instantiate
from witgen.runtime.errors import Trap

from .resolvers import Resolver

HOST = ("test:res/host",)


class World:
    """The resources.wat component with a host `thing` whose `value` is rep * 10."""

    def __init__(self, wasm: bytes) -> None:
        self.store = wasmtime.Store()
        self.dropped: list[int] = []
        self.thing = ResourceType("thing", dtor=self.dropped.append)
        self.host_scopes: list[CallScope] = []

        def value(options: CanonOptions, caller: ComponentInstance) -> Callable[..., Any]:
            def call(i: int) -> int:
                scope = CallScope()
                rep = lift_borrow(caller, i, self.thing, scope)
                scope.exit()
                return rep * 10

            return call

        resolver = Resolver(
            self.store,
            funcs={(HOST, "[method]thing.value"): (["i32"], ["i32"], value)},
            resources={(HOST, "thing"): self.thing},
        )
        self.inst = instantiate(wasm, self.store, resolver, cache_dir=False)
        self.exports = self.inst.exports
        self.component = self.inst.instances[0]
        self.counter: ResourceType = self.exports["counter"]

    def call(self, name: str, *args: int) -> Any:
        """Call an export's core function; a trap (a resource built-in's too) raises `Trap`."""
        try:
            return self.exports[name].core(self.store, *args)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            raise Trap(str(exc)) from exc


@pytest.fixture
def world(wat_file: Callable[[str], bytes]) -> World:
    return World(wat_file("resources.wat"))


def test_exported_resource_type(world: World) -> None:
    rt = world.counter
    assert isinstance(rt, ResourceType) and rt.name == "counter"
    assert rt.instance is world.component and rt.dtor is not None
    ctor = world.exports["[constructor]counter"]
    assert ctor.type.result == t.Own(rt)
    assert world.exports["[method]counter.get"].type.params == (("self", t.Borrow(rt)),)
    assert world.exports["use-thing"].type.params == (("t", t.Borrow(world.thing)),)


def test_resource_new_rep_drop_and_dtor(world: World) -> None:
    table = world.component.table
    h = world.call("[constructor]counter", 42)
    assert h == 1 and len(table) == 1
    assert world.call("rep-of", h) == 42
    world.call("drop", h)
    assert len(table) == 0
    with pytest.raises(Trap, match="unknown handle index 1"):
        world.call("rep-of", h)
    # the freed slot is reused
    assert world.call("[constructor]counter", 7) == 1


def test_destructor_runs_in_the_guest(world: World) -> None:
    calls: list[int] = []
    dtor = world.counter.dtor
    assert dtor is not None
    world.counter.dtor = lambda rep: (calls.append(rep), dtor(rep))[1]
    h = world.call("[constructor]counter", 5)
    world.call("drop", h)
    assert calls == [5]


def test_lift_own_moves_the_handle_out(world: World) -> None:
    h = world.call("[constructor]counter", 9)
    assert lift_own(world.component, h, world.counter) == 9
    assert len(world.component.table) == 0
    with pytest.raises(Trap):
        lift_own(world.component, h, world.counter)
    # and back in: the guest sees a fresh own handle
    h2 = lower_own(world.component, 9, world.counter)
    assert world.call("rep-of", h2) == 9


def test_borrow_of_own_resource_is_the_rep(world: World) -> None:
    scope = CallScope()
    assert lower_borrow(world.component, 77, world.counter, scope) == 77  # callee implements the type
    assert world.call("[method]counter.get", 77) == 77
    scope.exit()


def test_host_resource_borrowed_into_guest(world: World) -> None:
    scope = CallScope()
    i = lower_borrow(world.component, 7, world.thing, scope)
    assert scope.num_borrows == 1
    assert world.call("use-thing", i) == 70  # guest -> host import -> lift_borrow -> 7 * 10
    assert scope.num_borrows == 0  # the guest dropped the borrow
    scope.exit()
    assert world.dropped == []  # dropping a borrow never runs the destructor


def test_borrow_kept_past_the_call_traps(world: World) -> None:
    scope = CallScope()
    i = lower_borrow(world.component, 3, world.thing, scope)
    assert world.call("keep-thing", i) == 30
    with pytest.raises(Trap, match="borrowed handle"):
        scope.exit()


def test_own_host_resource_dropped_by_guest_runs_host_dtor(world: World) -> None:
    i = lower_own(world.component, 11, world.thing)
    world.call("drop-thing", i)
    assert world.dropped == [11]


def test_wrong_type_and_lent_handles_trap(world: World) -> None:
    inst = world.component
    h = world.call("[constructor]counter", 1)
    with pytest.raises(Trap, match="expected a thing"):
        lift_own(inst, h, world.thing)
    with pytest.raises(Trap, match="expected a thing"):
        lift_borrow(inst, h, world.thing, CallScope())
    with pytest.raises(Trap, match="handle 1 is a counter, expected a thing"):
        world.call("drop-thing", h)  # the guest's resource.drop of the wrong type
    scope = CallScope()
    assert lift_borrow(inst, h, world.counter, scope) == 1
    with pytest.raises(Trap, match="lent out"):
        lift_own(inst, h, world.counter)
    with pytest.raises(Trap, match="lent out"):
        world.call("drop", h)
    scope.exit()
    assert lift_own(inst, h, world.counter) == 1
    b = lower_borrow(inst, 4, world.thing, CallScope())
    with pytest.raises(Trap, match="is a borrow"):
        lift_own(inst, b, world.thing)
    with pytest.raises(Trap, match="unknown handle index 0"):
        lift_own(inst, 0, world.thing)


def test_two_instances_have_distinct_types_and_tables(wat_file: Callable[[str], bytes]) -> None:
    a, b = World(wat_file("resources.wat")), World(wat_file("resources.wat"))
    assert a.counter is not b.counter
    h = a.call("[constructor]counter", 1)
    with pytest.raises(Trap):
        lift_own(a.component, h, b.counter)
    with pytest.raises(Trap):
        b.call("rep-of", h)
