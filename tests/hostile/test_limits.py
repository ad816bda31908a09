"""`Limits` against a hostile guest on both engines: an infinite loop meets its deadline, a long
loop runs out of fuel, memory and tables stop growing at their limits, instantiation beyond the
store's limits is a `LinkError`; the trapped instance is dead and the others go on."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from witgen.runtime import (
    InstanceDead,
    Limits,
    LinkError,
    OutOfFuel,
    Timeout,
    Trap,
    default_engine,
    make_engine,
)
from witgen.runtime.epochs import TICK

from .limits_plugin import INITIAL_PAGES, INITIAL_TABLE, PAGE, PluginSetup, plugin_setup

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ["wasmtime", "cabi"]


@pytest.fixture(scope="session")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> PluginSetup:
    return plugin_setup(tmp_path_factory)


def load(plugin: PluginSetup, abi: str, limits: Limits | None = None, **kwargs: Any) -> Any:
    kwargs.setdefault("cache_dir", False)
    return plugin.pkg.Plugin.from_file(plugin.wasm, abi=abi, limits=limits, **kwargs)


def timed_spin(instance: Any) -> float:
    start = time.monotonic()
    with pytest.raises(Timeout) as info:
        instance.spin()
    elapsed = time.monotonic() - start
    assert isinstance(info.value, Trap)
    assert "deadline" in str(info.value)
    return elapsed


# --------------------------------------------------------------------------- deadline


@pytest.mark.parametrize("abi", ENGINES)
def test_deadline_stops_an_infinite_loop(plugin: PluginSetup, abi: str) -> None:
    bystander = load(plugin, abi)  # no limits, same process
    looping = load(plugin, abi, Limits(deadline=0.25))
    assert looping.add(1, 2) == 3
    elapsed = timed_spin(looping)
    assert 0.25 <= elapsed < 0.25 + 0.1, elapsed
    with pytest.raises(InstanceDead):
        looping.add(1, 2)
    assert bystander.add(2, 3) == 5
    again = load(plugin, abi, Limits(deadline=0.25))  # a second instance with a deadline works
    assert again.add(3, 4) == 7
    assert again.echo("still here") == "still here"


@pytest.mark.parametrize("abi", ENGINES)
def test_deadline_is_per_call(plugin: PluginSetup, abi: str) -> None:
    """Each call gets the whole deadline: idle time and earlier calls don't count."""
    probe = load(plugin, abi)
    n = 200_000
    start = time.monotonic()
    probe.burn(n)
    per_call = time.monotonic() - start
    n = max(n, int(n * 0.01 / max(per_call, 1e-6)))  # calls of about 10 ms each: a loaded machine may slow one 10x
    guarded = load(plugin, abi, Limits(deadline=0.3))
    start = time.monotonic()
    while time.monotonic() - start < 0.6:  # twice the deadline in calls, each well inside it
        assert guarded.burn(n) == (n * (n + 1) // 2) & 0xFFFFFFFF
    time.sleep(0.4)  # idle past the deadline: the next call starts afresh
    assert guarded.add(1, 1) == 2
    assert timed_spin(guarded) < 0.3 + 0.1


@pytest.mark.parametrize("abi", ENGINES)
def test_two_looping_instances_stop_on_time(plugin: PluginSetup, abi: str) -> None:
    """The ticker is shared: two looping instances on separate threads both stop on time."""
    import threading

    instances = [load(plugin, abi, Limits(deadline=0.2)) for _ in range(2)]
    times: list[float] = []
    threads = [threading.Thread(target=lambda i=i: times.append(timed_spin(i))) for i in instances]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(times) == 2
    assert all(0.2 <= t < 0.3 for t in times), times
    assert time.monotonic() - start < 0.4  # in parallel: separate stores don't wait for each other


def test_deadline_granularity_is_one_tick() -> None:
    assert TICK <= 0.02


# --------------------------------------------------------------------------- fuel


@pytest.mark.parametrize("abi", ENGINES)
def test_fuel_per_call(plugin: PluginSetup, abi: str) -> None:
    metered = load(plugin, abi, Limits(fuel=50_000))
    for _ in range(20):  # 20 calls spend more than 50 000 together: fuel is per call
        assert metered.burn(1000) == 500500
    with pytest.raises(OutOfFuel) as info:
        metered.burn(10**6)
    assert isinstance(info.value, Trap)
    assert "fuel" in str(info.value)
    with pytest.raises(InstanceDead):
        metered.add(1, 2)
    assert load(plugin, abi, Limits(fuel=50_000)).burn(10) == 55


@pytest.mark.parametrize("abi", ENGINES)
def test_fuel_stops_an_infinite_loop(plugin: PluginSetup, abi: str) -> None:
    with pytest.raises(OutOfFuel):
        load(plugin, abi, Limits(fuel=10**6)).spin()


@pytest.mark.parametrize("abi", ENGINES)
def test_deadline_and_fuel_together(plugin: PluginSetup, abi: str) -> None:
    both = load(plugin, abi, Limits(deadline=5.0, fuel=10**5))
    assert both.burn(100) == 5050
    with pytest.raises(OutOfFuel):
        both.spin()
    both = load(plugin, abi, Limits(deadline=0.1, fuel=10**15))
    assert timed_spin(both) < 0.2


# --------------------------------------------------------------------------- memory, tables, instances


@pytest.mark.parametrize("abi", ENGINES)
def test_memory_stops_growing_at_its_limit(plugin: PluginSetup, abi: str) -> None:
    capped = load(plugin, abi, Limits(memory_size=(INITIAL_PAGES + 2) * PAGE))
    assert capped.grow(1) == INITIAL_PAGES
    assert capped.grow(1) == INITIAL_PAGES + 1
    assert capped.grow(1) == -1  # memory.grow fails as wasm says: the guest decides
    assert capped.grow(0) == INITIAL_PAGES + 2
    with pytest.raises(Trap) as info:
        capped.grow_or_trap(1)  # a guest that gives up traps
    assert type(info.value) is Trap
    with pytest.raises(InstanceDead):
        capped.add(1, 2)
    assert load(plugin, abi).grow(10) == INITIAL_PAGES  # the limit was that store's only


@pytest.mark.parametrize("abi", ENGINES)
def test_table_stops_growing_at_its_limit(plugin: PluginSetup, abi: str) -> None:
    capped = load(plugin, abi, Limits(table_elements=INITIAL_TABLE + 3))
    assert capped.grow_table(3) == INITIAL_TABLE
    assert capped.grow_table(1) == -1
    assert capped.add(1, 2) == 3
    assert load(plugin, abi).grow_table(100) == INITIAL_TABLE


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (Limits(instances=0), "instance count too high"),
        (Limits(memories=0), "memory count too high"),
        (Limits(tables=0), "table count too high"),
        (Limits(memory_size=PAGE), "exceeds memory limits"),
        (Limits(table_elements=0), "exceeds table limits"),
    ],
)
def test_instantiation_beyond_the_limits_is_a_link_error(
    plugin: PluginSetup, abi: str, limits: Limits, message: str
) -> None:
    with pytest.raises(LinkError, match=message):
        load(plugin, abi, limits)
    exact = Limits(
        instances=1, memories=1, tables=1, memory_size=INITIAL_PAGES * PAGE, table_elements=INITIAL_TABLE
    )
    assert load(plugin, abi, exact).echo("fits") == "fits"


