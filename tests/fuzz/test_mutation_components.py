"""Mutation fuzzing of real components on both engines: no signal death, no foreign exception.

A seeded CI-sized slice of `bench/fuzz_components.py` (10,000 mutants of the e2e components
calc, echo and relay and of the hostile WAT ones, loaded and called through generated bindings;
workers run in subprocesses, so a crash is counted rather than fatal). The long version:
`python bench/fuzz_components.py --count 100000 --seed N`.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _fuzz_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_components", ROOT / "bench" / "fuzz_components.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mutated_components_never_crash_the_host() -> None:
    fuzz = _fuzz_module()
    summary = fuzz.fuzz(
        count=10_000,
        seed=16,
        names=fuzz.DEFAULT_COMPONENTS.split(","),
        engines="cabi,wasmtime",
        timeout=300.0,
        chunk=2500,
    )
    assert summary["signal_deaths"] == [], summary
    assert summary["foreign"] == [], summary
    assert summary["hangs"] == [], summary
    outcomes = summary["outcomes"]
    # the run really exercised both engines: loads that worked, calls that trapped, refusals
    for abi in ("cabi", "wasmtime"):
        assert outcomes.get(f"{abi} ok", 0) > 0, outcomes
        assert outcomes.get(f"{abi} LinkError", 0) > 0, outcomes
    assert outcomes.get("cabi DecodeError", 0) > 0, outcomes
    assert sum(outcomes.values()) >= 10_000


def test_mutation_is_deterministic_and_changes_the_bytes() -> None:
    fuzz = _fuzz_module()

    data = b"\0asm\x0d\x00\x01\x00" + bytes([7, 3, 1, 0x70, 0x79])  # one type: list<u32>
    first = [fuzz.mutate(data, random.Random(f"s:{i}")) for i in range(50)]
    again = [fuzz.mutate(data, random.Random(f"s:{i}")) for i in range(50)]
    assert first == again
    assert sum(m != data for m in first) >= 40
