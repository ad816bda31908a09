"""The host generator's view of a world: plain data the templates render, one object per module.

Everything that needs thought (names, annotations, codecs, which interfaces the host must
implement) is decided here, so the templates only lay text out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from witgen import RUNTIME_API, __version__, runtime_requirement
from witgen.gen_host.cabi.functions import export_factory, import_factory, unsupported_by_cabi
from witgen.gen_host.cabi.values import ValueCode
from witgen.pyview.layout import Slot, WorldLayout, is_wasi
from witgen.pyview.names import camel, shouty, snake
from witgen.pyview.resource_funcs import attach
from witgen.pyview.types import Home, TypeView
from witgen.resolve import ir

# ---- where generated code lives -------------------------------------------------------------

WIRING = "_wiring"
"""Private modules holding what both engines use: the codecs, import links and call-site tables."""
CABI = "_cabi"
"""Private modules holding the cabi engine's generated call sites, loaded by that engine only."""


def private_module(kind: str, module: str) -> str:
    """The `kind` (`WIRING`, `CABI`) module of a public one: `_wiring.imports.types` for
    `imports.types`; the world's (the package itself, "") is `_wiring.world`."""
    return f"{kind}.{module or 'world'}"


def relative_import(module: str, alias: str, dots: str, package: str) -> str:
    """The import statement of `module` (dotted, relative to the package; "" is the package)."""
    if not module:
        return f"import {package} as {alias}"
    parent, _, leaf = module.rpartition(".")
    return f"from {dots}{parent} import {leaf} as {alias}"


@dataclass
class ModuleTypes:
    """How one public module's types are spelled in it and in its two private modules."""

    api: TypeView
    """The public module: annotations (its own classes by their names)."""
    wiring: TypeView
    """Its `_wiring` module: codecs (other modules' codecs through their `_wiring` modules)."""
    cabi: TypeView
    """Its `_cabi` module: every class through the public module defining it."""


# ---- view data ----------------------------------------------------------------------------


@dataclass
class FieldView:
    name: str
    wit_name: str
    annotation: str
    codec: str
    docs: str | None


@dataclass
class CaseView:
    class_name: str
    wit_name: str
    annotation: str | None
    codec: str | None
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
    codec: str


@dataclass
class FuncView:
    name: str
    """The Python name (method name for resource functions)."""
    wit_name: str
    """The component-level name, e.g. `[method]blob.size`."""
    qualname: str
    kind: str
    params: list[ParamView]
    returns: str
    result_codec: str
    raises: bool
    err_annotation: str | None
    docs: str | None
    cabi: str = "None"
    """The function's cabi-engine factory as the wiring module names it (`_cabi.export_f`: see
    `witgen.runtime.cabicode`), or "None"."""
    cabi_source: str = ""
    """The factory's definition, for the `_cabi` module (see `witgen/gen_host/cabi/`)."""
    params_ref: str = ""
    result_ref: str = ""
    """Module constants holding an import's codecs, made once rather than on every link
    ("": written inline; see `CodecConstant`)."""

    @property
    def param_codecs(self) -> str:
        return "[" + ", ".join(f'("{p.name}", {p.codec})' for p in self.params) + "]"

    @property
    def params_arg(self) -> str:
        return self.params_ref or self.param_codecs

    @property
    def result_arg(self) -> str:
        return self.result_ref or self.result_codec

    @property
    def signature(self) -> str:
        return ", ".join(f"{p.name}: {p.annotation}" for p in self.params)

    @property
    def args(self) -> str:
        return ", ".join(p.name for p in self.params)

    @property
    def arg_types(self) -> str:
        return ", ".join(p.annotation for p in self.params)


@dataclass
class CodecConstant:
    """A module constant holding an imported function's parameter or result codecs: codecs
    hold no per-instance state, and a componentize-py component links ~120 imports on every
    instantiation (building their codecs each time was ~a tenth of it)."""

    name: str
    annotation: str
    value: str


