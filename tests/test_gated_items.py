"""Gated-off items (``@unstable`` with its feature off) decided like wasm-tools 1.262.

The reference checks names before it applies gates: a gated item naming a local interface, a
type or a parameter that doesn't exist is an error, while a gated path to an interface or world
that another package lacks is skipped (the path is only looked up once the gate is on). Each
case states the outcome measured with wasm-tools and, when wasm-tools is installed, compares
with it again.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import WASI, reference_json
from tests.wit_outcomes import normalise, reference_outcome, reference_tool, witgen_outcome
from witgen.errors import NotFound
from witgen.resolve import load

DEP = """package b:dep;
interface x { f: func(); type t = u32; @unstable(feature = tz) type g = u32; }
world dw { import x; }
"""


@dataclass(frozen=True)
class Case:
    main: str
    error: str | None
    """None when accepted, else the message and ``line:col``: ``message @ 2:10``."""
    features: tuple[str, ...] = ()


CASES = {
    # A gated path to an interface or world the dependency lacks is skipped...
    "gated-import-of-missing-foreign-interface": Case(
        "world w { import b:dep/x; @unstable(feature = tz) import b:dep/timezone; }", None
    ),
    "gated-use-from-missing-foreign-interface": Case(
        "interface i { @unstable(feature = tz) use b:dep/timezone.{tzinfo}; }", None
    ),
    "gated-export-of-missing-foreign-interface": Case(
        "world w { @unstable(feature = tz) export b:dep/nope; }", None
    ),
    "gated-include-of-missing-foreign-world": Case(
        "world w { @unstable(feature = tz) include b:dep/nope; }", None
    ),
    "gated-import-of-foreign-world-as-interface": Case(
        "world w { @unstable(feature = tz) import b:dep/dw; }", None
    ),
    "gated-use-of-missing-foreign-name": Case(
        "interface i { @unstable(feature = tz) use b:dep/x.{nope}; }", None
    ),
    "gated-use-in-ungated-inline-interface": Case(
        "world w { import n: interface { @unstable(feature = tz) use b:dep/nope.{t}; } }", None
    ),
    "paths-gated-by-different-features": Case(
        "world w { @unstable(feature = tz) import b:dep/nope; @unstable(feature = other) export b:dep/nope; }",
        None,
    ),
    # ... until its gate is turned on.
    "missing-foreign-interface-with-feature-on": Case(
        "world w { @unstable(feature = tz) import b:dep/timezone; }",
        "interface 'timezone' not found in package 'b:dep' @ 2:48",
        ("--features", "tz"),
    ),
    "missing-foreign-interface-with-all-features": Case(
        "interface i { @unstable(feature = tz) use b:dep/timezone.{tzinfo}; }",
        "interface 'timezone' not found in package 'b:dep' @ 2:49",
        ("--all-features",),
    ),
    "missing-foreign-world-with-feature-on": Case(
        "world w { @unstable(feature = tz) include b:dep/nope; }",
        "world 'nope' not found in package 'b:dep' @ 2:49",
        ("--features", "tz"),
    ),
    "one-path-of-two-gated-on": Case(
        "world w { @unstable(feature = tz) import b:dep/nope; @unstable(feature = other) export b:dep/nope; }",
        "interface 'nope' not found in package 'b:dep' @ 2:48",
        ("--features", "other"),
    ),
    "ungated-use-inside-gated-interface-still-looks-up": Case(
        "@unstable(feature = tz) interface i { use b:dep/nope.{t}; }",
        "interface 'nope' not found in package 'b:dep' @ 2:49",
    ),
    "ungated-use-inside-gated-inline-interface-still-looks-up": Case(
        "world w { @unstable(feature = tz) import n: interface { use b:dep/nope.{t}; } }",
        "interface 'nope' not found in package 'b:dep' @ 2:67",
    ),
    "since-within-version-is-not-a-gate": Case(
        "world w { @since(version = 1.0.0) import b:dep/nope; }",
        "interface 'nope' not found in package 'b:dep' @ 2:48",
    ),
    "since-beyond-the-package-version": Case(
        "world w { @since(version = 2.0.0) import b:dep/nope; }",
        "feature gate cannot reference unreleased version 2.0.0 of package [a:main@1.0.0] "
        "(current version 1.0.0) @ 2:48",
    ),
    # A missing package is an error whatever the gates.
    "gated-import-from-missing-package": Case(
        "world w { @unstable(feature = tz) import c:nothere/timezone; }",
        "package 'c:nothere' not found @ 2:42",
    ),
    # Names are checked before gates apply.
    "gated-import-of-missing-local-interface": Case(
        "world w { @unstable(feature = tz) import local-missing; }",
        "interface or world `local-missing` does not exist @ 2:42",
    ),
    "missing-local-interface-in-gated-world": Case(
        "@unstable(feature = tz) world w { import local-missing; }",
        "interface or world `local-missing` does not exist @ 2:42",
    ),
    "gated-include-of-an-interface": Case(
        "interface j {}\nworld w { @unstable(feature = tz) include j; }",
        "name `j` is defined as an interface, not a world @ 3:43",
    ),
    "gated-function-with-missing-type": Case(
        "interface i { @unstable(feature = tz) f: func(a: missing); }", "name `missing` does not exist @ 2:50"
    ),
    "gated-method-with-missing-type": Case(
        "interface i { resource r { @unstable(feature = tz) g: func(a: missing); } }",
        "name `missing` does not exist @ 2:63",
    ),
    "method-of-gated-resource-with-missing-type": Case(
        "interface i { @unstable(feature = tz) resource r { g: func(a: missing); } }",
        "name `missing` does not exist @ 2:63",
    ),
    "gated-world-function-with-missing-type": Case(
        "world w { @unstable(feature = tz) import f: func(a: missing); }",
        "name `missing` does not exist @ 2:53",
    ),
    "function-in-gated-interface-with-missing-type": Case(
        "@unstable(feature = tz) interface i { @unstable(feature = tz) f: func(a: missing); }",
        "name `missing` does not exist @ 2:74",
    ),
    "gated-function-naming-a-later-function": Case(
        "interface i { @unstable(feature = tz) f: func() -> g; g: func(); }", "name `g` does not exist @ 2:52"
    ),
    "gated-function-with-duplicate-param": Case(
        "interface i { @unstable(feature = tz) f: func(a: u32, a: u32); }",
        "param `a` is defined more than once @ 2:55",
    ),
    "duplicate-constructors-of-gated-resource": Case(
        "interface i { @unstable(feature = tz) resource r { constructor(); constructor(); } }",
        "duplicate name `[constructor]r` @ 2:67",
    ),
    "constructor-of-gated-resource-returning-no-result": Case(
        "interface i { @unstable(feature = tz) resource r { constructor() -> u32; } }",
        "if a constructor return type is declared it must be a `result` @ 2:69",
    ),
    "gated-map-with-bad-key": Case(
        "interface i { @unstable(feature = tz) type t = map<f32, u8>; }",
        "invalid map key type: map keys must be bool, u8, u16, u32, u64, s8, s16, s32, s64, char, or string @ 2:48",
    ),
    "gated-use-of-missing-local-name": Case(
        "interface i { type t = u32; }\ninterface j { @unstable(feature = tz) use i.{nope}; }",
        "name `nope` does not exist @ 3:46",
    ),
    "gated-and-ungated-imports-of-one-name": Case(
        "world w { @unstable(feature = tz) import x: func(); import x: func(); }",
        "import `x` conflicts with prior func of same name @ 2:60",
    ),
    "gated-and-ungated-imports-of-one-path": Case(
        "world w { @unstable(feature = tz) import b:dep/nope; import b:dep/nope; }",
        "interface cannot be imported more than once @ 2:67",
    ),
    # Gate errors: an ungated item that needs a gated-off one.
    "ungated-use-inside-gated-interface": Case(
        "interface i { type t = u32; }\n@unstable(feature = tz) interface j { use i.{t}; }",
        "found a reference to a interface which is excluded due to its feature not being activated; "
        "this type is not gated by a feature but its interface is @ 3:46",
    ),
    "ungated-method-of-gated-resource": Case(
        "interface i { @unstable(feature = tz) resource r { g: func(); } }",
        "found a reference to a type which is excluded due to its feature not being activated @ 2:52",
    ),
    "ungated-use-of-gated-local-type": Case(
        "interface i { @unstable(feature = tz) type t = u32; }\ninterface j { use i.{t}; }",
        "found a reference to a type which is excluded due to its feature not being activated @ 3:22",
    ),
    "ungated-use-of-gated-foreign-type": Case(
        "interface j { use b:dep/x.{g}; }", "type `g` not defined in interface @ 2:28"
    ),
    "ungated-use-of-missing-foreign-type": Case(
        "interface j { use b:dep/x.{nope}; }", "type `nope` not defined in interface @ 2:28"
    ),
    "gated-type-in-a-world": Case(
        "world w { @unstable(feature = tz) type t = u32; }",
        "found a reference to a type which is excluded due to its feature not being activated @ 2:40",
    ),
    "gated-type-in-a-world-with-feature-on": Case(
        "world w { @unstable(feature = tz) type t = u32; }", None, ("--features", "tz")
    ),
}


def write_case(root: Path, case: Case) -> Path:
    (root / "deps").mkdir(parents=True)
    (root / "deps" / "dep.wit").write_text(DEP)
    version = "@1.0.0" if "@since" in case.main else ""
    (root / "main.wit").write_text(f"package a:main{version};\n{case.main}\n")
    return root


@pytest.mark.parametrize("name", list(CASES))
def test_gated_items_like_the_reference(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    root = write_case(tmp_path / name, case)
    assert normalise(witgen_outcome(root, case.features)) == case.error
    tool = reference_tool()
    if tool is not None:
        assert normalise(reference_outcome(tool, root, case.features)) == case.error


def test_wasi_cli_with_a_gated_import_the_clocks_package_lacks(tmp_path: Path) -> None:
    """componentize-py's case: a world of WASI 0.3's cli imports ``wasi:clocks/timezone`` behind
    ``@unstable(feature = clocks-timezone)`` while the clocks package it ships has no timezone."""
    cli = shutil.copytree(WASI / "0.3.0" / "cli", tmp_path / "cli")
    clocks = cli / "deps" / "clocks"
    (clocks / "timezone.wit").unlink()
    world = (clocks / "world.wit").read_text()
    gated = "    @unstable(feature = clocks-timezone)\n    import timezone;\n"
    assert gated in world
    (clocks / "world.wit").write_text(world.replace(gated, ""))
    imports = (cli / "imports.wit").read_text()
    (cli / "imports.wit").write_text(
        imports.replace(
            "world imports {\n",
            "world imports {\n  @unstable(feature = clocks-timezone)\n  import wasi:clocks/timezone@0.3.0;\n",
        )
    )
    loaded = load(cli)
    world_id = loaded.resolve.packages[loaded.main].worlds["imports"]
    names = [loaded.resolve.key_name(k) for k in loaded.resolve.worlds[world_id].imports]
    assert "wasi:clocks/system-clock@0.3.0" in names
    assert not any("timezone" in n for n in names)
    with pytest.raises(NotFound, match="interface 'timezone' not found in package 'wasi:clocks@0.3.0'"):
        load(cli, features=["clocks-timezone"])
    if reference_tool() is not None:
        reference = reference_json(cli, [])
        ref_world = reference["worlds"][reference["packages"][-1]["worlds"]["imports"]]
        ref_names = []
        for key in ref_world["imports"]:
            iface = reference["interfaces"][int(key.removeprefix("interface-"))]
            pkg = reference["packages"][iface["package"]]["name"]
            ns_name, _, version = pkg.partition("@")
            ref_names.append(f"{ns_name}/{iface['name']}@{version}")
        assert names == ref_names
