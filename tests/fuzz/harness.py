"""Run random values through forwarding components on both engines and collect every disagreement.

For each function ``f`` of a random world (``model.py``), the host calls the export ``f`` with
random arguments; the forwarding guest (``forwarding.py``) calls the host's import ``f`` with
them; the host records what it received and answers with a random result, which travels back
out through the export. Checked per engine: the import saw the arguments sent, the export
returned the result the import gave (NaN-aware, resources by identity), no resource was dropped
on the way, and ``drop-r`` runs the object's ``close()`` once. Checked across engines: the same
observations.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import random
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import wasmtime

from witgen import gen_host
from witgen.gen_host import render as gen_host_render
from witgen.resolve import load
from witgen.runtime import InstanceDead
from witgen.runtime.types import Err

from . import forwarding
from .model import Features, Func, Iface, Ty, World, random_world
from .values import HostR, Mismatch, Poison, Scope, canon, deref, gen, plain, to_python

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ("wasmtime", "cabi")


@dataclass
class Failure:
    """One function call that went wrong on one engine (everything needed to reproduce it)."""

    seed: int
    engine: str
    function: str  # e.g. "api2.f3" or "exp-f0"
    signature: str
    args: Any
    expected: Any
    observed: Any
    what: str  # "import saw", "export returned", "exception", "dropped", "engines disagree"
    wit_file: Path | None = None

    def __str__(self) -> str:
        return (
            f"[seed {self.seed}] {self.engine}: {self.function}: {self.signature}\n"
            f"  {self.what}\n  args:     {self.args!r}\n  expected: {self.expected!r}\n"
            f"  observed: {self.observed!r}\n  WIT: {self.wit_file}\n"
            f"  rerun: python bench/fuzz_diff.py --seed {self.seed} --count 1 -v"
        )


@dataclass
class Outcome:
    """What one world's run covered."""

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


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
    return env


_make_environment = gen_host_render.environment


@functools.cache
def _environment() -> Any:
    """The generator's Jinja environment, made once: it compiles every template anew per package."""
    return _make_environment()


