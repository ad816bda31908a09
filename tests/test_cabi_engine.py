"""The end-to-end suite again, on the cabi engine (`WITGEN_ABI=cabi`): the same tests, the
same expected results, with witgen's generated Canonical ABI code instead of wasmtime's.

Selected: the tests of the WAT-built components (calc, maps). The componentize-py kitchen
component imports WASI, which the cabi engine gets from the host (see the closing notes of
the issue); the mypy checks don't depend on the engine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_end_to_end_suite_passes_on_the_cabi_engine() -> None:
    env = {**os.environ, "WITGEN_ABI": "cabi"}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "tests/e2e", "-k", "(calc or map) and not mypy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and "failed" not in out.stdout