def hoist_codecs(funcs: list[FuncView]) -> list[CodecConstant]:
    """Move the imports' codecs that would be built on every link into module constants."""
    constants = []
    for f in funcs:
        base = f.qualname.replace(".", "_") + ("_new" if f.kind == "constructor" else "")
        if f.params:
            f.params_ref = f"_params_{base}"
            constants.append(CodecConstant(f.params_ref, "list[tuple[str, _rt.Codec]]", f.param_codecs))
        if "(" in f.result_codec:  # a codec built here, not a constant of a named type
            f.result_ref = f"_result_{base}"
            constants.append(CodecConstant(f.result_ref, "_rt.Codec", f.result_codec))
    return constants


@dataclass
class TypeDeclView:
    kind: str
    """record | variant | enum | flags | alias | guest-resource | host-resource"""
    name: str
    wit_name: str
    codec_name: str
    codec: str = ""
    docs: str | None = None
    annotation: str = ""
    fields: list[FieldView] = field(default_factory=list)
    cases: list[CaseView] = field(default_factory=list)
    members: list[MemberView] = field(default_factory=list)
    constructor: FuncView | None = None
    methods: list[FuncView] = field(default_factory=list)
    statics: list[FuncView] = field(default_factory=list)
    key: str = ""


class HasResources:
    """The resources among an interface module's or the world's own `types`, and what its
    private modules hold."""

    types: list[TypeDeclView]
    cabi_sources: list[str]
    codec_constants: list[CodecConstant]

    @property
    def guest_resources(self) -> list[TypeDeclView]:
        """Resources the component exports (in a world, at its top level: see
        `from_component.decode`)."""
        return [t for t in self.types if t.kind == "guest-resource"]

    @property
    def host_resources(self) -> list[TypeDeclView]:
        """Resources the host supplies as classes (the world's own: through `<World>Imports`)."""
        return [t for t in self.types if t.kind == "host-resource"]

    @property
    def coded_types(self) -> list[TypeDeclView]:
        """The types with a codec (resources have none: their handles' codecs are made where used)."""
        return [t for t in self.types if t.kind in ("record", "variant", "enum", "flags", "alias")]

    @property
    def links(self) -> bool:
        """Whether the `_wiring` module has a `link` (defining the host's implementations)."""
        raise NotImplementedError

    @property
    def binds(self) -> bool:
        """Whether the `_wiring` module has a `bind` (the call sites of exported functions)."""
        raise NotImplementedError

    @property
    def has_wiring(self) -> bool:
        return bool(self.coded_types or self.links or self.binds)


@dataclass
class InterfaceModuleView(HasResources):
    """`imports/<x>.py` or `exports/<x>.py`."""

    module: str
    file: str
    link_name: str
    docs: str | None
    imported: bool
    host_implemented: bool
    """Imports the host implements in Python: all of them (WASI too, for the cabi engine)."""
    class_name: str
    types: list[TypeDeclView] = field(default_factory=list)
    functions: list[FuncView] = field(default_factory=list)
    module_imports: list[str] = field(default_factory=list)
    """The public module's import statements of other generated modules."""
    wiring_imports: list[str] = field(default_factory=list)
    cabi_imports: list[str] = field(default_factory=list)
    package: str = ""
    alias: str = ""
    """The name other generated modules import this module as."""
    cabi_sources: list[str] = field(default_factory=list)
    """The cabi-engine factories of the module's functions, in order."""
    codec_constants: list[CodecConstant] = field(default_factory=list)
    wasi: bool = False
    """A WASI interface: its field in `<World>Imports` is optional (Python WASI on either
    engine; on wasmtime's engine `wasi=` may link wasmtime's own instead)."""
    attr: str = ""
    """Its attribute on the world class (exports; `_avoid_clashes` keeps it off the class's own
    members: an interface named `store` is `world.store_`)."""

    @property
    def needs_host(self) -> bool:
        return bool(self.functions or self.host_resources)

    @property
    def links(self) -> bool:
        return self.imported and self.host_implemented and self.needs_host

    @property
    def binds(self) -> bool:
        return not self.imported and bool(self.functions or self.guest_resources)

    @property
    def wiring_module(self) -> str:
        return private_module(WIRING, self.module)

    @property
    def cabi_module(self) -> str:
        return private_module(CABI, self.module)


