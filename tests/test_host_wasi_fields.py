"""Imported WASI interfaces in generated host bindings: a `Host` Protocol, `_link` and cabi
factories like any import, and an optional `<World>Imports` field either engine links."""

from __future__ import annotations

from conftest import WASI

from witgen.gen_host import generate
from witgen.resolve import load


def _cli_imports() -> dict[str, str]:
    loaded = load(WASI / "0.2.12" / "cli")
    return generate(loaded.resolve, loaded.select_world("imports"), "cli_imports")


def test_wasi_interfaces_get_host_protocol_link_and_cabi_factories() -> None:
    streams = _cli_imports()["imports/streams.py"]
    assert "class Host(Protocol):" in streams and "def _link(" in streams
    assert "def _cabi_imp_" in streams and '"Host"' in streams


def test_wasi_fields_are_optional_and_linked_on_either_engine() -> None:
    world = _cli_imports()["__init__.py"]
    assert "    stdout: _i_stdout.Host | None = None\n" in world
    assert "in Python (optional: on wasmtime's engine, `wasi=` links wasmtime's own instead)" in world
    assert "imports: ImportsImports | None = None" in world  # nothing is required
    assert "CabiInstance)" not in world.split("rt = _rt.start(")[1]  # no engine test when linking
    link = world.index("            if imports.stdout is not None:\n                _i_stdout._link(rt, imports.stdout)")
    assert link < world.index("rt.instantiate()")