def generate_bindings(wit: Path, out_parent: Path, formatted: bool = False) -> ModuleType:
    """Host bindings for world ``w`` of ``wit`` in ``out_parent``/<unique name>, imported.

    ``formatted``: run ``python -m witgen host`` as users do. Otherwise the same generator runs
    in-process without black, which only reformats (black takes ~95% of the generation time of
    these large packages: ~1 s per 1000 lines) and with its templates compiled once per process.
    """
    name = "fuzz_" + hashlib.sha256(wit.read_bytes()).hexdigest()[:16]
    if name in sys.modules:
        return sys.modules[name]
    out = out_parent / name
    if formatted:
        cmd = [sys.executable, "-m", "witgen", "host", str(wit), "--world", "w", "-o", str(out)]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=_env())
        if proc.returncode != 0:
            raise RuntimeError(f"$ {' '.join(cmd)}\nexit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    else:
        loaded = load(wit)
        with (
            mock.patch.object(gen_host_render, "format_source", lambda source, name: source),
            mock.patch.object(gen_host_render, "environment", _environment),
        ):
            files = gen_host.generate(loaded.resolve, loaded.select_world("w"), name)
        gen_host.write_package(files, out)
    if str(out_parent) not in sys.path:
        sys.path.insert(0, str(out_parent))
    importlib.invalidate_caches()
    return importlib.import_module(name)


def wasmtime_engine() -> wasmtime.Engine:
    config = wasmtime.Config()
    config.wasm_component_model_map = True
    return wasmtime.Engine(config)


class HostBoom(Exception):
    """Raised on purpose by a host import."""


@dataclass
class Responder:
    """The identity host's memory: what each import received, and what it answers next."""

    received: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    answer: Callable[[], Any] = lambda: None

    def make(self, name: str) -> Callable[..., Any]:
        def impl(*args: Any) -> Any:
            self.received.append((name, args))
            return self.answer()

        return impl


def _result_parts(scope: Scope, ty: Ty | None) -> tuple[Ty | None, Ty | None] | None:
    """``(ok, err)`` when a function returns a ``result`` (its Err is raised), else None."""
    if ty is None:
        return None
    t = deref(scope, ty)
    if isinstance(t, Ty) and t.kind == "result":
        return t.args[0], t.args[1]
    return None


class Runner:
    """One world: its component, its bindings, and an instance per engine."""

    def __init__(
        self,
        world: World,
        gen_dir: Path,
        engines: tuple[str, ...] = ENGINES,
        formatted: bool = False,
        poison: bool = True,
        alt_forms: bool = True,
    ) -> None:
        """``poison``: also check invalid arguments and answers; ``alt_forms``: pass lists as
        tuples, ``bytearray``/``memoryview`` and ``array.array`` too."""
        self.world = world
        self.wit_text = world.wit()
        self.wasm, self.wit = forwarding.build(self.wit_text, world.features.resources, world.encoding)
        self.pkg = generate_bindings(self.wit, gen_dir, formatted)
        self.engines = engines if not world.features.fixed else tuple(e for e in engines if e == "cabi")
        self.responder = Responder()
        self.wt_engine = wasmtime_engine()
        self.instances: dict[str, Any] = {}
        self.poison = poison
        self.alt_forms = alt_forms

    def module(self, side: str, iface: Iface | None) -> ModuleType | None:
        if iface is None:
            return None
        return importlib.import_module(f"{self.pkg.__name__}.{side}.{iface.name}")

    def instantiate(self, engine: str) -> Any:
        fields: dict[str, Any] = {}
        if True:  # `res` is always imported
            fields["res"] = type("ResHost", (), {"R": HostR})()
        for iface in self.world.interfaces:
            host = type(f"Host_{iface.name}", (), {})()
            for f in iface.funcs:
                setattr(host, f.name, self.responder.make(f"{iface.name}.{f.name}"))
            fields[iface.name] = host
        for f in self.world.imports:
            fields[f"imp_{f.name}"] = self.responder.make(f"imp-{f.name}")
        imports = self.pkg.WImports(**fields)
        inst = self.pkg.W.from_file(self.wasm, imports=imports, abi=engine, engine=self.wt_engine)
        self.instances[engine] = inst
        return inst

    def instance(self, engine: str) -> Any:
        return self.instances.get(engine) or self.instantiate(engine)

    def run(self, samples: int = 3) -> Outcome:
        out = Outcome(self.world.seed, interfaces=len(self.world.interfaces), engines=self.engines)
        for index, (iface, func) in enumerate(self.world.functions()):
            out.functions += 1
            if self.poison:
                rng = random.Random(f"{self.world.seed}/{index}/poison")
                failures = self.poisoned_call(iface, func, rng) if func.params else []
                if index % 4 == 0:  # costs a new instance per engine
                    failures += self.poisoned_answer(iface, func, rng)
                out.failures += failures
                if failures:
                    out.failed_interfaces.add(iface.name if iface else "world")
            for sample in range(samples):
                rng = random.Random(f"{self.world.seed}/{index}/{sample}")
                failures = self.call(iface, func, rng)
                out.calls += len(self.engines)
                if failures:
                    out.failures += failures
                    out.failed_interfaces.add(iface.name if iface else "world")
                    break
        for engine in self.engines:
            out.failures += self.host_exception(engine)
        if self.world.features.resources:
            for engine in self.engines:
                obj = HostR(-1)
                try:
                    self.instance(engine).drop_r(obj)
                    closed: Any = obj.closed
                except Exception as exc:  # noqa: BLE001 - reported
                    closed = _exc(exc)
                if closed != 1:
                    out.failures.append(
                        Failure(
                            self.world.seed,
                            engine,
                            "drop-r",
                            "func(x: r)",
                            (obj,),
                            "close() once",
                            closed,
                            "dropping an owned handle in the guest must call close() once",
                            self.wit,
                        )
                    )
                    out.failed_interfaces.add("world")
        return out

    def host_exception(self, engine: str) -> list[Failure]:
        """An exception raised by a host import reaches the export's caller as itself (its cause:
        the trap); the instance is dead afterwards."""
        iface, func = next(self.world.functions())
        scope = Scope(iface.defs if iface else {})
        rng = random.Random(f"{self.world.seed}/boom")
        args_pv = [gen(rng, scope, t) for t in func.params]
        exp_mod = self.module("exports", iface)
        args = [to_python(scope, exp_mod, t, pv) for t, pv in zip(func.params, args_pv, strict=True)]
        boom = HostBoom()

        def answer() -> Any:
            raise boom

        self.responder.answer = answer
        inst = self.instance(engine)
        method = self.method(inst, iface, func)
        name = f"{iface.name}.{func.name}" if iface else f"exp-{func.name}"
        observed: Any
        try:
            observed = ("returned", method(*args))
        except HostBoom as exc:
            observed = "the same exception" if exc is boom else _exc(exc)
        except Exception as exc:  # noqa: BLE001 - reported
            observed = _exc(exc)
        failures = []
        if observed != "the same exception":
            failures.append(
                Failure(
                    self.world.seed,
                    engine,
                    name,
                    func.wit(),
                    args_pv,
                    "the same exception",
                    observed,
                    "an exception raised by the host import must reach the caller as itself",
                    self.wit,
                )
            )
        try:
            method(*args)
            after: Any = "returned"
        except InstanceDead:
            after = "InstanceDead"
        except Exception as exc:  # noqa: BLE001 - reported
            after = _exc(exc)
        if after != "InstanceDead":
            failures.append(
                Failure(
                    self.world.seed,
                    engine,
                    name,
                    func.wit(),
                    args_pv,
                    "InstanceDead",
                    after,
                    "a call after a host import raised must find the instance dead",
                    self.wit,
                )
            )
        self.instances.pop(engine, None)
        return failures

    def poisoned_call(self, iface: Iface | None, func: Func, rng: random.Random) -> list[Failure]:
        """An export called with one invalid value somewhere in its arguments raises TypeError or
        ValueError naming the parameter, before entering wasm (the import is not called, the instance
        lives on), with the same message on both engines."""
        scope = Scope(iface.defs if iface else {})
        args_pv = [gen(rng, scope, t) for t in func.params]
        exp_mod = self.module("exports", iface)
        counter = Poison(rng)
        for t, pv in zip(func.params, args_pv, strict=True):
            to_python(scope, exp_mod, t, pv, counter)
        if counter.seen == 0:
            return []
        poison = Poison(rng, target=rng.randrange(counter.seen))
        args, where = [], -1
        for i, (t, pv) in enumerate(zip(func.params, args_pv, strict=True)):
            args.append(to_python(scope, exp_mod, t, pv, poison))
            if poison.placed and where < 0:
                where = i
        name = f"{iface.name}.{func.name}" if iface else f"exp-{func.name}"
        failures: list[Failure] = []
        seen: dict[str, str] = {}
        for engine in self.engines:
            self.responder.received.clear()
            self.responder.answer = lambda: None
            try:
                self.method(self.instance(engine), iface, func)(*args)
                outcome = "accepted"
            except (TypeError, ValueError) as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - reported
                self.instances.pop(engine, None)
                outcome = _exc(exc)
            seen[engine] = outcome
            expected = f"TypeError/ValueError naming parameter 'p{where}'"
            ok = outcome.startswith(("TypeError", "ValueError")) and f"parameter 'p{where}'" in outcome
            if not ok or self.responder.received:
                failures.append(
                    Failure(
                        self.world.seed,
                        engine,
                        name,
                        func.wit(),
                        f"{args_pv!r} with {poison.placed} in p{where}",
                        expected,
                        outcome,
                        "an invalid argument must be refused before entering wasm",
                        self.wit,
                    )
                )
        if len(set(seen.values())) > 1:
            failures.append(
                Failure(
                    self.world.seed,
                    "both",
                    name,
                    func.wit(),
                    f"{args_pv!r} with {poison.placed} in p{where}",
                    seen.get("wasmtime"),
                    seen.get("cabi"),
                    "engines refuse an invalid argument differently",
                    self.wit,
                )
            )
        return failures

    def poisoned_answer(self, iface: Iface | None, func: Func, rng: random.Random) -> list[Failure]:
        """A host import answering an invalid value makes the export's caller get TypeError or
        ValueError saying so, with the same message on both engines; the instance is dead after."""
        if func.result is None:
            return []
        scope = Scope(iface.defs if iface else {})
        args_pv = [gen(rng, scope, t) for t in func.params]
        result_pv = gen(rng, scope, func.result)
        imp_mod, exp_mod = self.module("imports", iface), self.module("exports", iface)
        parts = _result_parts(scope, func.result)
        ty: Ty | None = func.result
        if parts is not None:  # the host answers the payload (or raises Err(payload))
            tag, result_pv = result_pv
            ty = parts[0] if tag == "ok" else parts[1]
            if tag == "err" or ty is None:
                return []
        assert ty is not None
        counter = Poison(rng)
        to_python(scope, imp_mod, ty, result_pv, counter)
        if counter.seen == 0:
            return []
        poison = Poison(rng, target=rng.randrange(counter.seen))
        answer = to_python(scope, imp_mod, ty, result_pv, poison)
        args = [to_python(scope, exp_mod, t, pv) for t, pv in zip(func.params, args_pv, strict=True)]
        name = f"{iface.name}.{func.name}" if iface else f"exp-{func.name}"
        failures: list[Failure] = []
        seen: dict[str, str] = {}
        for engine in self.engines:
            self.responder.answer = lambda: answer
            method = self.method(self.instance(engine), iface, func)
            try:
                method(*args)
                outcome = "accepted"
            except (TypeError, ValueError) as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - reported
                outcome = _exc(exc)
            try:
                method(*args)
                after = "alive"
            except InstanceDead:
                after = "dead"
            except Exception as exc:  # noqa: BLE001 - reported
                after = _exc(exc)
            self.instances.pop(engine, None)
            seen[engine] = outcome
            ok = outcome.startswith(("TypeError", "ValueError")) and "returned a bad value" in outcome
            if not ok or after != "dead":
                failures.append(
                    Failure(
                        self.world.seed,
                        engine,
                        name,
                        func.wit(),
                        f"answer {result_pv!r} with {poison.placed}",
                        "TypeError/ValueError: ... returned a bad value, then InstanceDead",
                        f"{outcome}; then {after}",
                        "an invalid answer from a host import must fail the call and kill the instance",
                        self.wit,
                    )
                )
        if len(set(seen.values())) > 1:
            failures.append(
                Failure(
                    self.world.seed,
                    "both",
                    name,
                    func.wit(),
                    f"answer {result_pv!r} with {poison.placed}",
                    seen.get("wasmtime"),
                    seen.get("cabi"),
                    "engines refuse an invalid answer differently",
                    self.wit,
                )
            )
        return failures

    @staticmethod
    def method(inst: Any, iface: Iface | None, func: Func) -> Callable[..., Any]:
        target = getattr(inst, iface.name) if iface else inst
        return getattr(target, func.name if iface else f"exp_{func.name}")  # type: ignore[no-any-return]

    def call(self, iface: Iface | None, func: Func, rng: random.Random) -> list[Failure]:
        scope = Scope(iface.defs if iface else {})
        args_pv = [gen(rng, scope, t) for t in func.params]
        result_pv = None if func.result is None else gen(rng, scope, func.result)
        made = list(scope.made)
        name = f"{iface.name}.{func.name}" if iface else f"exp-{func.name}"
        sig = func.wit()
        parts = _result_parts(scope, func.result)
        expected_args = canon(tuple(args_pv))
        expected_result = canon(result_pv)
        failures: list[Failure] = []
        seen: dict[str, Any] = {}

        def fail(engine: str, what: str, expected: Any, observed: Any) -> None:
            failures.append(
                Failure(self.world.seed, engine, name, sig, args_pv, expected, observed, what, self.wit)
            )

        for engine in self.engines:
            imp_mod, exp_mod = self.module("imports", iface), self.module("exports", iface)

            def answer(imp_mod: ModuleType | None = imp_mod) -> Any:
                if func.result is None:
                    return None
                if parts is None:
                    return to_python(scope, imp_mod, func.result, result_pv)
                tag, payload = result_pv
                which = parts[0] if tag == "ok" else parts[1]
                value = None if which is None else to_python(scope, imp_mod, which, payload)
                if tag == "err":
                    raise Err(value)
                return value

            self.responder.answer = answer
            self.responder.received.clear()
            alt = random.Random(f"{self.world.seed}/{engine}/{len(args_pv)}") if self.alt_forms else None
            args = [
                to_python(scope, exp_mod, t, pv, alt=alt) for t, pv in zip(func.params, args_pv, strict=True)
            ]
            try:
                method = self.method(self.instance(engine), iface, func)
                try:
                    returned = ("returned", method(*args))
                except Err as exc:
                    returned = ("raised", exc.value)
            except Exception as exc:  # noqa: BLE001 - every engine error is a finding
                self.instances.pop(engine, None)
                fail(engine, "exception", expected_result, _exc(exc))
                continue
            received = list(self.responder.received)
            if len(received) != 1:
                fail(engine, "the import must be called exactly once", 1, received)
                continue
            try:
                got_args = tuple(plain(scope, t, v) for t, v in zip(func.params, received[0][1], strict=True))
            except (Mismatch, AttributeError, TypeError, ValueError, IndexError) as exc:
                got_args = _exc(exc)
            if got_args != expected_args:
                fail(
                    engine,
                    "the host import received other arguments than the export was given",
                    expected_args,
                    got_args,
                )
            try:
                got = self.observed_result(scope, func, parts, returned)
            except (Mismatch, AttributeError, TypeError, ValueError, IndexError) as exc:
                got = _exc(exc)
            if got != expected_result:
                fail(
                    engine, "the export returned another value than the import answered", expected_result, got
                )
            dropped = [o for o in made if o.closed]
            if dropped:
                fail(engine, "resources were dropped on the way", [], dropped)
            seen[engine] = (got_args, got)
        if len(seen) == 2 and len(set(map(repr, seen.values()))) != 1:
            fail("both", "engines disagree", seen.get("wasmtime"), seen.get("cabi"))
        return failures

    @staticmethod
    def observed_result(
        scope: Scope, func: Func, parts: tuple[Ty | None, Ty | None] | None, returned: tuple[str, Any]
    ) -> Any:
        how, value = returned
        if func.result is None:
            if how != "returned" or value is not None:
                raise Mismatch(f"a function without result gave {returned!r}")
            return None
        if parts is None:
            if how != "returned":
                raise Mismatch(f"raised Err({value!r}) from a function not returning a result")
            return plain(scope, func.result, value)
        which = parts[0] if how == "returned" else parts[1]
        return ("ok" if how == "returned" else "err", None if which is None else plain(scope, which, value))


def _exc(exc: BaseException) -> str:
    """``Type: message (at file:line; ...)`` of an exception, and of its innermost cause (where it began)."""

    def one(e: BaseException) -> str:
        tb = traceback.extract_tb(e.__traceback__)[-2:]
        where = "; ".join(f"{Path(f.filename).name}:{f.lineno}" for f in tb)
        return f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''} (at {where})"

    inner = exc
    seen = {id(inner)}
    while inner.__cause__ is not None and id(inner.__cause__) not in seen:
        inner = inner.__cause__
        seen.add(id(inner))
    return one(exc) if inner is exc else f"{one(exc)} <- {one(inner)}"


