"""Names that must be unique, compared without case (kebab-case names are case-insensitive),
decided like wasm-tools 1.262: each case states the measured outcome and, when wasm-tools is
installed, compares with it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wit_outcomes import reference_outcome, reference_tool, same_outcome, witgen_outcome

CASES: dict[str, tuple[str, str | None]] = {
    "record-fields": (
        "interface i { record r { a: u32, A: u32 } }",
        "field `A` conflicts with previous field `a` @ 2:34",
    ),
    "duplicate-field": ("interface i { record r { a: u32, a: u32 } }", "duplicate field `a` @ 2:34"),
    "enum-cases": ("interface i { enum e { a, A } }", "case `A` conflicts with previous case `a` @ 2:27"),
    "duplicate-enum-case": ("interface i { enum e { a, a } }", "duplicate case `a` @ 2:27"),
    "variant-cases": (
        "interface i { variant v { a, A(u32) } }",
        "case `A` conflicts with previous case `a` @ 2:30",
    ),
    "duplicate-variant-case": ("interface i { variant v { a, a } }", "duplicate case `a` @ 2:30"),
    "flags": ("interface i { flags f { a, A } }", "flag `A` conflicts with previous flag `a` @ 2:28"),
    "duplicate-flag": ("interface i { flags f { a, a } }", "duplicate flag `a` @ 2:28"),
    "gated-record-fields": (
        "interface i { @unstable(feature = x) record r { a: u32, A: u32 } }",
        "field `A` conflicts with previous field `a` @ 2:57",
    ),
    "params": ("interface i { f: func(a: u32, A: u32); }", "param `A` is defined more than once @ 2:31"),
    "interface-types": (
        "interface i { type foo = u32; type FOO = u32; }",
        "name `FOO` conflicts with previous name `foo` @ 2:36",
    ),
    "type-and-function": (
        "interface i { type foo = u32; FOO: func(); }",
        "name `FOO` conflicts with previous name `foo` @ 2:31",
    ),
    "resource-and-type": (
        "interface i { resource R; type r = u32; }",
        "name `r` conflicts with previous name `R` @ 2:32",
    ),
    "methods": (
        "interface i { resource r { foo: func(); FOO: func(); } }",
        "name `[method]r.FOO` conflicts with previous name `[method]r.foo` @ 2:41",
    ),
    "world-imports": (
        "world w { import foo: func(); import FOO: func(); }",
        "name `FOO` conflicts with previous name `foo` @ 2:38",
    ),
    "world-type-and-import": (
        "world w { type foo = u32; import FOO: func(); }",
        "name `FOO` conflicts with previous name `foo` @ 2:34",
    ),
    "world-exports": (
        "world w { export foo: func(); export FOO: interface {} }",
        "name `FOO` conflicts with previous name `foo` @ 2:38",
    ),
    "import-and-export-may-share": ("world w { import foo: func(); export FOO: func(); }", None),
    "included-import": (
        "world a { import foo: func(); }\nworld b {\n  import FOO: func();\n  include a;\n}",
        "import `foo` in world `b` conflicts with import `FOO` (names must be strongly unique) @ 3:7",
    ),
    "interfaces-differ-by-case": ("interface foo {}\ninterface FOO {}", None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_names_unique_like_the_reference(name: str, tmp_path: Path) -> None:
    text, expected = CASES[name]
    root = tmp_path / name
    root.mkdir()
    (root / "main.wit").write_text(f"package a:main;\n{text}\n")
    assert witgen_outcome(root, ()) == expected
    tool = reference_tool()
    if tool is not None:
        assert same_outcome(reference_outcome(tool, root, ()), expected)
