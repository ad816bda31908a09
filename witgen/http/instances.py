"""The instances that serve requests: one compiled component (loaded once, through the artifact
cache), instantiated per request, or reused from a pool of warm ones (wasi:http allows an
instance to handle many requests). An instance that trapped is never reused."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from witgen import runtime as _rt
from witgen.wasi.policy import Wasi


@dataclass
class Instances:
    """Makes, lends and takes back instances of the component at `path`."""

    path: str
    abi: _rt.Abi | None = None
    wasi: Wasi = field(default_factory=lambda: Wasi(stdout="inherit", stderr="inherit"))
    pool: int = 0
    """Warm instances kept for reuse (0: a fresh instance for every request)."""
    cache_dir: _rt.CacheDir = None
    limits: _rt.Limits | None = None

    def __post_init__(self) -> None:
        if self.pool < 0:
            raise ValueError("pool must be >= 0")
        self._engine = _rt.engine_for(None, None, self.limits)
        self._component = _rt.load_file(
            self.path, self._engine, self.cache_dir, _rt.pick_abi(self.abi, "cabi")
        )
        self._idle: list[Any] = []
        self._lock = threading.Lock()

    def make(self) -> Any:
        """A new instance of the bindings' world (its `incoming_handler` serves a request)."""
        from witgen.wasi.bindings import Host

        return Host(self._component, wasi=self.wasi, engine=self._engine, limits=self.limits)  # type: ignore[arg-type]  # the runtime takes a Wasi policy

    def take(self) -> Any:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self.make()

    def give(self, instance: Any) -> None:
        """Back to the pool after a request it served without trapping (or dropped if full)."""
        with self._lock:
            if len(self._idle) < self.pool:
                self._idle.append(instance)

    def warm(self) -> None:
        """Fill the pool, so the first requests don't pay for instantiation."""
        made = [self.make() for _ in range(self.pool - len(self._idle))]
        for instance in made:
            self.give(instance)
