"""Whole call sites for the cabi engine: one factory function per exported or imported function.

An export's factory takes the runtime's `ExportSite` (the lifted core function, its canon
options and the instance) and returns the Python callable the bindings call: it checks every
argument, lowers them, calls the core function unchecked, lifts the result and runs
`post-return`. An import's factory takes an `ImportSite` (the host's implementation and the
caller's canon options) and returns the core function the guest calls.

The inner functions are `@no_type_check`: they juggle raw core values and prepared tuples
that mypy can't follow, and what they return is typed by the methods wrapping them. Their
correctness is shown by running every end-to-end test on both engines.
"""

from __future__ import annotations

import re

from witgen.abi import core_signature
from witgen.gen_host.cabi.values import SLOT_CODE, Prologue, ValueCode, Writer
from witgen.resolve import ir

_PROLOGUE_HELPERS = (
    "bad as_int as_float f32_max infs as_bytes as_array check_span ld_bytes ld_array char_of trap "
    "f32_bits f32_from_bits f64_bits f64_from_bits ptrlen u32s"
).split()


def _prologue(w: Writer, pro: Prologue, body: list[str]) -> None:
    """Bind, as locals of the factory, everything the body uses."""
    used = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", "\n".join(body)))
    w.line("inst = site.inst")
    for name in _PROLOGUE_HELPERS:
        if name in used:
            w.line(f"{name} = _abi.{name}")
    if "core_fault" in used:
        w.line("core_fault = _abi.faults")
    if pro.uses_memory or pro.uses_alloc or pro.uses_strings:
        w.line("view = site.view")
    if pro.uses_alloc:
        w.line("alloc = site.alloc")
    if pro.uses_strings:
        w.line("enc_str, ld_str = site.strings")
    if pro.resources:
        w.line("check_handle = site.check_handle")
        w.line("lower_own, lower_borrow, lift_own, lift_borrow = site.handles")
        w.line("lift_own_handle = site.lift_own_handle")
        for name, (key, guest) in pro.resources.items():
            w.line(f"{name} = site.resource({key!r}, {guest})")
    if pro.uses_scope:
        w.line("new_scope, end_scope = site.scopes")
    for name, fmt in pro.structs.items():
        w.line(f"{name} = _abi.struct.Struct({fmt!r})")


def export_factory(vc: ValueCode, func: ir.Function, factory: str, py_name: str) -> str:
    """Source of `def factory(site)` returning the callable for exported `func`."""
    vc.pro = Prologue()
    sig = core_signature(vc.flat, func, "lift")
    params = func.params
    args = [f"a{i}" for i in range(len(params))]
    body = Writer()
    body.line("if inst.poisoned is not None:")
    with body.indent():
        body.line("site.dead()")
    preps = []
    for i, p in enumerate(params):
        body.line("try:")
        with body.indent():
            prep = vc.check(body, p.ty, args[i])
            q = f"q{i}"
            body.line(f"{q} = {prep}")
            preps.append(q)
        body.line("except bad:")
        with body.indent():
            body.line(f"site.bad_arg({i}, {args[i]})")
    call = Writer()
    call._n = 1000
    flat: list[str] = []
    if sig.params_in_memory:
        types = [p.ty for p in params]
        rec = vc.layout.fields(types)
        vc.pro.uses_alloc = vc.pro.uses_memory = True
        call.line(f"pp = alloc({rec.align}, {rec.size})")
        call.line("m = view()")
        for prep, t, off in zip(preps, types, rec.offsets, strict=True):
            vc.store(call, t, prep, f"pp + {off}")
        flat = ["pp"]
    else:
        for prep, p in zip(preps, params, strict=True):
            flat += vc.lower_flat(call, p.ty, prep)
    result_codes = "".join(SLOT_CODE[c] for c in sig.results)
    r = "r" if result_codes else None
    if flat:
        call.line(f"pack(mv, 0, {', '.join(flat)})")
    call.line("err = ccall(*cargs)")
    call.line("if err or trap.value:")
    with call.indent():
        call.line("raise fault(err)")
    if r:
        call.line("r = result[0]")
    out = "None"
    if func.result is not None:
        if func.kind == "constructor":
            assert func.resource is not None
            res = vc.resource_local(ir.Handle("own", func.resource))
            out = f"lift_own_handle({res}, r)"
        elif sig.results_in_memory:
            vc.pro.uses_memory = True
            call.line("m = view()")
            out = vc.load(call, func.result, "r")
        else:
            if _needs_memory(vc, func.result):
                call.line("m = view()")
            out = vc.lift_flat(call, func.result, ["r"])
        call.line(f"out = {out}")
    call.line("if post is not None:")
    with call.indent():
        call.line(f"post({r or ''})")
    if vc.pro.uses_scope:
        call.line("end_scope(scope)")
    w = Writer()
    w.line(f"def {factory}(site: Any) -> Any:")
    with w.indent():
        w.line(f'"""cabi call site of `{func.name}`."""')
        _prologue(w, vc.pro, body.lines + call.lines + ["core_fault"])
        w.line(f"raw = site.raw_call({''.join(SLOT_CODE[c] for c in sig.params)!r}, {result_codes!r})")
        w.line(
            "pack, mv, ccall, cargs, trap, fault, result = raw.pack, raw.mv, raw.call, raw.args, raw.trap, raw.fault, raw.result"
        )
        w.line(f"post = site.post_return({result_codes!r})")
        w.line("")
        w.line("@no_type_check")
        w.line(f"def {py_name}({', '.join(args)}):")
        with w.indent():
            w.lines += ["    " * w.depth + line for line in body.lines]
            if vc.pro.uses_scope:
                w.line("scope = new_scope()")
            w.line("try:")
            with w.indent():
                w.lines += ["    " * w.depth + line for line in call.lines]
            w.line("except core_fault as exc:")
            with w.indent():
                w.line("raise site.fail(exc)")
            if func.result is None or func.kind == "constructor":
                w.line("return " + ("out" if func.result is not None else "None"))
            elif site_raises(vc, func):
                w.line("if type(out) is Err:")
                with w.indent():
                    w.line("raise out")
                w.line("return out.value")
            else:
                w.line("return out")
        w.line("")
        w.line(f"return {py_name}")
    return "\n".join(w.lines) + "\n"


