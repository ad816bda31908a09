"""Whole call sites for the cabi engine: one factory function per exported or imported function.

An export's factory takes the runtime's `ExportSite` (the lifted core function, its canon
options and the instance) and returns the Python callable the bindings call: it checks every
argument, lowers them, calls the core function unchecked, lifts the result and runs
`post-return`. An import's factory takes an `ImportSite` (the host's implementation and the
caller's canon options) and returns the core function the guest calls.

Every local of a factory and its inner function comes from one `Names`: the fixed names below
and the core parameters are reserved first, then each temporary and each helper the prologue
binds is given a name nobody else has. An export's call holds its store's gate (one call at a
time per store: `witgen.runtime.cabi.gate`); values lifted into the host are charged against
the call's `fuel`, read from `CabiInstance.hostcall_fuel` when lifting starts; a value the guest
got wrong traps.

The inner functions are `@no_type_check`: they juggle raw core values and prepared tuples
that mypy can't follow, and what they return is typed by the methods wrapping them. Their
correctness is shown by running every end-to-end test on both engines.
"""

from __future__ import annotations

from witgen.abi import func_signature
from witgen.gen_host.cabi.values import SLOT_CODE, Names, ValueCode, Writer
from witgen.resolve import ir

_EXPORT_LOCALS = "inst raw pack mv ccall cargs trap_slot fault result post take give wait mine rt m pp err r out scope fuel exc"
"""The names an export's call site spells itself (its factory's and inner function's locals)."""
_IMPORT_LOCALS = "inst impl rt m out q err scope fuel"
"""The same for an import's core function, besides its core parameters `c0`, `c1`..."""


def _names(fixed: str, *more: str) -> Names:
    names = Names()
    for name in [*fixed.split(), *more]:
        names.reserve(name)
    return names


def _nest(w: Writer, lines: list[str]) -> None:
    """Append `lines` (another writer's, or the prologue's) at `w`'s current indentation."""
    w.lines += ["    " * w.depth + line for line in lines]


def unsupported_by_cabi(resolve: ir.Resolve, func: ir.Function) -> str | None:
    """What in `func` the cabi engine can't do yet (async functions, streams, futures,
    error contexts), or None: such a function gets no cabi code, and the engine names it when
    a component needs it."""
    if func.kind.startswith("async"):
        return "an async function"
    seen: set[ir.TypeId] = set()

    def walk(ty: ir.Type | None) -> str | None:
        if ty is None:
            return None
        if isinstance(ty, ir.Prim):
            return "error-context" if ty is ir.Prim.ERROR_CONTEXT else None
        if ty in seen:
            return None
        seen.add(ty)
        kind = resolve.types[ty].kind
        if isinstance(kind, ir.StreamType):
            return "stream"
        if isinstance(kind, ir.FutureType):
            return "future"
        parts: list[ir.Type | None] = []
        if isinstance(kind, ir.Record):
            parts = [f.ty for f in kind.fields]
        elif isinstance(kind, ir.Variant):
            parts = [c.ty for c in kind.cases]
        elif isinstance(kind, ir.Tuple):
            parts = list(kind.types)
        elif isinstance(kind, ir.ResultType):
            parts = [kind.ok, kind.err]
        elif isinstance(kind, ir.MapType):
            parts = [kind.key, kind.value]
        elif isinstance(kind, ir.OptionType | ir.ListType | ir.FixedListType | ir.Alias):
            parts = [kind.ty]
        return next((found for found in map(walk, parts) if found), None)

    return next((found for found in map(walk, [p.ty for p in func.params] + [func.result]) if found), None)


