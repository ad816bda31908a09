"""Components of the Component Model spec's test-suite shapes that WIT describes only in part.

Each component is written as WAT here (after a case of `cm-spec/`), read back by witgen, and
checked three ways: the WIT `witgen wit` prints, the resolve against `wasm-tools component wit`
where the reference tool can print the component, and, for components with function exports,
the generated bindings calling them on both engines.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.wasm_wit.helpers import ROOT, canonical, reference_json, wasm_tools
from witgen.gen_host import generate, write_package
from witgen.gen_wit.printer import print_resolve
from witgen.resolve.from_component import decode_wasm
from witgen.resolve.json_io import to_json

ENGINES = ("wasmtime", "cabi")


def build(tmp_path: Path, wat: str, name: str = "c") -> Path:
    (tmp_path / f"{name}.wat").write_text(wat)
    wasm_tools("parse", tmp_path / f"{name}.wat", "-o", tmp_path / f"{name}.wasm")
    return tmp_path / f"{name}.wasm"


def wit_of(wasm: Path) -> str:
    decoded = decode_wasm(wasm.read_bytes(), str(wasm))
    return print_resolve(decoded.resolve, decoded.package)


def assert_same_resolve(wasm: Path) -> None:
    decoded = decode_wasm(wasm.read_bytes(), str(wasm))
    assert canonical(to_json(decoded.resolve)) == canonical(reference_json(wasm))


def bindings(wasm: Path, tmp_path: Path, package: str) -> Any:
    """The generated package of `wasm`'s world, imported."""
    decoded = decode_wasm(wasm.read_bytes(), str(wasm))
    assert decoded.world is not None
    write_package(generate(decoded.resolve, decoded.world, package), tmp_path / package)
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(tmp_path))


def world(body: str) -> str:
    return f"package root:component;\n\nworld root {{\n{body}}}\n"


# ---- nested components and outer aliases (linking/unit.wast, validation/outer-alias.wast) ----

OUTER_MODULE = """(component $Top
  (core module $Counter
    (global $g (mut i32) (i32.const 0))
    (func (export "bump") (result i32)
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      (global.get $g)))
  (component $Mid
    (component $Leaf
      (core instance $m (instantiate $Counter))
      (func (export "bump") (result u32) (canon lift (core func $m "bump"))))
    (instance $l1 (instantiate $Leaf))
    (instance $l2 (instantiate $Leaf))
    (func (export "bump-1") (alias export $l1 "bump"))
    (func (export "bump-2") (alias export $l2 "bump")))
  (instance $mid (instantiate $Mid))
  (func (export "bump-1") (alias export $mid "bump-1"))
  (func (export "bump-2") (alias export $mid "bump-2"))
)"""

MODULE_IN_INSTANCE = """(component
  (component $C
    (import "tools" (instance $tools
      (export "m" (core module (export "get" (func (result i32)))))))
    (alias export $tools "m" (core module $M))
    (core instance $m (instantiate $M))
    (func (export "get") (result u32) (canon lift (core func $m "get"))))
  (core module $Impl (func (export "get") (result i32) (i32.const 123)))
  (instance $tools (export "m" (core module $Impl)))
  (instance $c (instantiate $C (with "tools" (instance $tools))))
  (func (export "get") (alias export $c "get"))
)"""

OUTER_CORE_TYPE = """(component $C
  (core type $FT (func (param i32) (result i32)))
  (type $T (record (field "x" u32)))
  (type (component
    (alias outer $C $FT (core type $ct))
    (alias outer $C $T (type $t))
    (import "t" (type (eq $t)))
  ))
  (type (instance
    (core type $inner (func))
    (alias outer $C $FT (core type $ct2))
    (alias outer $C $T (type $t2))
    (export "t" (type (eq $t2)))
  ))
)"""


def test_module_reached_by_a_depth_two_outer_alias(tmp_path: Path) -> None:
    wasm = build(tmp_path, OUTER_MODULE)
    assert wit_of(wasm) == world("  export bump-1: func() -> u32;\n  export bump-2: func() -> u32;\n")
    assert_same_resolve(wasm)
    pkg = bindings(wasm, tmp_path, "outer_module")
    for abi in ENGINES:
        root = pkg.Root.from_file(wasm, abi=abi, cache_dir=False)
        # each leaf instantiates the outer module afresh: two counters
        assert [root.bump_1(), root.bump_1(), root.bump_2()] == [1, 2, 1], abi


