"""Where WASI's randomness comes from: the OS, or a seeded generator for reproducible tests."""

from __future__ import annotations

import os
import random as _random
from typing import TYPE_CHECKING, Protocol

from witgen.runtime.errors import Trap

if TYPE_CHECKING:
    from witgen.wasi.link import Session

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


def _checked(len: int) -> int:
    if len > MAX_RANDOM_BYTES:
        raise Trap(f"get-random-bytes of {len} bytes: witgen gives at most {MAX_RANDOM_BYTES} per call")
    return len


class RandomHost:
    """`wasi:random/random`."""

    def __init__(self, source: Random) -> None:
        self._source = source

    def get_random_bytes(self, len: int) -> bytes:
        return self._source.secure(_checked(len))

    def get_random_u64(self) -> int:
        return int.from_bytes(self._source.secure(8), "little")


class InsecureHost:
    """`wasi:random/insecure`."""

    def __init__(self, source: Random) -> None:
        self._source = source

    def get_insecure_random_bytes(self, len: int) -> bytes:
        return self._source.insecure(_checked(len))

    def get_insecure_random_u64(self) -> int:
        return int.from_bytes(self._source.insecure(8), "little")


class InsecureSeedHost:
    """`wasi:random/insecure-seed`."""

    def __init__(self, source: Random) -> None:
        self._source = source

    def insecure_seed(self) -> tuple[int, int]:
        return self._source.seed()


def hosts(session: Session) -> dict[str, object]:
    source = session.policy.random
    return {
        "wasi:random/random": RandomHost(source),
        "wasi:random/insecure": InsecureHost(source),
        "wasi:random/insecure-seed": InsecureSeedHost(source),
    }
