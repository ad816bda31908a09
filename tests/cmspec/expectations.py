"""The checked-in list of spec assertions not passing yet (`expected_failures.txt`).

One line per assertion and engine: `<dir>/<script>.wast:<line> <engine> <short reason>`
(line 0: the whole script, e.g. it doesn't convert). `#` starts a comment. The list may only
shrink: a failure not listed is a regression, and a listed assertion that passes must be
removed (`python -m tests.cmspec.update` rewrites the file from a full run, keeping the
reasons written by hand for assertions that still fail).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .runner import Outcome

FILE = Path(__file__).with_name("expected_failures.txt")

HEADER = """\
# Component Model spec assertions (../shared/corpus/cm-spec) not passing yet, one per line:
#   <dir>/<script>.wast:<line> <engine> <short reason>
# Line 0 means the whole script. A failure not listed fails the tests, and so does a listed
# assertion that passes. Regenerate with `python -m tests.cmspec.update` (see tests/cmspec/README.md).
"""

Key = tuple[str, int, str]
"""(script, line, engine)."""


@dataclass(frozen=True)
class Entry:
    script: str
    line: int
    engine: str
    reason: str

    @property
    def key(self) -> Key:
        return (self.script, self.line, self.engine)

    def format(self) -> str:
        return f"{self.script}:{self.line} {self.engine} {self.reason}".rstrip()


def parse(text: str) -> dict[Key, Entry]:
    entries: dict[Key, Entry] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where, _, rest = line.partition(" ")
        engine, _, reason = rest.partition(" ")
        script, _, at = where.rpartition(":")
        if not script or not at.isdigit() or not engine:
            raise ValueError(
                f"{FILE.name}:{number}: expected `<script>.wast:<line> <engine> <reason>`: {raw!r}"
            )
        entry = Entry(script, int(at), engine, reason.strip())
        entries[entry.key] = entry
    return entries


def load(path: Path = FILE) -> dict[Key, Entry]:
    return parse(path.read_text()) if path.exists() else {}


def for_script(entries: dict[Key, Entry], script: str, engine: str) -> dict[int, Entry]:
    return {e.line: e for e in entries.values() if e.script == script and e.engine == engine}


@dataclass
class Verdict:
    """How a run of one script on one engine compares with its listed failures."""

    regressions: list[Outcome]
    """Failed and not listed."""
    fixed: list[Entry]
    """Listed, and passed (or no such assertion any more)."""

    @property
    def ok(self) -> bool:
        return not self.regressions and not self.fixed


def compare(outcomes: Iterable[Outcome], listed: dict[int, Entry]) -> Verdict:
    by_line = {o.line: o for o in outcomes}
    regressions = [o for o in by_line.values() if not o.passed and o.line not in listed]
    fixed = [e for line, e in sorted(listed.items()) if line not in by_line or by_line[line].passed]
    return Verdict(regressions, fixed)


def short(reason: str, limit: int = 150) -> str:
    """A reason as it is written in the file: one line, bounded."""
    text = " ".join(reason.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def rewrite(
    results: dict[tuple[str, str], list[Outcome]], old: dict[Key, Entry], path: Path = FILE
) -> tuple[int, int]:
    """Write the list from a run: every failure, with its old reason when it had one (the entries
    of scripts and engines not run stay). Returns (entries written, entries dropped: they pass now)."""
    entries = [e for e in old.values() if (e.script, e.engine) not in results]
    for (script, engine), outcomes in results.items():
        for o in outcomes:
            if not o.passed:
                kept = old.get((script, o.line, engine))
                entries.append(
                    Entry(script, o.line, engine, kept.reason if kept and kept.reason else short(o.reason))
                )
    entries.sort(key=lambda e: (e.script, e.line, e.engine))
    failing = {e.key for e in entries}
    dropped = sum(1 for key in old if key not in failing and (key[0], key[2]) in results)
    path.write_text(HEADER + "".join(e.format() + "\n" for e in entries))
    return len(entries), dropped