@dataclass
class ImportFieldView:
    name: str
    annotation: str
    docs: str | None
    default: str = ""
    """` = None` for optional fields (which come after the required ones)."""


@dataclass(frozen=True)
class RuntimeNeed:
    """What a generated package needs of the installed witgen-runtime: the runtime API this
    generator writes for, the generator's version, and the pip requirement for both."""

    api: int = RUNTIME_API
    generator: str = __version__
    requirement: str = runtime_requirement()


@dataclass
class WorldView(HasResources):
    package: str
    class_name: str
    imports_class: str
    world_name: str
    docs: str | None
    types: list[TypeDeclView]
    import_modules: list[InterfaceModuleView]
    export_modules: list[InterfaceModuleView]
    import_funcs: list[FuncView]
    export_funcs: list[FuncView]
    module_imports: list[str]
    wasi_http: bool
    imports_required: bool
    abi: str = "wasmtime"
    """The engine the world class uses unless told otherwise at load time."""
    cabi_sources: list[str] = field(default_factory=list)
    codec_constants: list[CodecConstant] = field(default_factory=list)
    wiring_imports: list[str] = field(default_factory=list)
    cabi_imports: list[str] = field(default_factory=list)
    bundled: str | None = None
    """A component file shipped in the package (an SDK's): `load()` runs it."""

    @property
    def runtime(self) -> RuntimeNeed:
        """The runtime the generated package checks for at import."""
        return RuntimeNeed()

    @property
    def wiring_module(self) -> str:
        return private_module(WIRING, "")

    @property
    def cabi_module(self) -> str:
        return private_module(CABI, "")

    @property
    def links(self) -> bool:
        return bool(self.import_fields)

    @property
    def binds(self) -> bool:
        return bool(self.export_funcs or self.guest_resources)

    @property
    def has_wiring(self) -> bool:
        """The world's own types' codecs serve only its own functions (no interface uses them)."""
        return self.links or self.binds

    @property
    def host_modules(self) -> list[InterfaceModuleView]:
        """Imported interfaces the host must implement (always linked)."""
        return [m for m in self.import_modules if m.host_implemented and m.needs_host and not m.wasi]

    @property
    def wasi_modules(self) -> list[InterfaceModuleView]:
        """Imported WASI interfaces: linked from the imports when given (optional fields)."""
        return [m for m in self.import_modules if m.host_implemented and m.needs_host and m.wasi]

    @property
    def import_fields(self) -> list[ImportFieldView]:
        out = [
            ImportFieldView(m.module.rsplit(".", 1)[1], f"{m.alias}.{m.class_name}", m.docs)
            for m in self.host_modules
        ]
        out += [
            ImportFieldView(
                t.name, f"{t.name}Class", f"The host's class implementing resource `{t.wit_name}`."
            )
            for t in self.host_resources
        ]
        out += [
            ImportFieldView(f.name, f"Callable[[{f.arg_types}], {f.returns}]", f.docs)
            for f in self.import_funcs
        ]
        out += [
            ImportFieldView(
                m.module.rsplit(".", 1)[1],
                f"{m.alias}.{m.class_name} | None",
                f"`{m.link_name}` in Python (optional: on wasmtime's engine, `wasi=` links wasmtime's own instead).",
                " = None",
            )
            for m in self.wasi_modules
        ]
        return out


# ---- building -----------------------------------------------------------------------------


_WORLD_CLASS_NAMES = {"store", "from_file", "from_bytes"}

