"""The end-to-end suite again, on the cabi engine (`WITGEN_ABI=cabi`): the same tests, the
same expected results, with witgen's generated Canonical ABI code instead of wasmtime's.

Everything runs but the mypy checks (engine-independent), the tests that pick both engines
themselves (composed components, WASI in Python) and the two tests of wasmtime's own WASI
(`wasi=`); the componentize-py kitchen component gets WASI from the test doubles in
`tests/e2e/wasi_doubles.py` instead.
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
            "not mypy and not inherited_stdout and not explicit_wasi_config and not test_composed"
            " and not test_python_wasi",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and "failed" not in out.stdout and "skipped" not in out.stdout
