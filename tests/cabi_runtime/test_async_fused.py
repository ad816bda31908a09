"""Issue 20, first slice: calls between components where either side uses the async ABI, which
witgen's cabi engine runs to completion (`runtime/cabi/fuse_async.py`), and `task.return`.

`async_fused.wast` (run through the spec-suite runner, as the cm-spec scripts are) covers async
stackful and callback lifts, async lowers of async and sync lifts, and the traps of
`canon_task_return` and of the callback loop, each on a fresh instance; the spec suite's own
`values/variants.wast` async case passes too (`tests/cmspec/expected_failures.txt`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hostile.harness import Hostile

from tests.cmspec.runner import run_script
from tests.cmspec.scripts import Command, Script, wasm_tools
from witgen.runtime import LinkError

HERE = Path(__file__).parent


def test_async_calls_between_components_run_to_completion_and_trap_as_the_spec_says(tmp_path: Path) -> None:
    out = subprocess.run(
        [wasm_tools(), "json-from-wast", str(HERE / "async_fused.wast"), "-o", str(tmp_path / "x.json")]
        + ["--wasm-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    commands = json.loads((tmp_path / "x.json").read_text())["commands"]
    script = Script("async_fused.wast", tmp_path, [Command(c["type"], int(c["line"]), c) for c in commands])
    outcomes = run_script(script, "cabi")
    kinds = [o.kind for o in outcomes]
    assert kinds.count("return") == 5 and kinds.count("trap") == 8, kinds
    failed = [f"line {o.line}: {o.reason}" for o in outcomes if not o.passed]
    assert not failed, failed
    notes = [f"line {o.line}: {o.note}" for o in outcomes if o.note]
    assert not notes, notes  # every trap says what the script expects


REALLOC = '(func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))'
ASYNC_EXPORT = Hostile(
    "export f: async func() -> u32;",
    '(module (import "[export]$root" "[task-return]f" (func $ret (param i32)))'
    ' (func (export "[async-lift-stackful]f") (call $ret (i32.const 5)))'
    f' (memory (export "memory") 1) {REALLOC})',
)
SYNC_BINDINGS = Hostile("export f: func() -> u32;", f'(module (func (export "f") (result i32) (i32.const 5)) (memory (export "memory") 1) {REALLOC})')


def test_sync_bindings_refuse_an_async_export() -> None:
    """The load-time type check compares parameters and results; an async export that bindings
    generated for a sync function would call with the wrong core signature is refused too."""
    pkg = SYNC_BINDINGS.package()
    with pytest.raises(LinkError, match="is an async function"):
        pkg.W.from_file(ASYNC_EXPORT.wasm(), abi="cabi", cache_dir=False)
