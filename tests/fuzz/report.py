"""What the differential runs found: failures with everything needed to reproduce them, per-world
outcomes, and tallies over many worlds with failures grouped by cause."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Failure:
    """One check that failed on one engine (``"both"``: the engines disagree)."""

    seed: int
    engine: str
    function: str  # e.g. "api2.f3" or "exp-f0"
    signature: str
    args: Any
    expected: Any
    observed: Any
    what: str  # the property that failed, or "exception"
    wit_file: Path | None = None
    rerun: str = "python bench/fuzz_diff.py --seed {seed} --count 1 -v"  # the command, for `seed`

    def __str__(self) -> str:
        return (
            f"[seed {self.seed}] {self.engine}: {self.function}: {self.signature}\n"
            f"  {self.what}\n  args:     {self.args!r}\n  expected: {self.expected!r}\n"
            f"  observed: {self.observed!r}\n  WIT: {self.wit_file}\n"
            f"  rerun: {self.rerun.format(seed=self.seed)}"
        )

    @property
    def kind(self) -> str:
        """A short key grouping failures with one cause: the engine, what went wrong and, for
        exceptions, the exception's type and message with numbers and quoted names left out."""
        if self.what != "exception":
            return f"{self.engine}: {self.what}"
        text = re.sub(r"'[^']*'|\"[^\"]*\"|-?\d[\w.+-]*", "_", str(self.observed).split(" (at ")[0])
        return f"{self.engine}: {text[:120]}"


@dataclass
class Outcome:
    """What one world's run covered (the world-level functions are not counted as an interface)."""

    seed: int
    interfaces: int = 0
    functions: int = 0
    calls: int = 0
    failures: list[Failure] = field(default_factory=list)
    failed_interfaces: set[str] = field(default_factory=set)
    engines: tuple[str, ...] = ()

    @property
    def passed_interfaces(self) -> int:
        return self.interfaces - len(self.failed_interfaces - {"world"})


@dataclass
class Tally:
    """Outcomes of many worlds."""

    worlds: int = 0
    interfaces: int = 0
    passed_interfaces: int = 0
    functions: int = 0
    calls: int = 0
    failures: list[Failure] = field(default_factory=list)
    calls_by_engine: dict[str, int] = field(default_factory=dict)

    def add(self, out: Outcome) -> None:
        for engine in out.engines:
            self.calls_by_engine[engine] = self.calls_by_engine.get(engine, 0) + out.calls // len(out.engines)
        self.worlds += 1
        self.interfaces += out.interfaces
        self.passed_interfaces += out.passed_interfaces
        self.functions += out.functions
        self.calls += out.calls
        self.failures += out.failures

    def groups(self) -> dict[str, list[Failure]]:
        found: dict[str, list[Failure]] = {}
        for f in self.failures:
            found.setdefault(f.kind, []).append(f)
        return dict(sorted(found.items(), key=lambda kv: -len(kv[1])))

    def summary(self) -> str:
        failed = len({(f.seed, f.function, f.wit_file) for f in self.failures if f.engine != "both"})
        lines = [
            f"{self.worlds} worlds, {self.passed_interfaces}/{self.interfaces} interfaces passed, "
            f"{self.functions} functions ({failed} failed), {self.calls} calls"
        ]
        lines += [f"  {len(fs):4} x {kind}" for kind, fs in self.groups().items()]
        return "\n".join(lines)


def describe(exc: BaseException) -> str:
    """``Type: message (at file:line; ...)`` of an exception, and of the end of its ``__cause__`` chain."""

    def one(e: BaseException) -> str:
        tb = traceback.extract_tb(e.__traceback__)[-2:]
        where = "; ".join(f"{Path(f.filename).name}:{f.lineno}" for f in tb)
        return f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''} (at {where})"

    inner, seen = exc, {id(exc)}
    while inner.__cause__ is not None and id(inner.__cause__) not in seen:
        inner = inner.__cause__
        seen.add(id(inner))
    return one(exc) if inner is exc else f"{one(exc)} <- {one(inner)}"