_ANNOTATION_BUILTINS = {"int", "float", "str", "bool", "bytes", "tuple", "list", "dict"}
"""Builtins the generated annotations name: a class member spelled like one would shadow it in
the rest of the class body (mypy: "Function ... is not valid as a type")."""

_METHOD_LOCALS = {"self", "cls", "result"}
"""Names the generated methods use themselves: a parameter spelled like one gets a `_`."""


def _param_name(wit_name: str) -> str:
    name = snake(wit_name)
    return name + "_" if name in _METHOD_LOCALS else name


def _avoid_clashes(view: WorldView) -> None:
    """World-level functions share namespaces with interface fields/attributes and the world
    class's own members; a clashing function gets a trailing `_`."""
    host_fields = {m.module.rsplit(".", 1)[1] for m in view.host_modules + view.wasi_modules}
    host_fields |= _ANNOTATION_BUILTINS
    for f in view.import_funcs:
        while f.name in host_fields:
            f.name += "_"
    for m in view.export_modules:
        m.attr = m.module.rsplit(".", 1)[1]
        while m.attr in _WORLD_CLASS_NAMES:
            m.attr += "_"
    members = _WORLD_CLASS_NAMES | _ANNOTATION_BUILTINS | {m.attr for m in view.export_modules}
    for f in view.export_funcs:
        while f.name in members:
            f.name += "_"


