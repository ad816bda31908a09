"""Where the spec runner keeps what it makes across runs, and how processes share it."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def cache_dir() -> Path:
    """`$WITGEN_TEST_CACHE/cmspec` (default `~/.cache/witgen-tests/cmspec`), shared with tests/e2e's cache."""
    env = os.environ.get("WITGEN_TEST_CACHE")
    path = (Path(env) if env else Path.home() / ".cache" / "witgen-tests") / "cmspec"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive inter-process lock on `<path>.lock` for the block (xdist workers build once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
