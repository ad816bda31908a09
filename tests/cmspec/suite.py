"""Run many scripts on both engines, in worker processes: for `update` and the report table."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable

from .runner import ENGINES, Outcome, run_script
from .scripts import convert

Results = dict[tuple[str, str], list[Outcome]]
"""(script, engine) -> the outcome of each of its commands."""


def _run(job: tuple[str, str]) -> tuple[tuple[str, str], list[Outcome]]:
    script, engine = job
    return job, run_script(convert(script), engine)


def run_all(scripts: Iterable[str], jobs: int = 2, engines: Iterable[str] = ENGINES) -> Results:
    """Every (script, engine) pair's outcomes, in a deterministic order whatever `jobs` is.
    Workers are forked, so they run the `witgen` this process imported."""
    import witgen.runtime  # noqa: F401  (imported before forking: the workers inherit it)

    work = [(s, e) for s in scripts for e in engines]
    if jobs <= 1:
        done = [_run(job) for job in work]
    else:
        with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=8) as pool:
            done = pool.map(_run, work, chunksize=1)
    return dict(sorted(done))
