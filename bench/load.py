"""Loading components on the cabi engine: cold, warm from the cache dir, warm in the process.

Run: `python bench/load.py` (builds the test components on first use). For before/after
figures, run it with `PYTHONPATH` pointing at another checkout (it imports `witgen` from
`sys.path`; only its own helpers come from this checkout).

- cold: an empty cache dir and nothing remembered in the process: decode, validate, plan and
  compile every core module (what the first `from_file` + instantiation of a component costs);
- warm, new process: the cache dir filled by the cold run, the process's memory cleared (what
  each later process pays: deserialized modules, the remembered verdict);
- warm, same process: loading the same bytes again (the prepared component is shared).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # this checkout's tests helpers; `witgen` may come from PYTHONPATH

import witgen  # noqa: E402
from tests.e2e.build import build  # noqa: E402
from witgen.runtime.cabi import instantiate, modules  # noqa: E402
from witgen.runtime.loading import default_engine  # noqa: E402
from witgen.runtime.world import load_bytes  # noqa: E402

try:
    from witgen.component import binary
except ImportError:  # a checkout from before witgen/component
    from witgen.runtime.cabi import binary  # type: ignore[no-redef]


def _forget() -> None:
    """What a new process doesn't have: prepared components and remembered verdicts."""
    modules._PREPARED.clear()
    try:
        from witgen.runtime.cabi import validate
    except ImportError:  # a checkout without load-time validation
        return
    validate._VALID.clear()


def _core_modules(component: binary.Component) -> list[binary.CoreModule]:
    found = list(component.of(binary.CoreModule))
    for nested in component.of(binary.NestedComponent):
        found += _core_modules(nested.component)
    return found


def _load(data: bytes, cache: Path) -> None:
    component = load_bytes(data, default_engine(), cache, "cabi")
    prepared = component.prepared  # type: ignore[union-attr]
    instantiate.plan_of(prepared)
    for d in _core_modules(prepared.component):
        prepared.module(d)


def _time(run: Callable[[], None], before: Callable[[], None], n: int) -> list[float]:
    times = []
    for _ in range(n):
        before()
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _cell(xs: list[float]) -> str:
    return f"{min(xs):8.2f} / {statistics.median(xs):<8.2f}"


def _row(name: str) -> str:
    data = build(name).read_bytes()
    caches: list[Path] = []

    def fresh_cache() -> None:
        _forget()
        caches.append(Path(tempfile.mkdtemp(prefix="witgen-bench-load-")))

    cold = _time(lambda: _load(data, caches[-1]), fresh_cache, 3 if name == "kitchen" else 10)
    cache = caches[-1]
    warm_new = _time(lambda: _load(data, cache), _forget, 20)
    warm_same = _time(lambda: _load(data, cache), lambda: None, 200)
    return f"{name:<12}{len(data) / 2**20:6.1f}  {_cell(cold)}  {_cell(warm_new):>22}  {_cell(warm_same):>22}"


def main() -> None:
    print(f"witgen from {Path(witgen.__file__).parent}")
    print(
        f"{'component':<12}{'MB':>6}  {'cold ms':>16}  {'warm, new process ms':>22}  {'warm, same process ms':>22}"
    )
    for name in ("calc", "kitchen"):
        print(_row(name))
    print("(min / median)")


if __name__ == "__main__":
    main()
