"""Hypothesis: mutated valid WIT either resolves or fails with witgen's own error."""

from __future__ import annotations

from pathlib import Path

from conftest import UI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from witgen.errors import WitError
from witgen.resolve import load

SEEDS = [p.read_text() for p in sorted(UI.glob("*.wit"))]
PIECES = [
    "{",
    "}",
    "<",
    ">",
    ";",
    ",",
    ":",
    "/",
    "@",
    "(",
    ")",
    "->",
    "=",
    "%",
    "list<",
    "use ",
    "as ",
    "func",
    "interface",
    "world",
    "package ",
    "borrow<",
    "own<",
    "resource",
    "\n",
    "///",
    "/*",
    "*/",
    "_",
    "1.0.0",
]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(PIECES) | st.text(max_size=3))
        end = min(len(text), pos + draw(st.integers(0, 12)))
        if action == "insert":
            text = text[:pos] + piece + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[end:]
        else:
            text = text[:pos] + piece + text[end:]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=mutated())
def test_mutated_wit_resolves_or_raises_wit_error(source: str, tmp_path: Path) -> None:
    path = tmp_path / "mutated.wit"
    path.write_text(source)
    try:
        load(path, features=["active"])
    except WitError as exc:
        assert exc.render().startswith("error: ")