def test_core_module_aliased_out_of_an_instance_argument(tmp_path: Path) -> None:
    wasm = build(tmp_path, MODULE_IN_INSTANCE)
    assert wit_of(wasm) == world("  export get: func() -> u32;\n")
    assert_same_resolve(wasm)
    pkg = bindings(wasm, tmp_path, "module_in_instance")
    for abi in ENGINES:
        assert pkg.Root.from_file(wasm, abi=abi, cache_dir=False).get() == 123, abi


def test_outer_aliases_of_core_types_in_type_declarations(tmp_path: Path) -> None:
    wasm = build(tmp_path, OUTER_CORE_TYPE)
    assert wit_of(wasm) == world("")
    assert_same_resolve(wasm)


# ---- exports and imports WIT can't express -------------------------------------------------

INEXPRESSIBLE_IMPORTS = """(component
  (core type $MT (module (export "f" (func))))
  (import "m" (core module (type $MT)))
  (import "c" (component (export "f" (func))))
  (import "i" (instance (export "f" (func))))
  (import "g" (func))
)"""

INEXPRESSIBLE_EXPORTS = """(component
  (core module $M (func (export "f") (result i32) (i32.const 7)))
  (core instance $i (instantiate $M))
  (type $R (resource (rep i32)))
  (instance $bag (export "r" (type $R)))
  (instance $outer (export "inner" (instance $bag)) (export "m" (core module $M)))
  (export $outer' "i" (instance $outer))
  (alias export $outer' "inner" (instance $inner))
  (alias export $inner "r" (type $R'))
  (export "m" (core module $M))
  (core func $new (canon resource.new $R'))
  (core module $N
    (import "" "new" (func $new (param i32) (result i32)))
    (func (export "make") (result i32) (call $new (i32.const 42))))
  (core instance $n (instantiate $N (with "" (instance (export "new" (func $new))))))
  (func (export "make") (result (own $R')) (canon lift (core func $n "make")))
  (func (export "seven") (result u32) (canon lift (core func $i "f")))
)"""

NOT_FOR_THE_REFERENCE = """(component
  (import "wasi:http/types" (func))
  (import "wasi:http/types@1.0.0" (func))
  (import "plain" (func))
  (import "i" (instance (export "f" (func)) (export "m" (core module)) (export "j" (instance))))
  (component $C)
  (export "c" (component $C))
)"""


def test_core_module_and_component_imports_are_left_out(tmp_path: Path) -> None:
    wasm = build(tmp_path, INEXPRESSIBLE_IMPORTS)
    assert wit_of(wasm) == world("  import i: interface {\n    f: func();\n  }\n  import g: func();\n")
    assert_same_resolve(wasm)


def test_exported_core_modules_components_and_nested_instances_are_left_out(tmp_path: Path) -> None:
    """`make` returns a resource reachable only through the nested instance `i.inner`: it
    becomes a world type under its export name so the function has a WIT type."""
    wasm = build(tmp_path, INEXPRESSIBLE_EXPORTS)
    assert wit_of(wasm) == world(
        "  resource r;\n\n  export i: interface {\n  }\n  export make: func() -> r;\n  export seven: func() -> u32;\n"
    )
    pkg = bindings(wasm, tmp_path, "inexpressible_exports")
    for abi in ENGINES:
        assert pkg.Root.from_file(wasm, abi=abi, cache_dir=False).seven() == 7, abi


def test_interface_named_functions_and_nested_items_are_left_out(tmp_path: Path) -> None:
    """What the reference tool refuses (or panics on): functions named like interfaces, a core
    module or instance inside an imported instance, an exported component."""
    wasm = build(tmp_path, NOT_FOR_THE_REFERENCE)
    assert wit_of(wasm) == world("  import i: interface {\n    f: func();\n  }\n  import plain: func();\n")


def test_each_instance_import_has_its_own_resources(tmp_path: Path) -> None:
    wasm = build(
        tmp_path,
        """(component
  (type $I (instance
    (export "r" (type $r (sub resource)))
    (export "f" (func (result (own $r))))))
  (import "i1" (instance $i1 (type $I)))
  (import "i2" (instance $i2 (type $I)))
)""",
    )
    iface = "interface {\n    resource r;\n\n    f: func() -> r;\n  }\n"
    assert wit_of(wasm) == world(f"  import i1: {iface}  import i2: {iface}")
    assert_same_resolve(wasm)


# ---- exported types (values/numerics.wast, values/concat.wast, resources/handle-table.wast) ----

