"""`may_leave` (CanonicalABI.md): while an instance's `post-return` or `realloc` runs, it may
not call an import (the host's or another component's) nor `resource.new`/`resource.drop`;
doing so traps with "cannot leave component instance", on both engines. (The spec suite's
values/post-return.wast asks the same, alongside async built-ins.)"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import wasmtime

from witgen.runtime.errors import Trap

from .conftest import bindings_from_wat

ENGINES = ("wasmtime", "cabi")

SINGLE = """(component
  (import "host" (func $host))
  (type $R (resource (rep i32)))
  (core func $host' (canon lower (func $host)))
  (core func $rnew (canon resource.new $R))
  (core func $rdrop (canon resource.drop $R))
  (core module $M
    (import "" "host" (func $host))
    (import "" "rnew" (func $rnew (param i32) (result i32)))
    (import "" "rdrop" (func $rdrop (param i32)))
    (memory (export "mem") 1)
    (global $h (mut i32) (i32.const 0))
    (func (export "noop"))
    (func (export "make") (global.set $h (call $rnew (i32.const 7))))
    (func (export "call-host") (call $host))
    (func (export "new") (drop (call $rnew (i32.const 1))))
    (func (export "drop") (call $rdrop (global.get $h)))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (call $host) (i32.const 64))
    (func (export "take") (param i32 i32)))
  (core instance $m (instantiate $M (with "" (instance
    (export "host" (func $host')) (export "rnew" (func $rnew)) (export "rdrop" (func $rdrop))))))
  (func (export "post-calls-import") (canon lift (core func $m "noop") (post-return (core func $m "call-host"))))
  (func (export "post-calls-resource-new") (canon lift (core func $m "noop") (post-return (core func $m "new"))))
  (func (export "post-calls-resource-drop") (canon lift (core func $m "make") (post-return (core func $m "drop"))))
  (func (export "realloc-calls-import") (param "s" string)
    (canon lift (core func $m "take") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "fine") (canon lift (core func $m "call-host")))
)
"""
"""One component: post-returns and a realloc that call the host import or resource built-ins."""

COMPOSED = """(component
  (import "host" (func $host))
  (component $C
    (import "host" (func $host))
    (core func $host' (canon lower (func $host)))
    (core module $CM
      (import "" "host" (func $host))
      (memory (export "mem") 1)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) (call $host) (i32.const 64))
      (func (export "take") (param i32 i32))
      (func (export "noop")))
    (core instance $cm (instantiate $CM (with "" (instance (export "host" (func $host'))))))
    (func (export "take") (param "s" string)
      (canon lift (core func $cm "take") (memory (core memory $cm "mem")) (realloc (core func $cm "realloc"))))
    (func (export "noop") (canon lift (core func $cm "noop"))))
  (component $D
    (import "take" (func $take (param "s" string)))
    (import "noop" (func $noop))
    (core module $Mem (memory (export "mem") 1))
    (core instance $mem (instantiate $Mem))
    (core func $take' (canon lower (func $take) (memory (core memory $mem "mem"))))
    (core func $noop' (canon lower (func $noop)))
    (core module $DM
      (import "" "take" (func $take (param i32 i32)))
      (import "" "noop" (func $noop))
      (func (export "send") (call $take (i32.const 0) (i32.const 1)))
      (func (export "nothing"))
      (func (export "post-calls-noop") (call $noop)))
    (core instance $dm (instantiate $DM (with "" (instance (export "take" (func $take')) (export "noop" (func $noop'))))))
    (func (export "send") (canon lift (core func $dm "send")))
    (func (export "call-noop") (canon lift (core func $dm "post-calls-noop")))
    (func (export "post-calls-fused") (canon lift (core func $dm "nothing") (post-return (core func $dm "post-calls-noop")))))
  (instance $c (instantiate $C (with "host" (func $host))))
  (instance $d (instantiate $D (with "take" (func $c "take")) (with "noop" (func $c "noop"))))
  (func (export "send") (alias export $d "send"))
  (func (export "call-noop") (alias export $d "call-noop"))
  (func (export "post-calls-fused") (alias export $d "post-calls-fused"))
)
"""
"""C's realloc calls the host; D's post-return calls C through a fused adapter."""


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    return bindings_from_wat(tmp_path_factory, SINGLE, "witgen_may_leave_single")


@pytest.fixture(scope="module")
def composed(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    return bindings_from_wat(tmp_path_factory, COMPOSED, "witgen_may_leave_composed")


def _load(built: tuple[ModuleType, Path], abi: str, calls: list[int]) -> Any:
    pkg, path = built
    imports = pkg.RootImports(host=lambda: calls.append(1))
    return pkg.Root.from_file(path, abi=abi, engine=wasmtime.Engine(), cache_dir=False, imports=imports)


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize(
    "call",
    ["post_calls_import", "post_calls_resource_new", "post_calls_resource_drop", "realloc_calls_import"],
)
def test_post_return_and_realloc_cannot_leave(single: Any, abi: str, call: str) -> None:
    calls: list[int] = []
    c = _load(single, abi, calls)
    args = ("x",) if call.startswith("realloc") else ()
    with pytest.raises(Trap, match="cannot leave component instance"):
        getattr(c, call)(*args)
    assert calls == []


@pytest.mark.parametrize("abi", ENGINES)
def test_the_same_calls_leave_outside_them(single: Any, abi: str) -> None:
    calls: list[int] = []
    _load(single, abi, calls).fine()
    assert calls == [1]


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize("call", ["send", "post_calls_fused"])
def test_fused_calls_cannot_leave_either(composed: Any, abi: str, call: str) -> None:
    """`send`: the adapter lowers a string with C's realloc, which calls the host;
    `post_calls_fused`: D's post-return calls C (the caller may not leave)."""
    calls: list[int] = []
    c = _load(composed, abi, calls)
    c.call_noop()  # D calling C is fine outside its post-return
    with pytest.raises(Trap, match="cannot leave component instance"):
        getattr(c, call)()
    assert calls == []
