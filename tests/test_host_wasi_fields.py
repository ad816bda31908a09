"""Imported WASI interfaces in generated host bindings: a `Host` Protocol, a `link` and cabi
factories like any import, and an optional `<World>Imports` field either engine links."""

from __future__ import annotations

from conftest import WASI

from witgen.gen_host import generate
from witgen.resolve import load


def _cli_imports() -> dict[str, str]:
    loaded = load(WASI / "0.2.12" / "cli")
    return generate(loaded.resolve, loaded.select_world("imports"), "cli_imports")


def test_wasi_interfaces_get_host_protocol_link_and_cabi_factories() -> None:
    files = _cli_imports()
    assert "class Host(Protocol):" in files["imports/streams.py"] and '"Host"' in files["imports/streams.py"]
    assert "def link(" in files["_wiring/imports/streams.py"]
    assert "def import_" in files["_cabi/imports/streams.py"]


def test_wasi_fields_are_optional_and_linked_on_either_engine() -> None:
    files = _cli_imports()
    world = files["__init__.py"]
    assert "    stdout: _i_stdout.Host | None = None\n" in world
    assert "in Python (optional: on wasmtime's engine, `wasi=` links wasmtime's own instead)" in world
    assert "imports: ImportsImports | None = None" in world  # nothing is required
    assert world.index("_wiring.link(rt, imports)") < world.index("rt.instantiate()")
    wiring = files["_wiring/world.py"]
    link = wiring.split("def link(")[1]
    assert "isinstance(" not in link and ".abi" not in link  # no engine test when linking
    assert "    if imports.stdout is not None:\n        _i_stdout.link(rt, imports.stdout)\n" in link