EXPORTED_TYPES = """(component
  (type $f9 (flags "f1" "f2" "f3" "f4" "f5" "f6" "f7" "f8" "f9"))
  (export $f9' "f9" (type $f9))
  (type $point (record (field "x" u32) (field "y" u32)))
  (export $point' "point" (type $point))
  (type $R (resource (rep i32)))
  (export $R' "r" (type $R))
  (core func $new (canon resource.new $R))
  (core module $M
    (import "" "new" (func $new (param i32) (result i32)))
    (memory (export "mem") 1)
    (func (export "junk") (result i32) (i32.const 0xffffff11))
    (func (export "swap") (param i32 i32) (result i32)
      (i32.store (i32.const 8) (local.get 1))
      (i32.store (i32.const 12) (local.get 0))
      (i32.const 8))
    (func (export "make") (param i32) (result i32) (call $new (local.get 0)))
    ;; a borrow of the component's own resource arrives as its representation
    (func (export "rep") (param i32) (result i32) (local.get 0)))
  (core instance $m (instantiate $M (with "" (instance (export "new" (func $new))))))
  (alias core export $m "mem" (core memory $mem))
  (func (export "junk-to-f9") (result $f9') (canon lift (core func $m "junk")))
  (func (export "swap") (param "p" $point') (result $point')
    (canon lift (core func $m "swap") (memory $mem)))
  (func (export "make") (param "v" u32) (result (own $R')) (canon lift (core func $m "make")))
  (func (export "rep") (param "h" (borrow $R')) (result u32) (canon lift (core func $m "rep")))
)"""


def test_exported_types_live_in_the_world(tmp_path: Path) -> None:
    wasm = build(tmp_path, EXPORTED_TYPES)
    flags = "".join(f"    f{i},\n" for i in range(1, 10))
    assert wit_of(wasm) == world(
        f"  flags f9 {{\n{flags}  }}\n\n  record point {{\n    x: u32,\n    y: u32,\n  }}\n\n"
        "  resource r;\n\n"
        "  export junk-to-f9: func() -> f9;\n  export swap: func(p: point) -> point;\n"
        "  export make: func(v: u32) -> r;\n  export rep: func(h: borrow<r>) -> u32;\n"
    )
    pkg = bindings(wasm, tmp_path, "exported_types")
    assert issubclass(pkg.R, pkg._rt.GuestResource)  # the component implements it, not the host
    for abi in ENGINES:
        root = pkg.Root.from_file(wasm, abi=abi, cache_dir=False)
        assert root.junk_to_f9() == pkg.F9.F1 | pkg.F9.F5 | pkg.F9.F9, abi
        assert root.swap(pkg.Point(1, 2)) == pkg.Point(2, 1), abi
        handle = root.make(42)
        assert isinstance(handle, pkg.R), abi
        assert root.rep(handle) == 42, abi
        handle.drop()


def test_world_functions_named_like_builtins_do_not_shadow_annotations(tmp_path: Path) -> None:
    wasm = build(
        tmp_path,
        """(component
  (core module $M (func (export "f") (param i32 i32) (result i32) (local.get 0)))
  (core instance $m (instantiate $M))
  (type $t (tuple u32 u32))
  (export $t' "pair" (type $t))
  (func (export "tuple") (param "a" $t') (result u32) (canon lift (core func $m "f")))
  (func (export "list") (param "a" $t') (result u32) (canon lift (core func $m "f")))
)""",
    )
    pkg = bindings(wasm, tmp_path, "builtin_names")
    for abi in ENGINES:
        root = pkg.Root.from_file(wasm, abi=abi, cache_dir=False)
        assert (root.tuple_((5, 6)), root.list_((7, 8))) == (5, 7), abi


EXPORTED_RESOURCE_FUNCS = """(component
  (type $R (resource (rep i32)))
  (export $R' "r" (type $R))
  (core func $new (canon resource.new $R))
  (core module $M
    (import "" "new" (func $new (param i32) (result i32)))
    (func (export "ctor") (param i32) (result i32) (call $new (local.get 0)))
    (func (export "get") (param i32) (result i32) (local.get 0))
    (func (export "double") (param i32) (result i32) (call $new (i32.mul (local.get 0) (i32.const 2)))))
  (core instance $m (instantiate $M (with "" (instance (export "new" (func $new))))))
  (func (export "[constructor]r") (param "v" u32) (result (own $R')) (canon lift (core func $m "ctor")))
  (func (export "[method]r.get") (param "self" (borrow $R')) (result u32) (canon lift (core func $m "get")))
  (func (export "[static]r.double") (param "v" u32) (result (own $R')) (canon lift (core func $m "double")))
)"""