def run_world(
    seed: int,
    features: Features,
    gen_dir: Path,
    samples: int = 3,
    engines: tuple[str, ...] = ENGINES,
    **sizes: int,
) -> Outcome:
    """Build, bind and run one random world."""
    return Runner(random_world(seed, features, **sizes), gen_dir, engines).run(samples)


def failure_kind(f: Failure) -> str:
    """A short key grouping failures with one cause: the engine, what went wrong and, for
    exceptions, the exception's type and the words of its message (numbers and quoted names out)."""
    import re

    if f.what != "exception":
        return f"{f.engine}: {f.what}"
    text = re.sub(r"'[^']*'|\"[^\"]*\"|-?\d[\w.+-]*", "_", str(f.observed).split(" (at ")[0])
    return f"{f.engine}: {text[:120]}"


@dataclass
class Tally:
    """Outcomes of many worlds, and their failures grouped by kind."""

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
            found.setdefault(failure_kind(f), []).append(f)
        return dict(sorted(found.items(), key=lambda kv: -len(kv[1])))

    def summary(self) -> str:
        failed_functions = len(
            {(f.seed, f.function, f.wit_file) for f in self.failures if f.engine != "both"}
        )
        lines = [
            f"{self.worlds} worlds, {self.passed_interfaces}/{self.interfaces} interfaces passed, "
            f"{self.functions} functions ({failed_functions} failed), {self.calls} calls"
        ]
        for kind, fs in self.groups().items():
            lines.append(f"  {len(fs):4} x {kind}")
        return "\n".join(lines)
