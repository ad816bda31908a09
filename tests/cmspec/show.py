"""Print what every command of spec scripts does on an engine, passing or not.

    python -m tests.cmspec.show SCRIPT [SCRIPT ...] [--engine wasmtime|cabi] [--failed]

SCRIPT is `<dir>/<name>.wast` under ../shared/corpus/cm-spec (e.g. `values/strings.wast`).
Lines marked `listed` are in expected_failures.txt.
"""

from __future__ import annotations

import argparse
import sys

from . import expectations
from .runner import ENGINES, run_script
from .scripts import convert, script_names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cmspec.show", description=__doc__.split("\n\n")[0])
    parser.add_argument("scripts", nargs="+", help="scripts, e.g. values/strings.wast")
    parser.add_argument("--engine", choices=ENGINES, action="append", help="engine (default: both)")
    parser.add_argument("--failed", action="store_true", help="only what fails")
    args = parser.parse_args(argv)
    known = set(script_names())
    listed = expectations.load()
    for script in args.scripts:
        if script not in known:
            parser.error(f"no such script: {script}")
        for engine in args.engine or ENGINES:
            outcomes = run_script(convert(script), engine)
            passed = sum(o.passed for o in outcomes)
            print(f"{script} on {engine}: {passed}/{len(outcomes)} passed")
            mine = expectations.for_script(listed, script, engine)
            for o in outcomes:
                if args.failed and o.passed:
                    continue
                status = "ok  " if o.passed else "FAIL"
                mark = " (listed)" if o.line in mine else ""
                text = (
                    o.reason + (f" [{o.detail}]" if o.detail else "") + (f" note: {o.note}" if o.note else "")
                )
                print(f"  {script}:{o.line} {status} {o.kind}{mark} {text}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