def test_exported_resource_functions_are_its_methods(tmp_path: Path) -> None:
    wasm = build(tmp_path, EXPORTED_RESOURCE_FUNCS)
    assert wit_of(wasm) == world(
        "  resource r {\n    constructor(v: u32);\n    get: func() -> u32;\n    double: static func(v: u32) -> r;\n  }\n"
    )
    pkg = bindings(wasm, tmp_path, "exported_resource_funcs")
    for abi in ENGINES:
        root = pkg.Root.from_file(wasm, abi=abi, cache_dir=False)
        with root.R(41) as handle:
            assert handle.get() == 41, abi
        assert root.R.double(21).get() == 42, abi


# ---- world-level imported resources with functions (validation/annotated-names.wast) ----------

WORLD_RESOURCE = """(component
  (import "a" (type $a (sub resource)))
  (import "[constructor]a" (func $ctor (param "v" u32) (result (own $a))))
  (import "[method]a.get" (func $get (param "self" (borrow $a)) (result u32)))
  (import "[static]a.make" (func $make (param "v" u32) (result (own $a))))
  (import "b" (type $b (sub resource)))
  (import "[constructor]b" (func $ctor-b (result (own $b))))
  (core func $ctor_c (canon lower (func $ctor)))
  (core func $get_c (canon lower (func $get)))
  (core func $make_c (canon lower (func $make)))
  (core func $drop (canon resource.drop $a))
  (core module $M
    (import "" "ctor" (func $ctor (param i32) (result i32)))
    (import "" "get" (func $get (param i32) (result i32)))
    (import "" "make" (func $make (param i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (func (export "run") (param i32) (result i32)
      (local $h i32) (local $h2 i32) (local $r i32)
      (local.set $h (call $ctor (local.get 0)))
      (local.set $h2 (call $make (i32.add (local.get 0) (i32.const 1))))
      (local.set $r (i32.add (i32.mul (call $get (local.get $h)) (i32.const 1000)) (call $get (local.get $h2))))
      (call $drop (local.get $h))
      (call $drop (local.get $h2))
      (local.get $r)))
  (core instance $m (instantiate $M (with "" (instance
    (export "ctor" (func $ctor_c)) (export "get" (func $get_c))
    (export "make" (func $make_c)) (export "drop" (func $drop))))))
  (func (export "run") (param "v" u32) (result u32) (canon lift (core func $m "run")))
)"""


def test_world_level_resources_take_the_hosts_classes(tmp_path: Path) -> None:
    wasm = build(tmp_path, WORLD_RESOURCE)
    assert wit_of(wasm) == world(
        "  resource a {\n    constructor(v: u32);\n    get: func() -> u32;\n    make: static func(v: u32) -> a;\n  }\n\n"
        "  resource b {\n    constructor();\n  }\n\n  export run: func(v: u32) -> u32;\n"
    )
    assert_same_resolve(wasm)
    pkg = bindings(wasm, tmp_path, "world_resources")
    dropped: list[int] = []

    class A:
        def __init__(self, v: int) -> None:
            self.v = v

        def get(self) -> int:
            return self.v

        @staticmethod
        def make(v: int) -> A:
            return A(v)

        def __del__(self) -> None:
            dropped.append(self.v)

    class B:
        pass

    for abi in ENGINES:
        dropped.clear()
        root = pkg.Root.from_file(wasm, abi=abi, cache_dir=False, imports=pkg.RootImports(A=A, B=B))
        assert root.run(5) == 5006, abi
        assert sorted(dropped) == [5, 6], abi


@pytest.mark.parametrize(
    "wat",
    [EXPORTED_TYPES, EXPORTED_RESOURCE_FUNCS, INEXPRESSIBLE_EXPORTS, WORLD_RESOURCE],
    ids=["exported-types", "exported-resource", "nested", "world-resource"],
)
def test_world_module_passes_mypy_strict(wat: str, tmp_path: Path) -> None:
    wasm = build(tmp_path, wat)
    decoded = decode_wasm(wasm.read_bytes(), str(wasm))
    assert decoded.world is not None
    write_package(generate(decoded.resolve, decoded.world, "pkg"), tmp_path / "pkg")
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-color-output", "pkg"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_ascribed_instance_type_limits_the_exported_interface(tmp_path: Path) -> None:
    """validation/external-visibility.wast: `(export "i" (instance $inst) (instance (type $T)))`
    exports what `$T` declares, not everything `$inst` has."""
    wasm = build(
        tmp_path,
        """(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (func $f (canon lift (core func $i "f")))
  (func $g (canon lift (core func $i "f")))
  (instance $inst (export "f" (func $f)) (export "g" (func $g)))
  (type $T (instance (export "g" (func))))
  (export "i" (instance $inst) (instance (type $T)))
)""",
    )
    assert wit_of(wasm) == world("  export i: interface {\n    g: func();\n  }\n")
    assert_same_resolve(wasm)
