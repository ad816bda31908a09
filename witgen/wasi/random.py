"""Where WASI's randomness comes from: the OS, or a seeded generator for reproducible tests."""

from __future__ import annotations

import os
import random as _random
from typing import Protocol

MAX_RANDOM_BYTES = 1 << 20
"""Bytes one `get-random-bytes` call may ask for: a guest asking for 2^64 gets a trap, not a
host out of memory."""


class Random(Protocol):
    def secure(self, n: int) -> bytes: ...

    def insecure(self, n: int) -> bytes: ...

    def seed(self) -> tuple[int, int]:
        """`insecure-seed`: 128 bits, fixed for the instance."""
        ...


class SystemRandom:
    """The OS's randomness for both the secure and insecure interfaces."""

    def __init__(self) -> None:
        self._seed = (int.from_bytes(os.urandom(8), "little"), int.from_bytes(os.urandom(8), "little"))

    def secure(self, n: int) -> bytes:
        return os.urandom(n)

    def insecure(self, n: int) -> bytes:
        return os.urandom(n)

    def seed(self) -> tuple[int, int]:
        return self._seed


class SeededRandom:
    """Deterministic bytes from `seed` (not secure: for tests that must repeat)."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = _random.Random(seed)
        self._seed = (self._rng.getrandbits(64), self._rng.getrandbits(64))

    def secure(self, n: int) -> bytes:
        return self._rng.randbytes(n)

    def insecure(self, n: int) -> bytes:
        return self._rng.randbytes(n)

    def seed(self) -> tuple[int, int]:
        return self._seed
