"""Imported WASI interfaces in generated host bindings: a `Host` Protocol, `_link` and cabi
factories like any import, and an optional `<World>Imports` field the cabi engine links."""

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


def test_wasi_fields_are_optional_and_linked_on_the_cabi_engine_only() -> None:
    world = _cli_imports()["__init__.py"]
    assert "    stdout: _i_stdout.Host | None = None\n" in world
    assert "for the cabi engine only" in world
    assert "imports: ImportsImports | None = None" in world  # nothing is required
    cabi_only = world.index("if isinstance(rt, _rt.CabiInstance):")
    assert cabi_only < world.index("_i_stdout._link(rt, imports.stdout)") < world.index("rt.instantiate()")