def export_factory(vc: ValueCode, func: ir.Function, factory: str, py_name: str) -> str:
    """Source of `def factory(site)` returning the callable for exported `func`."""
    sig = func_signature(vc.flat, vc.structural.func(func), "lift")
    params = func.params
    args = [f"a{i}" for i in range(len(params))]
    preps = [f"q{i}" for i in range(len(params))]
    names = _names(_EXPORT_LOCALS, py_name, *args, *preps)
    vc.start(names)
    pro = vc.pro
    body = Writer(names)
    body.line("if inst.poisoned is not None:")
    with body.indent():
        body.line("site.dead()")
    for i, p in enumerate(params):
        body.line("try:")
        with body.indent():
            body.line(f"{preps[i]} = {vc.check(body, p.ty, args[i])}")
        body.line(f"except {vc.h('bad')}:")
        with body.indent():
            body.line(f"site.bad_arg({i}, {args[i]})")
    call = Writer(names)
    flat: list[str] = []
    if sig.params_in_memory:
        types = [p.ty for p in params]
        rec = vc.layout.fields(vc.vts(types))
        call.line(f"pp = {pro.site('alloc')}({rec.align}, {rec.size})")
        vc.refresh(call)
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
    call.line("if err or trap_slot.value:")
    with call.indent():
        call.line("raise fault(err)")
    if r:
        call.line("r = result[0]")
    lift = Writer(names)
    if func.result is not None:
        if func.kind == "constructor":
            assert func.resource is not None
            res = vc.resource_local(ir.Handle("own", func.resource))
            out = f"{pro.site('lift_own_handle')}({res}, r)"
        elif sig.results_in_memory:
            vc.refresh(lift)
            _check_pointer(vc, lift, func.result, "r")
            out = vc.load(lift, func.result, "r")
        else:
            if _needs_memory(vc, func.result):
                vc.refresh(lift)
            out = vc.lift_flat(lift, func.result, ["r"])
        lift.line(f"out = {out}")
    if pro.charges:
        # wasmtime gives each lift its own budget: this one starts once the guest has returned.
        call.line("fuel = rt.hostcall_fuel")
    call.lines += lift.lines
    call.line("if post is not None:")
    with call.indent():
        call.line("inst.may_leave = False")  # its post-return may not call imports
        call.line(f"post({r or ''})")
        call.line("inst.may_leave = True")
    if pro.uses_scope:
        call.line(f"{pro.bind('end_scope', 'site.scopes[1]')}(scope)")
        new_scope = pro.bind("new_scope", "site.scopes[0]")
    core_fault = pro.bind("core_fault", "_abi.faults")
    w = Writer(names)
    w.line(f"def {factory}(site: Any) -> Any:")
    with w.indent():
        w.line(f'"""cabi call site of `{func.name}`."""')
        w.line("inst = site.inst")
        _nest(w, pro.lines())
        w.line(f"raw = site.raw_call({''.join(SLOT_CODE[c] for c in sig.params)!r}, {result_codes!r})")
        w.line(
            "pack, mv, ccall, cargs, trap_slot, fault, result = raw.pack, raw.mv, raw.call, raw.args, raw.trap, raw.fault, raw.result"
        )
        w.line(f"post = site.post_return({result_codes!r})")
        w.line("take, give, wait = site.gate.take, site.gate.give, site.gate.wait")
        if pro.charges:
            w.line("rt = site.rt")
        w.line("")
        w.line("@no_type_check")
        w.line(f"def {py_name}({', '.join(args)}):")
        with w.indent():
            # One call at a time per store: its scratch buffers and the guest's memory are shared
            # (`witgen.runtime.cabi.gate`).
            w.line("try:")
            with w.indent():
                w.line("take()")
                w.line("mine = True")
            w.line("except IndexError:")
            with w.indent():
                w.line("mine = wait()")
            w.line("try:")
            with w.indent():
                _nest(w, body.lines)
                if pro.uses_scope:
                    w.line(f"scope = {new_scope}()")
                w.line("try:")
                with w.indent():
                    _nest(w, call.lines)
                w.line(f"except {core_fault} as exc:")
                with w.indent():
                    w.line("raise site.fail(exc)")
            w.line("finally:")
            with w.indent():
                w.line("if mine:")
                with w.indent():
                    w.line("give(True)")
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
    sig = func_signature(vc.flat, vc.structural.func(func), "lower")
    params = func.params
    core = [f"c{i}" for i in range(len(sig.params))]
    names = _names(_IMPORT_LOCALS, py_name, *core)
    vc.start(names)
    pro = vc.pro
    body = Writer(names)
    values: list[str] = []
    if any(_needs_memory(vc, p.ty) for p in params) or sig.params_in_memory:
        vc.refresh(body)
    if sig.params_in_memory:
        types = [p.ty for p in params]
        rec = vc.layout.fields(vc.vts(types))
        body.line(f"{vc.h('check_span')}(m, c0, 1, {rec.size}, {rec.align})")
        for t, off in zip(types, rec.offsets, strict=True):
            v = body.fresh("x")
            body.line(f"{v} = {vc.load(body, t, f'c0 + {off}')}")
            values.append(v)
    else:
        pos = 0
        for p in params:
            n = vc.flat.count(vc.vt(p.ty))
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
        bad = vc.h("bad")
        body.line("try:")
        with body.indent():
            prep = vc.check(body, func.result, "out")
            body.line(f"q = {prep}")
        body.line(f"except {bad}:")
        with body.indent():
            body.line("site.bad_result(out)")
        if sig.results_in_memory:
            vc.refresh(body)
            _check_pointer(vc, body, func.result, core[-1])
            vc.store(body, func.result, "q", core[-1])
        else:
            vals = vc.lower_flat(body, func.result, "q")
            ret = vals[0]
    if pro.uses_scope:
        body.line(f"{pro.bind('end_scope', 'site.scopes[1]')}(scope)")
    if ret is not None:
        body.line(f"return {ret}")
    w = Writer(names)
    w.line(f"def {factory}(site: Any) -> Any:")
    with w.indent():
        w.line(f'"""cabi core function for the import `{func.name}`."""')
        w.line("inst = site.inst")
        new_scope = pro.bind("new_scope", "site.scopes[0]") if pro.uses_scope else None
        _nest(w, pro.lines())
        if pro.charges:
            w.line("rt = site.rt")
        w.line("impl = site.impl")
        w.line("")
        w.line("@no_type_check")
        w.line(f"def {py_name}({', '.join(core)}):")
        with w.indent():
            w.line("if not inst.may_leave:")  # called from its post-return or realloc
            with w.indent():
                w.line("site.cannot_leave()")
            if pro.charges:
                w.line("fuel = rt.hostcall_fuel")
            if new_scope is not None:
                w.line(f"scope = {new_scope}()")
            _nest(w, body.lines)
        w.line("")
        params_codes = "".join(SLOT_CODE[c] for c in sig.params)
        result_codes = "".join(SLOT_CODE[c] for c in sig.results)
        w.line(f"return site.host_func({params_codes!r}, {result_codes!r}, {py_name})")
    return "\n".join(w.lines) + "\n"


def _check_pointer(vc: ValueCode, w: Writer, ty: ir.Type, ptr: str) -> None:
    """Trap unless the guest's pointer to a spilled value is aligned and in bounds (the spec's
    `lift_flat_values`/`lower_flat_values` with results in memory)."""
    rec = vc.layout.fields(vc.vts([ty]))
    w.line(f"{vc.h('check_span')}(m, {ptr}, 1, {rec.size}, {rec.align})")


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
