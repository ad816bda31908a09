"""Run one converted spec script on one engine, assertion by assertion, through generated bindings.

Every command gives an `Outcome`, so one failure never hides the rest of the script:
- `module` / `module_instance`: the component loads and instantiates through its bindings'
  world class (`from_bytes(..., abi=engine)`); `module_definition`: it loads (the runtime's
  `load_bytes`, what `from_bytes` calls first). Kind "module". A component witgen makes no
  bindings for fails with witgen's reason where WIT can express it (`wasm-tools component wit`
  prints it); where none can, it is instantiated through the runtime and only calls fail.
- `assert_return` / `assert_trap` / `action`: the export is called through the generated method on
  the named instance, else the latest one; a failed instantiation fails each of them, naming it.
  A trap must be `witgen.runtime.errors.Trap` (or `InstanceDead`, witgen's name for the spec's
  "cannot enter component instance" trap of a call into a poisoned instance); its text
  differing from the spec's is a note.
- `assert_invalid` / `assert_malformed` (kind "invalid"): loading must raise `LinkError` or
  `DecodeError`: loading without complaint, or any other exception, is a failure.
- `assert_uninstantiable`: loading works and instantiating traps.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .bindings import NoBindings, bindings
from .scripts import Command, Script
from .values import ValueMismatch, normalize, show, to_json, to_python

ENGINES = ("wasmtime", "cabi")

KINDS = {
    "module": "module",
    "module_definition": "module",
    "module_instance": "module",
    "assert_return": "return",
    "action": "return",
    "assert_trap": "trap",
    "assert_invalid": "invalid",
    "assert_malformed": "invalid",
    "assert_uninstantiable": "uninstantiable",
}
"""Command type -> the kind of assertion it is counted as."""


@dataclass(frozen=True)
class Outcome:
    """What one command of a script did on one engine."""

    line: int
    kind: str
    passed: bool
    reason: str = ""
    """Why it failed (one line)."""
    note: str = ""
    """Worth seeing though not a failure (a trap whose text differs from the spec's)."""
    detail: str = ""
    """More about the failure (what a failed instantiation this assertion needed said)."""


@dataclass
class Live:
    """An instance made by a `module`/`module_instance` command, or why it couldn't be made."""

    line: int
    pkg: ModuleType | None = None
    obj: Any = None
    failure: str = ""
    error: BaseException | None = None
    """What instantiating raised, if it did."""
    no_wit: str = ""
    """Why no WIT expresses the component (instantiated without bindings, so nothing to call)."""


DEADLINE = 30.0
"""Seconds a call (or an instantiation) may run: a guest that deadlocks or loops fails its
assertion with a `Timeout` instead of hanging the test run."""


@functools.cache
def limits() -> Any:
    from witgen.runtime import Limits

    return Limits(deadline=DEADLINE)


@functools.cache
def engine() -> Any:
    """The wasmtime engine both witgen engines run on: witgen's own settings (`make_engine`: the
    Component Model features wasmtime-py 50 can enable, epoch interruption for `limits`)."""
    from witgen.runtime import make_engine

    return make_engine(limits=limits(), concurrent=True)  # spec components use async


def describe(exc: BaseException) -> str:
    """An exception as one short line: its type, and its message's first and last lines (a
    wasm trap's cause comes last, after the backtrace)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else ""
    if len(lines) > 1 and "backtrace" in text:
        text += " ... " + lines[-1]
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def world_class(pkg: ModuleType) -> Any:
    """The generated world class (first in the package's `__all__`)."""
    cls = getattr(pkg, pkg.__all__[0])
    assert hasattr(cls, "from_bytes"), f"{pkg.__name__}.{cls.__name__} is not a world class"
    return cls


class ScriptRun:
    """The state of one script on one engine: definitions, instances, the latest instance."""

    def __init__(self, script: Script, abi: str) -> None:
        from witgen import runtime

        self.script = script
        self.abi = abi
        self.rt: Any = runtime
        self.definitions: dict[str, Path] = {}
        self.instances: dict[str, Live] = {}
        self.current: Live | None = None

    def run(self) -> list[Outcome]:
        if self.script.error:
            return [Outcome(0, "convert", False, f"json-from-wast: {self.script.error}")]
        return [self.step(cmd) for cmd in self.script.commands]

    def step(self, cmd: Command) -> Outcome:
        kind = KINDS.get(cmd.type)
        if kind is None:
            return Outcome(cmd.line, "unknown", False, f"the runner doesn't know command {cmd.type!r}")
        try:
            return getattr(self, "_" + cmd.type)(cmd, kind)  # type: ignore[no-any-return]
        except Exception as exc:  # a runner bug must not hide the rest of the script
            return Outcome(cmd.line, kind, False, f"runner error: {describe(exc)}")

    # --- components ---------------------------------------------------------------------------

    def _load(self, path: Path) -> str:
        """ "" if the component loads on this engine, else why not."""
        try:
            self.rt.load_bytes(path.read_bytes(), engine(), False, self.abi)
        except Exception as exc:
            return f"load: {describe(exc)}"
        return ""

    def _instantiate(self, path: Path, line: int) -> Live:
        try:
            pkg = bindings(path)
        except NoBindings as exc:
            if exc.no_wit is None:  # WIT expresses it, so witgen must make bindings
                return Live(line, failure=exc.reason)
            return self._instantiate_directly(path, line, exc.no_wit)
        try:
            obj = world_class(pkg).from_bytes(
                path.read_bytes(), abi=self.abi, engine=engine(), limits=limits(), cache_dir=False
            )
        except Exception as exc:
            return Live(line, pkg, failure=f"instantiate: {describe(exc)}", error=exc)
        return Live(line, pkg, obj)

    def _instantiate_directly(self, path: Path, line: int, no_wit: str) -> Live:
        """Instantiate a component no WIT expresses through the runtime, as bindings would."""
        live = Live(line, no_wit=no_wit)
        try:
            component = self.rt.load_bytes(path.read_bytes(), engine(), False, self.abi)
            live.obj = self.rt.start(component, engine=engine(), store=None, wasi=None, limits=limits())
            live.obj.instantiate()
        except Exception as exc:
            live.obj = None
            live.failure, live.error = f"instantiate (no WIT): {describe(exc)}", exc
        return live

    def _module(self, cmd: Command, kind: str) -> Outcome:
        live = self._instantiate(self.script.file(cmd), cmd.line)
        if "name" in cmd.raw:
            self.instances[cmd.raw["name"]] = live
        self.current = live
        return Outcome(cmd.line, kind, not live.failure, live.failure)

    def _module_definition(self, cmd: Command, kind: str) -> Outcome:
        path = self.script.file(cmd)
        if "name" in cmd.raw:
            self.definitions[cmd.raw["name"]] = path
        failure = self._load(path)
        return Outcome(cmd.line, kind, not failure, failure)

    def _module_instance(self, cmd: Command, kind: str) -> Outcome:
        path = self.definitions.get(cmd.raw["module"])
        if path is None:
            live = Live(cmd.line, failure=f"no definition named {cmd.raw['module']!r}")
        else:
            live = self._instantiate(path, cmd.line)
        self.instances[cmd.raw["instance"]] = live
        self.current = live
        return Outcome(cmd.line, kind, not live.failure, live.failure)

    def _assert_invalid(self, cmd: Command, kind: str) -> Outcome:
        errors = self.rt.errors
        try:
            self.rt.load_bytes(self.script.file(cmd).read_bytes(), engine(), False, self.abi)
        except (errors.LinkError, errors.DecodeError):
            return Outcome(cmd.line, kind, True)
        except Exception as exc:
            return Outcome(cmd.line, kind, False, f"refused with {describe(exc)}, not LinkError/DecodeError")
        return Outcome(cmd.line, kind, False, f"loaded; the spec says: {cmd.raw.get('text', '')}")

    _assert_malformed = _assert_invalid

    def _assert_uninstantiable(self, cmd: Command, kind: str) -> Outcome:
        live = self._instantiate(self.script.file(cmd), cmd.line)
        if live.obj is not None:
            return Outcome(cmd.line, kind, False, f"instantiated; the spec says: {cmd.raw.get('text', '')}")
        if isinstance(live.error, self.rt.errors.Trap):
            return Outcome(cmd.line, kind, True)
        return Outcome(cmd.line, kind, False, live.failure)

    # --- calls --------------------------------------------------------------------------------

    def _target(self, cmd: Command) -> Live:
        name = cmd.raw["action"].get("module")
        live = self.instances.get(name) if name is not None else self.current
        if live is None:
            return Live(cmd.line, failure=f"no instance {name!r}" if name else "no instance")
        return live

    def _invoke(self, cmd: Command) -> tuple[Any, BaseException | None]:
        """Call the action's export: (its result as JSON, None) or (None, the exception it raised).
        Raises `_Failed` when the call can't even be made."""
        live = self._target(cmd)
        if live.failure:
            raise _Failed(f"instance of line {live.line} failed", live.failure)
        action = cmd.raw["action"]
        if live.pkg is None:
            raise _Failed(f"no bindings: no WIT expresses the component ({live.no_wit})")
        site = next(
            (
                (key, spec)
                for key, spec in getattr(vars(live.obj).get("_sites"), "specs", {}).items()
                if spec[0] == action["field"]
            ),
            None,
        )
        if site is None:
            raise _Failed(f"the bindings have no world function {action['field']!r}")
        key, (_, _, params, result, raises, _) = site
        args = action.get("args", [])
        if len(args) != len(params):
            raise _Failed(f"{len(args)} arguments for {len(params)} parameters")
        try:
            values = [to_python(codec, arg) for (_, codec), arg in zip(params, args, strict=True)]
        except ValueMismatch as exc:
            raise _Failed(f"arguments: {exc}") from None
        method = getattr(live.obj, key.removeprefix("_call_"))
        from witgen.runtime.types import Err, Ok

        try:
            returned = method(*values)
        except Err as err:
            if not raises:
                return None, err
            return to_json(result, Err(err.value)), None
        except Exception as exc:
            return None, exc
        return to_json(result, Ok(returned) if raises else returned), None

    def _assert_return(self, cmd: Command, kind: str) -> Outcome:
        try:
            got, exc = self._invoke(cmd)
        except _Failed as failed:
            return Outcome(cmd.line, kind, False, failed.reason, detail=failed.detail)
        if exc is not None:
            return Outcome(cmd.line, kind, False, f"raised {describe(exc)}")
        expected = cmd.raw.get("expected")
        if expected is None:  # a bare `action`: only needs to return
            return Outcome(cmd.line, kind, True)
        want = normalize(expected[0]) if expected else None
        if got != want:
            return Outcome(cmd.line, kind, False, f"returned {show(got)}, expected {show(want)}")
        return Outcome(cmd.line, kind, True)

    _action = _assert_return

    def _assert_trap(self, cmd: Command, kind: str) -> Outcome:
        text = cmd.raw.get("text", "")
        try:
            got, exc = self._invoke(cmd)
        except _Failed as failed:
            return Outcome(cmd.line, kind, False, failed.reason, detail=failed.detail)
        if exc is None:
            return Outcome(cmd.line, kind, False, f"returned {show(got)}; the spec expects a trap: {text}")
        if isinstance(exc, self.rt.errors.InstanceDead) and "cannot enter component instance" in text:
            return Outcome(cmd.line, kind, True)  # witgen's name for a call into a poisoned instance
        if not isinstance(exc, self.rt.errors.Trap):
            return Outcome(cmd.line, kind, False, f"raised {describe(exc)}, not a Trap ({text})")
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        note = "" if text in str(exc) else f"trap text {lines[-1] if lines else ''!r}, the spec's: {text!r}"
        return Outcome(cmd.line, kind, True, note=note)


class _Failed(Exception):
    """The call couldn't be made (no instance, no such export, arguments that don't fit)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def run_script(script: Script, abi: str) -> list[Outcome]:
    return ScriptRun(script, abi).run()
