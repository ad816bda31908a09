"""`witgen wit` round trip against the reference implementation.

For every input, the reference's resolved JSON of witgen's printed WIT must
equal its JSON of the original input -- or, where the reference's own
print-then-parse round trip changes the JSON, equal that round trip's JSON.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from conftest import UI, manifest, reference_json, reference_text, wasi_packages, wasm_tools

from witgen.gen_wit.printer import print_resolve
from witgen.resolve import load
from witgen.resolve.json_io import to_json

SMITH_SEEDS = 200
REFERENCE_CASES = Path(__file__).parent / "reference_cases"


def assert_round_trip(path: Path, tmp_path: Path, flags: list[str], **load_args: object) -> None:
    loaded = load(path, **load_args)  # type: ignore[arg-type]
    printed = tmp_path / "witgen.wit"
    printed.write_text(print_resolve(loaded.resolve, loaded.main))
    original = reference_json(path, flags)
    ours = reference_json(printed, flags)
    if ours == original:
        return
    reference_printed = tmp_path / "reference.wit"
    reference_printed.write_text(reference_text(path, flags))
    assert ours == reference_json(reference_printed, flags), printed.read_text()


@pytest.mark.parametrize("case", [c["case"] for c in manifest() if c["expect"] == "pass"])
def test_corpus_round_trip(case: str, tmp_path: Path) -> None:
    assert_round_trip(UI / case, tmp_path, ["--features", "active"], features=["active"])


@pytest.mark.parametrize("path", sorted(REFERENCE_CASES.iterdir()), ids=lambda p: p.name)
def test_reference_case(path: Path, tmp_path: Path) -> None:
    """Small cases pinning down causes of past mismatches: witgen's resolve is the reference's."""
    assert to_json(load(path).resolve) == reference_json(path, [])
    assert_round_trip(path, tmp_path, [])


@pytest.mark.parametrize("all_features", [False, True], ids=["default", "all-features"])
@pytest.mark.parametrize("path", wasi_packages(), ids=lambda p: f"{p.parent.name}-{p.name}")
def test_wasi_round_trip(path: Path, all_features: bool, tmp_path: Path) -> None:
    features = ["--all-features"] if all_features else []
    assert_round_trip(path, tmp_path, features, all_features=all_features)


@pytest.mark.parametrize("seed", range(SMITH_SEEDS))
def test_wit_smith_round_trip(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    seed_file = tmp_path / "seed"
    seed_file.write_bytes(bytes(rng.getrandbits(8) for _ in range(4096)))
    wasm = tmp_path / "smith.wasm"
    smith = subprocess.run(
        [wasm_tools(), "wit-smith", str(seed_file), "-o", str(wasm)], capture_output=True, text=True
    )
    assert smith.returncode == 0, smith.stderr
    source = tmp_path / "src"
    subprocess.run(
        [wasm_tools(), "component", "wit", str(wasm), "--out-dir", str(source)],
        check=True,
        capture_output=True,
    )
    assert_round_trip(source, tmp_path, ["--all-features"], all_features=True)
