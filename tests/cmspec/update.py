"""Rewrite `expected_failures.txt` from a run of the spec suite on both engines.

    python -m tests.cmspec.update [-j JOBS] [--fresh] [SCRIPT ...]

With no SCRIPT every script runs; otherwise only the given ones (`values/strings.wast`) are
rewritten and the other entries stay. Reasons already in the file are kept for assertions
that still fail, so hand-written explanations survive; new failures get the runner's reason.
"""

from __future__ import annotations

import argparse
import sys

from . import expectations
from .scripts import script_names
from .suite import run_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.cmspec.update", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("scripts", nargs="*", help="scripts to rerun (default: all)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--fresh", action="store_true", help="write the runner's reasons, not the file's")
    args = parser.parse_args(argv)
    known = script_names()
    unknown = [s for s in args.scripts if s not in known]
    if unknown:
        parser.error(f"no such script: {', '.join(unknown)}")
    results = run_all(args.scripts or known, args.jobs)
    old = expectations.load()
    if args.fresh:
        old = {key: expectations.Entry(*key, reason="") for key in old}
    written, dropped = expectations.rewrite(results, old)
    print(f"{expectations.FILE}: {written} entries ({dropped} now passing, removed)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
