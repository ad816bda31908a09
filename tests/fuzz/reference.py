"""The generated host bindings' call sites against the reference lift/lower (`witgen.abi.definitions`),
in both call directions, through "recorder" components (issue 19, item 2).

A recorder's core module (WAT generated here) does no work of its own: it shows the host the core
values the Canonical ABI put on the wire, and puts there core values the test prepared.

- Export direction (the bindings lower the arguments, lift the result): every lifted export
  stores its flat core parameters (spilled: the one pointer) at ``TAP``, fetches the answer the
  test prepared (``ref-fill``), hands its memory to the host (``ref-tap``) and returns the core
  result found at ``ANSWER``. The test lifts the tapped parameters with the reference and
  compares them with the arguments sent, and flat core values with the reference's lowering of
  the same arguments (canonical: a true ``bool`` is 1, an ``s8`` of -1 is 0xFFFFFFFF, unused
  variant slots are 0; pointers aside); the answer was lowered by the reference, and the value
  the bindings returned must be it.
- Import direction (the bindings lift the arguments, lower the result): ``ref-run(which)``
  fetches the core arguments the test lowered with the reference (spilled: a pointer into the
  answer area), taps its memory, calls the lowered import ``which`` with them (and a return
  pointer when its result spills), stores the core result (or the return pointer) at ``TAP``
  and taps again. The host import must have received the values lowered, and the reference
  lifting of the tapped result must be what the import returned (a flat one canonical too).
- Corrupted calls (``RefRunner.run(corrupt=N)``): one byte of the prepared core values or memory
  is changed. The bindings must then trap (``witgen.runtime.Trap``) exactly when the reference
  lifting of the same memory traps, and else give what it lifts.

Memory: ``TAP`` (16 core values of 8 bytes), ``SCRATCH`` (``ref-fill``'s return area), the
answer area at ``ANSWER`` (a header of 16 core values, then what the reference allocated, its
unused bytes random; zeros after it) below ``HEAP_BASE``, where ``cabi_realloc`` (a bump
allocator, zeroed and reset by every post-return) starts. ``ref-fill`` carries the answer area
and ``ref-tap`` the memory below it, the heap and the memory's size, as ``list<u8>``s (and
where above the heap a byte is not zero, which would be the host's stray write): the test
puts the whole memory together (``Host.memory``) without reaching into an engine, so it runs
the same on the wasmtime engine, where it checks wasmtime's ABI against the reference, i.e. the
reference itself.

Values are compared in the fuzz harness's plain form (``values.canon``): the reference's form
(``definitions.py``'s docstring) is converted to it by ``from_ref``, arguments to it by ``to_ref``.
Resources are left out (worlds are made with ``resources=False``).
"""

from __future__ import annotations

import dataclasses
import random
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from abi.oracle import world_functions

from witgen.abi import Flattener, Layout, func_signature
from witgen.abi import definitions as ref
from witgen.abi.signature import MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, CoreSignature
from witgen.component import types as t
from witgen.resolve import load
from witgen.resolve.structural import Structural
from witgen.runtime.cabi import fastcall
from witgen.runtime.errors import Trap
from witgen.runtime.types import Err
from witgen.runtime.world import load_file

from . import forwarding
from .bindings import generate_bindings, wasmtime_engine
from .harness import Runner, Site, exports_class, python_name
from .model import ENCODINGS, Func, Iface, World
from .report import Failure, Outcome, describe
from .values import HostR, Mismatch, Scope, canon, gen, plain

ENGINES = ("cabi", "cabi-plain", "wasmtime")
"""The cabi engine with its compiled helper (`_wire`), without it (`fastcall.COMPILED` off), wasmtime."""
TAP = 64
SCRATCH = 32
ANSWER = 1024
HEADER = 16 * 8
HEAP_BASE = 65536
ENCODING = {"utf8": "utf8", "utf16": "utf16", "compact-utf16": "latin1+utf16"}
GROW_PAGES = 64
"""With ``grow``, memories grow at every allocation up to this many pages."""
RERUN = "python bench/fuzz_diff.py --reference --seed {seed} --count 1 -v"


# --- values: the fuzz harness's plain form <-> the reference's ---------------------------------


