"""Host functions taking several borrows of a host-implemented resource, on both engines.

wasmtime 50 with its concurrency support on traps ("BUG: deferred host scope has no call
context") while lifting the second `borrow` of a host resource, before the host function runs:
WASI's `rename-at`, `poll` of two pollables, `splice`... witgen's engines run without it
(`witgen.runtime._capi.disable_concurrency`), and components using async go to a concurrent
sibling engine (`witgen.runtime.wasmtime.compile.engine_of`).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import wasmtime

from tests.e2e.build import SPECS, build, tool, wasmtime_version
from tests.e2e.conftest import generate_bindings, wat_to_wasm
from witgen.runtime import Trap, make_engine
from witgen.runtime.loading import default_engine
from witgen.runtime.wasmtime.compile import engine_of

ENGINES = ("wasmtime", "cabi")


class Thing:
    def __init__(self, v: int) -> None:
        self.v = v
        self.closed = False

    def close(self) -> None:
        self.closed = True


class Things:
    """Implements `witgen-e2e:borrows/things`, recording what each call received."""

    def __init__(self) -> None:
        made: list[Thing] = []
        self.made = made
        self.seen: list[tuple[Thing, ...]] = []

        class Made(Thing):
            def __init__(self, v: int) -> None:
                super().__init__(v)
                made.append(self)

        self.Thing = Made

    def one(self, a: Thing) -> int:
        self.seen.append((a,))
        return a.v

    def two(self, a: Thing, b: Thing) -> int:
        self.seen.append((a, b))
        return a.v * 10 + b.v

    def own_borrow(self, a: Thing, b: Thing) -> int:
        self.seen.append((a, b))
        return a.v * 10 + b.v

    def many(self, xs: list[Thing]) -> int:
        self.seen.append(tuple(xs))
        return 100 * len(xs) + sum(x.v for x in xs)


@pytest.fixture(scope="module")
def borrows_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    spec = SPECS["borrows"]
    return generate_bindings(tmp_path_factory, spec.wit_path, "witgen_e2e_borrows", world=spec.world)


def _run(pkg: ModuleType, abi: str, which: int, engine: wasmtime.Engine | None = None) -> tuple[int, Things]:
    host = Things()
    inst: Any = pkg.Borrows.from_file(
        build("borrows"), imports=pkg.BorrowsImports(things=host), abi=abi, engine=engine, cache_dir=False
    )
    return inst.run(which), host


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize(
    ("which", "expected", "values"),
    [
        (0, 3, (3,)),
        (1, 34, (3, 4)),
        (2, 33, (3, 3)),
        (3, 103, (3,)),
        (4, 207, (3, 4)),
        (5, 310, (3, 4, 3)),
        (6, 34, (3, 4)),
    ],
    ids=["one", "two", "same-twice", "list-of-one", "list-of-two", "list-of-three", "own-and-borrow"],
)
def test_host_function_receives_every_borrow(
    borrows_pkg: ModuleType, abi: str, which: int, expected: int, values: tuple[int, ...]
) -> None:
    result, host = _run(borrows_pkg, abi, which)
    assert result == expected
    (args,) = host.seen
    assert tuple(a.v for a in args) == values
    assert all(a is host.made[0] for a in args if a.v == 3)  # the same object each time it is lent
    moved = which == 6  # own-borrow: `a` now belongs to the host, which closes it when it likes
    assert [t.closed for t in host.made] == [not moved, True]  # the guest dropped its handles


def test_a_concurrent_engine_still_traps_cleanly(borrows_pkg: ModuleType) -> None:
    """What wasmtime 50 does with concurrency on (an engine the caller asks for): a `Trap`, the
    host function not called. If this starts passing, wasmtime fixed it (51 does)."""
    if wasmtime_version().split(".")[0] != "50":  # pragma: no cover - another wasmtime
        pytest.skip("the trap is wasmtime 50's")
    with pytest.raises(Trap, match="deferred host scope"):
        _run(borrows_pkg, "wasmtime", 1, engine=make_engine(concurrent=True))


ASYNC_WAT = """(component
  (core func $get (canon context.get i32 0))
  (core module $m
    (import "" "get" (func (result i32)))
    (func (export "seven") (result i32) i32.const 7))
  (core instance $i (instantiate $m (with "" (instance (export "get" (func $get))))))
  (func (export "seven") (result u32) (canon lift (core func $i "seven")))
)"""


def test_component_using_async_runs_on_the_concurrent_sibling(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """witgen's engines lack concurrency; a component using async builtins still loads (from
    the compiled-artifact cache too) and runs, on the engine with it."""
    assert tool("wasm-tools")
    wasm = wat_to_wasm(tmp_path_factory.mktemp("async"), ASYNC_WAT)
    pkg: Any = generate_bindings(tmp_path_factory, wasm, "witgen_e2e_async_builtin")
    for _ in range(2):  # compiled, then from the cache
        inst = pkg.Root.from_file(wasm, imports=pkg.RootImports(), cache_dir=tmp_path, abi="wasmtime")
        assert inst.seven() == 7
        assert engine_of(inst._rt.component, default_engine()) is default_engine(concurrent=True)
    assert len(list(tmp_path.glob("*.cwasm"))) == 1
