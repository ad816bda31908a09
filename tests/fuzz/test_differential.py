"""Differential test of the two engines in both directions (issue 16, item 6).

Random worlds (``model.py``: every value type, resources own and borrowed, spilled parameters
and results, variants joining differently typed payloads, maps, fixed-length lists, UTF-16 and
latin1+UTF-16 guests, names clashing with Python's and the generated code's) are imported
*and* exported by forwarding components (``forwarding.py``); random values go export -> import ->
back on the wasmtime engine and on the cabi engine (``harness.py``). Each run covers
``WORLDS`` worlds of ``INTERFACES`` interfaces; ``bench/fuzz_diff.py`` is the long version.
A failure prints the seed, the WIT file and the values (rerun one world with
``python bench/fuzz_diff.py --seed N --count 1 -v``). ``WITGEN_FUZZ_SEED`` shifts the seeds.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import pytest

from .harness import Runner, run_world
from .model import COMPOUND, ENCODINGS, HOSTILE_NAMES, Features, Ty, World, random_world, single
from .report import Tally

BASE_SEED = int(os.environ.get("WITGEN_FUZZ_SEED", "20260"))
WORLDS = 64  # x INTERFACES = 256 random interfaces per run
INTERFACES = 4
CHUNKS = 8  # test cases, so that xdist spreads the worlds
FIXED_EVERY = 4  # these worlds also hold fixed-length lists: cabi only (wasmtime-py cannot load them)


NAMES_EVERY = 2  # these worlds name things after Python keywords/builtins and generated code's own names
KNOWN_BAD_NAMES: frozenset[str] = frozenset()
"""Hostile names the generator gets wrong (none now: `bench/fuzz_diff.py --avoid-names` can
leave names out while one is being fixed)."""


def _features(seed: int) -> Features:
    return Features(fixed=seed % FIXED_EVERY == 0, names=seed % NAMES_EVERY == 1, avoid=KNOWN_BAD_NAMES)


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-bindings")


def _worlds(chunk: int) -> list[World]:
    seeds = range(BASE_SEED + chunk * WORLDS // CHUNKS, BASE_SEED + (chunk + 1) * WORLDS // CHUNKS)
    return [random_world(seed, _features(seed), interfaces=INTERFACES) for seed in seeds]


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_random_interfaces_round_trip_on_both_engines(chunk: int, gen_dir: Path) -> None:
    tally = Tally()
    worlds = _worlds(chunk)
    for world in worlds:
        tally.add(run_world(world, gen_dir))
    if tally.failures:
        report = "\n\n".join(str(f) for f in tally.failures[:10])
        pytest.fail(f"{tally.summary()}\n\n{report}", pytrace=False)
    assert tally.passed_interfaces == len(worlds) * INTERFACES
    # every function called on cabi; on wasmtime too, except in the worlds with fixed-length lists
    assert tally.calls_by_engine["cabi"] >= tally.functions > len(worlds) * INTERFACES
    assert tally.calls_by_engine["wasmtime"] >= tally.functions * sum(
        not w.features.fixed for w in worlds
    ) // len(worlds)


def _walk(t: Ty | None) -> set[str]:
    if t is None:
        return set()
    found = {t.kind}
    for c in t.args:
        found |= _walk(c)
    return found


def test_the_random_worlds_cover_every_kind() -> None:
    """The seeds of one run hold every type kind, 2-byte discriminants, spills both ways, every
    string encoding and hostile names."""
    from .forwarding import plan

    kinds: set[str] = set()
    big = spilled_params = 0
    encodings, named = set(), 0
    for seed in range(BASE_SEED, BASE_SEED + WORLDS):
        world = random_world(seed, _features(seed), interfaces=INTERFACES)
        encodings.add(world.encoding)
        named += any(f.name in HOSTILE_NAMES for _, f in world.functions())
        for iface in world.interfaces:
            for d in iface.defs.values():
                kinds.add(d.kind)
                big += d.count > 255 or len(d.items) > 255
                for t in d.items:
                    kinds |= _walk(t)
            for f in iface.funcs:
                for t in [*f.params, f.result]:
                    kinds |= _walk(t)
        spilled_params += sum(len(f.params) > 8 for _, f in world.functions())
    assert set(COMPOUND) | {"borrow"} <= kinds, set(COMPOUND) - kinds
    assert {"f32", "f64", "char", "string", "u64", "s8", "bool"} <= kinds
    assert big > 0 and spilled_params > 0
    assert encodings == set(ENCODINGS) and named > 0
    # As the Canonical ABI sees them, on the first worlds: spills both ways, borrows to drop.
    forwards = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(BASE_SEED, BASE_SEED + 4):
            wit = Path(tmp) / f"{seed}.wit"
            wit.write_text(random_world(seed, _features(seed), interfaces=INTERFACES).wit())
            forwards += plan(wit)
    assert any(fw.retptr is not None for fw in forwards), "no function returns through memory"
    assert any(fw.params_in_memory for fw in forwards), "no parameters spill to memory"
    borrows = [b for fw in forwards for b in fw.borrows]
    assert any(b.list for b in borrows) and any(not b.list for b in borrows)
    assert any(b.in_memory for b in borrows), "no borrow in spilled parameters"


def test_the_harness_catches_a_wrong_value(gen_dir: Path) -> None:
    """A host that answers something else than what the export must return is reported, on both engines."""
    runner = Runner(single(["u32", "string"], "tuple<u32, string>"), gen_dir)
    real = runner.responder.make

    def lying():  # type: ignore[no-untyped-def]
        impl = real()
        return lambda *args: (impl(*args), (7, "not what was asked"))[1]

    runner.responder.make = lying  # type: ignore[method-assign]
    iface, func = next(runner.world.functions())
    assert not runner.round_trip(runner.site(iface, func), random.Random(1))
    assert {f.engine for f in runner.failures} == {"wasmtime", "cabi"}  # both wrong the same way
    assert all("returned another value" in f.what for f in runner.failures)
    text = str(runner.failures[0])
    assert "[seed 0]" in text and str(runner.wit) in text and "not what was asked" in text


def test_resources_come_back_as_the_same_objects(gen_dir: Path) -> None:
    """Owned and borrowed host objects travel export -> import -> back unchanged, and `drop-r` closes one."""
    world = single(["borrow<r>", "r", "list<r>"], "tuple<r, option<r>>")
    out = Runner(world, gen_dir).run(samples=5)
    assert not out.failures, "\n".join(map(str, out.failures))
    assert out.calls == 10


@pytest.mark.parametrize("result", ["f32", "f64", "tuple<f32, f64>", "list<f32>"])
def test_nans_and_signed_zeros_pass_through(result: str, gen_dir: Path) -> None:
    """Floats round-trip bit for bit (any NaN stands for any NaN); 25 samples reach the special values."""
    out = Runner(single([result, "f32"], result), gen_dir).run(samples=25)
    assert not out.failures, "\n".join(map(str, out.failures))