def to_ref(vt: t.ValType, pv: Any) -> Any:
    """The reference's value for plain value ``pv`` (from ``values.gen``) of ``vt``."""
    match vt:
        case t.Record(fields):
            return tuple(to_ref(f, x) for (_, f), x in zip(fields, pv, strict=True))
        case t.Tuple(elems):
            return tuple(to_ref(e, x) for e, x in zip(elems, pv, strict=True))
        case t.Variant(cases):
            _, i, payload = pv
            case = cases[i][1]
            return i, None if case is None else to_ref(case, payload)
        case t.Enum():
            return pv[1], None
        case t.Flags():
            return pv[1]
        case t.Option(elem):
            return (0, None) if pv is None else (1, to_ref(elem, pv[1]))
        case t.Result(ok, err):
            tag, payload = pv
            which = ok if tag == "ok" else err
            return (0 if tag == "ok" else 1), None if which is None else to_ref(which, payload)
        case t.ListType(elem, _):
            return [to_ref(elem, x) for x in pv]
        case t.Map(key, value):
            return [(to_ref(key, k), to_ref(value, v)) for k, v in pv]
        case t.Prim():
            return pv
    raise AssertionError(f"no values of {vt} here (resources are left out)")


def from_ref(vt: t.ValType, rv: Any) -> Any:
    """The plain form of the reference's value ``rv`` of ``vt`` (``to_ref``'s inverse)."""
    match vt:
        case t.Record(fields):
            return tuple(from_ref(f, x) for (_, f), x in zip(fields, rv, strict=True))
        case t.Tuple(elems):
            return tuple(from_ref(e, x) for e, x in zip(elems, rv, strict=True))
        case t.Variant(cases):
            i, payload = rv
            case = cases[i][1]
            return ("case", i, None if case is None else from_ref(case, payload))
        case t.Enum():
            return ("enum", rv[0])
        case t.Flags():
            return ("flags", rv)
        case t.Option(elem):
            return None if rv[0] == 0 else ("some", from_ref(elem, rv[1]))
        case t.Result(ok, err):
            i, payload = rv
            which = (ok, err)[i]
            return ("ok" if i == 0 else "err", None if which is None else from_ref(which, payload))
        case t.ListType(elem, _):
            return tuple(from_ref(elem, x) for x in rv)
        case t.Map(key, value):
            # as a dict: a key that comes again takes the first one's place with its value
            return tuple({from_ref(key, k): from_ref(value, v) for k, v in rv}.items())
        case t.Prim():
            return rv
    raise AssertionError(f"no values of {vt} here (resources are left out)")


# --- core values in memory -------------------------------------------------------------------

_CORE = {"i32": "<I", "i64": "<Q", "f32": "<f", "f64": "<d"}


def put_core(mem: bytearray, at: int, core: str, v: Any) -> None:
    if core in ("i32", "i64"):
        v %= 1 << (32 if core == "i32" else 64)
    struct.pack_into(_CORE[core], mem, at, v)


def get_core(mem: bytes | bytearray | memoryview, at: int, core: str) -> Any:
    return struct.unpack_from(_CORE[core], mem, at)[0]


class ImageFull(Exception):
    """A value does not fit in the answer area (the sample is skipped)."""


