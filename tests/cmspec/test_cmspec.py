"""The Component Model spec's test suite (../shared/corpus/cm-spec) on both engines, through
generated bindings: one test per script and engine, compared with `expected_failures.txt`."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import expectations
from .runner import ENGINES, run_script
from .scripts import convert, script_names


@pytest.fixture(scope="session")
def listed() -> dict[expectations.Key, expectations.Entry]:
    return expectations.load()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("script", script_names())
def test_spec_script(script: str, engine: str, listed: dict[expectations.Key, expectations.Entry]) -> None:
    outcomes = run_script(convert(script), engine)
    verdict = expectations.compare(outcomes, expectations.for_script(listed, script, engine))
    lines = [f"{script} on {engine}:"]
    lines += [
        f"  regression: {script}:{o.line} {engine} {o.kind}: {o.reason}"
        + (f" ({o.detail})" if o.detail else "")
        for o in verdict.regressions
    ]
    lines += [f"  passes now, remove it from {expectations.FILE.name}: {e.format()}" for e in verdict.fixed]
    assert verdict.ok, "\n".join(lines)


def test_every_listed_assertion_names_a_script_and_engine(
    listed: dict[expectations.Key, expectations.Entry],
) -> None:
    scripts = set(script_names())
    stray = [e.format() for e in listed.values() if e.script not in scripts or e.engine not in ENGINES]
    assert not stray, f"entries of {expectations.FILE.name} naming no script or engine: {stray}"


def test_the_list_catches_regressions_and_fixes() -> None:
    from .runner import Outcome

    listed = {5: expectations.Entry("a/b.wast", 5, "cabi", "why")}
    outcomes = [Outcome(5, "return", True), Outcome(7, "trap", False, "no trap")]
    verdict = expectations.compare(outcomes, listed)
    assert [o.line for o in verdict.regressions] == [7]
    assert [e.line for e in verdict.fixed] == [5]
    assert expectations.compare([Outcome(5, "return", False, "x")], listed).ok


def test_rewriting_keeps_reasons_and_other_scripts(tmp_path: Path) -> None:
    from .runner import Outcome

    path = tmp_path / "expected.txt"
    path.write_text(
        "a/x.wast:3 cabi hand-written why\na/x.wast:5 cabi fixed now\nb/y.wast:1 wasmtime untouched\n"
    )
    results = {
        ("a/x.wast", "cabi"): [
            Outcome(3, "return", False, "runner's why"),
            Outcome(5, "return", True),
            Outcome(9, "trap", False, "new"),
        ]
    }
    assert expectations.rewrite(results, expectations.load(path), path) == (3, 1)
    assert path.read_text().splitlines()[-3:] == [
        "a/x.wast:3 cabi hand-written why",
        "a/x.wast:9 cabi new",
        "b/y.wast:1 wasmtime untouched",
    ]