@pytest.mark.parametrize("abi", ENGINES)
def test_instances_limit_counts_every_core_instance(
    abi: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`relay` is two components composed: two core instances (and their adapters)."""
    from e2e.build import SPECS, build
    from e2e.conftest import generate_bindings

    from .limits_plugin import _memo

    if "relay" not in _memo:
        spec = SPECS["relay"]
        pkg = generate_bindings(tmp_path_factory, spec.wit_path, "witgen_hostile_relay", world=spec.world)
        _memo["relay"] = PluginSetup(pkg, build("relay"))
    relay = _memo["relay"]
    cls = getattr(relay.pkg, relay.pkg.__all__[0])  # the world class
    with pytest.raises(LinkError, match="instance count too high"):
        cls.from_file(relay.wasm, abi=abi, cache_dir=False, limits=Limits(instances=1))


# --------------------------------------------------------------------------- engines and caches


def test_engines_per_kind_of_limits() -> None:
    plain = default_engine()
    assert default_engine(None) is plain
    assert default_engine(Limits(memory_size=PAGE)) is plain  # store limits need no engine settings
    timed = default_engine(Limits(deadline=1.0))
    metered = default_engine(Limits(fuel=1))
    both = default_engine(Limits(deadline=1.0, fuel=1))
    assert len({id(plain), id(timed), id(metered), id(both)}) == 4
    assert default_engine(Limits(deadline=2.0)) is timed


@pytest.mark.parametrize("abi", ENGINES)
def test_an_engine_without_epochs_is_refused(plugin: PluginSetup, abi: str) -> None:
    with pytest.raises(ValueError, match="make_engine"):
        load(plugin, abi, Limits(deadline=1.0), engine=wasmtime.Engine())
    with pytest.raises(ValueError, match="fuel"):
        load(plugin, abi, Limits(fuel=100), engine=default_engine(Limits(deadline=1.0)))
    engine = make_engine(wasmtime.Config(), limits=Limits(deadline=1.0))
    own = load(plugin, abi, Limits(deadline=0.1), engine=engine)
    assert timed_spin(own) < 0.2


@pytest.mark.parametrize("abi", ENGINES)
def test_limits_on_a_given_store(plugin: PluginSetup, abi: str) -> None:
    engine = default_engine(Limits(deadline=1.0))
    store = wasmtime.Store(engine)
    inst = load(plugin, abi, Limits(deadline=0.1), engine=engine, store=store)
    assert inst.store is store
    assert timed_spin(inst) < 0.2


@pytest.mark.parametrize("abi", ENGINES)
def test_epoch_engine_without_a_deadline_runs_unbounded(plugin: PluginSetup, abi: str) -> None:
    """An engine made for limits, used with only memory limits: calls don't trap at once."""
    engine = make_engine(limits=Limits(deadline=1.0, fuel=1))
    inst = load(plugin, abi, Limits(memory_size=8 * PAGE), engine=engine)
    assert inst.burn(100_000) == (100_000 * 100_001 // 2) & 0xFFFFFFFF


@pytest.mark.parametrize("abi", ENGINES)
def test_artifacts_compiled_without_epochs_are_not_reused(
    plugin: PluginSetup, abi: str, tmp_path: Path
) -> None:
    """The compiled-artifact cache keeps code with and without epoch checks apart."""
    cache = tmp_path / "cache"
    assert load(plugin, abi, cache_dir=cache).add(1, 2) == 3
    first = sorted(p.name for p in cache.rglob("*.cwasm"))
    timed = load(plugin, abi, Limits(deadline=0.1), cache_dir=cache)
    assert timed_spin(timed) < 0.2
    second = sorted(p.name for p in cache.rglob("*.cwasm"))
    assert len(second) == 2 * len(first) > 0  # one artifact set per engine settings
    again = load(plugin, abi, Limits(deadline=0.1), cache_dir=cache)  # from the cache, epochs and all
    assert timed_spin(again) < 0.2


def test_wasmtime_engine_refuses_cabi_only_budgets(plugin: PluginSetup) -> None:
    with pytest.raises(ValueError, match="cabi engine only"):
        load(plugin, "wasmtime", Limits(hostcall_fuel=1000))
    with pytest.raises(ValueError, match="cabi engine only"):
        load(plugin, "wasmtime", Limits(handles=10))


@pytest.mark.parametrize(
    "kwargs",
    [{"deadline": 0}, {"deadline": -1.0}, {"deadline": float("nan")}, {"fuel": -1}, {"fuel": 1.5},
     {"memory_size": True}, {"instances": "3"}, {"fuel": 1 << 64}],  # fmt: skip
)
def test_bad_limits_are_value_errors(kwargs: dict[str, Any]) -> None:
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        Limits(**kwargs)


def test_limits_must_be_limits(plugin: PluginSetup) -> None:
    with pytest.raises(TypeError, match="Limits"):
        load(plugin, "wasmtime", {"deadline": 1.0})  # type: ignore[arg-type]


def test_component_compiled_for_another_engine_is_a_link_error(plugin: PluginSetup) -> None:
    from witgen.runtime import load_file

    component = load_file(plugin.wasm, default_engine(), False)
    with pytest.raises(LinkError, match="limits"):
        plugin.pkg.Plugin(component, limits=Limits(deadline=1.0))


# --------------------------------------------------------------------------- README


def readme_limits_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("### Limits", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README's Limits section has no Python example"
    return match.group(1)


@pytest.mark.parametrize("abi", ENGINES)
def test_readme_example_runs(plugin: PluginSetup, abi: str, tmp_path: Path) -> None:
    """The README's example, as written, next to `plugin.wasm` and `plugin_bindings`."""
    (tmp_path / "plugin.wasm").write_bytes(plugin.wasm.read_bytes())
    (tmp_path / "example.py").write_text(readme_limits_example())
    env = {"PYTHONPATH": f"{plugin.package_dir.parent}:{ROOT}", "WITGEN_ABI": abi, "PATH": "/usr/bin:/bin"}
    env["WITGEN_CACHE_DIR"] = str(tmp_path / "cache")
    proc = subprocess.run(
        [sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"stopped after 0\.[56] s\n3\n", proc.stdout), proc.stdout


FORK = """
import os, sys
from plugin_bindings import Plugin
from witgen.runtime import Limits, Timeout, default_engine, load_file

limits = Limits(deadline=0.1)
component = load_file(sys.argv[1], default_engine(limits), False)  # compiled before the fork


def spin_once():
    try:
        Plugin(component, limits=limits).spin()
    except Timeout:
        return True
    return False


assert spin_once()  # the parent's ticker runs
pid = os.fork()
if pid == 0:
    os._exit(0 if spin_once() else 3)  # the child needs a ticker of its own
_, status = os.waitpid(pid, 0)
print("child", os.waitstatus_to_exitcode(status))
"""


def test_deadline_in_a_forked_child(plugin: PluginSetup, tmp_path: Path) -> None:
    """(Compiling in a forked child can hang in wasmtime's compiler threads: the child only instantiates.)"""
    (tmp_path / "fork.py").write_text(FORK)
    env = {"PYTHONPATH": f"{plugin.package_dir.parent}:{ROOT}", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "fork.py", str(plugin.wasm)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "child 0\n"


@pytest.mark.parametrize("abi", ENGINES)
def test_instances_sharing_a_store_share_its_deadline(plugin: PluginSetup, abi: str) -> None:
    """One clock per store: each instance's call starts it afresh, whichever was made last."""
    engine = default_engine(Limits(deadline=1.0))
    store = wasmtime.Store(engine)
    first = load(plugin, abi, Limits(deadline=0.1), engine=engine, store=store)
    second = load(plugin, abi, Limits(deadline=0.1), engine=engine, store=store)
    time.sleep(0.15)  # both instances' setup is past its deadline now
    assert first.burn(100_000) == (100_000 * 100_001 // 2) & 0xFFFFFFFF
    assert second.add(1, 2) == 3
    assert timed_spin(first) < 0.2
