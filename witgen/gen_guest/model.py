"""The guest generator's view of a world: plain data for the templates, one object per module.

The stubs follow componentize-py's `bindings` output (module layout, names, value shapes), so an
app written against them builds unchanged with `componentize-py componentize`. Where that output
is weaker, the stubs are exact: forward references, `map`, fixed-length lists, `async func`,
`stream` and `future` all get real types.

Besides annotations, the model computes *converters*: Python expressions that the local harness
(`wit_world/_harness.py`) applies to values crossing the guest boundary natively, to swap resource
handles for the objects behind them (the test's mock objects for imported resources, the app's
objects for exported ones). Types without resources need no converter (`None`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from witgen.gen_guest.channels import ChannelFinder, ChannelView
from witgen.gen_wit.printer import WitPrinter
from witgen.pyview.layout import Slot, WorldLayout
from witgen.pyview.names import camel, shouty, snake
from witgen.pyview.resource_funcs import attach
from witgen.pyview.types import PRIM_ANNOTATION, TypeQueries
from witgen.resolve import ir

# ---- view data ----------------------------------------------------------------------------


@dataclass
class FieldView:
    name: str
    wit_name: str
    annotation: str
    docs: str | None


@dataclass
class CaseView:
    class_name: str
    wit_name: str
    annotation: str | None
    docs: str | None


@dataclass
class MemberView:
    name: str
    wit_name: str
    value: int
    docs: str | None


@dataclass
class ParamView:
    name: str
    wit_name: str
    annotation: str
    lower: str | None
    """Converter for the value leaving the guest (import argument)."""
    lift: str | None
    """Converter for the value entering the guest (export argument)."""


@dataclass
class FuncView:
    name: str
    wit_name: str
    qualname: str
    """What error messages call it: `host_api.log`, `Counter.get`, `now`."""
    kind: str
    """freestanding | method | static | constructor (without `async-`)."""
    is_async: bool
    params: list[ParamView]
    returns: str
    raises: bool
    err_annotation: str | None
    docs: str | None
    ret_lower: str | None = None
    ret_lift: str | None = None
    err_lower: str | None = None
    err_lift: str | None = None
    notes: list[str] = field(default_factory=list)
    """What the componentize-py runtime does differently from the stub's exact types."""
    sig: str = "None"
    """The harness's checks of the values crossing the boundary (a `_c.Sig(...)` expression)."""

    @property
    def signature(self) -> str:
        return ", ".join(f"{p.name}: {p.annotation}" for p in self.params)

    @property
    def self_signature(self) -> str:
        return ", ".join(["self"] + [f"{p.name}: {p.annotation}" for p in self.params])

    @property
    def cls_signature(self) -> str:
        return ", ".join(["cls"] + [f"{p.name}: {p.annotation}" for p in self.params])

    @property
    def args(self) -> str:
        return ", ".join(p.name for p in self.params)

    @property
    def lowered_args(self) -> str:
        return ", ".join(p.name if p.lower is None else f"({p.lower})({p.name})" for p in self.params)

    @property
    def lifted_args(self) -> str:
        return ", ".join(p.name if p.lift is None else f"({p.lift})({p.name})" for p in self.params)

    @property
    def mock_signature(self) -> str:
        """The parameters as a mock implements them: positional-only (the harness passes them so)."""
        return ", ".join(
            ["self"] + [f"{p.name}: {p.annotation}" for p in self.params] + (["/"] if self.params else [])
        )

    @property
    def mock_returns(self) -> str:
        """What a mock returns: an `async` import may be implemented by a plain or an async function."""
        return f"{self.returns} | Awaitable[{self.returns}]" if self.is_async else self.returns

    @property
    def callable_annotation(self) -> str:
        """The type of a world-level import's mock (a plain callable)."""
        return f"Callable[[{', '.join(p.annotation for p in self.params)}], {self.mock_returns}]"

    @property
    def def_(self) -> str:
        return "async def" if self.is_async else "def"

    @property
    def await_(self) -> str:
        return "await " if self.is_async else ""

    @property
    def any_conv(self) -> bool:
        return any(p.lower or p.lift for p in self.params) or bool(self.ret_lower or self.ret_lift)