@dataclass
class Image:
    """The answer area as the reference lowers into it: header of core values, then allocations."""

    encoding: str
    flattener: Flattener
    mem: bytearray
    top: int = ANSWER + HEADER

    def context(self) -> ref.LiftLowerContext:
        return ref.LiftLowerContext(lambda: self.mem, self.realloc, self.encoding, self.flattener)

    def realloc(self, old: int, old_size: int, align: int, size: int) -> int:
        assert old == old_size == 0
        ptr = -(-self.top // align) * align
        if ptr + size > HEAP_BASE:
            raise ImageFull(f"{size} bytes past the answer area")
        self.top = ptr + size
        return ptr

    def header(self, cores: list[str], values: list[Any]) -> None:
        for i, (core, v) in enumerate(zip(cores, values, strict=True)):
            put_core(self.mem, ANSWER + 8 * i, core, v)

    def bytes(self) -> bytes:
        return bytes(self.mem[ANSWER : self.top])

    def corrupt(self, rng: random.Random, cores: list[str]) -> bool:
        """Change one byte of the header's core values ``cores`` or of what was allocated
        (False: there is nothing to change)."""
        header = [ANSWER + 8 * i + b for i, c in enumerate(cores) for b in range(4 if c[1:] == "32" else 8)]
        allocated = range(ANSWER + HEADER, self.top)
        if not header and not allocated:
            return False
        at = rng.choice(header) if header and (not allocated or rng.random() < 0.5) else rng.choice(allocated)
        self.mem[at] ^= rng.choice([0x01, 0x80, 0xFF, rng.randint(1, 255)])
        return True


# --- the recorder component ------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """One function of the world: its export and its import, their core signatures and types."""

    func_type: t.FuncType
    export: str  # core export name
    module: str  # core import module
    field: str  # core import field
    lift: CoreSignature
    lower: CoreSignature


def plan(wit: Path) -> dict[tuple[str | None, str], Recorded]:
    """The recorded functions of world ``w`` by (interface, model function name)."""
    loaded = load(wit)
    resolve = loaded.resolve
    world = resolve.worlds[loaded.select_world("w")]
    structural, flattener = Structural(resolve), Flattener(Layout())
    imports = {(iface, f.name): f for iface, f in world_functions(resolve, world.imports)}
    found = {}
    for iface, func in world_functions(resolve, world.exports):
        if iface is None and not func.name.startswith("exp-"):
            continue
        key = (iface, func.name) if iface else (None, "imp-" + func.name[4:])
        ft = structural.func(func)
        assert ft == structural.func(imports[key])
        found[(iface.split("/")[-1] if iface else None, func.name[4:] if iface is None else func.name)] = (
            Recorded(
                ft,
                f"{iface}#{func.name}" if iface else func.name,
                iface or "$root",
                key[1],
                func_signature(flattener, ft, "lift"),
                func_signature(flattener, ft, "lower"),
            )
        )
    return found


STRAY = """  (func $stray (result i32) (local $p i32) (local $end i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.mul (memory.size) (i32.const 65536)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (if (i32.load8_u (local.get $p)) (then (return (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $next)))
    (i32.const -1))"""
"""Where above the heap memory is not zero (-1: nowhere): the host wrote past an allocation."""


WORLD_ITEMS = """  import ref-fill: func() -> list<u8>;
  import ref-tap: func(low: list<u8>, heap: list<u8>, size: u32, stray: s32);
  export ref-run: func(which: u32);
"""


def recorder_wit(world: World) -> str:
    """The world's WIT with the recorder's own functions added to world ``w``."""
    text = world.wit()
    assert not world.features.resources and text.endswith("}\n")
    return text[: -len("}\n")] + WORLD_ITEMS + "}\n"


def _q(name: str) -> str:
    return '"' + name + '"'


def _sig(params: tuple[str, ...], results: tuple[str, ...]) -> str:
    return "".join(f" (param {p})" for p in params) + "".join(f" (result {r})" for r in results)


def wat(recorded: list[Recorded], grow: bool = False) -> str:
    """The recorder core module (``ref-run``'s ``which`` indexes ``recorded``); ``grow``: every
    ``cabi_realloc`` grows the memory by a page (up to ``GROW_PAGES``), so that the host's
    allocations move it on an engine whose memories move."""
    # the heap is zeroed as it is reset: above it memory is zeros (`Host.memory` counts on it)
    realloc = forwarding.REALLOC.replace(
        f"(global.set $heap (i32.const {forwarding.HEAP_BASE}))",
        f"(memory.fill (i32.const {HEAP_BASE}) (i32.const 0) (i32.sub (global.get $heap) (i32.const {HEAP_BASE})))"
        f" (global.set $heap (i32.const {HEAP_BASE}))",
    )
    if grow:
        head = (
            '(func $realloc (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)\n    (local $p i32)'
        )
        assert head in realloc
        realloc = realloc.replace(
            head,
            f"{head}\n    (if (i32.lt_u (memory.size) (i32.const {GROW_PAGES}))"
            " (then (drop (memory.grow (i32.const 1)))))",
        )
    out = ["(module"]
    for i, r in enumerate(recorded):
        out.append(
            f"  (import {_q(r.module)} {_q(r.field)} (func $imp{i}{_sig(r.lower.params, r.lower.results)}))"
        )
    out += [
        '  (import "$root" "ref-fill" (func $ref_fill (param i32)))',
        '  (import "$root" "ref-tap" (func $ref_tap (param i32 i32 i32 i32 i32 i32)))',
        f'  (memory (export "memory") {HEAP_BASE // 65536 + 1})',
        f"  (global $heap (mut i32) (i32.const {HEAP_BASE}))",
        realloc,
        "  (func $fill",
        f"    (call $ref_fill (i32.const {SCRATCH}))",
        f"    (memory.copy (i32.const {ANSWER}) (i32.load (i32.const {SCRATCH}))"
        f" (i32.load (i32.const {SCRATCH + 4})))",
        f"    (memory.fill (i32.add (i32.const {ANSWER}) (i32.load (i32.const {SCRATCH + 4}))) (i32.const 0)"
        f" (i32.sub (i32.const {HEAP_BASE - ANSWER}) (i32.load (i32.const {SCRATCH + 4})))))",
        f"  (func $tap (call $ref_tap (i32.const 0) (i32.const {ANSWER}) (i32.const {HEAP_BASE})"
        f" (i32.sub (global.get $heap) (i32.const {HEAP_BASE})) (i32.mul (memory.size) (i32.const 65536))"
        " (call $stray)))",
        STRAY,
    ]
    for i, r in enumerate(recorded):
        stores = [
            f"    ({p}.store (i32.const {TAP + 8 * j}) (local.get {j}))" for j, p in enumerate(r.lift.params)
        ]
        answer = [f"    ({c}.load (i32.const {ANSWER}))" for c in r.lift.results]
        out.append(f"  (func (export {_q(r.export)}){_sig(r.lift.params, r.lift.results)}")
        out += [*stores, "    (call $fill)", "    (call $tap)", *answer, "  )"]
        out.append(f"  (func (export {_q('cabi_post_' + r.export)}){_sig(r.lift.results, ())} (call $reset))")
        # import direction: core arguments from the answer header, the result (or retptr) to TAP
        ret = r.lower.retptr
        cores = r.lower.params[:-1] if ret else r.lower.params
        args = [f"({c}.load (i32.const {ANSWER + 8 * j}))" for j, c in enumerate(cores)]
        out.append(f"  (func $run{i} (local $ret i32)")
        if ret:
            layout = Layout().fields([] if r.func_type.result is None else [r.func_type.result])
            out.append(
                f"    (local.set $ret (call $realloc (i32.const 0) (i32.const 0)"
                f" (i32.const {layout.align}) (i32.const {layout.size})))"
            )
        out.append("    (call $tap)")  # the memory the import's arguments are lifted from
        if ret:
            out.append(f"    (call $imp{i} {' '.join(args)} (local.get $ret))")
            out.append(f"    (i32.store (i32.const {TAP}) (local.get $ret))")
        elif r.lower.results:
            (core,) = r.lower.results
            out.append(f"    ({core}.store (i32.const {TAP}) (call $imp{i} {' '.join(args)}))")
        else:
            out.append(f"    (call $imp{i} {' '.join(args)})")
        out.append("  )")
    out.append('  (func (export "ref-run") (param i32)')
    out.append("    (call $fill)")
    out += [
        f"    (if (i32.eq (local.get 0) (i32.const {i})) (then (call $run{i})))" for i in range(len(recorded))
    ]
    out += ["    (call $tap))", '  (func (export "cabi_post_ref-run") (call $reset))', ")"]
    return "\n".join(out) + "\n"


def build(
    world: World, grow: bool = False
) -> tuple[Path, Path, list[Recorded], dict[tuple[str | None, str], int]]:
    """The recorder component of ``world``: (component, WIT, recorded functions, their index by key)."""
    text = recorder_wit(world)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "w.wit").write_text(text)
        by_key = plan(Path(tmp) / "w.wit")
    recorded = list(by_key.values())
    module = wat(recorded, grow)
    wasm, wit = forwarding.build_module(text, module, world.encoding, "rec")
    return wasm, wit, recorded, {k: i for i, k in enumerate(by_key)}


