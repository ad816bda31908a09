"""witgen's resolve of a binary equals `wasm-tools component wit --json` of the same binary.

Binaries come from the reference tool: binary WIT packages (`component wit --wasm`) of every
readable corpus case, WASI 0.2.12 package and e2e WIT, and real components
(`component embed --dummy | component new`) of every world of the WASI packages, the e2e WIT and
the corpus cases that have worlds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wasm_wit.helpers import (
    Source,
    build_component,
    build_package,
    canonical,
    e2e_sources,
    main_worlds,
    reference_json,
    ui_sources,
    wasi_sources,
)
from tests.wit_corpus import smith, smith_params
from witgen.resolve.from_component import decode_wasm
from witgen.resolve.json_io import to_json

PACKAGE_SOURCES = ui_sources() + wasi_sources() + e2e_sources()
# `wasm-tools component new` alone takes minutes on stress-export-elaborate; its package is tested.
COMPONENT_SOURCES = (
    wasi_sources() + e2e_sources() + [s for s in ui_sources() if s.id != "ui-stress-export-elaborate.wit"]
)


def assert_same_resolve(wasm: Path) -> None:
    decoded = decode_wasm(wasm.read_bytes(), str(wasm))
    assert canonical(to_json(decoded.resolve)) == canonical(reference_json(wasm))


@pytest.mark.parametrize("source", PACKAGE_SOURCES, ids=lambda s: s.id)
def test_binary_package(source: Source, tmp_path: Path) -> None:
    wasm = build_package(source, tmp_path / "pkg.wasm")
    decoded = decode_wasm(wasm.read_bytes(), str(wasm))
    reference = reference_json(wasm)
    # A directory of several packages writes an empty binary, which decodes as an empty component.
    is_empty = [p["name"] for p in reference["packages"]] == ["root:component"]
    assert (decoded.world is None) != is_empty
    assert canonical(to_json(decoded.resolve)) == canonical(reference)


def _world_params() -> list[object]:
    params = []
    for source in COMPONENT_SOURCES:
        if source.id.startswith("ui-") and not main_worlds(source):
            continue
        for world in main_worlds(source):
            params.append(pytest.param(source, world, id=f"{source.id}:{world}"))
    return params


@pytest.mark.parametrize("source, world", _world_params())
def test_component(source: Source, world: str, tmp_path: Path) -> None:
    wasm = build_component(source, world, tmp_path / "c.wasm")
    decoded = decode_wasm(wasm.read_bytes(), str(wasm))
    assert decoded.world is not None
    assert decoded.resolve.worlds[decoded.world].name == "root"
    assert canonical(to_json(decoded.resolve)) == canonical(reference_json(wasm))


@pytest.mark.parametrize("seed, extended", smith_params())
def test_wit_smith_package(seed: int, extended: bool, tmp_path: Path) -> None:
    """Random packages (async, streams, futures, fixed-length lists when extended) as binaries."""
    wasm = smith(seed, extended, tmp_path)
    assert_same_resolve(wasm)


@pytest.mark.parametrize("source", wasi_sources(), ids=lambda s: s.id)
def test_numbering_matches_reference(source: Source, tmp_path: Path) -> None:
    """Beyond structure, witgen allocates ids in the reference's order: the JSON is identical."""
    wasm = build_package(source, tmp_path / "pkg.wasm")
    assert to_json(decode_wasm(wasm.read_bytes(), str(wasm)).resolve) == reference_json(wasm)
    world = main_worlds(source)[0]
    component = build_component(source, world, tmp_path / "c.wasm")
    assert to_json(decode_wasm(component.read_bytes(), str(component)).resolve) == reference_json(component)


def test_canonical_sees_differences(tmp_path: Path) -> None:
    """The structural comparison is not vacuous: a changed type or name changes it."""
    wasm = build_package(wasi_sources()[0], tmp_path / "pkg.wasm")
    doc = reference_json(wasm)
    base = canonical(doc)
    named = next(t for t in doc["types"] if t["name"] is not None)
    named["name"] += "-x"
    assert canonical(doc) != base
    named["name"] = named["name"][:-2]
    anon = next(t for t in doc["types"] if t["name"] is None and "list" in t["kind"])
    anon["kind"] = {"list": "u16" if anon["kind"]["list"] != "u16" else "u8"}
    assert canonical(doc) != base