class HostModelBuilder(WorldLayout):
    """Builds the `WorldView` of one world."""

    def __init__(self, resolve: ir.Resolve, world: ir.WorldId, package: str) -> None:
        super().__init__(resolve, world, unique_module_names=True)
        self.world_id = world
        self.package = package

    # --- where things live ---------------------------------------------------------------

    def home_from(self, id: ir.TypeId, exporting: ir.InterfaceId | None = None) -> Home:
        """Where type `id` is defined, seen from the exported interface `exporting` (if any).

        An interface the world both imports and exports has two sets of types: its exports
        module uses its own, everything else uses the imported ones.
        """
        owner = self.resolve.types[id].owner
        own = isinstance(owner, ir.InterfaceOwner) and owner.id == exporting
        return self.home_of(id, prefer_import=not own)

    def view_for(self, module: str, exporting: ir.InterfaceId | None = None) -> ModuleTypes:
        def home(id: ir.TypeId) -> Home:
            return self.home_from(id, exporting)

        def wiring_home(id: ir.TypeId) -> Home:
            found = home(id)
            return replace(found, module=private_module(WIRING, found.module))

        return ModuleTypes(
            api=TypeView(self.resolve, home, module),
            wiring=TypeView(self.resolve, wiring_home, private_module(WIRING, module)),
            cabi=TypeView(self.resolve, home, private_module(CABI, module)),
        )

    def imports_of(self, used: dict[str, str], dots: str) -> list[str]:
        """Import statements of the generated modules in `used` (alias -> module)."""
        return [relative_import(module, alias, dots, self.package) for alias, module in sorted(used.items())]

    # --- types ---------------------------------------------------------------------------

    def type_decl(self, mt: ModuleTypes, id: ir.TypeId) -> TypeDeclView:
        tv = mt.api
        td = self.resolve.types[id]
        assert td.name is not None
        kind = td.kind
        decl = TypeDeclView("alias", tv.class_name(id), td.name, tv.codec_name(id), docs=td.docs)
        if isinstance(kind, ir.Record):
            decl.kind = "record"
            decl.fields = [
                FieldView(snake(f.name), f.name, tv.annotation(f.ty), mt.wiring.codec(f.ty), f.docs)
                for f in kind.fields
            ]
        elif isinstance(kind, ir.Variant):
            decl.kind = "variant"
            decl.cases = [
                CaseView(
                    f"{decl.name}_{camel(c.name)}",
                    c.name,
                    None if c.ty is None else tv.annotation(c.ty),
                    None if c.ty is None else mt.wiring.codec(c.ty),
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
            imported = tv.home_of(id).imported
            decl.kind = "host-resource" if imported else "guest-resource"
            decl.key = tv.resource_key(id)
        elif isinstance(kind, ir.Alias) and self._is_resource(kind.ty):
            decl.kind = "resource-alias"
            decl.annotation = tv.annotation(kind.ty)
        else:
            decl.annotation = tv.annotation(kind.ty) if isinstance(kind, ir.Alias) else tv.structure(id)
            decl.codec = mt.wiring.anonymous_codec(id)
        return decl

    def _is_resource(self, ty: ir.Type) -> bool:
        resolved = self.resolve.resolve_alias(ty)
        return not isinstance(resolved, ir.Prim) and isinstance(
            self.resolve.types[resolved].kind, ir.Resource
        )

    # --- functions -----------------------------------------------------------------------

    def func_view(
        self,
        mt: ModuleTypes,
        f: ir.Function,
        owner: str,
        imported: bool,
        cabi: ValueCode | None = None,
        cabi_host: bool = False,
    ) -> FuncView:
        tv, codecs = mt.api, mt.wiring
        params = f.params
        if f.kind in ("method", "async-method"):
            params = params[1:]
        views = [
            ParamView(_param_name(p.name), p.name, tv.annotation(p.ty, input=True), codecs.codec(p.ty))
            for p in params
        ]
        if f.kind in ("method", "async-method"):
            assert f.resource is not None
            self_codec = codecs.handle_codec(f.resource, own=False)
            views.insert(0, ParamView("self", "self", "", self_codec))
        result = tv.result_type(f.result)
        raises = result is not None
        if f.kind == "constructor":
            assert f.resource is not None
            returns = "None"
            codec = codecs.handle_codec(f.resource, own=True, raw=not imported)
        elif result is not None:
            returns = tv.annotation(result.ok)
            codec = codecs.codec(f.result)
        else:
            returns = tv.annotation(f.result)
            codec = codecs.codec(f.result)
        name = snake(f.item_name) if f.resource is not None else snake(f.name)
        qualname = f"{owner}.{name}" if owner else name
        if f.kind == "constructor":
            qualname = f"{owner}"
        view = FuncView(
            name=name,
            wit_name=f.name,
            qualname=qualname,
            kind=f.kind.removeprefix("async-"),
            params=views,
            returns=returns,
            result_codec=codec,
            raises=raises,
            err_annotation=tv.annotation(result.err) if result is not None else None,
            docs=f.docs,
        )
        if cabi is not None and (not imported or cabi_host) and not unsupported_by_cabi(self.resolve, f):
            factory_name = ("import_" if imported else "export_") + qualname.replace(".", "_")
            if f.kind == "constructor":
                factory_name += "_new"
            make = import_factory if imported else export_factory
            view.cabi = f"_cabi.{factory_name}"
            view.cabi_source = make(cabi, f, factory_name, "_" + name)
        return view

    # --- modules -------------------------------------------------------------------------

    def interface_module(self, slot: Slot) -> InterfaceModuleView:
        iface = self.resolve.interfaces[slot.iface]
        module = slot.module
        mt = self.view_for(module, None if slot.imported else slot.iface)
        imported = slot.imported
        view = InterfaceModuleView(
            module=module,
            file=module.replace(".", "/") + ".py",
            link_name=self.resolve.key_name(slot.key),
            docs=iface.docs,
            imported=imported,
            host_implemented=imported,
            wasi=imported and is_wasi(self.resolve, slot.iface),
            class_name="Host" if imported else camel(slot.module_name.replace("_", "-")),
            package=self.package,
            alias=self.alias_of(slot),
        )
        by_resource: dict[ir.TypeId, TypeDeclView] = {}
        for id in iface.types.values():
            decl = self.type_decl(mt, id)
            view.types.append(decl)
            by_resource[id] = decl
        names = {t.name for t in view.types}
        if view.class_name in names:
            view.class_name += "Interface"
        cabi = self.value_code(mt)
        for f in iface.functions.values():
            owner = slot.module_name if f.resource is None else mt.api.class_name(f.resource)
            fv = self.func_view(mt, f, owner, imported, cabi, view.host_implemented)
            if fv.cabi_source:
                view.cabi_sources.append(fv.cabi_source)
            if f.resource is None:
                view.functions.append(fv)
                continue
            attach(by_resource[f.resource], fv)
        if imported:
            linked = [f for t in view.host_resources for f in (t.constructor, *t.methods, *t.statics) if f]
            view.codec_constants = hoist_codecs(linked + view.functions)
        view.module_imports = self.imports_of(mt.api.used_modules, "..")
        view.wiring_imports = self.imports_of({"_api": module, **mt.wiring.used_modules}, "...")
        view.cabi_imports = self.imports_of(mt.cabi.used_modules, "...")
        return view

    def world_funcs(
        self, mt: ModuleTypes, types: list[TypeDeclView], imported: bool
    ) -> tuple[list[FuncView], list[FuncView]]:
        """The world's own imported or exported functions: free ones, and those of its own
        resources (attached to their declaration in `types`, as an interface module does)."""
        decls = {id: decl for id, decl in zip(self.world_types(), types, strict=True)}
        kind = "host-resource" if imported else "guest-resource"
        free: list[FuncView] = []
        of_resources: list[FuncView] = []
        for f in self.world_functions(imported):
            decl = decls.get(f.resource) if f.resource is not None else None
            if decl is None or decl.kind != kind:
                free.append(self.world_function(mt, f, imported))
                continue
            fv = self.func_view(mt, f, decl.name, imported, self.value_code(mt), True)
            of_resources.append(fv)
            attach(decl, fv)
        return free, of_resources

    def world_function(self, mt: ModuleTypes, f: ir.Function, imported: bool) -> FuncView:
        return self.func_view(mt, f, "", imported, self.value_code(mt), True)

    def value_code(self, mt: ModuleTypes) -> ValueCode:
        """The cabi code writer for one module (resources the host implements are imported)."""
        return ValueCode(self.resolve, mt.cabi, lambda id: not mt.api.resource_imported(id))

    def build(self) -> WorldView:
        imports = [self.interface_module(s) for s in self.import_slots]
        exports = [self.interface_module(s) for s in self.export_slots]
        mt = self.view_for("")
        types = [self.type_decl(mt, id) for id in self.world_types()]
        import_funcs, resource_funcs = self.world_funcs(mt, types, True)
        export_funcs, exported_resource_funcs = self.world_funcs(mt, types, False)
        wasi_http = any(
            is_wasi(self.resolve, s.iface) and self.resolve.key_name(s.key).startswith("wasi:http/")
            for s in self.import_slots
        )
        view = WorldView(
            package=self.package,
            class_name=camel(self.world.name),
            imports_class=camel(self.world.name) + "Imports",
            world_name=self.world.name,
            docs=self.world.docs,
            types=types,
            import_modules=imports,
            export_modules=exports,
            import_funcs=import_funcs,
            export_funcs=export_funcs,
            module_imports=[],
            wasi_http=wasi_http,
            imports_required=False,
        )
        _avoid_clashes(view)
        linked = resource_funcs + import_funcs
        called = linked + export_funcs + exported_resource_funcs
        view.cabi_sources = [f.cabi_source for f in called if f.cabi_source]
        view.codec_constants = hoist_codecs(linked)
        view.imports_required = any(not f.default for f in view.import_fields)
        modules = dict(mt.api.used_modules)
        for m in imports + exports:
            modules[m.alias] = m.module
        view.module_imports = self.imports_of(modules, ".")
        wiring = {"_api": "", **mt.wiring.used_modules}
        for m in view.host_modules + view.wasi_modules:
            wiring[m.alias] = m.wiring_module
        view.wiring_imports = self.imports_of(wiring, "..")
        view.cabi_imports = self.imports_of(mt.cabi.used_modules, "..")
        return view
