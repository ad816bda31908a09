"""Mutation fuzzing of real components through generated bindings, on both engines.

    python bench/fuzz_components.py --count 20000 --seed 1          # a long run
    python bench/fuzz_components.py --count 2000 --components calc  # one seed component

Seed components: the e2e components calc, echo and relay (tests/e2e/build.py) and the hostile
WAT ones of tests/hostile/load_check_components.py. Each mutant (bytes flipped, LEB fields
rewritten, bytes inserted or deleted inside a section, sections dropped, duplicated or swapped,
the file cut short; component-level sections are favoured, as core modules are wasmtime's to
validate) is loaded through the seed's generated bindings, and every export is called with sample
arguments, on the cabi engine and (for all but a sample of the slow-to-compile relay mutants)
the wasmtime engine, with fuel and a memory limit so a mutated loop or `memory.grow` ends.

Worker processes run a few thousand mutants each and report; a worker killed by a signal is
counted as a signal death (its mutant named) and a new one goes on with the next mutant. The
summary (JSON with --json) counts the outcomes: clean errors (`LinkError`, `DecodeError`,
`Trap`, `InstanceDead`), successes, and "foreign" exceptions (anything else), each with the
seed, mutant index and traceback tail so it can be replayed (`--replay NAME:INDEX`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "hostile")]

E2E = {"calc": ("calculator", "calc.wit"), "echo": ("echo", "echo.wit"), "relay": ("relay", "relay.wit")}
WASMTIME_SAMPLE = {"relay": 0.05}
"""Share of mutants also run on the wasmtime engine (compiling relay takes ~90 ms)."""

CLEAN = {"LinkError", "DecodeError", "Trap", "InstanceDead", "ResourceDropped", "Timeout"}


# --- seeds -----------------------------------------------------------------------------------


class Seed:
    """A component, its bindings package and how to make its imports."""

    def __init__(self, name: str, data: bytes, pkg: Any, world: str, plan_only: bool = False) -> None:
        self.name, self.data, self.pkg = name, data, pkg
        self.world = None if pkg is None else getattr(pkg, world)
        self.imports_cls = None if pkg is None else getattr(pkg, world + "Imports")
        self.plan_only = plan_only
        """Only decode, plan and check it on the cabi engine (kitchen: instantiating CPython per
        mutant would take most of the run); its core modules are never mutated."""

    def imports(self) -> Any:
        fields = getattr(self.imports_cls, "__dataclass_fields__", {})
        given: dict[str, Any] = {}
        for name in fields:
            if name == "host":
                given[name] = type("Host", (), {"tick": staticmethod(lambda x: x * 2 & 0xFFFFFFFF)})()
            elif name == "log":
                given[name] = lambda msg: None
            elif name == "g":
                given[name] = lambda x: None
            elif name == "api":

                class R:
                    pass

                given[name] = type("Api", (), {"R": R})()
        return self.imports_cls(**given)


def _class_name(world: str) -> str:
    return "".join(p.capitalize() for p in world.split("-"))


def load_seeds(names: list[str], work: Path) -> list[Seed]:
    import load_check_components as L
    from e2e import build

    seeds = []
    for name in names:
        if name == "kitchen":
            seeds.append(Seed(name, build.build(name).read_bytes(), None, "", plan_only=True))
        elif name in E2E:
            world, wit = E2E[name]
            spec = build.SPECS[name]
            data = build.build(name).read_bytes()
            pkg = L.bindings((spec.dir / wit).read_text(), work, prefix=f"fz_{name}", world=world)
            seeds.append(Seed(name, data, pkg, _class_name(world)))
        else:
            case = next(c for c in L.BINDING_MISMATCHES + L.CORE_MISMATCHES if c.name == name)
            pkg = L.bindings(case.bindings_wit, work)
            seeds.append(Seed(name, L.build(case, work), pkg, "W"))
    return seeds


# --- mutation --------------------------------------------------------------------------------


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def sections(data: bytes) -> list[tuple[int, bytes]]:
    """The top-level sections of a (valid) component: (id, payload)."""
    out, pos = [], 8
    while pos < len(data):
        sid = data[pos]
        size, start = _uleb(data, pos + 1)
        out.append((sid, data[start : start + size]))
        pos = start + size
    return out


def assemble(preamble: bytes, parts: list[tuple[int, bytes]]) -> bytes:
    return preamble + b"".join(bytes([sid]) + _leb(len(p)) + p for sid, p in parts)


INTERESTING = [0, 1, 2, 0x3F, 0x40, 0x7F, 0x80, 0xFF]
BIG = [0, 1, 2, 16, 17, 255, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]


def mutate(data: bytes, rng: random.Random, core_share: float = 0.1) -> bytes:
    parts = sections(data)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        op = rng.random()
        # component-level sections are favoured: core modules (id 1) are wasmtime's to validate
        candidates = [i for i, (sid, _) in enumerate(parts) if sid != 1] or list(range(len(parts)))
        if not parts:
            break
        i = rng.choice(candidates) if rng.random() >= core_share else rng.randrange(len(parts))
        sid, payload = parts[i]
        buf = bytearray(payload)
        if op < 0.25 and buf:  # one byte
            buf[rng.randrange(len(buf))] = (
                rng.choice(INTERESTING) if rng.random() < 0.5 else rng.randrange(256)
            )
        elif op < 0.5 and buf:  # a LEB field
            pos = rng.randrange(len(buf))
            end = pos
            while end < len(buf) and buf[end] & 0x80 and end - pos < 5:
                end += 1
            buf[pos : end + 1] = _leb(rng.choice(BIG) if rng.random() < 0.7 else rng.randrange(1 << 32))
        elif op < 0.6 and buf:  # delete bytes
            pos = rng.randrange(len(buf))
            del buf[pos : pos + rng.randint(1, 8)]
        elif op < 0.7:  # insert bytes
            pos = rng.randrange(len(buf) + 1)
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op < 0.8:  # drop, duplicate or swap sections
            kind = rng.choice(["drop", "dup", "swap"])
            if kind == "drop":
                del parts[i]
            elif kind == "dup":
                parts.insert(rng.randrange(len(parts) + 1), parts[i])
            else:
                j = rng.randrange(len(parts))
                parts[i], parts[j] = parts[j], parts[i]
            continue
        elif op < 0.9 and buf:  # copy a run of bytes over another place
            a, b = rng.randrange(len(buf)), rng.randrange(len(buf))
            n = rng.randint(1, 16)
            buf[b : b + n] = buf[a : a + n]
        else:  # the section id
            sid = rng.choice([0, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13])
        parts[i] = (sid, bytes(buf))
    out = assemble(data[:8], parts)
    if rng.random() < 0.05:
        out = out[: rng.randrange(len(out) + 1)]
    return out


# --- running one mutant ----------------------------------------------------------------------


def sample(codec: Any, objects: dict[str, Any]) -> Any:
    """A valid Python value for `codec`'s type (a resource: one made earlier, or None)."""
    from witgen.runtime import codecs as c
    from witgen.runtime.types import Ok, Some

    match codec:
        case c.BoolCodec():
            return True
        case c.IntCodec():
            return 3
        case c.FloatCodec():
            return 1.5
        case c.CharCodec():
            return "é"
        case c.StringCodec():
            return "héllo"
        case c.BytesCodec():
            return b"bytes"
        case c.NumberListCodec() | c.ListCodec():
            return [sample(codec.elem, objects)] * 2
        case c.FixedListCodec():
            return [sample(codec.elem, objects)] * codec.size
        case c.MapCodec():
            return {sample(codec.key, objects): sample(codec.value, objects)}
        case c.TupleCodec():
            return tuple(sample(e, objects) for e in codec.elems)
        case c.RecordCodec():
            return codec.cls(*(sample(f, objects) for _, _, f in codec.fields))
        case c.VariantCodec():
            _, cls, payload = codec.cases[-1]
            return cls() if payload is None else cls(sample(payload, objects))
        case c.EnumCodec():
            return codec.members[-1]
        case c.FlagsCodec():
            return codec.cls(1)
        case c.OptionCodec():
            inner = sample(codec.inner, objects)
            return Some(inner) if codec.wrapped else inner
        case c.ResultCodec():
            return Ok(None if codec.ok is None else sample(codec.ok, objects))
        case c.GuestResourceCodec() | c.HostResourceCodec():
            return objects.get(codec.key)
    return None


