"""WIT that wasm-tools rejects beyond the shared fail corpus (found by comparing with it):
witgen must reject each file too, at the reference's line and column, with its message."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import wasm_tools
from witgen.errors import WitError
from witgen.resolve import load

CASES = sorted((Path(__file__).parent / "reference_errors").glob("*.wit"))
LOCATION = re.compile(r"--> [^\n]*?:(\d+):(\d+)")


def reference_error(path: Path) -> tuple[str, tuple[int, int]]:
    out = subprocess.run([wasm_tools(), "component", "wit", str(path)], capture_output=True, text=True)
    assert out.returncode != 0, f"wasm-tools accepted {path.name}"
    message = out.stderr.splitlines()[0].removeprefix("error: ")
    match = LOCATION.search(out.stderr)
    assert match, out.stderr
    return message, (int(match[1]), int(match[2]))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_rejected_like_the_reference(path: Path) -> None:
    message, (line, col) = reference_error(path)
    with pytest.raises(WitError) as info:
        load(path)
    rendered = info.value.render()
    assert message in rendered
    assert f":{line}:{col}" in rendered, rendered


def test_cases_exist() -> None:
    assert len(CASES) >= 4
