"""The generated host bindings' call sites against the reference lift/lower, both directions
(issue 19, item 2; ``reference.py`` says how).

Each run covers ``WORLDS`` random worlds of ``INTERFACES`` interfaces (no resources), every function
``SAMPLES`` times per direction, on the cabi engine with and without its compiled helper and on
wasmtime (not for worlds with fixed-length lists, which wasmtime-py cannot load). A failure prints
the seed, the WIT file and the values; ``python bench/fuzz_diff.py --reference --seed N --count 1 -v``
reruns one world, ``--reference --count 500`` is the long version. ``WITGEN_FUZZ_SEED`` shifts the seeds.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from witgen.abi import Flattener, Layout
from witgen.abi import definitions as ref
from witgen.component import types as t

from .model import Def, Features, Ty, World, random_world, single
from .reference import ENGINES, RefRunner, build, encoding_by_seed, run_world
from .report import Tally

BASE_SEED = int(os.environ.get("WITGEN_FUZZ_SEED", "19190"))
WORLDS = 12
INTERFACES = 4
CHUNKS = 4
SAMPLES = 2
CORRUPT = 1  # calls per function and direction with one byte of the prepared values changed
FIXED_EVERY = 4  # these worlds also hold fixed-length lists: cabi only
NAMES_EVERY = 2  # these worlds use names clashing with Python's and the generated code's


def _world(seed: int) -> World:
    features = Features(resources=False, fixed=seed % FIXED_EVERY == 0, names=seed % NAMES_EVERY == 1)
    return encoding_by_seed(random_world(seed, features, interfaces=INTERFACES))


def _seeds(chunk: int) -> range:
    return range(BASE_SEED + chunk * WORLDS // CHUNKS, BASE_SEED + (chunk + 1) * WORLDS // CHUNKS)


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reference-bindings")


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_generated_call_sites_agree_with_the_reference(chunk: int, gen_dir: Path) -> None:
    tally, functions, values, corrupted, traps = Tally(), 0, 0, 0, 0
    for seed in _seeds(chunk):
        world = _world(seed)
        out, c = run_world(world, gen_dir, SAMPLES, corrupt=CORRUPT)
        tally.add(out)
        functions, values, corrupted = functions + c.functions, values + c.values, corrupted + c.corrupted
        traps += c.traps
        # valid calls both ways on both cabi paths, and on wasmtime unless the world has fixed lists
        assert c.calls["cabi"] == c.calls["cabi-plain"] >= 2 * (SAMPLES * c.functions - c.skipped)
        assert c.calls.get("wasmtime", 0) == (0 if world.features.fixed else c.calls["cabi"])
    if tally.failures:
        report = "\n\n".join(str(f) for f in tally.failures[:10])
        pytest.fail(f"{tally.summary()}\n\n{report}", pytrace=False)
    assert functions == len(_seeds(chunk)) * (INTERFACES * 6 + 2)
    assert values > 20 * functions and corrupted > CORRUPT * functions
    # changed bytes the reference (and so each engine) traps on, and others it lifts
    assert corrupted * len(ENGINES) // 5 < traps < corrupted * len(ENGINES) * 4 // 5


def _walk(vt: t.ValType | None) -> Iterator[t.ValType]:
    """``vt`` and every type nested in it."""
    if vt is None:
        return
    yield vt
    children: list[t.ValType | None] = []
    match vt:
        case t.Record(fields):
            children = [f for _, f in fields]
        case t.Tuple(elems):
            children = list(elems)
        case t.Variant(cases):
            children = [c for _, c in cases]
        case t.Option(elem) | t.ListType(elem, _):
            children = [elem]
        case t.Result(ok, err):
            children = [ok, err]
        case t.Map(key, value):
            children = [key, value]
    for child in children:
        yield from _walk(child)


def _joins(vt: t.ValType, flattener: Flattener) -> bool:
    """Whether ``vt`` is a variant with a case whose flat types are not the joined ones."""
    if not isinstance(vt, (t.Variant, t.Option, t.Result)):
        return False
    flat = flattener.variant(vt)
    return any(list(case) != list(flat.payload[: len(case)]) for case in flat.cases)


def test_the_worlds_cover_what_the_abi_treats_apart() -> None:
    """The seeds of one run hold every string encoding, spilled parameters and results both ways,
    variants joining differently typed payloads, maps and fixed-length lists. (Flags past 32 are
    not valid WIT for wasm-tools 1.262: `tests/abi/test_reference.py` covers them.)"""
    flattener = Flattener(Layout())
    encodings, seen = set(), set()
    for seed in range(BASE_SEED, BASE_SEED + WORLDS):
        world = _world(seed)
        encodings.add(world.encoding)
        for r in build(world)[2]:
            nested = [x for _, vt in r.func_type.params for x in _walk(vt)] + list(_walk(r.func_type.result))
            found = {
                "params spill": r.lift.params_in_memory,
                "results spill": r.lift.results_in_memory,
                "import retptr": r.lower.retptr,
                "joined variant": any(_joins(vt, flattener) for vt in nested),
                "map": any(isinstance(vt, t.Map) for vt in nested),
                "fixed list": any(isinstance(vt, t.ListType) and vt.length for vt in nested),
                "string": t.Prim("string") in nested,
            }
            seen |= {name for name, hit in found.items() if hit}
    assert encodings == {"utf8", "utf16", "compact-utf16"}
    assert seen == {
        "params spill",
        "results spill",
        "import retptr",
        "joined variant",
        "map",
        "fixed list",
        "string",
    }


NO_RESOURCES = Features(resources=False)
STRINGS = single(
    ["u32", "string", "list<string>"], "tuple<string, f32>", features=NO_RESOURCES, encoding="utf16"
)
JOIN = Def("variant", "v", [None, Ty("f32"), Ty("s64"), Ty("string"), Ty("f64"), Ty("char"), Ty("u8")])


def _spilling(encoding: str) -> World:
    return single(
        ["v", "v", "v", *["u64"] * 12, "string"],
        "tuple<v, string, list<v>, option<v>>",
        defs=[JOIN],
        features=NO_RESOURCES,
        encoding=encoding,
    )


@pytest.mark.parametrize("encoding", ["utf8", "utf16", "compact-utf16"])
def test_spilled_joined_variants_in_each_encoding(encoding: str, gen_dir: Path) -> None:
    """Variant cases of every core type joined into shared slots, parameters and results that
    spill to memory, strings in the guest's encoding: 12 calls each way on each engine."""
    runner = RefRunner(_spilling(encoding), gen_dir)
    (rec,) = runner.recorded
    assert rec.lift.params_in_memory and rec.lift.results_in_memory and rec.lower.retptr
    out = runner.run(samples=12)
    assert not out.failures, "\n\n".join(map(str, out.failures[:5]))
    assert runner.counts.calls == {engine: 24 for engine in ENGINES}
    # the compiled helper on one cabi instance, the plain paths on the other
    assert runner.instance("cabi")._rt.compiled and not runner.instance("cabi-plain")._rt.compiled