def import_factory(vc: ValueCode, func: ir.Function, factory: str, py_name: str) -> str:
    """Source of `def factory(site)` returning the core function for imported `func`."""
    vc.pro = Prologue()
    sig = core_signature(vc.flat, func, "lower")
    params = func.params
    core = [f"c{i}" for i in range(len(sig.params))]
    body = Writer()
    values: list[str] = []
    if any(_needs_memory(vc, p.ty) for p in params) or sig.params_in_memory:
        vc.pro.uses_memory = True
        body.line("m = view()")
    if sig.params_in_memory:
        types = [p.ty for p in params]
        rec = vc.layout.fields(types)
        body.line(f"check_span(m, c0, 1, {rec.size}, {rec.align})")
        for t, off in zip(types, rec.offsets, strict=True):
            v = body.fresh("x")
            body.line(f"{v} = {vc.load(body, t, f'c0 + {off}')}")
            values.append(v)
    else:
        pos = 0
        for p in params:
            n = vc.flat.count(p.ty)
            v = body.fresh("x")
            body.line(f"{v} = {vc.lift_flat(body, p.ty, core[pos : pos + n])}")
            values.append(v)
            pos += n
    raises = site_raises(vc, func)
    call_expr = f"impl({', '.join(values)})"
    if raises:
        body.line("try:")
        with body.indent():
            body.line(f"out = Ok({call_expr})")
        body.line("except Err as err:")
        with body.indent():
            body.line("out = err")
    else:
        body.line(f"out = {call_expr}")
    ret = None
    if func.result is not None:
        body.line("try:")
        with body.indent():
            prep = vc.check(body, func.result, "out")
            body.line(f"q = {prep}")
        body.line("except bad:")
        with body.indent():
            body.line("site.bad_result(out)")
        if sig.results_in_memory:
            vc.pro.uses_memory = True
            body.line("m = view()")
            vc.store(body, func.result, "q", core[-1])
        else:
            vals = vc.lower_flat(body, func.result, "q")
            ret = vals[0]
    if vc.pro.uses_scope:
        body.line("end_scope(scope)")
    if ret is not None:
        body.line(f"return {ret}")
    w = Writer()
    w.line(f"def {factory}(site: Any) -> Any:")
    with w.indent():
        w.line(f'"""cabi core function for the import `{func.name}`."""')
        _prologue(w, vc.pro, body.lines)
        w.line("impl = site.impl")
        w.line("")
        w.line("@no_type_check")
        w.line(f"def {py_name}({', '.join(core)}):")
        with w.indent():
            if vc.pro.uses_scope:
                w.line("scope = new_scope()")
            w.lines += ["    " * w.depth + line for line in body.lines]
        w.line("")
        params_codes = "".join(SLOT_CODE[c] for c in sig.params)
        result_codes = "".join(SLOT_CODE[c] for c in sig.results)
        w.line(f"return site.host_func({params_codes!r}, {result_codes!r}, {py_name})")
    return "\n".join(w.lines) + "\n"


def site_raises(vc: ValueCode, func: ir.Function) -> bool:
    """Whether the Python signature raises `Err` (a function returning `result`)."""
    return func.kind != "constructor" and vc.tv.result_type(func.result) is not None


def _needs_memory(vc: ValueCode, ty: ir.Type) -> bool:
    """Whether lifting `ty` from core values reads memory (strings and lists do)."""
    k = vc.kind(ty)
    if k is ir.Prim.STRING or isinstance(k, ir.ListType | ir.MapType):
        return True
    if isinstance(k, ir.Record):
        return any(_needs_memory(vc, f.ty) for f in k.fields)
    if isinstance(k, ir.Tuple):
        return any(_needs_memory(vc, t) for t in k.types)
    if isinstance(k, ir.FixedListType):
        return _needs_memory(vc, k.ty)
    if isinstance(k, ir.Variant):
        return any(c.ty is not None and _needs_memory(vc, c.ty) for c in k.cases)
    if isinstance(k, ir.OptionType):
        return _needs_memory(vc, k.ty)
    if isinstance(k, ir.ResultType):
        return any(t is not None and _needs_memory(vc, t) for t in (k.ok, k.err))
    return False
