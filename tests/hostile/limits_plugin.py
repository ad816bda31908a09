"""A small hostile guest for the limits and threads tests, built from WAT in the test run.

`plugin.wasm` exports an infinite loop (`spin`), a loop of `n` steps (`burn`), `memory.grow` and
`table.grow` as the guest sees them (`grow`, `grow-table`; `grow-or-trap` traps when growing
fails), `add` and `echo` (a string through linear memory, for checking threads don't mix data).
Its bindings are generated as the package `plugin_bindings` (class `Plugin`), the names the
README's Limits example uses.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from e2e.build import tool
from e2e.conftest import generate_bindings

WIT = """\
package witgen-hostile:plugin;

world plugin {
  export spin: func();
  export add: func(a: u32, b: u32) -> u32;
  export burn: func(n: u32) -> u32;
  export grow: func(pages: u32) -> s32;
  export grow-or-trap: func(pages: u32);
  export grow-table: func(n: u32) -> s32;
  export echo: func(s: string) -> string;
}
"""

WAT = """\
(module
  (memory (export "memory") 2)
  (table $t 1 funcref)
  (global $bump (mut i32) (i32.const 1024))
  ;; A bump allocator that starts over past 128 KiB: each call's strings die with the call.
  (func (export "cabi_realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (if (i32.gt_u (i32.add (local.get $p) (local.get $size)) (i32.const 131072))
      (then (local.set $p (i32.const 1024))))
    (global.set $bump (i32.add (local.get $p) (local.get $size)))
    (local.get $p))
  (func (export "spin") (loop $l (br $l)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "burn") (param $n i32) (result i32) (local $acc i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (local.get $acc) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $acc))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow-or-trap") (param i32)
    (if (i32.eq (memory.grow (local.get 0)) (i32.const -1)) (then unreachable)))
  (func (export "grow-table") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "echo") (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (i32.const 16))
)
"""

PAGE = 65536
INITIAL_PAGES = 2
INITIAL_TABLE = 1


@dataclass
class PluginSetup:
    pkg: ModuleType
    wasm: Path

    @property
    def package_dir(self) -> Path:
        assert self.pkg.__file__ is not None
        return Path(self.pkg.__file__).parent


def _run(args: list[str]) -> None:
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        pytest.fail(f"$ {' '.join(args)}\n{out.stdout}\n{out.stderr}", pytrace=False)


_memo: dict[str, PluginSetup] = {}


def plugin_setup(tmp_path_factory: pytest.TempPathFactory) -> PluginSetup:
    """The plugin component and its bindings, built once per session (shared by both test files)."""
    found = _memo.get("plugin")
    if found is None:
        work = tmp_path_factory.mktemp("hostile-plugin")
        (work / "plugin.wit").write_text(WIT)
        (work / "plugin.wat").write_text(WAT)
        wt = tool("wasm-tools")
        _run([wt, "parse", str(work / "plugin.wat"), "-o", str(work / "core.wasm")])
        _run([wt, "component", "embed", str(work / "plugin.wit"), str(work / "core.wasm"), "--world", "plugin",
              "-o", str(work / "embedded.wasm")])  # fmt: skip
        _run([wt, "component", "new", str(work / "embedded.wasm"), "-o", str(work / "plugin.wasm")])
        pkg = generate_bindings(tmp_path_factory, work / "plugin.wit", "plugin_bindings", world="plugin")
        found = _memo["plugin"] = PluginSetup(pkg, work / "plugin.wasm")
    return found
