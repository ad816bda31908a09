"""The WIT printer round-trips through wasm-tools.

For each case: J0 is wasm-tools' resolve JSON; our printed text of ``from_json(J0)``,
re-parsed by wasm-tools, must give back J0, or else exactly what wasm-tools' own
printed text gives back (J2): printing can legitimately renumber types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from wit_corpus import (
    Case,
    corpus_cases,
    main_package,
    params,
    smith,
    smith_params,
    wasm_tools,
    wit_json,
)

from witgen.gen_wit import print_resolve
from witgen.resolve.json_io import from_json


def reparse(text: str, flags: tuple[str, ...], tmp_path: Path, name: str) -> dict[str, Any]:
    """wasm-tools' resolve JSON of WIT ``text``."""
    path = tmp_path / f"{name}.wit"
    path.write_text(text)
    data: dict[str, Any] = wit_json(path, flags)
    return data


def check_roundtrip(
    path: Path, flags: tuple[str, ...], reparse_flags: tuple[str, ...], tmp_path: Path
) -> None:
    j0 = wit_json(path, flags)
    main = main_package(path, flags, j0)
    text = print_resolve(from_json(j0), main)
    j1 = reparse(text, reparse_flags, tmp_path, "ours")
    if j1 == j0:
        return
    j2 = reparse(wasm_tools("component", "wit", *flags, path), reparse_flags, tmp_path, "theirs")
    assert j1 == j2, f"printed text does not round-trip:\n{text}"


@pytest.mark.parametrize("case", params(corpus_cases()))
def test_corpus_roundtrip(case: Case, tmp_path: Path) -> None:
    check_roundtrip(case.path, case.flags, case.flags, tmp_path)


@pytest.mark.parametrize("seed, extended", smith_params())
def test_wit_smith_roundtrip(seed: int, extended: bool, tmp_path: Path) -> None:
    component = smith(seed, extended, tmp_path)
    # A component keeps every gated item, so its text is re-read with every feature on.
    check_roundtrip(component, (), ("--all-features",), tmp_path)
