"""``from_json`` then ``to_json`` gives back wasm-tools' resolve JSON unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from wit_corpus import (
    Case,
    corpus_cases,
    params,
    smith,
    smith_params,
    wit_json,
)

from witgen.resolve.ir import Alias, FunctionItem, Handle, InterfaceKey, Prim, Stability
from witgen.resolve.json_io import from_json, to_json


@pytest.mark.parametrize("case", params(corpus_cases()))
def test_corpus_identity(case: Case) -> None:
    data = wit_json(case.path, case.flags)
    assert to_json(from_json(data)) == data


@pytest.mark.parametrize("seed, extended", smith_params())
def test_wit_smith_identity(seed: int, extended: bool, tmp_path: Path) -> None:
    component = smith(seed, extended, tmp_path)
    data = wit_json(component, ())
    assert to_json(from_json(data)) == data


def test_from_json_builds_ir() -> None:
    """Spot-check the IR that ``from_json`` builds from a hand-written document."""
    resolve = from_json(
        {
            "worlds": [
                {
                    "name": "w",
                    "imports": {
                        "interface-0": {"interface": {"id": 0}},
                        "f": {"function": {"name": "f", "kind": "async-freestanding", "params": []}},
                    },
                    "exports": {},
                    "package": 0,
                }
            ],
            "interfaces": [{"name": "i", "types": {"r": 0, "t": 2}, "functions": {}, "package": 0}],
            "types": [
                {"name": "r", "kind": "resource", "owner": {"interface": 0}},
                {"name": None, "kind": {"handle": {"borrow": 0}}, "owner": None},
                {
                    "name": "t",
                    "kind": {"type": "u32"},
                    "owner": {"interface": 0},
                    "stability": {"stable": {"since": "1.0.0", "deprecated": "1.1.0"}},
                },
            ],
            "packages": [{"name": "a:b@1.0.0", "interfaces": {"i": 0}, "worlds": {"w": 0}}],
        }
    )
    assert str(resolve.packages[0].name) == "a:b@1.0.0"
    assert resolve.package_names == {resolve.packages[0].name: 0}
    assert list(resolve.worlds[0].imports) == [InterfaceKey(0), "f"]
    func = resolve.worlds[0].imports["f"]
    assert isinstance(func, FunctionItem) and func.func.is_async
    assert resolve.types[1].kind == Handle("borrow", 0)
    assert resolve.types[2].kind == Alias(Prim.U32)
    assert resolve.types[2].stability == Stability("stable", since="1.0.0", deprecated="1.1.0")
