"""The end-to-end suite again, on the cabi engine (`WITGEN_ABI=cabi`): the same tests, the
same expected results, with witgen's generated Canonical ABI code instead of wasmtime's.

Everything runs but the mypy checks (engine-independent), the tests that pick both engines
themselves (composed components, WASI in Python, the JavaScript guest) and the test of a
`wasmtime.WasiConfig` (wasmtime's own WASI); the componentize-py kitchen component runs with
`wasi=True` as on wasmtime's engine, which on this one is witgen's WASI in Python.
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
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            "tests/e2e",
            "-k",
            "not mypy and not explicit_wasi_config and not test_composed and not test_python_wasi"
            " and not test_js_guest",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and "failed" not in out.stdout and "skipped" not in out.stdout
