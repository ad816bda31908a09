"""The reference WIT test suite: pass cases resolve, fail cases fail at the same place."""

from __future__ import annotations

import re

import pytest
from conftest import UI, manifest, reference_error, reference_json, reference_message

from witgen.errors import WitError
from witgen.resolve import load
from witgen.resolve.json_io import to_json

CASES = manifest()
LOCATION = re.compile(r"(?:--> |^error: )\S+?:(\d+):(\d+)", re.M)


def _location(text: str) -> tuple[int, int] | None:
    m = LOCATION.search(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


@pytest.mark.parametrize("case", [c["case"] for c in CASES if c["expect"] == "pass"])
def test_pass_case_resolves(case: str) -> None:
    loaded = load(UI / case, features=["active"])
    pkg = loaded.resolve.packages[loaded.main]
    assert pkg.interfaces or pkg.worlds or len(loaded.resolve.packages) >= 1


@pytest.mark.parametrize("case", [c["case"] for c in CASES if c["expect"] == "fail"])
def test_fail_case_rejected_at_reference_location(case: str) -> None:
    path = UI / case
    expected = _location(reference_error(path, ["--features", "active"]))
    with pytest.raises(WitError) as info:
        load(path, features=["active"])
    rendered = info.value.render()
    assert rendered.startswith("error: ")
    if expected is not None:
        assert info.value.span is not None, rendered
        assert (info.value.span.line, info.value.span.column) == expected, rendered


@pytest.mark.parametrize("case", [c["case"] for c in CASES if c["expect"] == "fail"])
def test_fail_case_message_is_the_references(case: str) -> None:
    """Parse errors too: `expected ':'` where the reference says so, not a list of tokens."""
    path = UI / case
    expected = reference_message(reference_error(path, ["--features", "active"]))
    with pytest.raises(WitError) as info:
        load(path, features=["active"])
    assert info.value.message.splitlines()[0] == expected


@pytest.mark.parametrize("case", [c["case"] for c in CASES if c["expect"] == "pass"])
def test_pass_case_json_is_the_references(case: str) -> None:
    """Every id and field, like test_wasi's: what `wasm-tools component wit --json` prints."""
    loaded = load(UI / case, features=["active"])
    assert to_json(loaded.resolve) == reference_json(UI / case, ["--features", "active"])
