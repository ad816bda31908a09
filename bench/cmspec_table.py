"""Assertions of the Component Model spec suite passed, per directory and engine.

    python bench/cmspec_table.py [--witgen CHECKOUT] [-j JOBS] [--notes] [--markdown]

Runs every script of ../shared/corpus/cm-spec with the runner of tests/cmspec (this checkout)
against the `witgen` of CHECKOUT (default: this checkout), e.g. for before/after numbers:

    python bench/cmspec_table.py --witgen /path/to/main
    git archive REV | tar -x -C /tmp/before && python bench/cmspec_table.py --witgen /tmp/before

Columns: assert_return (and bare actions), assert_trap, assert_invalid + assert_malformed,
assert_uninstantiable, and the valid components that must load/instantiate (module commands).
`--notes` lists the traps whose text differs from the spec's (passing, but worth a look).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = [
    ("return", "assert_return"),
    ("trap", "assert_trap"),
    ("invalid", "invalid+malformed"),
    ("uninstantiable", "uninstantiable"),
    ("module", "modules"),
]


def _import_runner(witgen_root: Path) -> None:
    """Import `witgen` from `witgen_root`, then this checkout's `tests.cmspec` (which would
    otherwise bring this checkout's witgen along)."""
    sys.path.insert(0, str(witgen_root))
    import witgen

    if Path(witgen.__file__).resolve().parents[1] != witgen_root.resolve():
        raise SystemExit(f"witgen came from {witgen.__file__}, not {witgen_root}")
    sys.path.insert(0, str(HERE.parent))


def table(results: dict[tuple[str, str], list[object]], engines: tuple[str, ...]) -> list[list[str]]:
    passed: Counter[tuple[str, str, str]] = Counter()
    total: Counter[tuple[str, str, str]] = Counter()
    dirs: set[str] = set()
    for (script, engine), outcomes in results.items():
        directory = script.split("/")[0]
        dirs.add(directory)
        for o in outcomes:
            for d in (directory, "total"):
                total[(d, engine, o.kind)] += 1  # type: ignore[attr-defined]
                passed[(d, engine, o.kind)] += o.passed  # type: ignore[attr-defined]
    rows = [["directory", "engine", *(title for _, title in COLUMNS)]]
    for d in [*sorted(dirs), "total"]:
        for engine in engines:
            cells = []
            for kind, _ in COLUMNS:
                n = total[(d, engine, kind)]
                cells.append(f"{passed[(d, engine, kind)]}/{n}" if n else "-")
            rows.append([d, engine, *cells])
    return rows


def render(rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(r) + " |" for r in rows]
        lines.insert(1, "|" + "|".join(" --- " for _ in rows[0]) + "|")
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--witgen", type=Path, default=HERE.parent, help="checkout whose witgen runs")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--notes", action="store_true", help="list traps whose text differs from the spec's")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    _import_runner(args.witgen)
    from tests.cmspec.runner import ENGINES
    from tests.cmspec.scripts import script_names
    from tests.cmspec.suite import run_all

    start = time.perf_counter()
    results = run_all(script_names(), args.jobs)
    print(render(table(results, ENGINES), args.markdown))  # type: ignore[arg-type]
    for (script, engine), outcomes in results.items():
        if engine == ENGINES[0]:
            for o in outcomes:
                if o.kind == "convert":
                    print(f"not converted (no column counts it): {script}: {o.reason}")
    print(f"\nwitgen: {args.witgen.resolve()}; {time.perf_counter() - start:.1f} s", file=sys.stderr)
    if args.notes:
        for (script, engine), outcomes in results.items():
            for o in outcomes:
                if o.note:
                    print(f"{script}:{o.line} {engine} {o.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
