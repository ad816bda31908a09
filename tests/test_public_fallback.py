"""The host runtime's fallback: with `WITGEN_RUNTIME=public`, generated bindings go through
wasmtime-py's public `Func.__call__` instead of the ctypes fast path in `witgen/runtime/_capi.py`.

The whole end-to-end suite runs again on that path and must give the same results. Deselected:
maps (wasmtime-py's public API cannot pass them at all) and the mypy checks (path-independent).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_public_api_fallback_passes_the_end_to_end_suite() -> None:
    env = {**os.environ, "WITGEN_RUNTIME": "public"}
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
            "not map and not mypy",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and "failed" not in out.stdout


def test_fast_path_is_available_here() -> None:
    """The fast path must really be in use for the main run (else both runs test the fallback)."""
    from witgen.runtime import _capi

    assert _capi.AVAILABLE, "wasmtime-py internals changed: witgen.runtime._capi fell back to the public API"
