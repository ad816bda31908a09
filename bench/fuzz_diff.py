"""Differential fuzzing of both engines through forwarding components (the long version of
tests/fuzz/test_differential.py).

Each random world imports and exports a few random interfaces; its component forwards every
export to the matching import. Random values go export -> import -> back on the wasmtime engine
and on the cabi engine; every disagreement is printed with its seed, WIT and values.

    python bench/fuzz_diff.py --seed 0 --count 200          # 200 worlds (~4 interfaces each)
    python bench/fuzz_diff.py --seed 7 --count 1 -v         # one world, every failure in full
    python bench/fuzz_diff.py --func 'option<u8>' --func u32 --result string   # one function
    python bench/fuzz_diff.py --kinds record,tuple,list     # only these compound kinds
    python bench/fuzz_diff.py --reference --count 500       # the bindings against witgen.abi.definitions

With --reference, recorder components (tests/fuzz/reference.py) check the generated call sites in
both directions against the reference lift/lower instead (no resources; engines cabi, cabi-plain
and wasmtime; the long version of tests/fuzz/test_reference_diff.py).

Worlds whose seed is a multiple of --fixed-every also use fixed-length lists; wasmtime-py cannot
load those, so they run on the cabi engine only. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fuzz.harness import ENGINES, run_world  # noqa: E402
from fuzz.model import COMPOUND, Features, random_world, single  # noqa: E402
from fuzz.reference import ENGINES as REFERENCE_ENGINES  # noqa: E402
from fuzz.reference import encoding_by_seed  # noqa: E402
from fuzz.reference import run_world as run_reference  # noqa: E402
from fuzz.report import Tally  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0, help="first world's seed")
    ap.add_argument("--count", type=int, default=50, help="number of worlds")
    ap.add_argument("--interfaces", type=int, default=4, help="interfaces per world")
    ap.add_argument("--functions", type=int, default=6, help="functions per interface")
    ap.add_argument("--depth", type=int, default=3, help="nesting depth of anonymous types")
    ap.add_argument("--types", type=int, default=8, help="at most this many named types per interface")
    ap.add_argument("--samples", type=int, default=3, help="random calls per function and engine")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--kinds", help=f"comma-separated compound kinds allowed (of {', '.join(COMPOUND)})")
    ap.add_argument("--no-maps", action="store_true")
    ap.add_argument("--no-resources", action="store_true")
    ap.add_argument("--avoid-names", default="", help="comma-separated hostile names not to use")
    ap.add_argument(
        "--names-every", type=int, default=2, help="every Nth seed uses hostile names (keywords, builtins...)"
    )
    ap.add_argument("--fixed-every", type=int, default=4, help="every Nth seed uses fixed lists (0: never)")
    ap.add_argument(
        "--formatted", action="store_true", help="generate bindings with `python -m witgen host` (black)"
    )
    ap.add_argument("--func", action="append", help="one function: a parameter type (repeat)")
    ap.add_argument("--result", help="with --func: the result type")
    ap.add_argument("--encoding", default="utf8", help="with --func: the guest's string encoding")
    ap.add_argument(
        "--reference", action="store_true", help="check the bindings against witgen.abi.definitions"
    )
    ap.add_argument(
        "--corrupt",
        type=int,
        default=1,
        help="with --reference: calls per function and direction with a byte changed",
    )
    ap.add_argument(
        "--moving",
        action="store_true",
        help="with --reference: memories that move whenever they grow, and grow at every allocation",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="print every failure in full")
    args = ap.parse_args(argv)

    if args.reference:
        args.no_resources = True
        args.engines = args.engines if args.engines != ",".join(ENGINES) else ",".join(REFERENCE_ENGINES)
    engines = tuple(args.engines.split(","))
    kinds = frozenset(args.kinds.split(",")) if args.kinds else None
    gen_dir = Path(tempfile.mkdtemp(prefix="fuzz-diff-"))
    tally = Tally()
    start = time.perf_counter()
    if args.func is not None or args.result is not None:
        fixed = bool(re.search(r",\s*\d+\s*>", " ".join([*(args.func or []), args.result or ""])))
        features = Features(maps=not args.no_maps, resources=not args.no_resources, fixed=fixed)
        worlds = [single(args.func or [], args.result, features=features, encoding=args.encoding)]
    else:
        worlds = []
        for seed in range(args.seed, args.seed + args.count):
            fixed = args.fixed_every > 0 and seed % args.fixed_every == 0
            names = args.names_every > 0 and seed % args.names_every == 1 % args.names_every
            features = Features(
                maps=not args.no_maps,
                fixed=fixed,
                resources=not args.no_resources,
                kinds=kinds,
                names=names,
                avoid=frozenset(filter(None, args.avoid_names.split(","))),
            )
            worlds.append(
                random_world(
                    seed,
                    features,
                    interfaces=args.interfaces,
                    functions=args.functions,
                    types=args.types,
                    depth=args.depth,
                )
            )
    if args.reference and args.func is None and args.result is None:
        worlds = [encoding_by_seed(w) for w in worlds]  # as tests/fuzz/test_reference_diff.py makes them
    for world in worlds:
        t0 = time.perf_counter()
        if args.reference:
            out = run_reference(world, gen_dir, args.samples, engines, args.corrupt, args.moving)[0]
        else:
            out = run_world(world, gen_dir, args.samples, engines=engines, formatted=args.formatted)
        tally.add(out)
        status = "ok" if not out.failures else f"{len(out.failures)} failures"
        print(
            f"seed {world.seed}: {out.passed_interfaces}/{out.interfaces} interfaces, {out.functions} functions,"
            f" {out.calls} calls, {'/'.join(out.engines) or '-'}: {status} ({time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
        for f in out.failures if args.verbose else out.failures[:2]:
            print(f, flush=True)
    print(f"\n{tally.summary()}\n{time.perf_counter() - start:.1f} s")
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
