"""Fixtures for the guest tests: stubs generated per session, the example guest built once.

* ``example_stubs``: ``witgen guest examples/guest/wit -o <tmp>`` (the stubs the example is written
  against), put on ``sys.path`` with ``examples/guest`` so the app imports natively.
* ``example_wasm``: the example built by componentize-py, cached like ``tests/e2e/build.py`` does
  (content hash of ``examples/guest`` and the tool version; flock-safe under xdist).
* ``example_host``: ``witgen host`` bindings for the example world.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from tests.e2e import build

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "guest"


@dataclass(frozen=True)
class _ExampleSpec(build.Spec):
    @property
    def dir(self) -> Path:
        return EXAMPLE


EXAMPLE_SPEC = _ExampleSpec("guest-example", "py", world="inventory-app", wit="wit", source="app")


def run_witgen(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
    return subprocess.run(
        [sys.executable, "-m", "witgen", *args], cwd=ROOT, capture_output=True, text=True, env=env
    )


@pytest.fixture(scope="session")
def example_stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("guest-stubs")
    proc = run_witgen("guest", str(EXAMPLE / "wit"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    for path in (str(EXAMPLE), str(out)):
        if path not in sys.path:
            sys.path.insert(0, path)
    importlib.invalidate_caches()
    return out


@pytest.fixture(scope="session")
def example_wasm() -> Path:
    spec = EXAMPLE_SPEC
    outdir = build.cache_dir() / "components"
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{spec.name}-{build.input_hash(spec)}.wasm"
    if target.exists():
        return target
    with build.locked(target):
        if not target.exists():
            import shutil
            import tempfile

            with tempfile.TemporaryDirectory(prefix=f".{spec.name}-", dir=outdir) as tmp:
                try:
                    built = build._build_into(spec, Path(tmp))
                except build.BuildError as exc:
                    pytest.fail(f"componentize-py could not build examples/guest:\n{exc}", pytrace=False)
                staged = outdir / f".{target.name}.{os.getpid()}.tmp"
                shutil.copyfile(built, staged)
                os.replace(staged, target)
    return target


@pytest.fixture(scope="session")
def example_host(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    parent = tmp_path_factory.mktemp("guest-example-host")
    proc = run_witgen("host", str(EXAMPLE / "wit"), "-o", str(parent / "witgen_guest_example_host"))
    assert proc.returncode == 0, proc.stderr
    sys.path.insert(0, str(parent))
    importlib.invalidate_caches()
    return importlib.import_module("witgen_guest_example_host")
