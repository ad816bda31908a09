"""Run random values through forwarding components on both engines and collect every disagreement.

For each function ``f`` of a random world (``model.py``), the host calls the export ``f`` with
random arguments; the forwarding guest (``forwarding.py``) calls the host's import ``f`` with
them; the host records what it received and answers a random result, which travels back out
through the export. Checked on each engine:

- the import saw the arguments sent and the export returned the import's answer (NaN-aware,
  resources as the same objects), and no resource was dropped on the way;
- an argument with one invalid value somewhere is refused (TypeError/ValueError naming the
  parameter) before the guest runs, and the instance lives on;
- an invalid answer from the import fails the call (TypeError/ValueError) and kills the instance;
- an exception raised by an import reaches the caller as itself and kills the instance;
- ``drop-r`` (the guest drops an owned handle) calls the object's ``close()`` once.

Across engines: the same observations, and the same error messages.
"""

from __future__ import annotations

import dataclasses
import inspect
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from witgen.runtime import InstanceDead
from witgen.runtime.types import Err

from . import forwarding
from .bindings import generate_bindings, wasmtime_engine
from .model import Func, Iface, Ty, World
from .report import Failure, Outcome, describe
from .values import HostR, Mismatch, Poison, Scope, canon, deref, gen, plain, to_python

ENGINES = ("wasmtime", "cabi")


class HostBoom(Exception):
    """Raised on purpose by a host import."""


@dataclass
class Responder:
    """The host's memory: what its imports received, and what they answer next."""

    received: list[tuple[Any, ...]] = field(default_factory=list)
    answer: Callable[[], Any] = lambda: None

    def make(self) -> Callable[..., Any]:
        def impl(*args: Any) -> Any:
            self.received.append(args)
            return self.answer()

        return impl


@dataclass
class Site:
    """One forwarded function of a world: where its types live and its bindings' modules."""

    iface: Iface | None
    func: Func
    exports: ModuleType | None  # the bindings' module of the exported interface (None: world level)
    imports: ModuleType | None

    @property
    def name(self) -> str:
        return f"{self.iface.name}.{self.func.name}" if self.iface else f"exp-{self.func.name}"

    def scope(self) -> Scope:
        return Scope(self.iface.defs if self.iface else {})

    def method(self, inst: Any) -> Callable[..., Any]:
        """The export on a world instance."""
        if self.iface is None:
            # `exp_f0_` beside an exported interface `exp-f0`: found by its docstring
            return getattr(inst, python_name(type(inst), f"exp-{self.func.name}"))  # type: ignore[no-any-return]
        doc = f"`witgen:fuzz/{self.iface.name}` (exported interface)."
        exports = next(v for v in vars(inst).values() if (type(v).__doc__ or "").startswith(doc))
        return getattr(exports, python_name(type(exports), self.func.name))  # type: ignore[no-any-return]

    def result_parts(self, scope: Scope) -> tuple[Ty | None, Ty | None] | None:
        """``(ok, err)`` when the function returns a ``result`` (returns ok, raises ``Err``), else None."""
        if self.func.result is None:
            return None
        t = deref(scope, self.func.result)
        return (t.args[0], t.args[1]) if isinstance(t, Ty) and t.kind == "result" else None

    def args(self, scope: Scope, pvs: list[Any], **how: Any) -> list[Any]:
        return [
            to_python(scope, self.exports, t, pv, **how) for t, pv in zip(self.func.params, pvs, strict=True)
        ]


def exports_class(mod: ModuleType | None) -> type:
    """The class of an exported interface in its bindings module (found by its docstring: a type
    of the interface may take its name)."""
    assert mod is not None
    for value in vars(mod).values():
        if isinstance(value, type) and (value.__doc__ or "").endswith("(exported interface)."):
            return value
    raise LookupError(f"no exported interface class in {mod.__name__}")


def python_name(cls: type, wit_name: str) -> str:
    """The name generated for function ``wit_name`` on a class (the one whose docstring calls it)."""
    for name, value in vars(cls).items():
        if callable(value) and (value.__doc__ or "").startswith(f"Calls `{wit_name}`."):
            return name
    raise LookupError(f"no method for `{wit_name}` on {cls.__qualname__}")


