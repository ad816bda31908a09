""" "Did you mean" hints on unknown names, packages, interfaces and worlds, and the error kinds.

The reference (wasm-tools 1.262) gives no hint; witgen keeps the reference's message and
location and adds rustc's ``= help:`` line under the caret, only when a name is close.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from witgen.cli import main
from witgen.errors import CycleError, GateError, NotFound, ParseError, ResolveError, WitError
from witgen.resolve import load
from witgen.suggest import closest, edit_distance


def test_edit_distance_counts_a_swap_as_one_edit() -> None:
    assert edit_distance("datetime", "datetime") == 0
    assert edit_distance("datetmie", "datetime") == 1
    assert edit_distance("strng", "string") == 1
    assert edit_distance("", "abc") == 3


@pytest.mark.parametrize(
    ("name", "candidates", "expected"),
    [
        ("strng", ["string", "u32"], "string"),
        ("Wall-Clock", ["wall-clock", "wall-clocks"], "wall-clock"),
        ("wall-clok", ["monotonic-clock", "wall-clock"], "wall-clock"),
        ("x", ["y"], None),
        ("foo", ["bar", "foo-bar-baz"], None),
        ("timezone", ["timezone"], None),
    ],
)
def test_closest_only_when_close(name: str, candidates: list[str], expected: str | None) -> None:
    assert closest(name, candidates) == expected


def write(root: Path, main_wit: str, dep: str | None = None) -> Path:
    root.mkdir(parents=True)
    (root / "main.wit").write_text(main_wit)
    if dep is not None:
        (root / "deps").mkdir()
        (root / "deps" / "dep.wit").write_text(dep)
    return root


CLOCKS = "package wasi:clocks@0.2.0;\ninterface wall-clock { type datetime = u64; f: func(); }\nworld w {}\n"

CASES = {
    "type-name": (
        "package a:b;\ninterface i { type foo-bar = u32; f: func(x: foo-baz); }\n",
        None,
        "name `foo-baz` does not exist",
        "2:46",
        "foo-bar",
    ),
    "builtin-type": (
        "package a:b;\ninterface i { record r { a: strng } }\n",
        None,
        "type `strng`",
        "2:29",
        "string",
    ),
    "local-interface": (
        "package a:b;\ninterface types {}\nworld w { import typs; }\n",
        None,
        "interface or world `typs` does not exist",
        "3:18",
        "types",
    ),
    "used-name": (
        "package a:b;\ninterface i { type handle = u32; }\ninterface j { use i.{handel}; }\n",
        None,
        "name `handel` does not exist",
        "3:22",
        "handle",
    ),
    "include-rename": (
        "package a:b;\nworld x { import alpha: func(); }\nworld w { include x with { alpah as b } }\n",
        None,
        "no import or export kebab-name `alpah`",
        "3:19",
        "alpha",
    ),
    "foreign-interface": (
        "package a:b;\ninterface i { use wasi:clocks/wall-clok@0.2.0.{datetime}; }\n",
        CLOCKS,
        "interface 'wall-clok' not found in package 'wasi:clocks@0.2.0'",
        "2:31",
        "wall-clock",
    ),
    "foreign-world": (
        "package a:b;\nworld v { include wasi:clocks/ww@0.2.0; }\n",
        CLOCKS,
        "world 'ww' not found in package",
        "2:31",
        "w",
    ),
    "foreign-type": (
        "package a:b;\ninterface i { use wasi:clocks/wall-clock@0.2.0.{datetmie}; }\n",
        CLOCKS,
        "type `datetmie` not defined in interface",
        "2:49",
        "datetime",
    ),
    "package-name": (
        "package a:b;\ninterface i { use wasi:clock/wall-clock@0.2.0.{datetime}; }\n",
        CLOCKS,
        "package 'wasi:clock@0.2.0' not found",
        "2:19",
        "wasi:clocks@0.2.0",
    ),
    "package-version": (
        "package a:b;\ninterface i { use wasi:clocks/wall-clock@0.2.1.{datetime}; }\n",
        CLOCKS,
        "package 'wasi:clocks@0.2.1' not found",
        "2:19",
        "wasi:clocks@0.2.0",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_unknown_names_get_a_hint(name: str, tmp_path: Path) -> None:
    main_wit, dep, message, location, hint = CASES[name]
    root = write(tmp_path / name, main_wit, dep)
    with pytest.raises(NotFound) as info:
        load(root)
    rendered = info.value.render()
    assert message in info.value.message
    assert f"main.wit:{location}\n" in rendered
    lines = rendered.splitlines()
    assert "^" in lines[-2], rendered
    assert lines[-1].endswith(f" = help: did you mean `{hint}`?"), rendered


def test_no_hint_for_a_name_unlike_any(tmp_path: Path) -> None:
    root = write(
        tmp_path / "far", "package a:b;\ninterface i { type t = u32; f: func(x: something-else); }\n"
    )
    with pytest.raises(NotFound) as info:
        load(root)
    assert info.value.help is None
    assert "help" not in info.value.render()


def test_world_option_gets_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write(tmp_path / "worlds", "package a:b;\nworld command {}\nworld proxy {}\n")
    loaded = load(root)
    with pytest.raises(NotFound) as info:
        loaded.select_world("comand")
    assert info.value.help == "did you mean `command`?"
    with pytest.raises(NotFound) as info:
        loaded.select_world("a:b/prxy")
    assert info.value.help == "did you mean `a:b/proxy`?"
    assert main(["check", str(root), "--world", "comand"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: world `comand` not found in package `a:b`",
        "help: did you mean `command`?",
    ]


KINDS: dict[str, tuple[str, type[WitError]]] = {
    "cycle": ("package a:b;\ninterface i { type a = b; type b = a; }\n", CycleError),
    "gate": ("package a:b;\ninterface i { @unstable(feature = f) type a = u32; type b = a; }\n", GateError),
    "clash": ("package a:b;\ninterface i { type a = u32; type a = u32; }\n", ResolveError),
    "missing": ("package a:b;\ninterface i { type a = nope; }\n", NotFound),
    "syntax": ("package a:b;\ninterface i { type a = ; }\n", ParseError),
    "lexing": ("package a:b;\ninterface i { type a = u32 $ }\n", ParseError),
    "empty-record": ("package a:b;\ninterface i { record r {} }\n", ParseError),
}


@pytest.mark.parametrize("name", list(KINDS))
def test_error_kinds(name: str, tmp_path: Path) -> None:
    text, kind = KINDS[name]
    root = write(tmp_path / name, text)
    with pytest.raises(WitError) as info:
        load(root)
    assert type(info.value) is kind
    assert isinstance(info.value, ResolveError) != (kind is ParseError)