# --- the runs --------------------------------------------------------------------------------


@dataclass
class Host:
    """The host's side of the recorder's own imports, and what the world's imports received."""

    image: bytes = b""
    taps: list[tuple[bytes, bytes, int, int]] = field(default_factory=list)
    received: list[tuple[Any, ...]] = field(default_factory=list)
    answer: Callable[[], Any] = lambda: None

    def fill(self) -> bytes:
        return self.image

    def tap(self, low: bytes, heap: bytes, size: int, stray: int) -> None:
        """The guest's memory below the answer area, its heap, and its size (the answer area is
        the image and zeros, and above the heap is zeros: ``memory`` puts it together), and
        where above the heap a byte is not zero (-1: nowhere)."""
        self.taps.append((bytes(low), bytes(heap), size, stray))

    def memory(self, tap: int) -> bytearray:
        low, heap, size, _ = self.taps[tap]
        answer = self.image + bytes(HEAP_BASE - ANSWER - len(self.image))
        return bytearray(low + answer + heap + bytes(size - HEAP_BASE - len(heap)))

    def make(self) -> Callable[..., Any]:
        def impl(*args: Any) -> Any:
            self.received.append(args)
            return self.answer()

        return impl


@dataclass
class Counts:
    """What one world's run checked."""

    functions: int = 0
    values: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    corrupted: int = 0  # calls with one byte of the answer area changed
    traps: int = 0  # engine calls the reference traps on (all corrupted)


