"""Regenerate `witgen.wasi.bindings`, the host bindings witgen's Python WASI is linked through,
from `tests/wasi/host.wit` and the WASI 0.2.12 packages of the shared corpus.

    python -m tests.wasi.regenerate          # rewrite witgen/wasi/bindings/
    python -m tests.wasi.regenerate --check  # exit 1 if the checked-in copy is stale

`tests/wasi/test_bindings.py` runs the check, so a template change that alters the bindings
fails until they are regenerated.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from witgen.gen_host import generate, write_package
from witgen.resolve import load

ROOT = Path(__file__).resolve().parents[2]
WORLD = Path(__file__).with_name("host.wit")
WASI = ROOT.parent / "shared" / "corpus" / "wasi" / "0.2.12"
PACKAGES = ("cli", "clocks", "filesystem", "http", "io", "random", "sockets")
OUT = ROOT / "witgen" / "wasi" / "bindings"
PACKAGE = "witgen.wasi.bindings"


def bindings() -> dict[str, str]:
    """The generated files (relative path -> text)."""
    with tempfile.TemporaryDirectory() as tmp:
        wit = Path(tmp)
        (wit / "world.wit").write_text(WORLD.read_text())
        (wit / "deps").mkdir()
        for name in PACKAGES:
            (wit / "deps" / name).symlink_to(WASI / name)
        loaded = load(wit)
        return generate(loaded.resolve, loaded.select_world("host"), PACKAGE, abi="cabi")


def stale() -> list[str]:
    """The files whose checked-in text differs from a fresh generation (or that are missing or extra)."""
    files = bindings()
    on_disk = {
        str(p.relative_to(OUT)): p.read_text()
        for p in OUT.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    return sorted(k for k in files.keys() | on_disk.keys() if files.get(k) != on_disk.get(k))


def main() -> int:
    if "--check" in sys.argv[1:]:
        bad = stale()
        for name in bad:
            print(f"stale: witgen/wasi/bindings/{name}")
        return 1 if bad else 0
    write_package(bindings(), OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
