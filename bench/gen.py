"""Generation speed: `witgen host` / `witgen guest` with the fast formatter and with black alone.

    python bench/gen.py              # proxy, command and kitchen-sink, 5 runs each (~1-2 minutes)
    python bench/gen.py --runs 3 --quick   # proxy only

For each world: the wall time of the whole command in a fresh process (`python -m witgen host
...`, the minimum of N runs, bytecode cache warm as for an installed package), and the same
generation in-process (`generate()`, imports and parsing excluded, the fast formatter's
per-process memo cleared before each run), each with the default formatter and with
`WITGEN_FORMAT=black` (everything through `black.format_str`, what witgen did before), and the
ratio. Also: the share of top-level chunks the fast formatter handed to black. The outputs of
both modes are compared byte for byte (they must be identical).

Goal (issue 17): `witgen host` on wasi:http `proxy` in at most 1 s, cold process.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = ROOT.parent.parent / "shared" / "corpus"

WORLDS = [
    ("proxy", CORPUS / "wasi" / "0.2.12" / "http", "proxy"),
    ("command", CORPUS / "wasi" / "0.2.12" / "cli", "command"),
    ("kitchen-sink", ROOT / "tests" / "e2e" / "components" / "kitchen" / "wit", "kitchen-sink"),
]


def child_env(pycache: str, formatter: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONPYCACHEPREFIX"] = pycache
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("WITGEN_FORMAT", None)
    if formatter:
        env["WITGEN_FORMAT"] = formatter
    return env


def cold(cmd: str, path: Path, world: str, out: Path, env: dict[str, str], runs: int) -> float:
    """Minimum wall time of `python -m witgen <cmd>` in a fresh process."""
    args = [sys.executable, "-m", "witgen", cmd, str(path), "--world", world, "-o", str(out)]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def in_process(cmd: str, path: Path, world: str, formatter: str | None, runs: int) -> tuple[float, float]:
    """Minimum time of `generate()` in this process, and the share of chunks black formatted."""
    from witgen import gen_guest, gen_host
    from witgen.pyview import fastfmt
    from witgen.resolve import load

    loaded = load(path)
    world_id = loaded.select_world(world)
    if formatter:
        os.environ["WITGEN_FORMAT"] = formatter
    else:
        os.environ.pop("WITGEN_FORMAT", None)
    best = float("inf")
    share = 0.0
    try:
        for _ in range(runs):
            fastfmt.emit._FORMATTED.clear()
            fastfmt.tokens._TOKENS_OF.clear()
            before = (fastfmt.STATS.fast, fastfmt.STATS.black)
            start = time.perf_counter()
            if cmd == "host":
                gen_host.generate(loaded.resolve, world_id, "pkg")
            else:
                gen_guest.generate(loaded.resolve, world_id)
            best = min(best, time.perf_counter() - start)
            fast = fastfmt.STATS.fast - before[0]
            black = fastfmt.STATS.black - before[1]
            share = black / max(fast + black, 1)
    finally:
        os.environ.pop("WITGEN_FORMAT", None)
    return best, share


def same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(a / d, b / d) for d in cmp.common_dirs)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="proxy only")
    args = parser.parse_args()
    worlds = WORLDS[:1] if args.quick else WORLDS
    print(f"{'world':<14}{'cmd':<7}{'mode':<12}{'fast s':>9}{'black s':>9}{'ratio':>8}{'to black':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        pycache = str(Path(tmp) / "pycache")
        # warm the bytecode cache for both modes
        subprocess.run(
            [sys.executable, "-c", "import witgen.gen_host, witgen.gen_guest, black"],
            env=child_env(pycache, None),
            check=True,
        )
        for label, path, world in worlds:
            for cmd in ("host", "guest"):
                out_fast = Path(tmp) / f"{label}-{cmd}-fast" / "pkg"
                out_black = Path(tmp) / f"{label}-{cmd}-black" / "pkg"
                fast = cold(cmd, path, world, out_fast, child_env(pycache, None), args.runs)
                black = cold(cmd, path, world, out_black, child_env(pycache, "black"), max(1, args.runs // 2))
                identical = same_tree(out_fast, out_black)
                print(
                    f"{label:<14}{cmd:<7}{'process':<12}{fast:>9.3f}{black:>9.3f}{black / fast:>7.1f}x{'':>10}"
                )
                fast_in, share = in_process(cmd, path, world, None, args.runs)
                black_in, _ = in_process(cmd, path, world, "black", max(1, args.runs // 2))
                print(
                    f"{'':<14}{'':<7}{'in-process':<12}{fast_in:>9.3f}{black_in:>9.3f}"
                    f"{black_in / fast_in:>7.1f}x{100 * share:>9.1f}%"
                )
                if not identical:
                    print(f"  !! {label} {cmd}: the two modes' outputs differ")
                    return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