class RefRunner(Runner):
    """One world's recorder on each engine; ``run`` checks every function both ways."""

    def __init__(
        self, world: World, gen_dir: Path, engines: tuple[str, ...] = ENGINES, moving: bool = False
    ) -> None:
        """``moving``: memories move whenever they grow, and grow at every allocation."""
        assert not world.features.resources
        self.world = world
        self.wasm, self.wit, self.recorded, self.index = build(world, grow=moving)
        self.pkg = generate_bindings(self.wit, gen_dir)
        self.engines = tuple(e for e in engines if e != "wasmtime" or not world.features.fixed)
        self.host = Host()
        self.wt_engine = wasmtime_engine(moving)
        self.instances: dict[str, Any] = {}
        self.components: dict[str, Any] = {}
        self.failures: list[Failure] = []
        self.counts = Counts()
        self.flattener = Flattener(Layout())
        self.encoding = ENCODING[world.encoding]

    def instance(self, engine: str) -> Any:
        if engine not in self.instances:
            values: list[Any] = [type("ResHost", (), {"R": HostR})()]
            for iface in self.world.interfaces:
                host = type("Host", (), {})()
                protocol = exports_class(self.site(iface, iface.funcs[0]).exports)
                for f in iface.funcs:
                    setattr(host, python_name(protocol, f.name), self.host.make())
                values.append(host)
            values += [self.host.make() for _ in self.world.imports]
            values += [self.host.fill, self.host.tap]
            names = [f.name for f in dataclasses.fields(self.pkg.WImports)]
            imports = self.pkg.WImports(**dict(zip(names, values, strict=True)))
            if engine not in self.components:  # compiled once: calls that trap need new instances
                abi = engine.split("-")[0]
                self.components[engine] = load_file(self.wasm, self.wt_engine, False, abi)  # type: ignore[arg-type]
            with mock.patch.object(fastcall, "COMPILED", engine != "cabi-plain" and fastcall.COMPILED):
                inst = self.pkg.W(self.components[engine], imports=imports, engine=self.wt_engine)
            if engine.startswith("cabi"):
                assert inst._rt.compiled == (engine == "cabi" and fastcall.COMPILED)
            self.instances[engine] = inst
        return self.instances[engine]

    def fail(
        self, site: Site | None, engine: str, what: str, args: Any, expected: Any, observed: Any
    ) -> None:
        super().fail(site, engine, what, args, expected, observed)
        self.failures[-1].rerun = RERUN

    def recorded_of(self, iface: Iface | None, func: Func) -> tuple[int, Recorded]:
        i = self.index[(iface.name if iface else None, func.name)]
        return i, self.recorded[i]

    def image(self, rng: random.Random) -> Image:
        """An answer area to lower into, its unused bytes (padding, unused payload) random."""
        return Image(self.encoding, self.flattener, bytearray(rng.randbytes(HEAP_BASE)))

    def tapped(self, site: Site, engine: str, pvs: Any, taps: int) -> ref.LiftLowerContext | None:
        """The reference's view of the guest memory at the first of the ``taps`` taps the call
        must have made, none of which found stray bytes above the heap (else reported: None)."""
        if len(self.host.taps) != taps:
            what = f"the guest must tap its memory {taps} times"
            self.fail(site, engine, what, pvs, taps, len(self.host.taps))
            return None
        stray = [tap[3] for tap in self.host.taps if tap[3] != -1]
        if stray:
            what = "memory above the guest's heap was written to: the bindings wrote past what they allocated"
            self.fail(site, engine, what, pvs, "zeros above the heap", f"a byte at {stray[0]}")
            return None
        return self.context(self.host.memory(0))

    def canonical(self, values: list[Any], types: list[t.ValType], max_flat: int) -> list[Any]:
        """The flat core values the reference lowers ``values`` to, None where a pointer goes
        (those differ between two lowerings allocating at different places)."""
        one, other = Image(self.encoding, self.flattener, bytearray(HEAP_BASE)), self.image_at(64)
        flat = ref.lower_flat_values(one.context(), max_flat, values, types)
        moved = ref.lower_flat_values(other.context(), max_flat, values, types)
        return [x if x == y or isinstance(x, float) else None for x, y in zip(flat, moved, strict=True)]

    def image_at(self, offset: int) -> Image:
        return Image(self.encoding, self.flattener, bytearray(HEAP_BASE), ANSWER + HEADER + offset)

    def context(self, mem: bytearray) -> ref.LiftLowerContext:
        return ref.LiftLowerContext(lambda: mem, None, self.encoding, self.flattener)

    def run(self, samples: int = 2, corrupt: int = 0) -> Outcome:
        """``samples`` valid calls of every function each way, then ``corrupt`` calls each way
        with one byte of the prepared answer area (core values or memory) changed at random."""
        out = Outcome(self.world.seed, interfaces=len(self.world.interfaces), engines=self.engines)
        for index, (iface, func) in enumerate(self.world.functions()):
            site = self.site(iface, func)
            out.functions += 1
            self.counts.functions += 1
            before = len(self.failures)
            for sample in range(samples + corrupt):
                rng = random.Random(f"{self.world.seed}/{index}/{sample}/reference")
                bad = sample >= samples
                try:
                    ok = self.export_direction(site, rng, bad)
                    ok = self.import_direction(site, rng, bad) and ok
                except ImageFull:
                    self.counts.skipped += 1
                    continue
                if not ok:
                    break
            if len(self.failures) > before:
                out.failed_interfaces.add(iface.name if iface else "world")
        out.calls = sum(self.counts.calls.values())
        out.failures = self.failures
        return out

    def _call(
        self, site: Site, engine: str, pvs: Any, method: Callable[[Any], Callable[..., Any]], *args: Any
    ) -> tuple[str, Any]:
        """``method(instance)(*args)`` on ``engine``: ``("returned", value)``, ``("raised", err
        value)`` (a ``result``'s err), ``("trap", message)`` (the instance is dropped), or
        ``("exception", description)`` for anything else (reported)."""
        self.counts.calls[engine] = self.counts.calls.get(engine, 0) + 1
        self.host.taps.clear()
        self.host.received.clear()
        try:
            inst = self.instance(engine)
            try:
                return ("returned", method(inst)(*args))
            except Err as exc:
                return ("raised", exc.value)
        except Trap as exc:
            self.instances.pop(engine, None)
            return ("trap", str(exc).splitlines()[0] if str(exc) else "")
        except Exception as exc:  # noqa: BLE001 - every other engine error is a finding
            self.instances.pop(engine, None)
            self.fail(site, engine, "exception", pvs, None, describe(exc))
            return ("exception", describe(exc))

    def export_direction(self, site: Site, rng: random.Random, bad: bool = False) -> bool:
        """The bindings lower the arguments (lifted here by the reference), and lift the answer
        the reference lowered (``bad``: with one byte changed; then they must trap exactly when
        the reference does, and else return what it lifts)."""
        scope, func = site.scope(), site.func
        _, rec = self.recorded_of(site.iface, func)
        ft = rec.func_type
        args_pv = [gen(rng, scope, ty) for ty in func.params]
        result_pv = None if func.result is None else gen(rng, scope, func.result)
        image = self.image(rng)
        ts = [] if ft.result is None else [ft.result]
        vs = [] if ft.result is None else [to_ref(ts[0], result_pv)]
        image.header(list(rec.lift.results), ref.lower_flat_values(image.context(), MAX_FLAT_RESULTS, vs, ts))
        if bad:
            if not image.corrupt(rng, list(rec.lift.results)):
                return True
            self.counts.corrupted += 1
        self.host.image = image.bytes()
        expected_args = canon(tuple(args_pv))
        before = len(self.failures)
        for engine in self.engines:
            returned = self._call(site, engine, args_pv, site.method, *site.args(scope, args_pv))
            if returned[0] == "exception":
                continue
            cx = self.tapped(site, engine, args_pv, 1)
            if cx is None:
                continue
            self.counts.values += len(args_pv) + (func.result is not None)
            core = [get_core(cx.memory(), TAP + 8 * j, c) for j, c in enumerate(rec.lift.params)]
            got_args = lifted(ref.lift_params, ft.params, cx, core, ft)
            if got_args != ("values", expected_args):
                what = "the reference lifts other arguments than the bindings were given"
                self.fail(site, engine, what, args_pv, expected_args, got_args)
            elif not rec.lift.params_in_memory:
                vs = [to_ref(vt, pv) for (_, vt), pv in zip(ft.params, args_pv, strict=True)]
                canonical = self.canonical(vs, [vt for _, vt in ft.params], MAX_FLAT_PARAMS)
                if not same_core(canonical, core):
                    what = "the bindings lowered other core values than the reference (pointers aside)"
                    self.fail(site, engine, what, args_pv, canonical, core)
            if bad:
                results = ts and [get_core(cx.memory(), ANSWER, rec.lift.results[0])]
                flat = ref.CoreValueIter(results)
                ref_result = lifted(ref.lift_flat_values, ts, cx, MAX_FLAT_RESULTS, flat, ts)
                expected = ref_result if ref_result[0] == "trap" else ref_result[1][0] if ts else None
                self.counts.traps += ref_result[0] == "trap"
            else:
                expected = canon(result_pv)
            if returned[0] == "trap":
                got: Any = returned
            else:
                try:
                    got = self.observed_result(scope, func, site.result_parts(scope), returned)
                except (Mismatch, AttributeError, TypeError, ValueError, IndexError) as exc:
                    got = describe(exc)
            if not agree(expected, got):
                what = "the bindings lifted another result than the reference " + (
                    "lifts from the changed answer" if bad else "lowered"
                )
                self.fail(
                    site, engine, what, (args_pv, self.host.image.hex()) if bad else args_pv, expected, got
                )
        return len(self.failures) == before

    def import_direction(self, site: Site, rng: random.Random, bad: bool = False) -> bool:
        """The bindings lift the arguments the reference lowered, and lower the import's answer
        (lifted here by the reference). ``bad``: the arguments with one byte changed; then the
        bindings must trap exactly when the reference does, and else receive what it lifts."""
        scope, func = site.scope(), site.func
        which, rec = self.recorded_of(site.iface, func)
        ft = rec.func_type
        args_pv = [gen(rng, scope, ty) for ty in func.params]
        result_pv = None if func.result is None else gen(rng, scope, func.result)
        image = self.image(rng)
        ts = [vt for _, vt in ft.params]
        vs = [to_ref(vt, pv) for vt, pv in zip(ts, args_pv, strict=True)]
        cores = rec.lower.params[:-1] if rec.lower.retptr else rec.lower.params
        image.header(list(cores), ref.lower_flat_values(image.context(), MAX_FLAT_PARAMS, vs, ts))
        if bad:
            if not image.corrupt(rng, list(cores)):
                return True
            self.counts.corrupted += 1
        self.host.image = image.bytes()
        parts = site.result_parts(scope)
        self.host.answer = lambda: host_answer(site, scope, parts, result_pv)
        before = len(self.failures)
        for engine in self.engines:
            run = self._call(site, engine, args_pv, ref_run, which)
            if run[0] == "exception":
                continue
            cx = self.tapped(site, engine, args_pv, 2 if run[0] != "trap" else 1)
            if cx is None:
                continue
            self.counts.values += len(args_pv) + (func.result is not None)
            if bad:
                core = [get_core(cx.memory(), ANSWER + 8 * j, c) for j, c in enumerate(cores)]
                flat = ref.CoreValueIter(core)
                expected: Any = lifted(ref.lift_flat_values, ts, cx, MAX_FLAT_PARAMS, flat, ts)
                self.counts.traps += expected[0] == "trap"
            else:
                expected = ("values", canon(tuple(args_pv)))
            if run[0] == "trap":
                got: Any = run if not self.host.received else ("trap after the import was called", run[1])
            elif len(self.host.received) != 1:
                got = ("the import was called", len(self.host.received), "times")
            else:
                try:
                    received = self.host.received[0]
                    got = (
                        "values",
                        tuple(plain(scope, ty, v) for ty, v in zip(func.params, received, strict=True)),
                    )
                except (Mismatch, AttributeError, TypeError, ValueError, IndexError) as exc:
                    got = describe(exc)
            if not agree(expected, got):
                what = "the bindings lifted other arguments than the reference " + (
                    "lifts from the changed ones" if bad else "lowered"
                )
                self.fail(
                    site, engine, what, (args_pv, self.host.image.hex()) if bad else args_pv, expected, got
                )
                continue
            if ft.result is None or run[0] == "trap":
                continue
            after = self.context(self.host.memory(1))
            core_type = rec.lower.results[0] if rec.lower.results else "i32"
            result = ref.CoreValueIter([get_core(after.memory(), TAP, core_type)])
            got = lifted(ref.lift_flat_values, [ft.result], after, MAX_FLAT_RESULTS, result, [ft.result])
            if got != ("values", (canon(result_pv),)):
                what = "the reference lifts another result than the bindings lowered"
                self.fail(site, engine, what, args_pv, canon(result_pv), got)
            elif rec.lower.results:
                canonical = self.canonical([to_ref(ft.result, result_pv)], [ft.result], MAX_FLAT_RESULTS)
                if not same_core(canonical, result.values):
                    what = "the bindings lowered another core result than the reference (pointers aside)"
                    self.fail(site, engine, what, args_pv, canonical, list(result.values))
        return len(self.failures) == before