def test_memories_that_move_while_the_bindings_allocate(gen_dir: Path) -> None:
    """Each of the host's allocations grows the guest's memory, which moves (the engine's
    memories move on growth): the bindings must not keep a view across an allocation."""
    runner = RefRunner(_spilling("compact-utf16"), gen_dir, moving=True)
    out = runner.run(samples=8, corrupt=8)
    assert not out.failures, "\n\n".join(map(str, out.failures[:5]))
    assert runner.counts.calls["cabi"] >= 16 and runner.counts.corrupted >= 8


def test_a_wrong_reference_lift_is_caught_both_ways(gen_dir: Path) -> None:
    """Strings lifted wrong by the reference: the export's tapped arguments and the import's
    tapped result disagree on every engine, and the failure says where to look."""
    real = ref.load_string_from_range

    def reversed_load(cx: ref.LiftLowerContext, ptr: int, units: int) -> str:
        return real(cx, ptr, units)[::-1] + "!"

    runner = RefRunner(STRINGS, gen_dir)
    with mock.patch.object(ref, "load_string_from_range", reversed_load):
        out = runner.run(samples=1)
    whats = {(f.engine, f.what) for f in out.failures}
    for engine in ENGINES:
        assert (engine, "the reference lifts other arguments than the bindings were given") in whats
        assert (engine, "the reference lifts another result than the bindings lowered") in whats
    text = str(out.failures[0])
    assert "[seed 0]" in text and str(runner.wit) in text and "--reference" in text