def call_everything(instance: Any) -> None:
    """Call every export of `instance` (world-level, interfaces', resources') once."""
    from witgen.runtime.guest import GuestResource
    from witgen.runtime.sites import Exports

    objects: dict[str, Any] = {}
    holders = [instance] + [v for v in vars(instance).values() if isinstance(v, Exports)]
    for holder in holders:
        sites = vars(holder).get("_sites")
        for attr, spec in ({} if sites is None else sites.specs).items():
            getattr(holder, attr)(*(sample(codec, objects) for _, codec in spec[2]))
        for cls in [v for v in vars(holder).values() if isinstance(v, type) and issubclass(v, GuestResource)]:
            specs = cls._funcs.specs  # type: ignore[attr-defined]
            for key, spec in specs.items():
                args = [sample(codec, objects) for _, codec in spec[2]]
                if key.startswith("[constructor]"):
                    obj = cls(*args)
                    objects[spec[3].key] = obj
                elif key.startswith("[method]"):
                    obj = objects.get(spec[2][0][1].key)
                    if obj is not None:
                        obj._call(key, *args[1:])
                else:
                    cls._static(key, *args)


class Runner:
    """Engines with fuel, and how a mutant is run on each."""

    def __init__(self) -> None:
        import wasmtime

        config = wasmtime.Config()
        config.wasm_component_model_map = True
        config.consume_fuel = True
        config.cranelift_opt_level = "none"
        self.engine = wasmtime.Engine(config)
        self.wasmtime = wasmtime
        self._compile_core_once()

    def _compile_core_once(self) -> None:
        """Mutants share most core modules with their seed: compile each distinct module once."""
        from witgen.runtime.cabi import modules

        real = modules.compile_module
        memo: dict[bytes, Any] = {}

        def compile_module(engine: Any, data: Any, cache_dir: Any = None, key: Any = None) -> Any:
            raw = bytes(data)
            found = memo.get(raw)
            if found is None:
                # on disk by the module's own hash: workers share kitchen's compiled modules
                found = memo[raw] = real(engine, raw, os.environ.get("WITGEN_FUZZ_MODULES", False))
                if len(memo) > 256:
                    memo.pop(next(iter(memo)))
            return found

        modules.compile_module = compile_module  # type: ignore[assignment]

    def plan(self, data: bytes) -> str:
        """Decode, plan and check `data` on the cabi engine (no instance)."""
        from witgen.runtime.cabi import instantiate, modules

        try:
            prepared = modules.Prepared(data, self.engine, False, "fuzz")
            instantiate._plan_of(prepared)
            return "ok"
        except Exception as exc:  # noqa: BLE001
            name = type(exc).__name__
            return name if name in CLEAN else _foreign(exc)

    def run(self, seed: Seed, data: bytes, abi: str) -> str:
        """The outcome: "ok", a clean error's class name, or "FOREIGN <class>: <text>"."""
        if seed.plan_only:
            return self.plan(data)
        store = self.wasmtime.Store(self.engine)
        store.set_fuel(5_000_000)
        store.set_limits(memory_size=64 << 20, table_elements=100_000, instances=100, memories=100)
        try:
            instance = seed.world.from_bytes(
                data, imports=seed.imports(), abi=abi, engine=self.engine, store=store, cache_dir=False
            )
            call_everything(instance)
            return "ok"
        except Exception as exc:  # noqa: BLE001 - classifying is the point
            name = type(exc).__name__
            if name in CLEAN or any(k.__name__ in CLEAN for k in type(exc).__mro__):
                return name
            if isinstance(exc, TypeError | ValueError) and "parameter" in str(exc):
                return f"ArgumentError {str(exc)[:150]!r}"
            return _foreign(exc)


