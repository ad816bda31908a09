"""witgen's core signatures against the reference's, function by function.

For every world checked, ``wasm-tools component embed --dummy-names legacy``
builds a core module whose imports are the ``canon lower`` types and whose
exports are the ``canon lift`` types of the world's functions (and, in the
async modes, ``task.return``'s); witgen's ``core_signature`` must equal each.

Inputs: every WASI 0.2.12 world; wit-smith packages (their own worlds, in one
of the three ABI modes per seed); for both of those a "mirror" world that
imports and exports every interface and adds functions over every named type;
and random worlds dense in nested types (see ``random_wit``). Every world is
checked: a world the reference cannot embed fails the test.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import wasi_packages

from witgen.resolve import Loaded, load

from .oracle import Mode, check_world, embed_dummy, mirror_case, run_wasm_tools
from .random_wit import random_world

MODES: tuple[Mode, ...] = ("sync", "async-callback", "async-stackful")
SMITH_SEEDS = 100
SMITH_CHUNKS = 4
SMITH_FLAGS = (
    "--async",
    "--futures",
    "--streams",
    "--error-context",
    "--fixed-length-lists",
    "--world-include",
    "--implements",
)
RANDOM_WORLDS = 40


class Tally:
    """Functions checked so far, and every disagreement with the reference."""

    def __init__(self) -> None:
        self.functions = 0
        self.task_returns = 0
        self.worlds = 0
        self.mismatches: list[str] = []

    def check(
        self, loaded: Loaded, source: Path, world: str, modes: tuple[Mode, ...], out: Path, all_features: bool
    ) -> None:
        world_id = loaded.select_world(world)
        for mode in modes:
            module = embed_dummy(source, world, mode, all_features, out / "dummy.wasm")
            checked = check_world(loaded, world_id, module, mode)
            self.functions += checked.functions
            self.task_returns += checked.task_returns
            self.worlds += 1
            self.mismatches += [f"{source.name} world {world} ({mode}): {m}" for m in checked.mismatches]

    def assert_clean(self, min_functions: int) -> None:
        print(
            f"{self.worlds} worlds, {self.functions} functions, {self.task_returns} task.return signatures checked"
        )
        assert not self.mismatches, "\n".join(self.mismatches[:30])
        assert self.functions >= min_functions, f"only {self.functions} functions checked"


def test_wasi_worlds(tmp_path: Path) -> None:
    """Every WASI 0.2.12 world, with and without unstable features, and each package's mirror world."""
    tally = Tally()
    for n, package in enumerate(wasi_packages()):
        for all_features in (False, True):
            loaded = load(package, all_features=all_features)
            for world in loaded.resolve.packages[loaded.main].worlds:
                tally.check(loaded, package, world, ("sync",), tmp_path, all_features)
        loaded = load(package, all_features=True)
        case = mirror_case(package, loaded, tmp_path / f"mirror{n}")
        tally.check(load(case, all_features=True), case, "mirror", MODES, tmp_path, True)
    tally.assert_clean(min_functions=5000)


def smith_source(seed: int, directory: Path) -> Path:
    """WIT text of a wit-smith package, as ``component wit --out-dir`` writes it.

    Inputs wit-smith turns down, or whose printed text the reference itself
    does not read back, move on deterministically to the next byte string.
    """
    rng = random.Random(seed)
    for attempt in range(50):
        seed_file = directory / "seed"
        seed_file.write_bytes(rng.randbytes(4096))
        component = directory / "smith.wasm"
        if run_wasm_tools("wit-smith", *SMITH_FLAGS, seed_file, "-o", component).returncode:
            continue
        source = directory / f"src{attempt}"
        if run_wasm_tools("component", "wit", component, "--out-dir", source).returncode:
            continue
        if run_wasm_tools("component", "wit", "--all-features", source).returncode == 0:
            return source
    raise AssertionError(f"no usable wit-smith output in 50 tries for seed {seed}")


@pytest.mark.parametrize("chunk", range(SMITH_CHUNKS))
def test_wit_smith(chunk: int, tmp_path: Path) -> None:
    """wit-smith packages: their own worlds in the seed's ABI mode, and their mirror world in all three."""
    tally = Tally()
    per_chunk = SMITH_SEEDS // SMITH_CHUNKS
    for seed in range(chunk * per_chunk, (chunk + 1) * per_chunk):
        directory = tmp_path / f"seed{seed}"
        directory.mkdir()
        source = smith_source(seed, directory)
        loaded = load(source, all_features=True)
        for world in loaded.resolve.packages[loaded.main].worlds:
            tally.check(loaded, source, world, (MODES[seed % 3],), directory, True)
        case = mirror_case(source, loaded, directory / "mirror")
        tally.check(load(case, all_features=True), case, "mirror", MODES, directory, True)
    assert tally.worlds >= per_chunk * 3
    tally.assert_clean(min_functions=300)


@pytest.mark.parametrize("chunk", range(2))
def test_random_worlds(chunk: int, tmp_path: Path) -> None:
    """Random worlds dense in nested types, in all three ABI modes."""
    tally = Tally()
    for seed in range(chunk, RANDOM_WORLDS, 2):
        path = tmp_path / f"random{seed}.wit"
        path.write_text(random_world(seed))
        tally.check(load(path), path, "w", MODES, tmp_path, False)
    tally.assert_clean(min_functions=5000)
    assert tally.task_returns >= 1000