@dataclass
class TypeDeclView:
    kind: str
    """record | variant | enum | flags | import-resource | export-resource"""
    name: str
    wit_name: str
    docs: str | None = None
    fields: list[FieldView] = field(default_factory=list)
    cases: list[CaseView] = field(default_factory=list)
    members: list[MemberView] = field(default_factory=list)
    constructor: FuncView | None = None
    methods: list[FuncView] = field(default_factory=list)
    statics: list[FuncView] = field(default_factory=list)
    harness_name: str = ""
    """The handle class the testing module defines for an exported resource."""

    @property
    def funcs(self) -> list[FuncView]:
        return ([self.constructor] if self.constructor else []) + self.methods + self.statics


@dataclass
class InterfaceModuleView:
    """`wit_world/imports/<x>.py` or `wit_world/exports/<x>.py`."""

    module: str
    """Dotted, relative to `wit_world`: `imports.host_api`."""
    short: str
    """The last component (`host_api`): the module name, the testing field name and, for exports,
    the app module holding the interface's resource classes."""
    file: str
    link_name: str
    docs: str | None
    imported: bool
    protocol: str
    """Exports: the Protocol name in `wit_world/exports/__init__.py` (and the app's class name)."""
    alias: str
    types: list[TypeDeclView] = field(default_factory=list)
    functions: list[FuncView] = field(default_factory=list)
    """Freestanding functions, with annotations for this module."""
    protocol_functions: list[FuncView] = field(default_factory=list)
    """Exports: the same functions annotated for `wit_world/exports/__init__.py`."""
    harness_functions: list[FuncView] = field(default_factory=list)
    """The same functions annotated for `wit_world/testing.py` (exports' call sites, imports' mock
    Protocol)."""
    harness_resources: list[TypeDeclView] = field(default_factory=list)
    """Resources as `wit_world/testing.py` spells them: exports' handle classes; for imports, what the
    mock's classes implement (those with a constructor or static functions: the others the harness
    never looks up)."""
    module_imports: dict[str, str] = field(default_factory=dict)

    @property
    def resources(self) -> list[TypeDeclView]:
        return [t for t in self.types if t.kind.endswith("resource")]

    @property
    def harness_class(self) -> str:
        return f"_{self.protocol}Exports"

    @property
    def impl_protocol(self) -> str:
        """Imports: the Protocol in `wit_world/testing.py` that a mock of the interface satisfies."""
        return f"{self.protocol}Impl"


@dataclass
class WorldView:
    world_name: str
    class_name: str
    imports_class: str
    docs: str | None
    types: list[TypeDeclView]
    import_modules: list[InterfaceModuleView]
    export_modules: list[InterfaceModuleView]
    import_funcs: list[FuncView]
    export_funcs: list[FuncView]
    """World-level exports, annotated for `wit_world/__init__.py` (the `WitWorld` Protocol)."""
    harness_export_funcs: list[FuncView]
    module_imports: dict[str, str]
    exports_init_imports: dict[str, str]
    testing_imports: dict[str, str]
    async_support: bool
    """Whether any module refers to `componentize_py_async_support` (streams, futures)."""
    uses_builtins: bool = False
    """Whether annotations spell some builtins `builtins.<name>` (modules then import it)."""
    testing_world_names: list[str] = field(default_factory=list)
    """World-level types `wit_world/testing.py` imports from the package."""
    channels: list[ChannelView] = field(default_factory=list)
    """componentize-py's `*_stream()`/`*_future()` constructors, in `wit_world/__init__.py`."""


@dataclass
class AppView:
    """`--app`: the skeleton of the main module and of the modules holding exported resources."""

    module: str
    interfaces: list[tuple[str, list[FuncView]]] = field(default_factory=list)
    world_funcs: list[FuncView] = field(default_factory=list)
    resource_modules: list[tuple[str, str, list[TypeDeclView]]] = field(default_factory=list)
    module_imports: dict[str, str] = field(default_factory=dict)
    uses_world: bool = False
    async_support: bool = False


# ---- type spelling ------------------------------------------------------------------------

_NOMINAL = (ir.Record, ir.Variant, ir.EnumType, ir.Flags, ir.Resource)