def _outcome(method: Callable[..., Any], args: list[Any]) -> str:
    """``"accepted"``, ``"TypeError: message"`` / ``"ValueError: message"``, or any other exception described."""
    try:
        method(*args)
        return "accepted"
    except (TypeError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - reported
        return describe(exc)


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
        self.wasm, self.wit = forwarding.build(world.wit(), world.features.resources, world.encoding)
        self.pkg = generate_bindings(self.wit, gen_dir, formatted)
        # wasmtime-py can't load components with fixed-length lists
        self.engines = tuple(e for e in engines if e == "cabi" or not world.features.fixed)
        self.poison = poison
        self.alt_forms = alt_forms
        self.responder = Responder()
        self.wt_engine = wasmtime_engine()
        self.instances: dict[str, Any] = {}
        self.failures: list[Failure] = []

    def site(self, iface: Iface | None, func: Func) -> Site:
        def module(side: str) -> ModuleType | None:
            if iface is None:
                return None
            doc = f"`witgen:fuzz/{iface.name}` ({side[:-1]}ed interface)."
            return next(m for m in vars(self.pkg).values() if isinstance(m, ModuleType) and m.__doc__ == doc)

        return Site(iface, func, module("exports"), module("imports"))

    def instance(self, engine: str) -> Any:
        """The live instance on ``engine`` (a new one after a trap)."""
        if engine not in self.instances:
            # WImports' fields follow the world's imports: `res`, the interfaces, the functions
            values: list[Any] = [type("ResHost", (), {"R": HostR})()]
            for iface in self.world.interfaces:
                host = type("Host", (), {})()
                protocol = exports_class(self.site(iface, iface.funcs[0]).exports)  # same method names
                for f in iface.funcs:
                    setattr(host, python_name(protocol, f.name), self.responder.make())
                values.append(host)
            values += [self.responder.make() for _ in self.world.imports]
            names = [f.name for f in dataclasses.fields(self.pkg.WImports)]
            imports = self.pkg.WImports(**dict(zip(names, values, strict=True)))
            self.instances[engine] = self.pkg.W.from_file(
                self.wasm, imports=imports, abi=engine, engine=self.wt_engine
            )
        return self.instances[engine]

    def fail(
        self, site: Site | None, engine: str, what: str, args: Any, expected: Any, observed: Any
    ) -> None:
        name, sig = (site.name, site.func.wit()) if site else ("drop-r", "func(x: r)")
        self.failures.append(
            Failure(self.world.seed, engine, name, sig, args, expected, observed, what, self.wit)
        )

    def run(self, samples: int = 3) -> Outcome:
        out = Outcome(self.world.seed, interfaces=len(self.world.interfaces), engines=self.engines)
        for index, (iface, func) in enumerate(self.world.functions()):
            site = self.site(iface, func)
            out.functions += 1
            before = len(self.failures)
            if self.poison:
                rng = random.Random(f"{self.world.seed}/{index}/poison")
                if func.params:
                    self.bad_argument(site, rng)
                if index % 4 == 0:  # costs a new instance per engine
                    self.bad_answer(site, rng)
            for sample in range(samples):
                out.calls += len(self.engines)
                if not self.round_trip(site, random.Random(f"{self.world.seed}/{index}/{sample}")):
                    break
            if len(self.failures) > before:
                out.failed_interfaces.add(iface.name if iface else "world")
        first = self.site(*next(self.world.functions()))
        for engine in self.engines:
            self.host_exception(first, engine)
            if self.world.features.resources:
                self.guest_drop(engine)
        out.failures = self.failures
        if any(f.function == "drop-r" or f.function == first.name for f in self.failures):
            out.failed_interfaces.add(first.iface.name if first.iface else "world")
        return out

    def round_trip(self, site: Site, rng: random.Random) -> bool:
        """Random arguments export -> import, a random answer back; False if anything failed."""
        scope = site.scope()
        func = site.func
        args_pv = [gen(rng, scope, t) for t in func.params]
        result_pv = None if func.result is None else gen(rng, scope, func.result)
        made = list(scope.made)
        parts = site.result_parts(scope)
        expected_args, expected_result = canon(tuple(args_pv)), canon(result_pv)
        before = len(self.failures)
        seen: dict[str, Any] = {}

        def answer() -> Any:
            if func.result is None:
                return None
            if parts is None:
                return to_python(scope, site.imports, func.result, result_pv)
            tag, payload = result_pv
            which = parts[0] if tag == "ok" else parts[1]
            value = None if which is None else to_python(scope, site.imports, which, payload)
            if tag == "err":
                raise Err(value)
            return value

        for engine in self.engines:
            self.responder.answer = answer
            self.responder.received.clear()
            alt = random.Random(f"{self.world.seed}/{engine}/{len(args_pv)}") if self.alt_forms else None
            args = site.args(scope, args_pv, alt=alt)
            try:
                method = site.method(self.instance(engine))
                try:
                    returned = ("returned", method(*args))
                except Err as exc:
                    returned = ("raised", exc.value)
            except Exception as exc:  # noqa: BLE001 - every engine error is a finding
                self.instances.pop(engine, None)
                self.fail(site, engine, "exception", args_pv, expected_result, describe(exc))
                continue
            received = list(self.responder.received)
            if len(received) != 1:
                self.fail(site, engine, "the import must be called exactly once", args_pv, 1, received)
                continue
            try:
                got_args: Any = tuple(
                    plain(scope, t, v) for t, v in zip(func.params, received[0], strict=True)
                )
            except (Mismatch, AttributeError, TypeError, ValueError, IndexError) as exc:
                got_args = describe(exc)
            if got_args != expected_args:
                what = "the host import received other arguments than the export was given"
                self.fail(site, engine, what, args_pv, expected_args, got_args)
            try:
                got = self.observed_result(scope, func, parts, returned)
            except (Mismatch, AttributeError, TypeError, ValueError, IndexError) as exc:
                got = describe(exc)
            if got != expected_result:
                what = "the export returned another value than the import answered"
                self.fail(site, engine, what, args_pv, expected_result, got)
            dropped = [o for o in made if o.closed]
            if dropped:
                self.fail(site, engine, "resources were dropped on the way", args_pv, [], dropped)
            seen[engine] = (got_args, got)
        if len(seen) == 2 and len(set(map(repr, seen.values()))) != 1:
            self.fail(site, "both", "engines disagree", args_pv, seen.get("wasmtime"), seen.get("cabi"))
        return len(self.failures) == before

    @staticmethod
    def observed_result(
        scope: Scope, func: Func, parts: tuple[Ty | None, Ty | None] | None, returned: tuple[str, Any]
    ) -> Any:
        """The plain form of what the export gave (a ``result``'s Err raised or its ok returned)."""
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

    def bad_argument(self, site: Site, rng: random.Random) -> None:
        """One invalid value somewhere in the arguments: refused with TypeError/ValueError naming
        the parameter before the guest runs (the import is not called), the same on both engines."""
        scope = site.scope()
        args_pv = [gen(rng, scope, t) for t in site.func.params]
        counter = Poison(rng)
        site.args(scope, args_pv, poison=counter)
        poison = Poison(rng, target=rng.randrange(counter.seen)) if counter.seen else None
        if poison is None:
            return
        args, where = [], -1
        for i, (t, pv) in enumerate(zip(site.func.params, args_pv, strict=True)):
            args.append(to_python(scope, site.exports, t, pv, poison))
            if poison.placed and where < 0:
                where = i
        described = f"{args_pv!r} with {poison.placed} in p{where}"
        seen: dict[str, str] = {}
        for engine in self.engines:
            self.responder.received.clear()
            self.responder.answer = lambda: None
            method = site.method(self.instance(engine))
            outcome = seen[engine] = _outcome(method, args)
            if not outcome.startswith(("TypeError", "ValueError")):
                self.instances.pop(engine, None)
            param = list(inspect.signature(method).parameters)[where]
            if f"parameter '{param}'" not in outcome or not outcome.startswith(("TypeError", "ValueError")):
                expected = f"TypeError/ValueError naming parameter '{param}'"
                self.fail(site, engine, "an invalid argument must be refused", described, expected, outcome)
            elif self.responder.received:
                self.fail(site, engine, "an invalid argument reached the import", described, [], "called")
        if len(set(seen.values())) > 1:
            what = "engines refuse an invalid argument differently"
            self.fail(site, "both", what, described, seen.get("wasmtime"), seen.get("cabi"))

    def bad_answer(self, site: Site, rng: random.Random) -> None:
        """An import answering an invalid value: the call fails with TypeError/ValueError saying so,
        the same on both engines, and the instance is dead after."""
        func = site.func
        if func.result is None:
            return
        scope = site.scope()
        args_pv = [gen(rng, scope, t) for t in func.params]
        result_pv = gen(rng, scope, func.result)
        ty: Ty | None = func.result
        parts = site.result_parts(scope)
        if parts is not None:  # the host answers the ok payload
            tag, result_pv = result_pv
            ty = parts[0] if tag == "ok" else None
        if ty is None:
            return
        counter = Poison(rng)
        to_python(scope, site.imports, ty, result_pv, counter)
        if not counter.seen:
            return
        poison = Poison(rng, target=rng.randrange(counter.seen))
        answer = to_python(scope, site.imports, ty, result_pv, poison)
        args = site.args(scope, args_pv)
        described = f"answer {result_pv!r} with {poison.placed}"
        seen: dict[str, str] = {}
        for engine in self.engines:
            self.responder.answer = lambda: answer
            method = site.method(self.instance(engine))
            outcome = seen[engine] = _outcome(method, args)
            try:
                method(*args)
                after = "alive"
            except InstanceDead:
                after = "dead"
            except Exception as exc:  # noqa: BLE001 - reported
                after = describe(exc)
            self.instances.pop(engine, None)
            if not outcome.startswith(("TypeError", "ValueError")) or "returned a bad value" not in outcome:
                expected = "TypeError/ValueError: ... returned a bad value"
                self.fail(site, engine, "an invalid answer must fail the call", described, expected, outcome)
            if after != "dead":
                what = "the instance must be dead after an invalid answer"
                self.fail(site, engine, what, described, "InstanceDead", after)
        if len(set(seen.values())) > 1:
            what = "engines refuse an invalid answer differently"
            self.fail(site, "both", what, described, seen.get("wasmtime"), seen.get("cabi"))

    def host_exception(self, site: Site, engine: str) -> None:
        """An exception raised by an import reaches the export's caller as itself; the instance is
        dead after."""
        scope = site.scope()
        rng = random.Random(f"{self.world.seed}/boom")
        args_pv = [gen(rng, scope, t) for t in site.func.params]
        args = site.args(scope, args_pv)
        boom = HostBoom()

        def answer() -> Any:
            raise boom

        self.responder.answer = answer
        method = site.method(self.instance(engine))
        try:
            method(*args)
            observed = "returned"
        except HostBoom as exc:
            observed = "the same exception" if exc is boom else describe(exc)
        except Exception as exc:  # noqa: BLE001 - reported
            observed = describe(exc)
        if observed != "the same exception":
            what = "an exception raised by the import must reach the caller as itself"
            self.fail(site, engine, what, args_pv, "the same exception", observed)
        try:
            method(*args)
            after = "returned"
        except InstanceDead:
            after = "InstanceDead"
        except Exception as exc:  # noqa: BLE001 - reported
            after = describe(exc)
        if after != "InstanceDead":
            what = "a call after an import raised must find the instance dead"
            self.fail(site, engine, what, args_pv, "InstanceDead", after)
        self.instances.pop(engine, None)

    def guest_drop(self, engine: str) -> None:
        """``drop-r``: the guest drops the owned handle it is given; the object's ``close()`` runs once."""
        obj = HostR(-1)
        try:
            inst = self.instance(engine)
            getattr(inst, python_name(type(inst), "drop-r"))(obj)  # `drop_r_` beside an interface `drop-r`
            closed: Any = obj.closed
        except Exception as exc:  # noqa: BLE001 - reported
            closed = describe(exc)
        if closed != 1:
            what = "dropping an owned handle in the guest must call close() once"
            self.fail(None, engine, what, (obj,), "close() once", closed)


def run_world(world: World, gen_dir: Path, samples: int = 3, **options: Any) -> Outcome:
    """Build, bind and run one world; bindings that fail to generate or import are a failure too."""
    try:
        runner = Runner(world, gen_dir, **options)
    except Exception as exc:  # noqa: BLE001 - reported
        wit = forwarding.build(world.wit(), world.features.resources, world.encoding)[1]
        failure = Failure(
            world.seed,
            "bindings",
            "(world)",
            "",
            None,
            "importable bindings",
            describe(exc),
            "the generated bindings must import",
            wit,
        )
        return Outcome(
            world.seed,
            len(world.interfaces),
            failures=[failure],
            failed_interfaces={i.name for i in world.interfaces},
        )
    try:
        return runner.run(samples)
    except Exception as exc:  # noqa: BLE001 - e.g. instantiation failed: reported
        failure = Failure(
            world.seed,
            "run",
            "(world)",
            "",
            None,
            "a run to the end",
            describe(exc),
            "instantiating or calling failed outside the checks",
            runner.wit,
        )
        return Outcome(
            world.seed,
            len(world.interfaces),
            failures=[*runner.failures, failure],
            failed_interfaces={i.name for i in world.interfaces},
            engines=runner.engines,
        )
