"""Fixtures for the wasi:http tests: the handler guest (built once, cached), a local upstream
server its outgoing requests may reach, and a free port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.build import BuildError

from . import build
from .upstream import upstream


@pytest.fixture(scope="session")
def handler_wasm() -> Path:
    try:
        return build.build("handler")
    except BuildError as exc:
        pytest.fail(f"building the wasi:http handler guest failed:\n{exc}", pytrace=False)


@pytest.fixture(scope="session")
def upstream_port() -> Iterator[int]:
    with upstream() as port:
        yield port


@pytest.fixture(scope="session")
def denied_port() -> Iterator[int]:
    """Another upstream, on a port the servers' policies don't allow."""
    with upstream() as port:
        yield port


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
