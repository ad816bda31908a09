"""Python source that moves one WIT value across the Canonical ABI, specialised to its type.

Four directions, each a method taking the IR type and the names of Python variables:

- ``check``: validate a Python value the user passed (or a host import returned) and turn
  it into its *prepared* form, so nothing touches wasm before every argument is known good;
- ``lower_flat`` / ``store``: a prepared value as core values, or written into linear memory;
- ``lift_flat`` / ``load``: core values, or linear memory, back to the Python value.

Prepared forms: numbers and bools as themselves, ``char`` as its code point, strings and
bulk lists as ``(buffer, abi_length)``, other lists as lists, records/tuples as tuples,
variants as ``(case, payload)``, enums/flags as ints, handles as the Python object.

The code is written for the inside of a generated call site: every helper it uses is bound by
the site's prologue under a name its `Names` gave out (``m`` is the current memoryview,
refreshed with ``m = view()`` after anything that may run wasm; ``fuel`` the call's lifting
budget). A failing check raises ``bad``; the call site turns it into a ``TypeError``/
``ValueError`` naming the parameter. A value the guest got wrong traps, as the spec says.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

from witgen.abi import Flattener, Layout
from witgen.abi.shapes import CoreType
from witgen.abi.values import INT_RANGES
from witgen.component import types as ct
from witgen.pyview.names import camel, snake
from witgen.pyview.types import TypeView
from witgen.resolve import ir
from witgen.resolve.structural import Structural

_INT_RANGES = {p: INT_RANGES[p.value] for p in ir.Prim if p.value in INT_RANGES}
_BITS = {ir.Prim.U8: 8, ir.Prim.U16: 16, ir.Prim.U32: 32, ir.Prim.U64: 64}
_BITS.update({ir.Prim.S8: 8, ir.Prim.S16: 16, ir.Prim.S32: 32, ir.Prim.S64: 64})
MEM_CODE = {
    ir.Prim.BOOL: "B",
    ir.Prim.U8: "B",
    ir.Prim.S8: "b",
    ir.Prim.U16: "H",
    ir.Prim.S16: "h",
    ir.Prim.U32: "I",
    ir.Prim.S32: "i",
    ir.Prim.U64: "Q",
    ir.Prim.S64: "q",
    ir.Prim.F32: "f",
    ir.Prim.F64: "d",
    ir.Prim.CHAR: "I",
}
"""`struct` codes of scalars in linear memory (little-endian, sizes as the ABI's)."""
ARRAY_CODE = {
    ir.Prim.U8: "B",
    ir.Prim.S8: "b",
    ir.Prim.U16: "H",
    ir.Prim.S16: "h",
    ir.Prim.U32: "I",
    ir.Prim.S32: "i",
    ir.Prim.U64: "Q",
    ir.Prim.S64: "q",
    ir.Prim.F32: "f",
    ir.Prim.F64: "d",
}
"""`array` typecodes whose items are laid out exactly like the ABI's list elements."""
SLOT_CODE: dict[CoreType, str] = {"i32": "I", "i64": "Q", "f32": "f", "f64": "d"}
"""`struct` codes of core values in a `wasmtime_val_raw_t` slot (integers as unsigned bits)."""
_DISC_CODE = {1: "B", 2: "H", 4: "I"}
UNROLLED = 16
"""Fixed-length lists up to this long are stored and loaded element by element in straight-line
code (they may travel as flat values too, up to 16); longer ones in a loop."""
VAL_COST = 48
"""What lifting one list element costs of a call's budget: wasmtime charges its hostcall fuel
`size_of::<Val>()` per element of a lifted list (48 bytes in wasmtime-py 50's wasmtime; measured:
a `list<u8>` of 2,796,202 bytes lifts, one more byte traps), two per map entry, and a string's
length in bytes. Zero-sized elements cost the same, so a huge list of them traps too."""
_MASK = {"i32": "0xFFFFFFFF", "i64": "0xFFFFFFFFFFFFFFFF"}


class Names:
    """Every local name of one generated factory (its prologue and its inner function), reserved
    here and nowhere else, so no temporary can shadow a parameter, a helper or another temporary
    (wit-bindgen's `Ns`)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def reserve(self, name: str) -> str:
        """Claim exactly `name` (a parameter, or a name the call site spells itself)."""
        assert name not in self.taken, f"generated name {name!r} reserved twice"
        self.taken.add(name)
        return name

    def take(self, hint: str) -> str:
        """`hint` itself if it is free, else `hint` with the first free numeric suffix."""
        return self.reserve(hint) if hint not in self.taken else self.fresh(hint + "_")

    def fresh(self, hint: str) -> str:
        """`hint` with the first free numeric suffix."""
        n = 1
        while f"{hint}{n}" in self.taken:
            n += 1
        return self.reserve(f"{hint}{n}")


class Writer:
    """Indented lines; fresh local names come from the factory's `Names`."""

    def __init__(self, names: Names) -> None:
        self.lines: list[str] = []
        self.depth = 0
        self.names = names

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def fresh(self, hint: str = "v") -> str:
        return self.names.fresh(hint)

    def indent(self) -> _Indent:
        return _Indent(self)

    def collect(self, var: str, source: str, element: Callable[[str], str]) -> str:
        """Lines building a fresh list `itemsN` in a loop (`for <var>N in <source>:`) that appends
        `element(<var>N)`; the lines `element` writes go inside the loop. Returns the list's name."""
        out, x = self.fresh("items"), self.fresh(var)
        self.line(f"{out} = []")
        self.line(f"for {x} in {source}:")
        with self.indent():
            self.line(f"{out}.append({element(x)})")
        return out


class _Indent:
    def __init__(self, w: Writer) -> None:
        self.w = w

    def __enter__(self) -> None:
        self.w.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.w.depth -= 1


class Prologue:
    """What a call site binds once, when its factory runs, for its body to use: each helper
    gets its local name from the factory's `Names` the first time the body asks for it."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self.bindings: dict[str, str] = {}
        """Local name -> the expression it is bound to, in binding order."""
        self._by_expr: dict[str, str] = {}
        self.uses_scope = False
        """The body opens a `CallScope` (borrows) and must close it."""
        self.charges = False
        """The body lifts strings or lists, each charged against the call's `fuel`."""

    def bind(self, hint: str, expr: str, numbered: bool = False) -> str:
        """The local bound to `expr` (named `hint`, or `hint` and a number), bound on first use."""
        found = self._by_expr.get(expr)
        if found is None:
            found = self._by_expr[expr] = self.names.fresh(hint) if numbered else self.names.take(hint)
            self.bindings[found] = expr
        return found

    def abi(self, name: str) -> str:
        """A helper of `witgen.runtime.cabi.support`."""
        return self.bind(name, f"_abi.{name}")

    def site(self, name: str) -> str:
        """An attribute of the call site."""
        return self.bind(name, f"site.{name}")

    def struct(self, fmt: str) -> str:
        return self.bind("st", f"_abi.struct.Struct({fmt!r})", numbered=True)

    def lines(self) -> list[str]:
        return [f"{name} = {expr}" for name, expr in self.bindings.items()]


class ValueCode:
    """Emits the four directions for the types of one module (see the module docstring)."""

    def __init__(self, resolve: ir.Resolve, tv: TypeView, guest_owned: Callable[[ir.TypeId], bool]) -> None:
        self.resolve = resolve
        self.tv = tv
        self.structural = Structural(resolve)
        self.layout = Layout()
        self.flat = Flattener(self.layout)
        self.guest_owned = guest_owned
        self.pro = Prologue(Names())

    def vt(self, ty: ir.Type) -> ct.ValType:
        """The structural type the ABI model (`witgen.abi`) lays out for `ty`."""
        return self.structural.of(ty)

    def vts(self, types: list[ir.Type]) -> list[ct.ValType]:
        return [self.structural.of(ty) for ty in types]

    def start(self, names: Names) -> None:
        """Begin a new call site whose locals come from `names`."""
        self.pro = Prologue(names)

    def h(self, name: str) -> str:
        """The local name of the support helper `name` (`bad`, `trap`, `ptrlen`...)."""
        return self.pro.abi(name)

    def refresh(self, w: Writer) -> None:
        """`m = view()`: the memory view, fetched again (after anything that may run wasm)."""
        w.line(f"m = {self.pro.site('view')}()")

    def charge(self, w: Writer, cost: str) -> None:
        """Spend `cost` of the call's lifting budget (wasmtime's hostcall fuel); trap when
        it runs out, before the host allocates anything for the value."""
        self.pro.charges = True
        w.line(f"fuel -= {cost}")
        w.line(f"if fuel < 0: {self.h('out_of_fuel')}()")

    # --- type queries ----------------------------------------------------------------------

    def kind(self, ty: ir.Type) -> ir.Prim | ir.TypeDefKind:
        ty = self.resolve.resolve_alias(ty)
        if isinstance(ty, ir.Prim):
            return ty
        return self.resolve.types[ty].kind

    def named(self, ty: ir.Type) -> ir.TypeId:
        resolved = self.resolve.resolve_alias(ty)
        assert not isinstance(resolved, ir.Prim)
        return resolved

    def plain_code(self, ty: ir.Type) -> str | None:
        """The `struct` format of a type held in memory as fixed scalars (no pointers,
        handles or cases), with explicit padding; None if it is not such a type."""
        k = self.kind(ty)
        if isinstance(k, ir.Prim):
            return MEM_CODE.get(k)
        if isinstance(k, ir.Record | ir.Tuple):
            types = [f.ty for f in k.fields] if isinstance(k, ir.Record) else list(k.types)
            rec = self.layout.record(self.vt(ty))
            out, pos = [], 0
            for t, off in zip(types, rec.offsets, strict=True):
                code = self.plain_code(t)
                if code is None:
                    return None
                out.append("x" * (off - pos) + code)
                pos = off + self.layout.size(self.vt(t))
            out.append("x" * (rec.size - pos))
            return "".join(out)
        if isinstance(k, ir.EnumType):
            return _DISC_CODE[self.layout.variant(self.vt(ty)).discriminant_size]
        if isinstance(k, ir.Flags) and len(k.flags) <= 32:
            return _DISC_CODE[max(self.layout.size(self.vt(ty)), 1)] if k.flags else ""
        return None

    def plain_fields(self, ty: ir.Type) -> list[ir.Type]:
        """The scalar leaves of a plain type, in `plain_code` order."""
        k = self.kind(ty)
        if isinstance(k, ir.Record):
            return [leaf for f in k.fields for leaf in self.plain_fields(f.ty)]
        if isinstance(k, ir.Tuple):
            return [leaf for t in k.types for leaf in self.plain_fields(t)]
        if isinstance(k, ir.Flags) and not k.flags:
            return []
        return [ty]

    # --- names of generated classes -------------------------------------------------------

    def cls(self, ty: ir.Type) -> str:
        return self.tv.annotation(self.named(ty))

    def case_cls(self, ty: ir.Type, case: str) -> str:
        id = self.named(ty)
        td = self.resolve.types[id]
        assert td.name is not None
        return self.tv._qualify(id, f"{camel(td.name)}_{camel(case)}")

    def resource_local(self, handle: ir.Handle) -> str:
        res = self.tv.resource(handle.resource)
        key = self.tv.resource_key(res)
        hint = "res_" + "".join(c if c.isalnum() else "_" for c in key.split("/")[-1])
        return self.pro.bind(hint, f"site.resource({key!r}, {self.guest_owned(res)})")

    # --- check ------------------------------------------------------------------------------

    def check(self, w: Writer, ty: ir.Type, src: str) -> str:
        """Statements validating `src`; returns an expression of the prepared value."""
        k = self.kind(ty)
        if isinstance(k, ir.Prim):
            return self._check_prim(w, k, src)
        if isinstance(k, ir.Record):
            w.line(f"if type({src}) is not {self.cls(ty)}: raise {self.h('bad')}")
            parts = [self.check(w, f.ty, f"{src}.{snake(f.name)}") for f in k.fields]
            return _tuple(parts)
        if isinstance(k, ir.Tuple):
            w.line(f"if type({src}) is not tuple or len({src}) != {len(k.types)}: raise {self.h('bad')}")
            parts = [self.check(w, t, f"{src}[{i}]") for i, t in enumerate(k.types)]
            return _tuple(parts)
        if isinstance(k, ir.ListType):
            return self._check_list(w, k.ty, src)
        if isinstance(k, ir.FixedListType):
            # Its elements are members, like a tuple's: a list of prepared elements, never bulk.
            w.line(
                f"if isinstance({src}, (str, dict)) or not hasattr({src}, '__len__')"
                f" or len({src}) != {k.size}: raise {self.h('bad')}"
            )
            return w.collect("e", src, lambda e: self.check(w, k.ty, e))
        if isinstance(k, ir.MapType):
            v = w.fresh("d")
            w.line(f"if not isinstance({src}, dict): raise {self.h('bad')}")
            w.line(f"{v} = []")
            kk, vv = w.fresh("k"), w.fresh("e")
            w.line(f"for {kk}, {vv} in {src}.items():")
            with w.indent():
                pk = self.check(w, k.key, kk)
                pv = self.check(w, k.value, vv)
                w.line(f"{v}.append(({pk}, {pv}))")
            return v
        if isinstance(k, ir.OptionType):
            v = w.fresh("o")
            w.line(f"if {src} is None:")
            with w.indent():
                w.line(f"{v} = (0, None)")
            w.line("else:")
            with w.indent():
                inner = src
                if isinstance(self.kind(k.ty), ir.OptionType):
                    w.line(f"if type({src}) is not Some: raise {self.h('bad')}")
                    inner = f"{src}.value"
                w.line(f"{v} = (1, {self.check(w, k.ty, inner)})")
            return v
        if isinstance(k, ir.ResultType):
            v = w.fresh("r")
            for i, (cls, payload) in enumerate((("Ok", k.ok), ("Err", k.err))):
                w.line(f"{'if' if i == 0 else 'elif'} type({src}) is {cls}:")
                with w.indent():
                    inner = "None" if payload is None else self.check(w, payload, f"{src}.value")
                    w.line(f"{v} = ({i}, {inner})")
            w.line(f"else: raise {self.h('bad')}")
            return v
        if isinstance(k, ir.Variant):
            v = w.fresh("c")
            for i, case in enumerate(k.cases):
                w.line(f"{'if' if i == 0 else 'elif'} type({src}) is {self.case_cls(ty, case.name)}:")
                with w.indent():
                    inner = "None" if case.ty is None else self.check(w, case.ty, f"{src}.value")
                    w.line(f"{v} = ({i}, {inner})")
            w.line(f"else: raise {self.h('bad')}")
            return v
        if isinstance(k, ir.EnumType):
            w.line(f"if type({src}) is not {self.cls(ty)}: raise {self.h('bad')}")
            return f"{src}.value"
        if isinstance(k, ir.Flags):
            w.line(f"if type({src}) is not {self.cls(ty)}: raise {self.h('bad')}")
            return f"{src}.value"
        if isinstance(k, ir.Handle):
            r = self.resource_local(k)
            w.line(f"{self.pro.site('check_handle')}({r}, {src}, {k.kind == 'own'})")
            return src
        w.line(f"raise {self.h('bad')}")
        return "None"

    def _check_prim(self, w: Writer, p: ir.Prim, src: str) -> str:
        if p in _INT_RANGES:
            lo, hi = _INT_RANGES[p]
            v = w.fresh("i")
            w.line(f"{v} = {src}")
            w.line(f"if type({v}) is not int: {v} = {self.h('as_int')}({v})")
            w.line(f"if {v} < {lo} or {v} > {hi}: raise {self.h('bad')}")
            return v
        if p is ir.Prim.BOOL:
            w.line(f"if {src} is not True and {src} is not False: raise {self.h('bad')}")
            return src
        if p in (ir.Prim.F32, ir.Prim.F64):
            v = w.fresh("x")
            w.line(f"{v} = {src}")
            w.line(f"if type({v}) is not float: {v} = {self.h('as_float')}({v})")
            if p is ir.Prim.F32:
                f32_max = self.h("f32_max")
                w.line(
                    f"if ({v} > {f32_max} or {v} < -{f32_max}) and {v} not in {self.h('infs')}: raise {self.h('bad')}"
                )
            return v
        if p is ir.Prim.CHAR:
            v = w.fresh("ch")
            w.line(f"if type({src}) is not str or len({src}) != 1: raise {self.h('bad')}")
            w.line(f"{v} = ord({src})")
            w.line(f"if 0xD800 <= {v} <= 0xDFFF: raise {self.h('bad')}")
            return v
        if p is ir.Prim.STRING:
            return f"{self.pro.bind('enc_str', 'site.strings[0]')}({src})"
        w.line(f"raise {self.h('bad')}")
        return "None"

    def _check_list(self, w: Writer, elem: ir.Type, src: str) -> str:
        ek = self.kind(elem)
        if ek is ir.Prim.U8:
            return f"{self.h('as_bytes')}({src})"
        if isinstance(ek, ir.Prim) and ek in ARRAY_CODE:
            return f"{self.h('as_array')}({src}, {ARRAY_CODE[ek]!r})"
        w.line(
            f"if isinstance({src}, (str, bytes, dict)) or not hasattr({src}, '__len__'): raise {self.h('bad')}"
        )
        code = self.plain_code(elem)
        if code is not None:
            # Packed right away: the list's bytes are its prepared form.
            s = self.pro.struct("<" + code)
            parts, e = w.fresh("parts"), w.fresh("e")
            record = self._compiled_record(elem)
            packed = ""
            if record is not None:
                # the compiled helper packs it when every value is exactly what the loop below
                # takes as it is; anything else goes through the loop, which reports it
                packed = w.fresh("packed")
                w.line(f"{packed} = {self.pro.bind('pack_records', 'site.records[0]')}({src}, *{record})")
                w.line(f"if {packed} is None:")
            with w.indent() if record is not None else nullcontext():
                w.line(f"{parts} = []")
                w.line(f"for {e} in {src}:")
                with w.indent():
                    prep = self.check(w, elem, e)
                    leaves = self._plain_values(w, elem, prep)
                    w.line(f"{parts}.append({s}.pack({', '.join(leaves)}))")
                if record is not None:
                    w.line(f"{packed} = (b''.join({parts}), len({parts}))")
            return packed if record is not None else f"(b''.join({parts}), len({parts}))"
        return w.collect("e", src, lambda e: self.check(w, elem, e))

    def _compiled_record(self, elem: ir.Type) -> str | None:
        """The local bound to `(class, attribute names, kinds, offsets, size)` of a record of
        numbers and bools only, for the compiled helper (`_wire.pack_records`); None for
        other element types."""
        k = self.kind(elem)
        if not isinstance(k, ir.Record) or not k.fields:
            return None
        kinds = []
        for f in k.fields:
            fk = self.kind(f.ty)
            if not isinstance(fk, ir.Prim) or fk is ir.Prim.CHAR or fk not in MEM_CODE:
                return None
            kinds.append("?" if fk is ir.Prim.BOOL else MEM_CODE[fk])
        rec = self.layout.record(self.vt(elem))
        names = tuple(snake(f.name) for f in k.fields)
        description = (
            f"({self.cls(elem)}, {names!r}, {''.join(kinds).encode()!r}, {tuple(rec.offsets)!r}, {rec.size})"
        )
        return self.pro.bind("rec", description, numbered=True)

    def _plain_values(self, w: Writer, ty: ir.Type, prep: str) -> list[str]:
        """The leaf values of a prepared plain value, in `plain_code` order."""
        k = self.kind(ty)
        if isinstance(k, ir.Record | ir.Tuple):
            types = [f.ty for f in k.fields] if isinstance(k, ir.Record) else list(k.types)
            if len(types) == 1:
                return self._plain_values(w, types[0], f"{prep}[0]")
            v = w.fresh("t")
            w.line(f"{v} = {prep}")
            return [leaf for i, t in enumerate(types) for leaf in self._plain_values(w, t, f"{v}[{i}]")]
        if isinstance(k, ir.Flags) and not k.flags:
            return []
        return [prep]

    # --- lower to core values ---------------------------------------------------------------

    def lower_flat(self, w: Writer, ty: ir.Type, prep: str) -> list[str]:
        """Statements and expressions giving the core values (unsigned bits / floats)."""
        k = self.kind(ty)
        if isinstance(k, ir.Prim):
            if k in _INT_RANGES and _INT_RANGES[k][0] < 0:
                return [f"{prep} & {_MASK['i64' if k is ir.Prim.S64 else 'i32']}"]
            if k is ir.Prim.BOOL:
                return [f"1 if {prep} else 0"]
            if k is ir.Prim.STRING:
                v = w.fresh("s")
                w.line(f"{v} = {prep}")
                ptr = w.fresh("p")
                w.line(f"{ptr} = {self.pro.site('alloc')}({v}[2], len({v}[0]))")
                self.refresh(w)
                w.line(f"m[{ptr}:{ptr} + len({v}[0])] = {v}[0]")
                return [ptr, f"{v}[1]"]
            return [prep]
        if isinstance(k, ir.ListType | ir.MapType):
            ptr, n = self._store_list(w, ty, prep)
            return [ptr, n]
        if isinstance(k, ir.Record | ir.Tuple | ir.FixedListType):
            types = self._member_types(ty, k)
            v = w.fresh("t")
            w.line(f"{v} = {prep}")
            return [x for i, t in enumerate(types) for x in self.lower_flat(w, t, f"{v}[{i}]")]
        if isinstance(k, ir.EnumType | ir.Flags):
            return [prep]
        if isinstance(k, ir.Handle):
            return [self._lower_handle(w, k, prep)]
        # variants, options, results
        fv = self.flat.variant(self.vt(ty))
        cases = self._cases(k)
        v, outs = w.fresh("c"), [w.fresh("f") for _ in fv.flat]
        w.line(f"{v} = {prep}")
        for i, case_ty in enumerate(cases):
            w.line(f"{'if' if i == 0 else 'elif'} {v}[0] == {i}:")
            with w.indent():
                vals = [] if case_ty is None else self.lower_flat(w, case_ty, f"{v}[1]")
                coerced = [
                    _coerce(self.h, x, have, want)
                    for x, have, want in zip(vals, fv.cases[i], fv.payload, strict=False)
                ]
                coerced += ["0" if c in ("i32", "i64") else "0.0" for c in fv.payload[len(vals) :]]
                w.line(f"{', '.join(outs)} = {', '.join([str(i), *coerced])}")
        return outs

    def _lower_handle(self, w: Writer, k: ir.Handle, prep: str) -> str:
        r = self.resource_local(k)
        v = w.fresh("h")
        if k.kind == "own":
            w.line(f"{v} = {self.pro.bind('lower_own', 'site.handles[0]')}(inst, {r}, {prep})")
        else:
            self.pro.uses_scope = True
            w.line(f"{v} = {self.pro.bind('lower_borrow', 'site.handles[1]')}(inst, {r}, {prep}, scope)")
        return v

    def _member_types(self, ty: ir.Type, k: object) -> list[ir.Type]:
        if isinstance(k, ir.Record):
            return [f.ty for f in k.fields]
        if isinstance(k, ir.Tuple):
            return list(k.types)
        assert isinstance(k, ir.FixedListType)
        return [k.ty] * k.size

    def _cases(self, k: object) -> list[ir.Type | None]:
        if isinstance(k, ir.Variant):
            return [c.ty for c in k.cases]
        if isinstance(k, ir.OptionType):
            return [None, k.ty]
        if isinstance(k, ir.ResultType):
            return [k.ok, k.err]
        if isinstance(k, ir.EnumType):
            return [None] * len(k.cases)
        raise AssertionError(k)

    # --- store into memory --------------------------------------------------------------------

    def store(self, w: Writer, ty: ir.Type, prep: str, ptr: str) -> None:
        """Statements writing the prepared value at `ptr` (`m` current on entry and exit)."""
        code = self.plain_code(ty)
        k = self.kind(ty)
        if code is not None:
            leaves = self._plain_values(w, ty, prep)
            if not leaves:
                return
            if isinstance(k, ir.Prim) and k is ir.Prim.BOOL:
                leaves = [f"1 if {prep} else 0"]
            s = self.pro.struct("<" + code)
            w.line(f"{s}.pack_into(m, {ptr}, {', '.join(leaves)})")
            return
        if k is ir.Prim.STRING:
            vals = self.lower_flat(w, ty, prep)
            w.line(f"{self.h('ptrlen')}.pack_into(m, {ptr}, {vals[0]}, {vals[1]})")
            return
        if isinstance(k, ir.ListType | ir.MapType):
            p, n = self._store_list(w, ty, prep)
            w.line(f"{self.h('ptrlen')}.pack_into(m, {ptr}, {p}, {n})")
            return
        if isinstance(k, ir.FixedListType) and k.size > UNROLLED:
            self._store_fixed(w, k, prep, ptr)
            return
        if isinstance(k, ir.Record | ir.Tuple | ir.FixedListType):
            types = self._member_types(ty, k)
            offsets = self.layout.fields(self.vts(types)).offsets
            v = w.fresh("t")
            w.line(f"{v} = {prep}")
            for i, (t, off) in enumerate(zip(types, offsets, strict=True)):
                self.store(w, t, f"{v}[{i}]", f"{ptr} + {off}" if off else ptr)
            return
        if isinstance(k, ir.Flags):
            # more than 32 flags: little-endian u32 words
            words = (len(k.flags) + 31) // 32
            for i in range(words):
                w.line(f"{self.h('u32s')}.pack_into(m, {ptr} + {4 * i}, ({prep} >> {32 * i}) & 0xFFFFFFFF)")
            return
        if isinstance(k, ir.Handle):
            h = self._lower_handle(w, k, prep)
            w.line(f"{self.h('u32s')}.pack_into(m, {ptr}, {h})")
            return
        vl = self.layout.variant(self.vt(ty))
        disc = self.pro.struct("<" + _DISC_CODE[vl.discriminant_size])
        v = w.fresh("c")
        w.line(f"{v} = {prep}")
        w.line(f"{disc}.pack_into(m, {ptr}, {v}[0])")
        cases = self._cases(k)
        if all(c is None for c in cases):
            return
        first = True
        for i, case_ty in enumerate(cases):
            if case_ty is None:
                continue
            w.line(f"{'if' if first else 'elif'} {v}[0] == {i}:")
            first = False
            with w.indent():
                self.store(w, case_ty, f"{v}[1]", f"{ptr} + {vl.payload_offset}")

    def _number_code(self, ty: ir.Type) -> str | None:
        """The `struct` code of an integer or float type (whose every bit pattern is a value)."""
        k = self.kind(ty)
        if isinstance(k, ir.Prim) and k not in (ir.Prim.BOOL, ir.Prim.CHAR):
            return MEM_CODE.get(k)
        return None

    def _store_fixed(self, w: Writer, k: ir.FixedListType, prep: str, ptr: str) -> None:
        """A long fixed-length list: one `struct` call for numbers, else a loop (never
        `k.size` statements: the length may be 2^28 - 1)."""
        v = w.fresh("t")
        w.line(f"{v} = {prep}")
        code = self._number_code(k.ty)
        if code is not None:
            w.line(f"{self.pro.struct(f'<{k.size}{code}')}.pack_into(m, {ptr}, *{v})")
            return
        size = self.layout.size(self.vt(k.ty))
        i, e = w.fresh("i"), w.fresh("e")
        w.line(f"for {i}, {e} in enumerate({v}):")
        with w.indent():
            self.store(w, k.ty, e, f"{ptr} + {size} * {i}")

    def _load_fixed(self, w: Writer, k: ir.FixedListType, ptr: str) -> str:
        """`_store_fixed`'s counterpart."""
        code = self._number_code(k.ty)
        if code is not None:
            return f"list({self.pro.struct(f'<{k.size}{code}')}.unpack_from(m, {ptr}))"
        size = self.layout.size(self.vt(k.ty))
        return w.collect("i", f"range({k.size})", lambda i: self.load(w, k.ty, f"{ptr} + {size} * {i}"))

    def _store_list(self, w: Writer, ty: ir.Type, prep: str) -> tuple[str, str]:
        """Allocate and fill a list; returns (pointer, length) expressions."""
        alloc = self.pro.site("alloc")
        k = self.kind(ty)
        if isinstance(k, ir.MapType):
            elem: ir.Type | None = None
            key_ty, val_ty = k.key, k.value
        else:
            assert isinstance(k, ir.ListType)
            elem = k.ty
        ptr = w.fresh("p")
        if elem is not None and (self.plain_code(elem) is not None):
            # (bytes, count) from check: one copy
            v = w.fresh("b")
            w.line(f"{v} = {prep}")
            size, align = self.layout.size(self.vt(elem)), self.layout.align(self.vt(elem))
            w.line(f"{ptr} = {alloc}({align}, len({v}[0]))" if size else f"{ptr} = {align}")
            self.refresh(w)
            if size:
                w.line(f"m[{ptr}:{ptr} + len({v}[0])] = {v}[0]")
            return ptr, f"{v}[1]"
        if elem is not None:
            size, align = self.layout.size(self.vt(elem)), self.layout.align(self.vt(elem))
            items = w.fresh("items")
            w.line(f"{items} = {prep}")
            w.line(f"{ptr} = {alloc}({align}, {size} * len({items}))")
            self.refresh(w)
            i, e = w.fresh("i"), w.fresh("e")
            w.line(f"for {i}, {e} in enumerate({items}):")
            with w.indent():
                self.store(w, elem, e, f"{ptr} + {size} * {i}")
            return ptr, f"len({items})"
        types = [key_ty, val_ty]
        rec = self.layout.fields(self.vts(types))
        items = w.fresh("items")
        w.line(f"{items} = {prep}")
        w.line(f"{ptr} = {alloc}({rec.align}, {rec.size} * len({items}))")
        self.refresh(w)
        i, e = w.fresh("i"), w.fresh("e")
        w.line(f"for {i}, {e} in enumerate({items}):")
        with w.indent():
            base = w.fresh("q")
            w.line(f"{base} = {ptr} + {rec.size} * {i}")
            self.store(w, key_ty, f"{e}[0]", base)
            self.store(w, val_ty, f"{e}[1]", f"{base} + {rec.offsets[1]}")
        return ptr, f"len({items})"

    # --- lift from core values --------------------------------------------------------------

    def lift_flat(self, w: Writer, ty: ir.Type, vals: list[str]) -> str:
        """An expression (after statements) of the value carried by core values `vals`
        (integers as unsigned bits)."""
        k = self.kind(ty)
        if k is ir.Prim.STRING:
            return self._load_string(w, vals[0], vals[1])
        if isinstance(k, ir.Prim):
            return self._lift_prim(w, k, vals[0])
        if isinstance(k, ir.ListType | ir.MapType):
            return self._load_list(w, ty, vals[0], vals[1])
        if isinstance(k, ir.Record | ir.Tuple | ir.FixedListType):
            if isinstance(k, ir.FixedListType):
                self.charge(w, str(k.size * VAL_COST))
            types = self._member_types(ty, k)
            parts, pos = [], 0
            for t in types:
                n = self.flat.count(self.vt(t))
                parts.append(self.lift_flat(w, t, vals[pos : pos + n]))
                pos += n
            return self._build(ty, k, parts)
        if isinstance(k, ir.EnumType):
            return self._lift_enum(w, ty, k, vals[0])
        if isinstance(k, ir.Flags):
            words = vals if len(vals) > 1 else [vals[0]]
            bits = " | ".join(f"({x} << {32 * i})" if i else x for i, x in enumerate(words)) or "0"
            return f"{self.cls(ty)}(({bits}) & {(1 << len(k.flags)) - 1})"
        if isinstance(k, ir.Handle):
            return self._lift_handle(w, k, vals[0])
        fv = self.flat.variant(self.vt(ty))
        cases = self._cases(k)
        out = w.fresh("c")
        for i, case_ty in enumerate(cases):
            w.line(f"{'if' if i == 0 else 'elif'} {vals[0]} == {i}:")
            with w.indent():
                if case_ty is None:
                    w.line(f"{out} = {self._wrap_case(ty, k, i, 'None')}")
                else:
                    mine = [
                        _uncoerce(self.h, x, have, want)
                        for x, have, want in zip(vals[1:], fv.payload, fv.cases[i], strict=False)
                    ]
                    inner = self.lift_flat(w, case_ty, mine)
                    w.line(f"{out} = {self._wrap_case(ty, k, i, inner)}")
        w.line(f"else: {self.h('trap')}('invalid variant discriminant ' + str({vals[0]}))")
        return out

    def _lift_prim(self, w: Writer, p: ir.Prim, x: str) -> str:
        if p is ir.Prim.BOOL:
            return f"{x} != 0"
        if p in (ir.Prim.U32, ir.Prim.U64):
            return x
        if p in (ir.Prim.U8, ir.Prim.U16):
            return f"{x} & {(1 << _BITS[p]) - 1}"
        if p in (ir.Prim.S8, ir.Prim.S16, ir.Prim.S32, ir.Prim.S64):
            bits = _BITS[p]
            return f"((({x} & {(1 << bits) - 1}) ^ {1 << (bits - 1)}) - {1 << (bits - 1)})"
        if p is ir.Prim.CHAR:
            return f"{self.h('char_of')}({x})"
        if p in (ir.Prim.F32, ir.Prim.F64):
            return x
        w.line(f"{self.h('trap')}('unsupported type')")
        return "None"

    def _lift_enum(self, w: Writer, ty: ir.Type, k: ir.EnumType, x: str) -> str:
        w.line(f"if {x} >= {len(k.cases)}: {self.h('trap')}('invalid enum discriminant ' + str({x}))")
        return f"{self.cls(ty)}({x})"

    def _lift_handle(self, w: Writer, k: ir.Handle, x: str) -> str:
        r = self.resource_local(k)
        if k.kind == "own":
            return f"{self.pro.bind('lift_own', 'site.handles[2]')}(inst, {r}, {x})"
        self.pro.uses_scope = True
        return f"{self.pro.bind('lift_borrow', 'site.handles[3]')}(inst, {r}, {x}, scope)"

    def _build(self, ty: ir.Type, k: object, parts: list[str]) -> str:
        if isinstance(k, ir.Record):
            return f"{self.cls(ty)}({', '.join(parts)})"
        if isinstance(k, ir.FixedListType):
            return f"[{_unparen(parts[0])}]" if len(parts) == 1 else f"[{', '.join(parts)}]"
        return _tuple(parts)

    def _wrap_case(self, ty: ir.Type, k: object, i: int, inner: str) -> str:
        if isinstance(k, ir.OptionType):
            if i == 0:
                return "None"
            return f"Some({inner})" if isinstance(self.kind(k.ty), ir.OptionType) else inner
        if isinstance(k, ir.ResultType):
            return f"{'Ok' if i == 0 else 'Err'}({inner})"
        if isinstance(k, ir.EnumType):
            return f"{self.cls(ty)}({i})"
        assert isinstance(k, ir.Variant)
        case = k.cases[i]
        return f"{self.case_cls(ty, case.name)}({'' if case.ty is None else inner})"

    # --- load from memory -----------------------------------------------------------------------

    def load(self, w: Writer, ty: ir.Type, ptr: str) -> str:
        """An expression of the value stored at `ptr` (reads `m`, runs no wasm)."""
        k = self.kind(ty)
        code = self.plain_code(ty)
        if code is not None and isinstance(k, ir.Prim):
            s = self.pro.struct("<" + code)
            return self._lift_mem_scalar(w, k, f"{s}.unpack_from(m, {ptr})[0]")
        if code is not None and code:
            s = self.pro.struct("<" + code)
            leaves = [w.fresh("l") for _ in self.plain_fields(ty)]
            w.line(f"{', '.join(leaves)}{',' if len(leaves) == 1 else ''} = {s}.unpack_from(m, {ptr})")
            return self._from_leaves(w, ty, iter(leaves))
        if k is ir.Prim.STRING:
            p, n = w.fresh("p"), w.fresh("n")
            w.line(f"{p}, {n} = {self.h('ptrlen')}.unpack_from(m, {ptr})")
            return self._load_string(w, p, n)
        if isinstance(k, ir.ListType | ir.MapType):
            p, n = w.fresh("p"), w.fresh("n")
            w.line(f"{p}, {n} = {self.h('ptrlen')}.unpack_from(m, {ptr})")
            return self._load_list(w, ty, p, n)
        if isinstance(k, ir.Record | ir.Tuple | ir.FixedListType):
            if isinstance(k, ir.FixedListType):
                self.charge(w, str(k.size * VAL_COST))
                if k.size > UNROLLED:
                    return self._load_fixed(w, k, ptr)
            types = self._member_types(ty, k)
            offsets = self.layout.fields(self.vts(types)).offsets
            parts = []
            for t, off in zip(types, offsets, strict=True):
                v = w.fresh("v")
                w.line(f"{v} = {self.load(w, t, f'{ptr} + {off}' if off else ptr)}")
                parts.append(v)
            return self._build(ty, k, parts)
        if isinstance(k, ir.Flags):
            words = (len(k.flags) + 31) // 32
            u32s = self.h("u32s")
            bits = " | ".join(
                f"({u32s}.unpack_from(m, {ptr} + {4 * i})[0] << {32 * i})" for i in range(words)
            )
            return f"{self.cls(ty)}(({bits}) & {(1 << len(k.flags)) - 1})"
        if isinstance(k, ir.Handle):
            return self._lift_handle(w, k, f"{self.h('u32s')}.unpack_from(m, {ptr})[0]")
        vl = self.layout.variant(self.vt(ty))
        disc = self.pro.struct("<" + _DISC_CODE[vl.discriminant_size])
        d, out = w.fresh("d"), w.fresh("c")
        w.line(f"{d} = {disc}.unpack_from(m, {ptr})[0]")
        for i, case_ty in enumerate(self._cases(k)):
            w.line(f"{'if' if i == 0 else 'elif'} {d} == {i}:")
            with w.indent():
                inner = "None" if case_ty is None else self.load(w, case_ty, f"{ptr} + {vl.payload_offset}")
                w.line(f"{out} = {self._wrap_case(ty, k, i, inner)}")
        w.line(f"else: {self.h('trap')}('invalid variant discriminant ' + str({d}))")
        return out

    def _lift_mem_scalar(self, w: Writer, p: ir.Prim, x: str) -> str:
        if p is ir.Prim.BOOL:
            return f"{x} != 0"
        if p is ir.Prim.CHAR:
            return f"{self.h('char_of')}({x})"
        return x

    def _from_leaves(self, w: Writer, ty: ir.Type, leaves: object) -> str:
        it = leaves
        k = self.kind(ty)
        if isinstance(k, ir.Prim):
            return self._lift_mem_scalar(w, k, next(it))  # type: ignore[call-overload]
        if isinstance(k, ir.Record | ir.Tuple):
            types = self._member_types(ty, k)
            return self._build(ty, k, [self._from_leaves(w, t, it) for t in types])
        if isinstance(k, ir.EnumType):
            return self._lift_enum(w, ty, k, next(it))  # type: ignore[call-overload]
        if isinstance(k, ir.Flags):
            if not k.flags:
                return f"{self.cls(ty)}(0)"
            return f"{self.cls(ty)}({next(it)} & {(1 << len(k.flags)) - 1})"  # type: ignore[call-overload]
        raise AssertionError(k)

    def _load_list(self, w: Writer, ty: ir.Type, p: str, n: str) -> str:
        k = self.kind(ty)
        if isinstance(k, ir.MapType):
            rec = self.layout.fields(self.vts([k.key, k.value]))
            out, i = w.fresh("d"), w.fresh("i")
            w.line(f"{self.h('check_span')}(m, {p}, {n}, {rec.size}, {rec.align})")
            self.charge(w, f"{n} * {2 * VAL_COST}")
            w.line(f"{out} = {{}}")
            w.line(f"for {i} in range({n}):")
            with w.indent():
                base = w.fresh("q")
                w.line(f"{base} = {p} + {rec.size} * {i}")
                key = self.load(w, k.key, base)
                kv = w.fresh("k")
                w.line(f"{kv} = {key}")
                val = self.load(w, k.value, f"{base} + {rec.offsets[1]}")
                w.line(f"{out}[{kv}] = {val}")
            return out
        assert isinstance(k, ir.ListType)
        elem = k.ty
        ek = self.kind(elem)
        size, align = self.layout.size(self.vt(elem)), self.layout.align(self.vt(elem))
        if ek is ir.Prim.U8:
            self.charge(w, f"{n} * {VAL_COST}")
            return f"{self.h('ld_bytes')}(m, {p}, {n})"
        if isinstance(ek, ir.Prim) and ek in ARRAY_CODE:
            self.charge(w, f"{n} * {VAL_COST}")
            return f"{self.h('ld_array')}(m, {p}, {n}, {ARRAY_CODE[ek]!r})"
        w.line(f"{self.h('check_span')}(m, {p}, {n}, {size}, {align})")
        self.charge(w, f"{n} * {VAL_COST}")
        code = self.plain_code(elem)
        if code:
            s = self.pro.struct("<" + code)
            leaves = [w.fresh("l") for _ in self.plain_fields(elem)]
            inner = Writer(w.names)
            expr = self._from_leaves(inner, elem, iter(leaves))
            if not inner.lines:
                target = ", ".join(leaves) + ("," if len(leaves) == 1 else "")
                plain = f"[{expr} for {target} in {s}.iter_unpack(m[{p}:{p} + {size} * {n}])]"
                record = self._compiled_record(elem)
                if record is None:
                    return plain
                unpack, out = self.pro.bind("unpack_records", "site.records[1]"), w.fresh("recs")
                w.line(f"{out} = {plain} if {unpack} is None else {unpack}(m, {p}, {n}, *{record})")
                return out
        return w.collect("i", f"range({n})", lambda i: self.load(w, elem, f"{p} + {size} * {i}"))

    def _load_string(self, w: Writer, p: str, n: str) -> str:
        """A string lifted from memory, its bytes charged first."""
        mask, shift = self.pro.bind("smask", "site.string_cost[0]"), self.pro.bind(
            "sshift", "site.string_cost[1]"
        )
        self.charge(w, f"({n} & {mask}) << {shift}")
        return f"{self.pro.bind('ld_str', 'site.strings[1]')}(m, {p}, {n})"


def _unparen(expr: str) -> str:
    """`expr` without parentheses around all of it (a lone list item black would unwrap)."""
    if not (expr.startswith("(") and expr.endswith(")")):
        return expr
    depth = 0
    for i, ch in enumerate(expr):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            whole = i == len(expr) - 1
            return _unparen(expr[1:-1]) if whole and "," not in expr and " for " not in expr else expr
    return expr


def _tuple(parts: list[str]) -> str:
    return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"


def _coerce(h: Callable[[str], str], x: str, have: CoreType, want: CoreType) -> str:
    """A case's core value in the slot type of the joined payload (`lower_flat` of variants)."""
    if have == want:
        return x
    if have == "f32":
        return f"{h('f32_bits')}({x})"
    if have == "f64" and want == "i64":
        return f"{h('f64_bits')}({x})"
    return x  # i32 -> i64: already unsigned


def _uncoerce(h: Callable[[str], str], x: str, have: CoreType, want: CoreType) -> str:
    """A joined payload slot read back as the case's own core type."""
    if have == want:
        return x
    if want == "f32":
        return f"{h('f32_from_bits')}({x} & 0xFFFFFFFF)"
    if want == "f64":
        return f"{h('f64_from_bits')}({x})"
    if want == "i32":
        return f"({x} & 0xFFFFFFFF)"
    return x


__all__ = ["MEM_CODE", "SLOT_CODE", "Names", "Prologue", "ValueCode", "Writer"]