def _foreign(exc: BaseException) -> str:
    tail = traceback.format_exception(exc)[-6:]
    return f"FOREIGN {type(exc).__name__}: {str(exc)[:200]!r} | " + " ".join(
        line.strip().replace("\n", " ") for line in tail
    )


# --- the worker and the driver ---------------------------------------------------------------


def plan_of(names: list[str], count: int, seed: int) -> list[tuple[str, int]]:
    """(seed component, mutant index) for each input: the components in turn."""
    return [(names[i % len(names)], i) for i in range(count)]


def worker(args: argparse.Namespace) -> int:
    work = Path(args.work)
    names = args.components.split(",")
    seeds = {s.name: s for s in load_seeds(names, work)}
    runner = Runner()
    engines = args.engines.split(",")
    out = sys.stdout
    end = min(args.count, args.start + args.chunk)
    for name, index in plan_of(names, args.count, args.seed)[args.start : end]:
        s = seeds[name]
        rng = random.Random(f"{args.seed}:{name}:{index}")
        data = mutate(s.data, rng, 0.0 if s.plan_only else 0.1)
        print(f"B {index}", file=out, flush=True)
        for abi in engines:
            if abi == "wasmtime" and (s.plan_only or rng.random() >= WASMTIME_SAMPLE.get(name, 1.0)):
                continue
            outcome = runner.run(s, data, abi)
            print(
                f"R {index} {abi} {outcome}".replace("\n", " "), file=out, flush=outcome.startswith("FOREIGN")
            )
    print(f"END {end}", file=out, flush=True)
    return 0


