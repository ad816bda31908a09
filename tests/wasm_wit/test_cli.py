"""The command line and `load` on binaries: `wit`, `check`, `host`, `guest`, `deps/*.wasm`, errors."""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

import pytest

from tests.wasm_wit.helpers import (
    E2E,
    WASI,
    Source,
    build_component,
    build_package,
    canonical,
    reference_json,
    wasm_tools,
)
from witgen.cli import main
from witgen.resolve import load
from witgen.resolve.json_io import to_json

CALC = Source("calc", E2E / "calc" / "calc.wit")
KITCHEN = Source("kitchen", E2E / "kitchen" / "wit")
HTTP = Source("http", WASI / "http")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(a / d, b / d) for d in cmp.common_dirs)


@pytest.mark.parametrize(
    "source, world", [(HTTP, None), (HTTP, "proxy"), (KITCHEN, "kitchen-sink"), (CALC, None)]
)
def test_wit_prints_the_reference_resolve(
    source: Source, world: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`witgen wit x.wasm`, read back by the reference tool, is the binary's resolve."""
    wasm = (
        build_package(source, tmp_path / "x.wasm")
        if world is None
        else build_component(source, world, tmp_path / "x.wasm")
    )
    code, out, err = run_cli(capsys, "wit", wasm)
    assert code == 0, err
    printed = tmp_path / "printed.wit"
    printed.write_text(out)
    ours = canonical(reference_json(printed), ordered_packages=False)
    assert ours == canonical(reference_json(wasm), ordered_packages=False)
    assert run_cli(capsys, "check", wasm)[0] == 0


def test_host_from_binary_package_matches_wit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A binary WIT package (docs kept in package-docs) generates the same host package."""
    wasm = build_package(KITCHEN, tmp_path / "kitchen.wasm")
    for origin, path in (("wasm", wasm), ("wit", KITCHEN.path)):
        code, _, err = run_cli(
            capsys, "host", path, "--world", "kitchen-sink", "-o", tmp_path / origin / "kit"
        )
        assert code == 0, err
    assert same_tree(tmp_path / "wasm" / "kit", tmp_path / "wit" / "kit")


@pytest.mark.parametrize("command", ["host", "guest"])
def test_generate_from_component(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A component needs no `.wit`: bindings equal those of the reference's WIT for it."""
    wasm = build_component(KITCHEN, "kitchen-sink", tmp_path / "kitchen.wasm")
    printed = tmp_path / "printed.wit"
    printed.write_text(wasm_tools("component", "wit", wasm))
    for origin, path in (("wasm", wasm), ("wit", printed)):
        code, _, err = run_cli(capsys, command, path, "-o", tmp_path / origin / "kit")
        assert code == 0, err
    assert same_tree(tmp_path / "wasm" / "kit", tmp_path / "wit" / "kit")


def _app(directory: Path, deps: dict[str, Path]) -> Path:
    directory.mkdir()
    (directory / "app.wit").write_text(
        "package my:app;\n"
        "interface user {\n  use wasi:http/types@0.2.12.{request-options};\n"
        "  f: func(o: borrow<request-options>);\n}\n"
        "world app {\n  import user;\n  export wasi:http/incoming-handler@0.2.12;\n}\n"
    )
    (directory / "deps").mkdir()
    for name, path in deps.items():
        target = directory / "deps" / name
        if path.is_dir():
            shutil.copytree(path, target)
        else:
            shutil.copy(path, target)
    return directory


def test_wasm_dependency_resolves(tmp_path: Path) -> None:
    """`deps/http.wasm` (a binary package carrying its own dependencies) resolves like the WIT."""
    wasm = build_package(HTTP, tmp_path / "http.wasm")
    app = _app(tmp_path / "app", {"http.wasm": wasm})
    assert canonical(to_json(load(app).resolve)) == canonical(reference_json(app))


def test_wasm_dependency_next_to_full_packages(tmp_path: Path) -> None:
    """Packages a binary dependency carries in part give way to their full definitions.

    (The reference tool panics on this layout, so the oracle is the same app with http as WIT.)"""
    wasm = build_package(HTTP, tmp_path / "http.wasm")
    others = {p.name: p for p in sorted(WASI.iterdir()) if p.name != "http"}
    app = _app(tmp_path / "app", {"http.wasm": wasm, **others})
    all_wit = _app(tmp_path / "all-wit", {"http": HTTP.path, **others})
    ours = load(app).resolve
    assert canonical(to_json(ours), ordered_packages=False) == canonical(
        reference_json(all_wit), ordered_packages=False
    )
    clocks = next(p for p in ours.packages if p.name.name == "clocks")
    assert "imports" in clocks.worlds  # the full package: the part http carries has no worlds


def test_component_dependency_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wasm = build_component(CALC, "calculator", tmp_path / "calc.wasm")
    app = _app(tmp_path / "app", {"calc.wasm": wasm})
    code, _, err = run_cli(capsys, "check", app)
    assert code == 1
    assert err.strip().endswith("calc.wasm: is a component, not a binary WIT package")


def _break_docs(data: bytes) -> bytes:
    """The package-docs JSON's opening brace turned into a bracket (same length)."""
    at = data.index(b"package-docs") + len(b"package-docs") + 1
    assert data[at : at + 1] == b"{"
    return data[:at] + b"[" + data[at + 1 :]


def _bad_files(tmp_path: Path) -> dict[str, bytes]:
    good = build_package(CALC, tmp_path / "good.wasm").read_bytes()
    return {
        "text.wasm": b"package a:b;\n",
        "core.wasm": b"\0asm\x01\0\0\0",
        "truncated.wasm": good[: len(good) // 2],
        "garbage.wasm": b"\0asm\x0d\0\x01\0" + bytes([0x07, 0x05, 0x01, 0x99, 0x01, 0x02, 0x03]),
        "bad-docs.wasm": _break_docs(good),
        "magic-only": b"\0asm",
    }


@pytest.mark.parametrize(
    "name, message",
    [
        ("text.wasm", "not a WebAssembly binary"),
        ("core.wasm", "core wasm module, not a component"),
        ("truncated.wasm", "malformed component"),
        ("garbage.wasm", "malformed component"),
        ("bad-docs.wasm", "package-docs"),
        ("magic-only", "malformed component"),
    ],
)
def test_bad_binaries_give_one_line(
    name: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(_bad_files(tmp_path)[name])
    for command in (["wit"], ["check"], ["host", "-o", str(tmp_path / "out")]):
        code, out, err = run_cli(capsys, command[0], path, *command[1:])
        assert code == 1 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err


def test_bad_docs_fixture_is_only_bad_json(tmp_path: Path) -> None:
    data = _bad_files(tmp_path)["bad-docs.wasm"]
    at = data.index(b"package-docs") + len(b"package-docs") + 1
    with pytest.raises(ValueError):
        json.loads(data[at : data.index(b"producers") - 2])