class GuestTypes(TypeQueries):
    """How WIT types are spelled in one generated module of the guest stubs.

    componentize-py inlines every alias (`type id = u64`, `use`d types) and names only records,
    variants, enums, flags and resources; inside a resource's own methods the resource is `Self`.
    In the testing module (`harness=True`) imported resources are the test's own objects (`Any`)
    and exported resources are the harness's handle classes.
    """

    def __init__(
        self, builder: GuestModelBuilder, module: str, harness: bool = False, import_side: bool | None = None
    ) -> None:
        self.b = builder
        self.resolve = builder.resolve
        self.module = module
        self.harness = harness
        self._import_side = import_side
        self.used_modules: dict[str, str] = {}
        self.self_resource: ir.TypeId | None = None

    # --- names ---------------------------------------------------------------------------

    @property
    def import_side(self) -> bool:
        """Whether an interface on both sides means its imported module (the harness says which)."""
        if self._import_side is not None:
            return self._import_side
        return self.module == "" or self.module.startswith("imports.")

    def _qualify(self, id: ir.TypeId, name: str) -> str:
        home = self.b.home_of(id, self.import_side)
        if home.module == self.module:
            return name
        if home.module == "" and self.module == "app":
            return f"wit_world.{name}"
        if home.module == "" and self.module == "testing":
            self.b.testing_world_names.add(name)  # imported relatively: the stubs are relocatable
            return name
        self.used_modules[home.alias] = home.module
        return f"{home.alias}.{name}"

    def named(self, id: ir.TypeId) -> ir.TypeId | None:
        """The nominal type `id` stands for, through aliases, if it is one."""
        resolved = self.resolve.resolve_alias(id)
        if isinstance(resolved, ir.Prim):
            return None
        td = self.resolve.types[resolved]
        if isinstance(td.kind, _NOMINAL) and td.name is not None and td.owner is not None:
            return resolved
        return None

    def resource_annotation(self, id: ir.TypeId) -> str:
        res = self.resource(id)
        if self.harness:
            if self.b.home_of(res, self.import_side).imported:
                return "Any"  # the mock's own objects (`Any`: its methods may take its own classes)
            return self.b.harness_handle_name(res)
        if res == self.self_resource:
            return "Self"
        return self._qualify(res, self.class_name(res))

    # --- annotations ---------------------------------------------------------------------

    def annotation(self, ty: ir.Type | None) -> str:
        if ty is None:
            return "None"
        if isinstance(ty, ir.Prim):
            return self.b.builtin(PRIM_ANNOTATION[ty])
        td = self.resolve.types[ty]
        kind = td.kind
        if isinstance(kind, ir.Alias):
            return self.annotation(kind.ty)
        if isinstance(kind, ir.Resource):
            return self.resource_annotation(ty)
        if isinstance(kind, ir.Handle):
            return self.resource_annotation(kind.resource)
        if isinstance(kind, _NOMINAL):
            return self._qualify(ty, self.class_name(ty))
        b = self.b.builtin
        if isinstance(kind, ir.ListType):
            if kind.ty == ir.Prim.U8:
                return b("bytes")
            return f"{b('list')}[{self.annotation(kind.ty)}]"
        if isinstance(kind, ir.FixedListType):
            return f"{b('list')}[{self.annotation(kind.ty)}]"
        if isinstance(kind, ir.MapType):
            return f"{b('dict')}[{self.annotation(kind.key)}, {self.annotation(kind.value)}]"
        if isinstance(kind, ir.Tuple):
            if not kind.types:
                return f"{b('tuple')}[()]"
            return f"{b('tuple')}[{', '.join(self.annotation(t) for t in kind.types)}]"
        if isinstance(kind, ir.OptionType):
            inner = self.annotation(kind.ty)
            if self.is_option(kind.ty):
                return f"Optional[Some[{inner}]]"
            return f"Optional[{inner}]"
        if isinstance(kind, ir.ResultType):
            return f"Result[{self.annotation(kind.ok)}, {self.annotation(kind.err)}]"
        if isinstance(kind, ir.FutureType):
            self.b.async_support = True
            return f"FutureReader[{self.annotation(kind.ty)}]"
        if isinstance(kind, ir.StreamType):
            self.b.async_support = True
            if kind.ty in (ir.Prim.U8, ir.Prim.S8):
                return "ByteStreamReader"
            return f"StreamReader[{self.annotation(kind.ty)}]"
        return "Any"

    # --- checks for the native harness ---------------------------------------------------

    def check(self, ty: ir.Type | None) -> tuple[str, str]:
        """The `_checks` expression checking values of `ty` natively, and `ty` as the host codecs
        spell it in messages. Resources, streams and futures are not checked (`_c.ANY`)."""
        if ty is None:
            return "None", "_"
        if isinstance(ty, ir.Prim):
            return ("_c.ANY" if ty == ir.Prim.ERROR_CONTEXT else f"_c.{ty.name}"), ty.value
        td = self.resolve.types[ty]
        kind = td.kind
        if isinstance(kind, ir.Alias):
            return self.check(kind.ty)
        if isinstance(kind, ir.Record):
            fields = ", ".join(f'"{snake(f.name)}": {self.check(f.ty)[0]}' for f in kind.fields)
            return f'_c.record("{td.name}", {self.annotation(ty)}, {{{fields}}})', str(td.name)
        if isinstance(kind, ir.Variant):
            name = self.class_name(ty)
            cases = ", ".join(
                f"{self._qualify(ty, f'{name}_{camel(c.name)}')}: {self.check(c.ty)[0]}" for c in kind.cases
            )
            return f'_c.variant("{td.name}", {{{cases}}})', str(td.name)
        if isinstance(kind, ir.EnumType):
            return f'_c.enum_of("{td.name}", {self.annotation(ty)})', str(td.name)
        if isinstance(kind, ir.Flags):
            return f'_c.flags_of("{td.name}", {self.annotation(ty)}, {len(kind.flags)})', str(td.name)
        if isinstance(kind, ir.ListType | ir.FixedListType):
            if kind.ty == ir.Prim.U8:
                return "_c.BYTES", "list<u8>"
            item, wit = self.check(kind.ty)
            return f'_c.list_of("list<{wit}>", {item})', f"list<{wit}>"
        if isinstance(kind, ir.MapType):
            (k, kw), (v, vw) = self.check(kind.key), self.check(kind.value)
            return f'_c.map_of("map<{kw}, {vw}>", {k}, {v})', f"map<{kw}, {vw}>"
        if isinstance(kind, ir.Tuple):
            items = [self.check(t) for t in kind.types]
            wit = f"tuple<{', '.join(w for _, w in items)}>"
            return f'_c.tuple_of("{wit}", {", ".join(c for c, _ in items)})', wit
        if isinstance(kind, ir.OptionType):
            inner, wit = self.check(kind.ty)
            return f'_c.option("option<{wit}>", {inner}, {self.is_option(kind.ty)})', f"option<{wit}>"
        if isinstance(kind, ir.ResultType):
            (ok, ow), (err, ew) = self.check(kind.ok), self.check(kind.err)
            return f'_c.result("result<{ow}, {ew}>", {ok}, {err})', f"result<{ow}, {ew}>"
        return "_c.ANY", td.name or "?"

    def sig(self, f: ir.Function, qualname: str, params: list[ParamView]) -> str:
        """The `_c.Sig` of `f`: its parameters, its result (ok payload for a `result`), its error."""
        wit_params = f.params[1:] if f.kind in ("method", "async-method") else f.params
        checks = ", ".join(
            f'"{p.name}": {self.check(w.ty)[0]}' for p, w in zip(params, wit_params, strict=True)
        )
        result = self.result_type(f.result)
        if f.kind == "constructor":
            ret, err = "_c.ANY", "None"
        elif result is not None:
            ret, err = self.check(result.ok)[0], self.check(result.err)[0]
        else:
            ret, err = self.check(f.result)[0], "None"
        return f'_c.Sig("{qualname}", {{{checks}}}, {ret}, {err})'

    # --- converters for the native harness -----------------------------------------------

    def conv(self, ty: ir.Type | None, into_guest: bool) -> str | None:
        """A converter expression for values of `ty` crossing the boundary, or None (identity).

        `into_guest`: the value goes from the test (the mock host, or the test calling an
        export) to the guest code; otherwise from the guest code to the test.
        """
        if ty is None or isinstance(ty, ir.Prim):
            return None
        kind = self.resolve.types[ty].kind
        if isinstance(kind, ir.Alias):
            return self.conv(kind.ty, into_guest)
        if isinstance(kind, ir.Resource | ir.Handle):
            res = self.resource(kind.resource if isinstance(kind, ir.Handle) else ty)
            imported = self.b.home_of(res, self.import_side).imported
            if into_guest == imported:
                # a stub wrapping a mock object (imports) or a harness handle (exports)
                saved, self.self_resource = self.self_resource, None
                harness, self.harness = self.harness, False
                try:
                    cls = self.resource_annotation(res) if imported else self.b.harness_handle_name(res)
                finally:
                    self.self_resource, self.harness = saved, harness
                return f"{cls}._from_rep"
            return "_h.rep_of"
        if isinstance(kind, ir.Record):
            convs = [(snake(f.name), self.conv(f.ty, into_guest)) for f in kind.fields]
            parts = [f'"{n}": {c}' for n, c in convs if c is not None]
            return f"_h.record_conv({{{', '.join(parts)}}})" if parts else None
        if isinstance(kind, ir.Variant):
            name = self.class_name(ty)
            cases = [(f"{name}_{camel(c.name)}", self.conv(c.ty, into_guest)) for c in kind.cases]
            parts = [f"{self._qualify(ty, n)}: {c}" for n, c in cases if c is not None]
            return f"_h.variant_conv({{{', '.join(parts)}}})" if parts else None
        if isinstance(kind, ir.ListType | ir.FixedListType):
            inner = self.conv(kind.ty, into_guest)
            return None if inner is None else f"_h.list_conv({inner})"
        if isinstance(kind, ir.MapType):
            k, v = self.conv(kind.key, into_guest), self.conv(kind.value, into_guest)
            return None if k is None and v is None else f"_h.dict_conv({k}, {v})"
        if isinstance(kind, ir.Tuple):
            items = [self.conv(t, into_guest) for t in kind.types]
            if all(c is None for c in items):
                return None
            return f"_h.tuple_conv({', '.join(str(c) for c in items)})"
        if isinstance(kind, ir.OptionType):
            inner = self.conv(kind.ty, into_guest)
            if inner is None:
                return None
            return f"_h.option_conv({inner}, {self.is_option(kind.ty)})"
        if isinstance(kind, ir.ResultType):
            ok, err = self.conv(kind.ok, into_guest), self.conv(kind.err, into_guest)
            return None if ok is None and err is None else f"_h.result_conv({ok}, {err})"
        return None