def fuzz(
    count: int, seed: int, names: list[str], engines: str, timeout: float, chunk: int = 3000
) -> dict[str, Any]:
    """Run `count` mutants in worker processes; the summary."""
    outcomes: Counter[str] = Counter()
    deaths: list[dict[str, Any]] = []
    foreign: list[str] = []
    notes: list[str] = []
    hangs: list[dict[str, Any]] = []
    start, started = 0, time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="witgen-fuzz-") as tmp:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
        env["WITGEN_CACHE_DIR"] = tmp
        env["WITGEN_FUZZ_MODULES"] = os.environ["WITGEN_FUZZ_MODULES"] = str(Path(tmp) / "modules")
        seeds = load_seeds(names, Path(tmp))  # build and generate once, before the workers start
        if any(s.plan_only for s in seeds):
            runner = Runner()  # compile kitchen's modules once, into the shared cache
            for s in seeds:
                if s.plan_only:
                    assert runner.plan(s.data) == "ok", "the unmutated seed must plan"
        while start < count:
            cmd = [sys.executable, __file__, "--worker", "--work", tmp, "--count", str(count)]
            cmd += ["--start", str(start), "--seed", str(seed), "--components", ",".join(names)]
            cmd += ["--engines", engines, "--chunk", str(chunk)]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
                stdout, rc, timed_out = proc.stdout, proc.returncode, False
                stderr = proc.stderr
            except subprocess.TimeoutExpired as exc:
                stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
                stderr, rc, timed_out = "", None, True
            last, end = start - 1, None
            for line in stdout.splitlines():
                kind, _, rest = line.partition(" ")
                if kind == "END":
                    end = int(rest)
                elif kind == "B":
                    last = int(rest)
                elif kind == "R":
                    _, abi, outcome = rest.split(" ", 2)
                    label = f"{names[int(_) % len(names)]}:{_} {abi} {outcome}"
                    if outcome.startswith("FOREIGN"):
                        foreign.append(label)
                    elif " " in outcome and len(notes) < 20:
                        notes.append(label)
                    outcomes[f"{abi} {outcome.split(' ')[0]}"] += 1
            if end is not None:
                start = end
                continue
            where = {"mutant": f"{names[last % len(names)]}:{last}" if last >= 0 else None}
            if timed_out:
                hangs.append(where)
            elif rc is not None and rc < 0:
                deaths.append({**where, "signal": -rc})
            else:
                raise RuntimeError(f"the worker failed (exit {rc}):\n{stderr[-3000:]}")
            start = last + 1
    return {
        "inputs": count,
        "seconds": round(time.perf_counter() - started, 1),
        "signal_deaths": deaths,
        "hangs": hangs,
        "foreign": foreign,
        "examples": notes,
        "outcomes": dict(sorted(outcomes.items())),
    }


DEFAULT_COMPONENTS = "calc,echo,relay,eight-params,u64-f64,record-field-name,own-vs-borrow,realloc-type"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--components", default=DEFAULT_COMPONENTS)
    p.add_argument("--engines", default="cabi,wasmtime")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds a worker may run")
    p.add_argument("--json", help="write the summary here")
    p.add_argument("--replay", help="NAME:INDEX: run one mutant in this process, tracebacks shown")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    p.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--chunk", type=int, default=3000, help="mutants per worker process")
    args = p.parse_args(argv)
    if args.worker:
        return worker(args)
    names = args.components.split(",")
    if args.replay:
        name, _, index = args.replay.partition(":")
        with tempfile.TemporaryDirectory() as tmp:
            s = load_seeds([name], Path(tmp))[0]
            rng = random.Random(f"{args.seed}:{name}:{index}")
            data = mutate(s.data, rng)
            Path(f"mutant-{name}-{index}.wasm").write_bytes(data)
            runner = Runner()
            for abi in args.engines.split(","):
                print(abi, runner.run(s, data, abi))
        return 0
    summary = fuzz(args.count, args.seed, names, args.engines, args.timeout, args.chunk)
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return 1 if summary["signal_deaths"] or summary["foreign"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