def test_a_reference_that_never_traps_on_strings_is_caught(gen_dir: Path) -> None:
    """Changed bytes the bindings trap on (a string out of bounds or not UTF-16): a reference
    that reads any string as "?" instead of trapping disagrees, both ways."""
    real = ref.load_string_from_range

    def lenient(cx: ref.LiftLowerContext, ptr: int, units: int) -> str:
        try:
            return real(cx, ptr, units)
        except ref.Trap:
            return "?"

    runner = RefRunner(STRINGS, gen_dir)
    site = runner.site(*next(STRINGS.functions()))
    with mock.patch.object(ref, "load_string_from_range", lenient):
        for i in range(40):
            runner.export_direction(site, random.Random(i), bad=True)
            runner.import_direction(site, random.Random(i), bad=True)
    assert runner.counts.corrupted == 80
    whats = {f.what for f in runner.failures}
    assert "the bindings lifted other arguments than the reference lifts from the changed ones" in whats
    assert "the bindings lifted another result than the reference lifts from the changed answer" in whats


def test_a_wrong_reference_lower_is_caught_both_ways(gen_dir: Path) -> None:
    """Strings lowered wrong by the reference: the export's result and the import's arguments
    disagree on every engine."""
    real = ref.store_string_into_range

    def doubled(cx: ref.LiftLowerContext, v: str) -> tuple[int, int]:
        return real(cx, v + v + "?")

    runner = RefRunner(STRINGS, gen_dir)
    with mock.patch.object(ref, "store_string_into_range", doubled):
        out = runner.run(samples=1)
    whats = {(f.engine, f.what) for f in out.failures}
    for engine in ENGINES:
        assert (engine, "the bindings lifted another result than the reference lowered") in whats
        assert (engine, "the bindings lifted other arguments than the reference lowered") in whats


def test_bytes_left_above_the_heap_are_reported(gen_dir: Path) -> None:
    """What the host writes past its allocations lands above the guest's heap, which must stay
    zeros: a recorder that does not zero its heap when it resets it shows how that is reported."""
    from . import reference

    real = reference.wat
    zeroing = f"(memory.fill (i32.const {reference.HEAP_BASE}) (i32.const 0)"

    def no_zeroing(recorded: list[reference.Recorded], grow: bool = False) -> str:
        text = real(recorded, grow)
        start = text.index(zeroing)
        return text[:start] + text[text.index("(global.set $heap", start) :]

    with mock.patch.object(reference, "wat", no_zeroing):
        runner = RefRunner(STRINGS, gen_dir)
    out = runner.run(samples=3)
    assert {f.what for f in out.failures} == {
        "memory above the guest's heap was written to: the bindings wrote past what they allocated"
    }


def test_core_values_must_be_the_canonical_ones(gen_dir: Path) -> None:
    """A true ``bool`` is the core value 1, not any other non-zero one: a reference lowering it as
    2 (which the bindings lift as true all the same) no longer matches the core values the
    bindings lower, for a flat argument and for a flat result."""
    real = ref.lower_flat

    def bool_as_two(cx: ref.LiftLowerContext, v: Any, t_: Any) -> list[Any]:
        return [2] if t_ == t.Prim("bool") and v else real(cx, v, t_)

    world = single(["bool", "s8"], "bool", features=NO_RESOURCES)
    runner = RefRunner(world, gen_dir)
    site = runner.site(*next(world.functions()))
    with mock.patch.object(ref, "lower_flat", bool_as_two):
        for i in range(8):
            runner.export_direction(site, random.Random(i))
            runner.import_direction(site, random.Random(i))
    assert {f.what for f in runner.failures} == {
        "the bindings lowered other core values than the reference (pointers aside)",
        "the bindings lowered another core result than the reference (pointers aside)",
    }
