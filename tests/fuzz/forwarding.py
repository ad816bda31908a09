"""Forwarding components: a core module (WAT generated here) whose every lifted export calls the
lowered import of the same type with the same flat arguments and returns its result.

- Parameters that spill to memory (> 16 flat values) are passed through by pointer: export and
  import share the guest's one memory, and both see the same tuple layout.
- Results that spill: the export bump-allocates a return area, hands it to the import as its
  return pointer, and returns it.
- ``borrow<r>`` parameters, elements of tuple parameters and elements of list parameters: the
  guest drops the borrowed handles after the import returns (the Canonical ABI traps a call that
  returns with borrows still lent).
- ``cabi_realloc`` is a bump allocator; every export's post-return resets the heap.
- ``drop-r`` drops an owned ``r`` handle, so hosts can observe ``close()``.

Components are built with ``wasm-tools parse`` / ``component embed`` / ``component new`` and
cached by the hash of their WIT and WAT and the tool's version (as ``tests/e2e/build.py`` does).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from abi.helpers import core_signature, over_ir
from abi.oracle import wasm_tools, world_functions
from e2e.build import cache_dir, locked, tool_version

from witgen.resolve import ir, load

HEAP_BASE = 1024
RES = "witgen:fuzz/res"


@dataclass(frozen=True)
class Forward:
    """One export -> import pair, with what the forwarding body needs to know."""

    export: str  # core export name
    module: str  # core import module
    field: str  # core import field
    params: tuple[str, ...]  # lifted core params (== lowered ones, minus the return pointer)
    results: tuple[str, ...]  # lifted core results
    retptr: tuple[int, int] | None  # (size, align) of the return area when results spill
    params_in_memory: bool  # the flat parameters spill: ``params`` is one pointer
    borrows: tuple[Borrow, ...]


@dataclass(frozen=True)
class Borrow:
    """Where the export finds borrowed handles to drop: in core parameter ``at`` (``in_memory``:
    at offset ``at`` of the spilled parameters); ``list``: a (pointer, length) of handles there."""

    at: int
    in_memory: bool
    list: bool = False


def _kind(resolve: ir.Resolve, ty: ir.Type) -> object:
    ty = resolve.resolve_alias(ty)
    return None if isinstance(ty, ir.Prim) else resolve.types[ty].kind


def _is_borrow(resolve: ir.Resolve, ty: ir.Type) -> bool:
    kind = _kind(resolve, ty)
    return isinstance(kind, ir.Handle) and kind.kind == "borrow"


def _borrows(
    resolve: ir.Resolve,
    layout: Any,
    flat: Any,
    ty: ir.Type,
    index: int,
    offset: int,
    in_memory: bool,
) -> list[Borrow]:
    """The borrows of parameter type ``ty`` found at flat ``index`` / memory ``offset``."""
    at = offset if in_memory else index
    if _is_borrow(resolve, ty):
        return [Borrow(at, in_memory)]
    kind = _kind(resolve, ty)
    if isinstance(kind, ir.ListType) and _is_borrow(resolve, kind.ty):
        return [Borrow(at, in_memory, list=True)]
    found: list[Borrow] = []
    if isinstance(kind, ir.Tuple):
        offsets = layout.record(ty).offsets
        for elem, elem_offset in zip(kind.types, offsets, strict=True):
            found += _borrows(resolve, layout, flat, elem, index, offset + elem_offset, in_memory)
            index += flat.count(elem)
    return found


def plan(wit: Path) -> list[Forward]:
    """The forwarding pairs of world ``w`` in ``wit`` (interface exports and world-level ``exp-*``)."""
    loaded = load(wit)
    resolve = loaded.resolve
    world = resolve.worlds[loaded.select_world("w")]
    layout, flat = over_ir(resolve)
    imports = {(iface, f.name): f for iface, f in world_functions(resolve, world.imports)}
    forwards = []
    for iface, func in world_functions(resolve, world.exports):
        if iface is None and not func.name.startswith("exp-"):
            continue
        key = (iface, func.name) if iface else (None, "imp-" + func.name[4:])
        imported = imports[key]
        lift = core_signature(flat, func, "lift")
        lower = core_signature(flat, imported, "lower")
        assert lower.params[: len(lift.params)] == lift.params, (func.name, lift, lower)
        retptr = None
        if lift.results_in_memory:
            rl = layout.fields([func.result] if func.result is not None else [])
            retptr = (rl.size, rl.align)
        types = [p.ty for p in func.params]
        borrows: list[Borrow] = []
        offsets = layout.fields(types).offsets
        index = 0
        for i, ty in enumerate(types):
            borrows += _borrows(resolve, layout, flat, ty, index, offsets[i], lift.params_in_memory)
            index += flat.count(ty)
        forwards.append(
            Forward(
                export=f"{iface}#{func.name}" if iface else func.name,
                module=iface or "$root",
                field=key[1],
                params=lift.params,
                results=lift.results,
                retptr=retptr,
                params_in_memory=lift.params_in_memory,
                borrows=tuple(borrows),
            )
        )
    return forwards


REALLOC = """
  (func $realloc (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (if (i32.le_u (local.get 3) (local.get 1)) (then (return (local.get 0))))
    (local.set $p
      (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
               (i32.xor (i32.sub (local.get 2) (i32.const 1)) (i32.const -1))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (block $ok
      (br_if $ok (i32.le_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
      (br_if $ok (i32.ne (i32.const -1)
        (memory.grow (i32.add (i32.const 1)
          (i32.shr_u (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
                     (i32.const 16))))))
      unreachable)
    (if (local.get 1)
      (then (memory.copy (local.get $p) (local.get 0) (local.get 1))))
    (local.get $p))
  (func $reset (global.set $heap (i32.const HEAP_BASE)))
""".replace("HEAP_BASE", str(HEAP_BASE))


def _q(name: str) -> str:
    return '"' + name + '"'


def _word_at(b: Borrow) -> Callable[[int], str]:
    """WAT reading the i32 ``k`` words (bytes in memory, values as locals) after a borrow's place."""
    if b.in_memory:
        return lambda k: f"(i32.load offset={b.at + k} (local.get 0))"
    return lambda k: f"(local.get {b.at + k})"


def wat(forwards: list[Forward], resources: bool) -> str:
    """The forwarding core module."""
    out = ["(module"]
    for i, fw in enumerate(forwards):
        params = " ".join(fw.params) + (" i32" if fw.retptr else "")
        results = "" if fw.retptr else " ".join(fw.results)
        sig = (f" (param {params})" if params.strip() else "") + (f" (result {results})" if results else "")
        out.append(f"  (import {_q(fw.module)} {_q(fw.field)} (func $imp{i}{sig}))")
    if resources:
        out.append(f'  (import "{RES}" "[resource-drop]r" (func $drop_r (param i32)))')
    out.append('  (memory (export "memory") 1)')
    out.append(f"  (global $heap (mut i32) (i32.const {HEAP_BASE}))")
    out.append(REALLOC)
    for i, fw in enumerate(forwards):
        params = "".join(f" (param {t})" for t in fw.params)
        results = "".join(f" (result {t})" for t in fw.results)
        body = []
        if fw.retptr:
            size, align = fw.retptr
            body.append(
                f"    (local.set $ret (call $realloc (i32.const 0) (i32.const 0) (i32.const {align}) (i32.const {size})))"
            )
        args = [f"(local.get {j})" for j in range(len(fw.params))] + (
            ["(local.get $ret)"] if fw.retptr else []
        )
        body.append(f"    (call $imp{i} {' '.join(args)})")
        for b in fw.borrows:
            word = _word_at(b)
            if not b.list:
                body.append(f"    (call $drop_r {word(0)})")
                continue
            body += [
                f"    (local.set $p {word(0)})",
                f"    (local.set $n {word(4 if b.in_memory else 1)})",
                "    (block $done (loop $next",
                "      (br_if $done (i32.eqz (local.get $n)))",
                "      (call $drop_r (i32.load (local.get $p)))",
                "      (local.set $p (i32.add (local.get $p) (i32.const 4)))",
                "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))",
                "      (br $next)))",
            ]
        if fw.retptr:
            body.append("    (local.get $ret)")
        local = (" (local $ret i32)" if fw.retptr else "") + (
            " (local $p i32) (local $n i32)" if any(b.list for b in fw.borrows) else ""
        )
        out.append(f"  (func (export {_q(fw.export)}){params}{results}{local}")
        out += body
        out.append("  )")
        post = "".join(f" (param {t})" for t in fw.results)
        out.append(f"  (func (export {_q('cabi_post_' + fw.export)}){post} (call $reset))")
    if resources:
        out.append('  (func (export "drop-r") (param i32) (call $drop_r (local.get 0)))')
    out.append(")")
    return "\n".join(out) + "\n"


class BuildError(RuntimeError):
    pass


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"$ {' '.join(cmd)}\n(exit {proc.returncode})\n{proc.stdout}\n{proc.stderr}")


def build(wit_text: str, resources: bool, encoding: str = "utf8") -> tuple[Path, Path]:
    """The forwarding component for ``wit_text`` (world ``w``): ``(component.wasm, world.wit)``."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "w.wit").write_text(wit_text)
        module = wat(plan(Path(tmp) / "w.wit"), resources)
    return build_module(wit_text, module, encoding)


def build_module(
    wit_text: str, module: str, encoding: str = "utf8", prefix: str = "fwd"
) -> tuple[Path, Path]:
    """The component of core module ``module`` (WAT) for world ``w`` of ``wit_text``:
    ``(component.wasm, world.wit)``, cached by the hash of the WIT, the WAT, the string encoding
    and the version of wasm-tools."""
    outdir = cache_dir() / "fuzz"
    outdir.mkdir(parents=True, exist_ok=True)
    wt = wasm_tools()
    h = hashlib.sha256(f"{tool_version('wasm-tools')}\0{encoding}\0{wit_text}\0{module}".encode())
    stem = outdir / f"{prefix}-{h.hexdigest()[:20]}"
    target, wit = stem.with_suffix(".wasm"), stem.with_suffix(".wit")
    if target.exists() and wit.exists():
        return target, wit
    with locked(target):
        if target.exists() and wit.exists():
            return target, wit
        with tempfile.TemporaryDirectory(prefix=".build-", dir=outdir) as tmp:
            work = Path(tmp)
            (work / "w.wit").write_text(wit_text)
            (work / "m.wat").write_text(module)
            _run([wt, "parse", "m.wat", "-o", "m.core.wasm"], work)
            _run(
                [
                    wt,
                    "component",
                    "embed",
                    "w.wit",
                    "m.core.wasm",
                    "--world",
                    "w",
                    "--encoding",
                    encoding,
                    "-o",
                    "m.embed.wasm",
                ],
                work,
            )
            _run([wt, "component", "new", "m.embed.wasm", "-o", "m.wasm"], work)
            for src, dst in ((work / "w.wit", wit), (work / "m.wasm", target)):
                staged = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
                shutil.copyfile(src, staged)
                os.replace(staged, dst)
    return target, wit
