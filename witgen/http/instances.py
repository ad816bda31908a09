"""The instances that serve requests: one compiled component (loaded once, through the artifact
cache), instantiated per request, or reused from a pool of warm ones (wasi:http allows an
instance to handle many requests). An instance that trapped is never reused."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from witgen import runtime as _rt
from witgen.wasi.bindings import HostImports
from witgen.wasi.bindings.exports.incoming_handler import IncomingHandler
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
    imports: HostImports | None = None
    """Host implementations that replace witgen.wasi's for some interfaces."""

    def __post_init__(self) -> None:
        if self.pool < 0:
            raise ValueError("pool must be >= 0")
        self._engine = _rt.engine_for(None, None, self.limits)
        self._component = _rt.load_file(
            self.path, self._engine, self.cache_dir, _rt.pick_abi(self.abi, "cabi")
        )
        self._idle: list[IncomingHandler] = []
        self._lock = threading.Lock()

    def make(self) -> IncomingHandler:
        """A new instance's `incoming-handler` (the bindings' world class would also want
        `wasi:cli/run`, which a proxy component doesn't export)."""
        from witgen.wasi.bindings._wiring import world

        rt = _rt.start(self._component, engine=self._engine, store=None, wasi=self.wasi, limits=self.limits)
        world.link(rt, self.imports)
        rt.instantiate()
        return IncomingHandler(rt)

    def take(self) -> IncomingHandler:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self.make()

    def give(self, instance: IncomingHandler) -> None:
        """Back to the pool after a request it served without trapping (or dropped if full)."""
        with self._lock:
            if len(self._idle) < self.pool:
                self._idle.append(instance)

    def warm(self) -> None:
        """Fill the pool, so the first requests don't pay for instantiation."""
        made = [self.make() for _ in range(self.pool - len(self._idle))]
        for instance in made:
            self.give(instance)