def lifted(lift: Callable[..., list[Any]], types: Any, *args: Any) -> tuple[str, Any]:
    """``("values", plain values)`` the reference's ``lift(*args)`` gives (``types``: value types
    or (name, type) pairs), or ``("trap", message)``."""
    try:
        values = lift(*args)
    except ref.Trap as exc:
        return ("trap", str(exc))
    vts = [vt[1] if isinstance(vt, tuple) else vt for vt in types]
    return ("values", canon(tuple(from_ref(vt, v) for vt, v in zip(vts, values, strict=True))))


def same_core(canonical: list[Any], core: list[Any]) -> bool:
    """Whether tapped core values are the canonical ones (None: any pointer; floats and the bits
    of a float in an integer slot: any NaN for a NaN, which the Canonical ABI leaves open)."""
    if len(canonical) != len(core):
        return False
    for want, got in zip(canonical, core, strict=True):
        if want is None or want == got:
            continue
        if isinstance(want, float):
            if canon(want) != canon(got):
                return False
        elif not (_nan_bits(want) and _nan_bits(got)):
            return False
    return True


def _nan_bits(x: int) -> bool:
    """``x`` is the bit pattern of an f32 NaN (below 2**32) or an f64 NaN."""
    if x < 1 << 32:
        return (x & 0x7F80_0000) == 0x7F80_0000 and bool(x & 0x7F_FFFF)
    return (x & 0x7FF0_0000_0000_0000) == 0x7FF0_0000_0000_0000 and bool(x & 0xF_FFFF_FFFF_FFFF)


