"""`witgen run` end to end: real components built from WAT, called on both engines through
generated bindings, results printed in WAVE; errors, traps, WASI, the bindings cache."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.build import ROOT

from .conftest import Ran

ENGINES = ["wasmtime", "cabi"]
Run = Callable[..., Ran]


def test_list(witgen_run: Run, runnable_wasm: Path) -> None:
    ran = witgen_run(runnable_wasm, "--list")
    assert ran.status == 0
    assert ran.out.splitlines() == [
        "add: func(a: u32, b: u32) -> u32",
        "boom: func()",
        "nothing: func()",
        "checked-div: func(a: u32, b: u32) -> result<u32, string>",
        "maybe-sum: func(a: u32, b: option<u32>) -> u32",
        "unit-result: func(fail: bool) -> result",
        "witgen-e2e:runnable/math (math):",
        "  add: func(a: s32, b: s32) -> s32",
        "  neg: func(x: s32) -> s32",
        "witgen-e2e:runnable/other (other):",
        "  neg: func(x: s32) -> s32",
    ]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("call", "printed"),
    [
        ("add(2, 3)", "5"),
        ("add(4294967295, 1)", "0"),  # wrapping, in wasm
        ("math.add(-1, -2)", "-3"),  # the interface's, by its short name
        ("witgen-e2e:runnable/math.neg(5)", "-5"),  # by its full name
        ("other.neg(-7)", "7"),
        ("%other.%neg(-7)", "7"),  # labels may be `%`-escaped
        ("nothing()", "()"),  # no result: `()`, as wasmtime prints it
        ("checked-div(7, 2)", "ok(3)"),
        ("checked-div(7, 0)", 'err("division by zero")'),  # the bindings raise Err: printed, status 0
        ("unit-result(true)", "err"),
        ("unit-result(false)", "ok"),
        ("maybe-sum(1)", "101"),  # a trailing option left out is `none`
        ("maybe-sum(1, 2)", "3"),
        ("maybe-sum(1, some(5))", "6"),
        ("  add ( 2 , 3 , )  // a comment", "5"),
    ],
)
def test_calls(witgen_run: Run, runnable_wasm: Path, engine: str, call: str, printed: str) -> None:
    ran = witgen_run(runnable_wasm, call, "--engine", engine)
    assert (ran.status, ran.out, ran.err) == (0, printed + "\n", "")


EVERYTHING = (
    "[{scalars: {flag: true, tiny: -128, byte: 255, short: -32768, ushort: 65535, int: -2147483648,"
    " uint: 4294967295, long: -9223372036854775808, ulong: 18446744073709551615, single: 1.5,"
    " double: -0.1, letter: '\\u{1F600}'}, name: \"n\\u{0}x\\n\", blob: [0, 255], nums: [1, 2],"
    ' floats: [nan, inf, -inf, 0.000001], maybe: some("m"), nested: some(none), outcome: err("bad"),'
    ' unit: ok, shape: points([(1, -1)]), color: green, perms: {write, exec}, pair: ("p", [-1]),'
    " tags: [], bools: [true, false], chars: ['a', '\\''], table: [(\"k\", 1), (\"j\", 2)]},"
    " {scalars: {flag: false, tiny: 0, byte: 0, short: 0, ushort: 0, int: 0, uint: 0, long: 0, ulong: 0,"
    " single: 0.1, double: 1e300, letter: 'x'}, name: \"\", blob: [], nums: [], floats: [], nested: some(5),"
    ' outcome: 7, unit: err, shape: empty, color: red, perms: {}, pair: ("", []), tags: ["a"],'
    " bools: [], chars: [], table: []}]"
)
"""Every WIT type (echo.wit's `everything`), flat option and result forms and left-out `none`s
included: the component returns its argument, and the printed text says it back."""


@pytest.mark.parametrize("engine", ENGINES)
def test_every_type_round_trips(witgen_run: Run, echo_wasm: Path, engine: str) -> None:
    ran = witgen_run(echo_wasm, f"echo-everything({EVERYTHING})", "--engine", engine)
    assert ran.status == 0, ran.err
    printed = ran.out.strip()
    assert printed.startswith("[{scalars: {flag: true, tiny: -128, byte: 255, short: -32768")
    assert "letter: '😀'}, name: \"n\\u{0}x\\n\", blob: [0, 255]" in printed
    assert 'floats: [nan, inf, -inf, 0.000001], maybe: some("m"), nested: some(none)' in printed
    assert 'table: [("k", 1), ("j", 2)]}' in printed
    assert "single: 0.1, double: 1" + "0" * 300 + ", letter: 'x'}" in printed
    assert "nested: some(some(5)), outcome: ok(7), unit: err, shape: empty, color: red, perms: {}" in printed
    # what it printed reads back as the same value
    again = witgen_run(echo_wasm, f"echo-everything({printed})", "--engine", engine)
    assert again.out.strip() == printed


@pytest.mark.parametrize("engine", ENGINES)
def test_trap(witgen_run: Run, runnable_wasm: Path, engine: str) -> None:
    ran = witgen_run(runnable_wasm, "boom()", "--engine", engine)
    assert ran.status == 1 and ran.out == ""
    assert ran.err.startswith("error: ") and "unreachable" in ran.err


@pytest.mark.parametrize(
    ("call", "message", "caret"),
    [
        ("add(1, 2", "expected `,` or `)`, found the end of the text", "        ^"),
        ("add(256, [1)", "expected `,` or `]`, found `)`", "           ^"),
        ("add(4294967296, 1)", "4294967296 is out of range for u32 (0 to 4294967295)", "    ^---------"),
        ("math.add(1, 2147483648)", "2147483648 is out of range for s32", "            ^---------"),
        ('add("2", 3)', "expected u32, found a string", "    ^--"),
        ("unit-result(1)", "expected bool (`true` or `false`), found number `1`", "            ^"),
        ("nope(1)", "the component exports no function `nope`", "^---"),
        ("math.nope()", "interface witgen-e2e:runnable/math exports no function `nope`", "^--------"),
        ("neg(1)", "`neg` is exported by 2 interfaces: write one of `math.neg`, `other.neg`", "^--"),
        ("add(1, 2, 3)", "`add` takes 2 arguments (a: u32, b: u32), found 3", "          ^"),
        ("add(1)", "missing argument `b: u32`", "     ^"),
        ("add", "expected `(` after the function name", "   ^"),
    ],
)
def test_invocation_errors(witgen_run: Run, runnable_wasm: Path, call: str, message: str, caret: str) -> None:
    ran = witgen_run(runnable_wasm, call)
    assert ran.status == 2 and ran.out == ""
    lines = ran.err.splitlines()
    assert lines[0] == f"error: {message}" or lines[0].startswith(f"error: {message}"), ran.err
    assert lines[-2].endswith(f"| {call}")
    gutter = lines[-1].index("|") + 2
    assert lines[-1][gutter:] == caret


def test_not_a_component(witgen_run: Run, tmp_path: Path) -> None:
    (tmp_path / "x.wasm").write_text("hello")
    ran = witgen_run(tmp_path / "x.wasm", "f()")
    assert (ran.status, ran.err) == (
        1,
        f"error: {tmp_path / 'x.wasm'} is not a WebAssembly component binary\n",
    )
    ran = witgen_run(tmp_path / "missing.wasm", "f()")
    assert ran.status == 1 and ran.err.startswith("error: can't read")


@pytest.mark.parametrize("engine", ENGINES)
def test_non_wasi_imports_are_a_link_error(witgen_run: Run, calc_wasm: Path, engine: str) -> None:
    ran = witgen_run(calc_wasm, "add(1, 2)", "--engine", engine)
    assert ran.status == 1 and ran.out == ""
    assert ran.err == (
        "error: the component imports functions `witgen run` can't provide (it links WASI only):"
        " witgen-e2e:calc/host (tick); log\n"
    )
    listed = witgen_run(calc_wasm, "--list")  # listing needs no imports
    assert (
        listed.status == 0
        and "witgen-e2e:calc/calc (calc):\n  add: func(a: u32, b: u32) -> u32\n" in listed.out
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_wasi_env_and_dirs(
    witgen_run: Run, wasienv_wasm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """wasmtime's WASI on the wasmtime engine, witgen's Python WASI on the cabi engine: the same
    environment and preopens."""
    monkeypatch.setenv("WITGEN_RUN_INHERITED", "from the host")
    monkeypatch.delenv("WITGEN_RUN_UNSET", raising=False)
    args = ["--engine", engine, "--env", "A=1", "--env", "B=x=y", "--env", "WITGEN_RUN_INHERITED"]
    args += ["--env", "WITGEN_RUN_UNSET"]
    env = ["A=1", "B=x=y", "WITGEN_RUN_INHERITED=from the host"]
    args += ["--dir", str(tmp_path), "--dir", f"{tmp_path}::/data"]
    ran = witgen_run(wasienv_wasm, "show()", *args)
    assert (ran.status, ran.out.splitlines(), ran.err) == (0, [*env, f"dir {tmp_path}", "dir /data", "5"], "")
    bad = witgen_run(wasienv_wasm, "show()", "--dir", str(tmp_path / "nope"))
    assert (
        bad.status == 1
        and bad.err == f"error: --dir '{tmp_path / 'nope'}': {tmp_path / 'nope'} is not a directory\n"
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_wasi_exit_sets_the_status(witgen_run: Run, wasienv_wasm: Path, engine: str) -> None:
    assert witgen_run(wasienv_wasm, "quit(true)", "--engine", engine) == Ran(1, "", "")
    assert witgen_run(wasienv_wasm, "quit(false)", "--engine", engine) == Ran(0, "", "")


def test_cached_bindings_are_reused(
    witgen_run: Run, runnable_wasm: Path, run_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from witgen.run import bindings

    assert witgen_run(runnable_wasm, "add(1, 1)").out == "2\n"
    key = bindings.package_key(runnable_wasm.read_bytes())
    package = f"witgen_run_{key[:20]}"
    assert (run_cache / "bindings" / key / package / "__init__.py").is_file()
    assert not [p for p in (run_cache / "bindings").iterdir() if p.name.startswith(".tmp")]
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        monkeypatch.delitem(sys.modules, name)

    def generate(*args: object) -> None:
        raise AssertionError("the cached package was generated again")

    monkeypatch.setattr(bindings, "_generate", generate)
    assert witgen_run(runnable_wasm, "add(2, 2)").out == "4\n"


def _witgen(*args: str | Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "witgen", "run", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_runs_in_subprocesses(runnable_wasm: Path, tmp_path: Path) -> None:
    """Real `witgen run` processes racing to generate one component's bindings into an empty
    cache: each prints its result, and one package is left."""
    env = dict(os.environ, WITGEN_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    procs = [_witgen(runnable_wasm, f"add({i}, 10)", "--engine", ENGINES[i % 2], env=env) for i in range(3)]
    results = [
        (p.wait(timeout=300), p.stdout.read() if p.stdout else "", p.stderr.read() if p.stderr else "")
        for p in procs
    ]
    assert results == [(0, f"{i + 10}\n", "") for i in range(3)]
    assert [p.name for p in (tmp_path / "bindings").iterdir()] == [
        p.name for p in (tmp_path / "bindings").iterdir() if not p.name.startswith(".")
    ]
    assert len(list((tmp_path / "bindings").iterdir())) == 1
