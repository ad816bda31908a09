"""Every real WASI package resolves, with and without its unstable features."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import reference_json, wasi_packages

from witgen.resolve import ir, load
from witgen.resolve.json_io import to_json


@pytest.mark.parametrize("all_features", [False, True], ids=["default", "all-features"])
@pytest.mark.parametrize("path", wasi_packages(), ids=lambda p: f"{p.parent.name}-{p.name}")
def test_wasi_package_resolves(path: Path, all_features: bool) -> None:
    loaded = load(path, all_features=all_features)
    reference = reference_json(path, ["--all-features"] if all_features else [])
    ours = loaded.resolve
    main = ours.packages[loaded.main]
    ref_main = reference["packages"][-1]
    assert str(main.name) == ref_main["name"]
    assert sorted(main.interfaces) == sorted(ref_main["interfaces"])
    assert sorted(main.worlds) == sorted(ref_main["worlds"])
    assert sorted(str(p.name) for p in ours.packages) == sorted(p["name"] for p in reference["packages"])
    for name, world_id in main.worlds.items():
        ref_world = reference["worlds"][ref_main["worlds"][name]]
        world = ours.worlds[world_id]
        assert [ours.key_name(k) for k in world.imports] == [
            _ref_key(reference, k) for k in ref_world["imports"]
        ]
        assert [ours.key_name(k) for k in world.exports] == [
            _ref_key(reference, k) for k in ref_world["exports"]
        ]


def _ref_key(reference: dict, key: str) -> str:  # type: ignore[type-arg]
    if not key.startswith("interface-"):
        return key
    iface = reference["interfaces"][int(key.removeprefix("interface-"))]
    pkg = reference["packages"][iface["package"]]["name"]
    name = ir.PackageName(*pkg.split("@")[0].split(":"), pkg.split("@")[1] if "@" in pkg else None)
    return name.interface_id(iface["name"])


@pytest.mark.parametrize("all_features", [False, True], ids=["default", "all-features"])
@pytest.mark.parametrize("path", wasi_packages(), ids=lambda p: f"{p.parent.name}-{p.name}")
def test_wasi_package_json_is_the_references(path: Path, all_features: bool) -> None:
    """Every id too: anonymous types of gated-off functions are kept and `own<T>` handles are
    placed where wit-parser allocates them."""
    loaded = load(path, all_features=all_features)
    assert to_json(loaded.resolve) == reference_json(path, ["--all-features"] if all_features else [])