# ---- building -----------------------------------------------------------------------------


ANNOTATION_BUILTINS = frozenset({"int", "float", "str", "bool", "bytes", "tuple", "list", "dict"})
"""The builtins generated annotations name."""

_ASYNC_NOTE = (
    "componentize-py runs `async` functions on its own event loop inside the component; "
    "natively the harness awaits the installed implementation (which may be sync or async)."
)


class GuestModelBuilder(WorldLayout):
    """Builds the `WorldView` of one world."""

    def __init__(self, resolve: ir.Resolve, world: ir.WorldId) -> None:
        super().__init__(resolve, world, unique_module_names=False)
        self.async_support = False
        self.testing_world_names: set[str] = set()
        self.aliases = self._assign_aliases()
        self.shadowed = self._shadowed_builtins()
        """Builtins annotations use that a generated function, method or field is named like
        (componentize-py's names are kept, so annotations spell these `builtins.<name>`)."""

    def _shadowed_builtins(self) -> set[str]:
        names: set[str] = set()
        for td in self.resolve.types:
            if isinstance(td.kind, ir.Record):
                names.update(snake(f.name) for f in td.kind.fields)
        for iface in self.resolve.interfaces:
            names.update(snake(f.item_name) for f in iface.functions.values())
        for w in self.resolve.worlds:
            for item in list(w.imports.values()) + list(w.exports.values()):
                if isinstance(item, ir.FunctionItem):
                    names.add(snake(item.func.item_name))
        return names & ANNOTATION_BUILTINS

    def builtin(self, name: str) -> str:
        """How annotations spell the builtin `name` (`builtins.name` where a definition hides it)."""
        return f"builtins.{name}" if name in self.shadowed else name

    # --- where things live ---------------------------------------------------------------

    def _local_names(self) -> set[str]:
        """Every name a generated module could define or use as an attribute (aliases avoid them)."""
        names: set[str] = {"Self", "Any", "Optional", "Some", "Ok", "Err", "Result", "Protocol"}
        for td in self.resolve.types:
            if td.name:
                names.add(camel(td.name))
                names.add(snake(td.name))
            if isinstance(td.kind, ir.Record):
                names.update(snake(f.name) for f in td.kind.fields)
        for iface in self.resolve.interfaces:
            for f in iface.functions.values():
                names.add(snake(f.item_name))
                names.update(snake(p.name) for p in f.params)
        for w in self.resolve.worlds:
            for item in list(w.imports.values()) + list(w.exports.values()):
                if isinstance(item, ir.FunctionItem):
                    names.add(snake(item.func.name))
                    names.update(snake(p.name) for p in item.func.params)
        return names

    def _assign_aliases(self) -> dict[tuple[bool, str], str]:
        """The names modules import each other as: componentize-py's plain module names, with
        `_i_`/`_e_` prefixes where that would clash with another module or a generated name."""
        taken = self._local_names() | {"_h", "_c", "_streams", "_futures", "imports", "exports"}
        taken |= {name for name, *_ in ChannelFinder(self).find()}
        imported = {s.module_name for s in self.import_slots}
        exported = {s.module_name for s in self.export_slots}
        out: dict[tuple[bool, str], str] = {}
        for slot in self.import_slots + self.export_slots:
            name = slot.module_name
            if name in taken or (name in imported and name in exported):
                name = ("_i_" if slot.imported else "_e_") + name
            out[(slot.imported, slot.module_name)] = name
        return out

    def alias_of(self, slot: Slot) -> str:
        return self.aliases[(slot.imported, slot.module_name)]

    def harness_handle_name(self, res: ir.TypeId) -> str:
        home = self.home_of(res)
        td = self.resolve.types[res]
        assert td.name is not None
        return f"_{camel(home.module.rsplit('.', 1)[1].replace('_', '-'))}{camel(td.name)}"

    # --- types ---------------------------------------------------------------------------

    def type_decl(self, tv: GuestTypes, id: ir.TypeId) -> TypeDeclView | None:
        td = self.resolve.types[id]
        assert td.name is not None
        kind = td.kind
        decl = TypeDeclView("record", tv.class_name(id), td.name, docs=td.docs)
        if isinstance(kind, ir.Record):
            decl.fields = [FieldView(snake(f.name), f.name, tv.annotation(f.ty), f.docs) for f in kind.fields]
        elif isinstance(kind, ir.Variant):
            decl.kind = "variant"
            decl.cases = [
                CaseView(
                    f"{decl.name}_{camel(c.name)}",
                    c.name,
                    None if c.ty is None else tv.annotation(c.ty),
                    c.docs,
                )
                for c in kind.cases
            ]
        elif isinstance(kind, ir.EnumType):
            decl.kind = "enum"
            decl.members = [MemberView(shouty(c.name), c.name, i, c.docs) for i, c in enumerate(kind.cases)]
        elif isinstance(kind, ir.Flags):
            decl.kind = "flags"
            decl.members = [
                MemberView(shouty(f.name), f.name, 1 << i, f.docs) for i, f in enumerate(kind.flags)
            ]
        elif isinstance(kind, ir.Resource):
            decl.kind = "import-resource" if self.home_of(id, tv.import_side).imported else "export-resource"
            decl.harness_name = self.harness_handle_name(id)
        else:
            return None  # aliases and structural types are inlined, as componentize-py does
        return decl

    # --- functions -----------------------------------------------------------------------

    def func_view(self, tv: GuestTypes, f: ir.Function, owner: str) -> FuncView:
        params = f.params[1:] if f.kind in ("method", "async-method") else f.params
        if f.resource is not None:
            tv.self_resource = self.resolve.resolve_alias(f.resource)  # type: ignore[assignment]
        try:
            views = [
                ParamView(
                    snake(p.name),
                    p.name,
                    tv.annotation(p.ty),
                    tv.conv(p.ty, into_guest=False),
                    tv.conv(p.ty, into_guest=True),
                )
                for p in params
            ]
            result = tv.result_type(f.result)
            notes: list[str] = []
            if f.kind == "constructor":
                returns = "None"
            elif result is not None:
                returns = tv.annotation(result.ok)
            else:
                returns = tv.annotation(f.result)
            fv = FuncView(
                name=snake(f.item_name) if f.resource is not None else snake(f.name),
                wit_name=f.name,
                qualname=f"{owner}.{snake(f.item_name)}" if owner else snake(f.name),
                kind=f.kind.removeprefix("async-"),
                is_async=f.is_async,
                params=views,
                returns=returns,
                raises=result is not None,
                err_annotation=tv.annotation(result.err) if result is not None else None,
                docs=f.docs,
                notes=notes,
            )
            fv.sig = tv.sig(f, owner if f.kind == "constructor" else fv.qualname, views)
            if f.kind == "constructor":
                fv.qualname = owner
            elif result is not None:
                fv.ret_lower, fv.ret_lift = tv.conv(result.ok, False), tv.conv(result.ok, True)
                fv.err_lower, fv.err_lift = tv.conv(result.err, False), tv.conv(result.err, True)
            else:
                fv.ret_lower, fv.ret_lift = tv.conv(f.result, False), tv.conv(f.result, True)
        finally:
            tv.self_resource = None
        if f.is_async:
            notes.append(_ASYNC_NOTE)
        notes.extend(self._type_notes(f))
        return fv

    def _type_notes(self, f: ir.Function) -> list[str]:
        """Docstring notes for types componentize-py 0.25 handles differently from the stub."""
        kinds: set[str] = set()
        seen: set[ir.TypeId] = set()

        def walk(ty: ir.Type | None) -> None:
            if ty is None or isinstance(ty, ir.Prim) or ty in seen:
                return
            seen.add(ty)
            kind = self.resolve.types[ty].kind
            if isinstance(kind, ir.MapType):
                kinds.add("map")
                walk(kind.key)
                walk(kind.value)
            elif isinstance(kind, ir.FixedListType):
                kinds.add("fixed")
                walk(kind.ty)
            elif isinstance(kind, ir.StreamType | ir.FutureType):
                kinds.add("stream")
                walk(kind.ty)
            elif isinstance(kind, ir.Record):
                for fl in kind.fields:
                    walk(fl.ty)
            elif isinstance(kind, ir.Variant):
                for c in kind.cases:
                    walk(c.ty)
            elif isinstance(kind, ir.Tuple):
                for t in kind.types:
                    walk(t)
            elif isinstance(kind, ir.ListType | ir.OptionType | ir.Alias):
                walk(kind.ty)
            elif isinstance(kind, ir.ResultType):
                walk(kind.ok)
                walk(kind.err)

        for p in f.params:
            walk(p.ty)
        walk(f.result)
        notes = []
        if "map" in kinds:
            notes.append("`map<K, V>` is a `dict`; componentize-py 0.25 cannot build components using `map`.")
        if "fixed" in kinds:
            notes.append(
                "`list<T, N>` is a `list` of exactly N items; componentize-py 0.25 cannot build "
                "components using fixed-length lists."
            )
        if "stream" in kinds:
            notes.append(
                "`stream`/`future` values are componentize-py's readers and writers "
                "(`componentize_py_async_support`); the native harness passes them through unchanged."
            )
        return notes

    # --- modules -------------------------------------------------------------------------

    def _resource_decls(
        self, tv: GuestTypes, iface: ir.Interface, decls: list[TypeDeclView], owner_prefix: str
    ) -> list[FuncView]:
        """Attach resource functions to their declarations; return the freestanding functions."""
        by_resource = {
            self.resolve.resolve_alias(id): d for id, d in zip(iface.types.values(), decls, strict=True) if d
        }
        functions = []
        for f in iface.functions.values():
            if f.resource is None:
                functions.append(self.func_view(tv, f, owner_prefix))
                continue
            decl = by_resource[self.resolve.resolve_alias(f.resource)]
            attach(decl, self.func_view(tv, f, decl.name))
        return functions

    def interface_module(self, slot: Slot) -> InterfaceModuleView:
        iface = self.resolve.interfaces[slot.iface]
        module = slot.module
        tv = GuestTypes(self, module)
        view = InterfaceModuleView(
            module=module,
            short=slot.module_name,
            file="wit_world/" + module.replace(".", "/") + ".py",
            link_name=self.resolve.key_name(slot.key),
            docs=iface.docs,
            imported=slot.imported,
            protocol=camel(slot.module_name.replace("_", "-")),
            alias=self.alias_of(slot),
        )
        decls = [self.type_decl(tv, id) for id in iface.types.values()]
        view.types = [d for d in decls if d is not None]
        view.functions = self._resource_decls(tv, iface, list(decls), slot.module_name)  # type: ignore[arg-type]
        view.module_imports = dict(sorted(tv.used_modules.items()))
        if not slot.imported:
            # The exports Protocol (in exports/__init__.py) spells the same functions from its module.
            ptv = GuestTypes(self, "exports")
            view.protocol_functions = [
                self.func_view(ptv, f, slot.module_name)
                for f in iface.functions.values()
                if f.resource is None
            ]
            self.exports_init_imports.update(ptv.used_modules)
        # The harness (testing.py): exports' call sites, or the Protocols imports' mocks satisfy.
        htv = GuestTypes(self, "testing", harness=True, import_side=slot.imported)
        hdecls = [self.type_decl(htv, id) for id in iface.types.values()]
        view.harness_functions = self._resource_decls(htv, iface, list(hdecls), slot.module_name)  # type: ignore[arg-type]
        if slot.imported:
            view.harness_resources = [
                d
                for d in hdecls
                if d is not None and d.kind == "import-resource" and (d.constructor or d.statics)
            ]
        else:
            view.harness_resources = [d for d in hdecls if d is not None and d.kind == "export-resource"]
        self.testing_imports.update(htv.used_modules)
        return view

    def app_view(self, app_module: str) -> AppView:
        """The skeleton app: every export with its signature, `raise NotImplementedError`."""
        tv = GuestTypes(self, "app")
        view = AppView(app_module)
        for slot in self.export_slots:
            iface = self.resolve.interfaces[slot.iface]
            funcs = [
                self.func_view(tv, f, slot.module_name)
                for f in iface.functions.values()
                if f.resource is None
            ]
            protocol = camel(slot.module_name.replace("_", "-"))
            view.interfaces.append((protocol, funcs))
            decls = [self.type_decl(tv, id) for id in iface.types.values()]
            self._resource_decls(tv, iface, list(decls), slot.module_name)  # type: ignore[arg-type]
            resources = [d for d in decls if d is not None and d.kind == "export-resource"]
            if resources:
                alias = self.alias_of(slot)
                tv.used_modules[alias] = slot.module
                view.resource_modules.append((slot.module_name, alias, resources))
        view.world_funcs = [self.func_view(tv, f, "") for f in self.world_functions(False)]
        view.module_imports = dict(sorted((a, m) for a, m in tv.used_modules.items() if a != "_world"))
        view.uses_world = "_world" in tv.used_modules
        view.async_support = self.async_support
        return view

    def build(self) -> WorldView:
        self.exports_init_imports: dict[str, str] = {}
        self.testing_imports: dict[str, str] = {}
        imports = [self.interface_module(s) for s in self.import_slots]
        # componentize-py writes no module for an imported interface with nothing in it (only
        # aliases, which are inlined); neither do the stubs, so apps cannot import one.
        imports = [m for m in imports if m.types or m.functions]
        exports = [self.interface_module(s) for s in self.export_slots]
        tv = GuestTypes(self, "")
        types = []
        for id in self.world_types():
            decl = self.type_decl(tv, id)
            if decl is not None:
                types.append(decl)
        printer = WitPrinter(self.resolve)
        channels = [
            ChannelView(name, printer.type_name(ty), future, name == "byte_stream", tv.annotation(payload))
            for name, ty, future, payload in ChannelFinder(self).find()
        ]
        import_funcs = [self.func_view(tv, f, "") for f in self.world_functions(True)]
        export_funcs = [self.func_view(tv, f, "") for f in self.world_functions(False)]
        htv = GuestTypes(self, "testing", harness=True)
        harness_export_funcs = [self.func_view(htv, f, "") for f in self.world_functions(False)]
        self.testing_imports.update(htv.used_modules)
        for m in imports + exports:
            self.testing_imports[m.alias] = m.module
        self.testing_imports.pop("_world", None)
        world_imports = {a: m for a, m in tv.used_modules.items() if a != "_world"}
        return WorldView(
            world_name=self.world.name,
            class_name=camel(self.world.name),
            imports_class=camel(self.world.name) + "Imports",
            docs=self.world.docs,
            types=types,
            import_modules=imports,
            export_modules=exports,
            import_funcs=import_funcs,
            export_funcs=export_funcs,
            harness_export_funcs=harness_export_funcs,
            module_imports=dict(sorted(world_imports.items())),
            exports_init_imports=dict(sorted(self.exports_init_imports.items())),
            testing_imports=dict(sorted(self.testing_imports.items())),
            async_support=self.async_support,
            uses_builtins=bool(self.shadowed),
            testing_world_names=sorted(self.testing_world_names),
            channels=channels,
        )
