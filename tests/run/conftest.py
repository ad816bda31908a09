"""Fixtures for `witgen run`: the components it runs (built by tests/e2e/build.py and cached
like the e2e suite's), a private cache dir for its generated bindings, and a `witgen` runner."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e import build
from witgen.cli import main


def _built(name: str) -> Path:
    try:
        return build.build(name)
    except build.BuildError as exc:
        pytest.fail(f"building component {name!r} failed:\n{exc}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def run_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`$WITGEN_CACHE_DIR` for the session: generated bindings land here, not in ~/.cache."""
    path = tmp_path_factory.mktemp("witgen-cache")
    old = os.environ.get("WITGEN_CACHE_DIR")
    os.environ["WITGEN_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("WITGEN_CACHE_DIR", None)
    else:
        os.environ["WITGEN_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def runnable_wasm() -> Path:
    return _built("runnable")


@pytest.fixture(scope="session")
def wasienv_wasm() -> Path:
    return _built("wasienv")


@pytest.fixture(scope="session")
def echo_wasm() -> Path:
    return _built("echo")


@pytest.fixture(scope="session")
def calc_wasm() -> Path:
    return _built("calc")


@dataclass
class Ran:
    status: int
    out: str
    err: str


@pytest.fixture
def witgen_run(capfd: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """`witgen run ARGS...` through `witgen.cli.main`, with its exit status and output (the
    file descriptors' too: WASI writes to fd 1 directly)."""

    def run(*args: str | Path) -> Ran:
        capfd.readouterr()
        status = main(["run", *map(str, args)])
        out, err = capfd.readouterr()
        return Ran(status, out, err)

    return run
