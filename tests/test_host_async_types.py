"""Host bindings for worlds with async functions, streams and futures (WASI 0.3, the async golden
input): generated without error, importable and typed; their cabi code is left out (the cabi engine
names such a function when a component needs it) rather than crashing the generator."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from witgen.gen_host import generate, write_package
from witgen.resolve import load

ROOT = Path(__file__).resolve().parents[1]
WASI_03 = ROOT.parent / "shared" / "corpus" / "wasi" / "0.3.0"


@pytest.mark.parametrize(
    ("wit", "world", "package"),
    [
        (ROOT / "tests" / "golden" / "guest" / "async_maps" / "input.wit", None, "async_maps_host"),
        (WASI_03 / "http", "service", "wasi03_service_host"),
    ],
)
def test_async_worlds_generate_and_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wit: Path, world: str | None, package: str
) -> None:
    loaded = load(wit)
    files = generate(loaded.resolve, loaded.select_world(world), package)
    write_package(files, tmp_path / package)
    sources = "\n".join(files.values())
    assert "async" in sources or "stream" in sources or "future" in sources
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module(package)
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", package],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:]