def agree(expected: Any, got: Any) -> bool:
    """The same values, or a trap on both sides (their messages may differ)."""
    if isinstance(expected, tuple) and expected[:1] == ("trap",):
        return isinstance(got, tuple) and got[:1] == ("trap",)
    return bool(expected == got)


def ref_run(inst: Any) -> Callable[..., Any]:
    """The recorder's ``ref-run`` export on a world instance."""
    return getattr(inst, python_name(type(inst), "ref-run"))  # type: ignore[no-any-return]


def host_answer(site: Site, scope: Scope, parts: Any, result_pv: Any) -> Any:
    """What the host import returns (or raises, for a ``result``'s err) to answer ``result_pv``."""
    from .values import to_python

    func = site.func
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


def encoding_by_seed(world: World) -> World:
    """``world`` with each string encoding in turn by seed (the model makes most worlds UTF-8)."""
    world.encoding = ENCODINGS[world.seed % len(ENCODINGS)]
    return world


def run_world(
    world: World,
    gen_dir: Path,
    samples: int = 2,
    engines: tuple[str, ...] = ENGINES,
    corrupt: int = 1,
    moving: bool = False,
) -> tuple[Outcome, Counts]:
    """Build, bind and run one world (``RefRunner``); failing to is a failure too."""
    try:
        runner = RefRunner(world, gen_dir, engines, moving)
        return runner.run(samples, corrupt), runner.counts
    except Exception as exc:  # noqa: BLE001 - reported
        failure = Failure(
            world.seed,
            "run",
            "(world)",
            "",
            None,
            "a run to the end",
            describe(exc),
            "building or running the recorder failed",
        )
        failure.rerun = RERUN
        return (
            Outcome(
                world.seed,
                len(world.interfaces),
                failures=[failure],
                failed_interfaces={i.name for i in world.interfaces},
            ),
            Counts(),
        )
