"""Resolve one package's AST into the global ``Resolve``.

Packages are resolved in dependency order, so every reference to another
package points at something already in the ``Resolve``. Ordering of
interfaces, worlds and types follows the reference implementation so that
printed WIT re-parses into the same structure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar, Union

from witgen.errors import GateError, NotFound, ResolveError, Span, WitError
from witgen.parser import ast
from witgen.resolve import ir
from witgen.resolve.loader import PackageSource
from witgen.resolve.own_handles import order_own_handles
from witgen.resolve.semver import compatible_package, parse_version
from witgen.resolve.toposort import toposort
from witgen.suggest import closest, did_you_mean

PRIMS = {p.value: p for p in ir.Prim}
MAP_KEYS = {
    ir.Prim.BOOL,
    ir.Prim.U8,
    ir.Prim.U16,
    ir.Prim.U32,
    ir.Prim.U64,
    ir.Prim.S8,
    ir.Prim.S16,
    ir.Prim.S32,
    ir.Prim.S64,
    ir.Prim.CHAR,
    ir.Prim.STRING,
}

T = TypeVar("T")
MAP_KEY_MESSAGE = (
    "invalid map key type: map keys must be bool, u8, u16, u32, u64, s8, s16, s32, s64, char, or string"
)
GATE_MESSAGE = "found a reference to a {} which is excluded due to its feature not being activated"


@dataclass(frozen=True)
class ItemRef:
    """A name at the top of a package: an interface or world (None if gated off)."""

    kind: Literal["interface", "world"]
    id: int | None
    """An ``InterfaceId`` or ``WorldId`` as ``kind`` says."""
    name: str


@dataclass(eq=False)
class ForeignItem:
    """An interface or world of another package, named by one or more paths.

    ``sites`` holds the attributes of each path naming it: like the reference, an item
    that is missing from its package is skipped when every path to it is gated off.
    """

    kind: Literal["interface", "world"]
    name: ast.Id
    package: ast.PackageName
    sites: list[list[ast.Attribute]] = field(default_factory=list)
    ref: ItemRef | None = None
    error: WitError | None = None


FUNCTION = "function"
GATED = "gated"
LookupEntry = Union[ir.TypeId, str]
"""A name in an interface or world scope: a type id, FUNCTION or GATED."""


class PackageResolver:
    """Resolves the ``PackageSource`` of one package into ``resolve``."""

    def __init__(
        self,
        resolve: ir.Resolve,
        source: PackageSource,
        lookups: dict[ir.InterfaceId, dict[str, LookupEntry]],
    ) -> None:
        assert source.name is not None
        self.resolve = resolve
        self.source = source
        name = source.name
        self.pkg_name = ir.PackageName(name.namespace.name, name.name.name, name.version)
        self.pkg_version = parse_version(name.version) if name.version else None
        self.package = ir.Package(self.pkg_name)
        self.pkg_id = ir.PackageId(-1)
        self.foreign: dict[tuple[str, str, str | None], dict[str, ForeignItem]] = {}
        self.file_items: list[dict[str, ItemRef | ForeignItem]] = []
        self.package_items: dict[str, ItemRef] = {}
        self.lookups = lookups
        self.anon: dict[tuple[object, ...], ir.TypeId] = {}
        self.scope: dict[str, LookupEntry] = {}
        self.scope_spans: dict[str, Span] = {}
        self.cur_file = 0
        self.gate_span: Span | None = None
        self.gated_lookups: dict[str, dict[str, LookupEntry]] = {}
        self.pending_gate: GateError | None = None
        self.known_packages: list[ir.PackageName] = []
        """Every package being loaded, for "did you mean" when a dependency is missing."""
        self.suppressed = False
        self.collect_foreign(source.decls)

    # ---- driver ------------------------------------------------------------------

    def run(self) -> ir.PackageId:
        docs = [h.docs for h in self.source.headers if h.docs]
        if self.source.nested_docs:
            docs.append(self.source.nested_docs)
        self.package.docs = self.docs(docs[0]) if docs else None
        decls = self.source.decls
        self.pkg_id = ir.PackageId(len(self.resolve.packages))
        first = (len(self.resolve.types), len(self.resolve.interfaces), len(self.resolve.worlds))
        iface_order, world_order = self.populate_items(decls)
        self.resolve.add_package(self.package)
        self.resolve.package_names[self.pkg_name] = self.pkg_id
        self.link_foreign()
        ifaces = {}
        worlds = {}
        for i, (_, items) in enumerate(decls):
            for item in items:
                if isinstance(item, ast.Interface):
                    ifaces[item.name.name] = (item, i)
                elif isinstance(item, ast.World):
                    worlds[item.name.name] = (item, i)
        for name in iface_order:
            iface, i = ifaces[name]
            self.cur_file = i
            self.resolve_named_interface(iface)
        for name in world_order:
            world, i = worlds[name]
            self.cur_file = i
            self.resolve_world(world)
        self.raise_foreign_errors()
        self.place_own_handles(*first)
        return self.pkg_id

    def place_own_handles(self, first_type: int, first_interface: int, first_world: int) -> None:
        """Give this package's ``own<T>`` handles the reference's ids (see ``own_handles``)."""
        owns = {type_id for key, type_id in self.anon.items() if key[:2] == ("handle", "own")}
        interfaces = [ir.InterfaceId(i) for i in range(first_interface, len(self.resolve.interfaces))]
        worlds = [ir.WorldId(i) for i in range(first_world, len(self.resolve.worlds))]
        moved = order_own_handles(self.resolve, first_type, interfaces, worlds, owns)
        if not moved:
            return
        self.anon = {key: moved.get(type_id, type_id) for key, type_id in self.anon.items()}
        for iface_id in interfaces:
            lookup = self.lookups.get(iface_id, {})
            for name, entry in lookup.items():
                if isinstance(entry, int):
                    lookup[name] = moved.get(entry, entry)

    def raise_pending_gate(self) -> None:
        error, self.pending_gate = self.pending_gate, None
        if error is not None:
            raise error

    def raise_foreign_errors(self) -> None:
        """Report a missing package or item of another package; the reference does so after
        checking names but before applying gates."""
        for entries in self.foreign.values():
            for entry in entries.values():
                if entry.error is not None:
                    raise entry.error

    # ---- foreign dependencies --------------------------------------------------------

    def for_each_path(
        self, items: list[ast.FileItem]
    ) -> list[
        tuple[ast.Id | None, list[ast.Attribute], ast.UsePath, Literal["interface", "world", "unknown"]]
    ]:
        """Every path in the declarations, in the reference's visiting order."""
        out: list[
            tuple[ast.Id | None, list[ast.Attribute], ast.UsePath, Literal["interface", "world", "unknown"]]
        ] = []
        for item in items:
            if isinstance(item, ast.World):
                imports: list[ast.Import | ast.Export] = []
                exports: list[ast.Import | ast.Export] = []
                for w in item.items:
                    if isinstance(w, ast.Use):
                        out.append((None, w.attrs, w.path, "interface"))
                    elif isinstance(w, ast.Include):
                        out.append((item.name, w.attrs, w.path, "world"))
                    elif isinstance(w, ast.Import):
                        imports.append(w)
                    elif isinstance(w, ast.Export):
                        exports.append(w)
                for ext in imports + exports:
                    kind = ext.kind
                    if isinstance(kind, ast.ExternInterface):
                        for i in kind.items:
                            if isinstance(i, ast.Use):
                                out.append((None, i.attrs, i.path, "interface"))
                    elif isinstance(kind, (ast.ExternPath, ast.ExternNamedPath)):
                        out.append((None, ext.attrs, kind.path, "interface"))
            elif isinstance(item, ast.Interface):
                for i in item.items:
                    if isinstance(i, ast.Use):
                        out.append((item.name, i.attrs, i.path, "interface"))
            elif isinstance(item, ast.ToplevelUse):
                out.append((None, item.attrs, item.path, "unknown"))
        return out

    def collect_foreign(self, decls: Sequence[tuple[object, list[ast.FileItem]]]) -> None:
        for _, items in decls:
            for _, attrs, path, kind in self.for_each_path(items):
                if not isinstance(path, ast.PackagePath):
                    continue
                entries = self.foreign.setdefault(path.package.key(), {})
                if path.item.name not in entries:
                    entries[path.item.name] = ForeignItem(
                        "world" if kind == "world" else "interface", path.item, path.package
                    )
                entries[path.item.name].sites.append(attrs)

    def foreign_packages(self) -> list[tuple[tuple[str, str, str | None], Span]]:
        """The packages this one depends on, each with the first place it is named."""
        return [(key, next(iter(items.values())).package.span) for key, items in self.foreign.items()]

    def link_foreign(self) -> None:
        """Look up every foreign item; failures are kept and raised when used."""
        resolve = self.resolve
        for key, entries in self.foreign.items():
            first = next(iter(entries.values()))
            pkg_id = compatible_package(resolve, ir.PackageName(*key))
            if pkg_id is None:
                known = "\n".join(f"    {n}" for n in sorted(str(p.name) for p in resolve.packages))
                err = NotFound(
                    f"package '{first.package}' not found. known packages:\n{known}",
                    first.package.span,
                    help=package_hint(self.known_packages, ir.PackageName(*key)),
                )
                for entry in entries.values():
                    entry.error = err
                continue
            pkg = resolve.packages[pkg_id]
            for entry in entries.values():
                table = pkg.interfaces if entry.kind == "interface" else pkg.worlds
                found = table.get(entry.name.name)
                if found is None and not any(
                    self.enabled(self.stability(attrs, entry.name.span)) for attrs in entry.sites
                ):
                    entry.ref = ItemRef(entry.kind, None, entry.name.name)
                elif found is None:
                    entry.error = NotFound(
                        f"{entry.kind} '{entry.name.name}' not found in package '{pkg.name}'",
                        entry.name.span,
                        help=did_you_mean(entry.name.name, table),
                    )
                else:
                    entry.ref = ItemRef(entry.kind, found, entry.name.name)

    # ---- package-level names ---------------------------------------------------------

    def populate_items(
        self, decls: Sequence[tuple[object, list[ast.FileItem]]]
    ) -> tuple[list[str], list[str]]:
        names: dict[str, ast.Interface | ast.World] = {}
        order: dict[str, list[tuple[str, Span]]] = {}
        for _, items in decls:
            for item in items:
                if isinstance(item, (ast.Interface, ast.World)):
                    if item.name.name in names:
                        raise ResolveError(f"duplicate item named `{item.name.name}`", item.name.span)
                    names[item.name.name] = item
                    order[item.name.name] = []
        for _, items in decls:
            file_ns: dict[str, tuple[Span, ast.Id | None]] = {}
            for item in items:
                if isinstance(item, ast.ToplevelUse):
                    local = item.local
                    src = item.path.id if isinstance(item.path, ast.LocalPath) else None
                elif isinstance(item, (ast.Interface, ast.World)):
                    local, src = item.name, item.name
                else:
                    continue
                if local.name in file_ns:
                    raise ResolveError(f"duplicate name `{local.name}` in this file", local.span)
                file_ns[local.name] = (local.span, src)
            for owner, _, path, _ in self.for_each_path(items):
                if owner is None or not isinstance(path, ast.LocalPath):
                    continue
                used = path.id
                if used.name in file_ns:
                    target = file_ns[used.name][1]
                    if target is None:
                        continue
                    order[owner.name].append((target.name, target.span))
                elif used.name in names:
                    order[owner.name].append((used.name, used.span))
                else:
                    raise NotFound(
                        f"interface or world `{used.name}` does not exist",
                        used.span,
                        help=did_you_mean(used.name, [*names, *file_ns]),
                    )
        sorted_names = toposort("interface or world", order)
        ids: dict[str, ItemRef] = {}
        iface_order: list[str] = []
        world_order: list[str] = []
        for name in sorted_names:
            item = names[name]
            if isinstance(item, ast.Interface):
                stability = self.stability(item.attrs, item.name.span)
                if self.enabled(stability):
                    iface_id = self.resolve.add_interface(
                        ir.Interface(name, self.pkg_id, span=item.name.span)
                    )
                    self.package.interfaces[name] = iface_id
                    ids[name] = ItemRef("interface", iface_id, name)
                else:
                    ids[name] = ItemRef("interface", None, name)
                iface_order.append(name)
            else:
                stability = self.stability(item.attrs, item.name.span)
                if self.enabled(stability):
                    world_id = self.resolve.add_world(ir.World(name, self.pkg_id, span=item.name.span))
                    self.package.worlds[name] = world_id
                    ids[name] = ItemRef("world", world_id, name)
                else:
                    ids[name] = ItemRef("world", None, name)
                world_order.append(name)
        for _, items in decls:
            file_items: dict[str, ItemRef | ForeignItem] = {}
            for item in items:
                if isinstance(item, ast.ToplevelUse):
                    if item.attrs:
                        raise ResolveError("attributes not allowed on top-level use", item.span)
                    use_target: ItemRef | ForeignItem | None
                    if isinstance(item.path, ast.LocalPath):
                        use_target = ids.get(item.path.id.name)
                        if use_target is None:
                            raise NotFound(
                                f"interface or world `{item.path.id.name}` does not exist",
                                item.path.id.span,
                                help=did_you_mean(item.path.id.name, ids),
                            )
                    else:
                        use_target = self.foreign[item.path.package.key()][item.path.item.name]
                    file_items[item.local.name] = use_target
                elif isinstance(item, (ast.Interface, ast.World)):
                    file_items[item.name.name] = ids[item.name.name]
                    self.package_items[item.name.name] = ids[item.name.name]
            self.file_items.append(file_items)
        return iface_order, world_order

    def check_gated_interface(self, iface: ast.Interface) -> None:
        """The reference rejects ungated types (and ``use``s) inside an interface that is gated off."""
        uses = [(i.attrs, i.names[0].name.span) for i in iface.items if isinstance(i, ast.Use) and i.names]
        defs = [(i.attrs, i.name.span) for i in iface.items if isinstance(i, ast.TypeDef)]
        for item_attrs, span in uses + defs:
            if self.stability(item_attrs, span).kind == "unknown":
                self.raise_foreign_errors()
                raise GateError(
                    GATE_MESSAGE.format("interface")
                    + "; this type is not gated by a feature but its interface is",
                    span,
                )

    # ---- paths -------------------------------------------------------------------------

    def lookup_path(self, path: ast.UsePath) -> ItemRef | ForeignItem:
        """What a path names: an item of this package, or a foreign one."""
        if isinstance(path, ast.PackagePath):
            return self.foreign[path.package.key()][path.item.name]
        ref = self.file_items[self.cur_file].get(path.id.name) or self.package_items.get(path.id.name)
        if ref is None:
            known = [*self.file_items[self.cur_file], *self.package_items]
            raise NotFound(
                f"interface or world `{path.id.name}` does not exist",
                path.id.span,
                help=did_you_mean(path.id.name, known),
            )
        return ref

    def foreign_ref(self, entry: ForeignItem) -> ItemRef:
        if entry.ref is None:
            assert entry.error is not None
            raise entry.error
        return entry.ref

    def target_of(self, path: ast.UsePath, kind: Literal["interface", "world"]) -> ItemRef | ForeignItem:
        """What a path names, checked to be of ``kind`` (done for gated paths too)."""
        target = self.lookup_path(path)
        if target.kind != kind:
            other = "an interface" if kind == "world" else "a world"
            raise ResolveError(
                f"name `{path.name.name}` is defined as {other}, not {kind_article(kind)}", path.name.span
            )
        return target

    def interface_for_path(self, path: ast.UsePath) -> ir.InterfaceId:
        target = self.target_of(path, "interface")
        ref = self.foreign_ref(target) if isinstance(target, ForeignItem) else target
        if ref.id is None:
            raise GateError(GATE_MESSAGE.format("interface"), path.name.span)
        return ir.InterfaceId(ref.id)

    def world_for_path(self, path: ast.UsePath) -> ir.WorldId:
        target = self.target_of(path, "world")
        ref = self.foreign_ref(target) if isinstance(target, ForeignItem) else target
        if ref.id is None:
            raise GateError(GATE_MESSAGE.format("world"), path.name.span)
        return ir.WorldId(ref.id)

    # ---- docs and stability ---------------------------------------------------------------

    @staticmethod
    def docs(comments: list[str]) -> str | None:
        """Doc text from raw comments, normalised like the reference."""
        if not comments:
            return None
        docs: list[str] = []
        for doc in comments:
            if doc.startswith("/**"):
                contents = doc[3:-2]
            else:
                contents = doc.lstrip("/")
            docs.append(contents.rstrip())
        indents = [len(d) - len(d.lstrip()) for d in docs if d]
        strip = min(indents, default=0)
        if strip:
            pad = " " * strip
            docs = [d[strip:] if d.startswith(pad) else d for d in docs]
        out: list[str] = []
        for d in docs:
            if not d:
                out.append("")
            else:
                out.extend(d.splitlines())
        return "\n".join(out).rstrip("\n")

    def stability(self, attrs: list[ast.Attribute], name_span: Span) -> ir.Stability:
        kinds = [a for a in attrs if a.kind != "external-id"]
        if not kinds:
            return ir.UNKNOWN_STABILITY
        by_kind = {a.kind: a for a in kinds}
        if len(by_kind) != len(kinds) or len(kinds) > 2 or ("since" in by_kind and "unstable" in by_kind):
            raise ResolveError("unsupported combination of attributes", kinds[1].span)
        deprecated = by_kind.get("deprecated")
        if "since" in by_kind:
            since = by_kind["since"].value
            self.check_since(since, name_span)
            return ir.Stability("stable", since=since, deprecated=deprecated.value if deprecated else None)
        if "unstable" in by_kind:
            return ir.Stability(
                "unstable",
                feature=by_kind["unstable"].value,
                deprecated=deprecated.value if deprecated else None,
            )
        raise ResolveError("must pair @deprecated with either @since or @unstable", kinds[0].span)

    def check_since(self, since: str, span: Span) -> None:
        if self.pkg_version is None:
            raise ResolveError(
                f"package [{self.pkg_name}] contains a feature gate with a version specifier, "
                "so it must have a version",
                span,
            )
        if parse_version(since) > self.pkg_version:
            raise ResolveError(
                f"feature gate cannot reference unreleased version {since} of package "
                f"[{self.pkg_name}] (current version {self.pkg_name.version})",
                span,
            )

    def enabled(self, stability: ir.Stability) -> bool:
        """Whether an item is resolved into the IR; inside a gated interface or world nothing is."""
        return not self.suppressed and self.resolve.is_enabled(stability)

    # ---- interfaces --------------------------------------------------------------------

    def resolve_named_interface(self, iface: ast.Interface) -> None:
        iface_id = self.package.interfaces.get(iface.name.name)
        if iface_id is None:
            self.gated_lookups[iface.name.name] = self.check_gated(
                lambda: self.resolve_interface(
                    ir.Interface(iface.name.name, None),
                    None,
                    iface.items,
                    iface.docs,
                    iface.attrs,
                    iface.name.span,
                )
            )
            self.check_gated_interface(iface)
            return
        self.lookups[iface_id] = self.resolve_interface(
            self.resolve.interfaces[iface_id], iface_id, iface.items, iface.docs, iface.attrs, iface.name.span
        )

    def check_gated(self, resolve: Callable[[], T]) -> T:
        """Run ``resolve`` over a gated-off interface or world: every item in it is gated off, so
        only the checks the reference makes before applying gates run (names exist, no duplicates)."""
        outer = self.suppressed
        self.suppressed = True
        try:
            return resolve()
        finally:
            self.suppressed = outer

    def resolve_interface(
        self,
        interface: ir.Interface,
        iface_id: ir.InterfaceId | None,
        items: list[ast.InterfaceItem],
        docs: list[str],
        attrs: list[ast.Attribute],
        name_span: Span,
    ) -> dict[str, LookupEntry]:
        """Resolve an interface's items into ``interface`` (a scratch one, id None, when it is gated
        off); returns the names ``use`` can see."""
        interface.docs = self.docs(docs)
        interface.stability = self.stability(attrs, name_span)
        owner = None if iface_id is None else ir.InterfaceOwner(iface_id)
        self.resolve_types(owner, [i for i in items if isinstance(i, (ast.Use, ast.TypeDef))])
        fold_clash((name, self.scope_spans[name]) for name in self.scope)
        for name, entry in self.scope.items():
            if isinstance(entry, int):
                interface.types[name] = entry
        funcs: list[tuple[ir.Function, Span]] = []
        for item in items:
            if isinstance(item, ast.NamedFunc):
                self.define_name(item.name, FUNCTION, "duplicate name `{}`")
                func = self.resolve_function(item, item.name.name, "freestanding", None)
                if func is not None:
                    funcs.append((func, item.name.span))
            elif isinstance(item, ast.TypeDef) and isinstance(item.body, ast.ResourceBody):
                resource_entry: LookupEntry | None = self.scope.get(item.name.name)
                for rfunc in item.body.funcs:
                    f = self.resolve_resource_func(rfunc, item.name.name, resource_entry)
                    if f is not None:
                        funcs.append((f, rfunc.func.name.span))
        fold_clash((name, self.scope_spans[name]) for name in self.scope)
        fold_clash(resource_funcs(items))
        self.raise_pending_gate()
        for func, span in funcs:
            if func.name in interface.functions:
                raise ResolveError(f"duplicate name `{func.name}`", span)
            interface.functions[func.name] = func
        scope = self.scope
        self.scope = {}
        self.scope_spans = {}
        return scope

    def lookup_of(self, iface_id: ir.InterfaceId) -> dict[str, LookupEntry]:
        """Names visible for ``use`` from an interface (of this package or another)."""
        found = self.lookups.get(iface_id)
        if found is not None:
            return found
        iface = self.resolve.interfaces[iface_id]
        table: dict[str, LookupEntry] = dict(iface.types)
        for fname, func in iface.functions.items():
            if func.kind in ("freestanding", "async-freestanding"):
                table.setdefault(fname, FUNCTION)
        return table

    def define_name(
        self, name: ast.Id, entry: LookupEntry, message: str = "name `{}` is defined more than once"
    ) -> None:
        if name.name in self.scope:
            raise ResolveError(message.format(name.name), name.span)
        self.scope[name.name] = entry
        self.scope_spans[name.name] = name.span

    # ---- types ---------------------------------------------------------------------------

    def resolve_types(self, owner: ir.TypeOwner, items: list[ast.Use | ast.TypeDef]) -> None:
        assert not self.scope
        for item in items:
            if isinstance(item, ast.Use):
                self.resolve_use(owner, item)
        deps: dict[str, list[tuple[str, Span]]] = {}
        defs: dict[str, ast.TypeDef | None] = {}
        for item in items:
            if isinstance(item, ast.TypeDef):
                if item.name.name in defs:
                    raise ResolveError(f"name `{item.name.name}` is defined more than once", item.name.span)
                defs[item.name.name] = item
                found: list[tuple[str, Span]] = []
                collect_deps(item.body, found)
                deps[item.name.name] = found
            else:
                for use_name in item.names:
                    deps[use_name.local.name] = []
                    defs[use_name.local.name] = None
        for name in toposort("type", deps, PRIMS):
            typedef = defs[name]
            if typedef is None:
                continue
            stability = self.stability(typedef.attrs, typedef.name.span)
            if not self.enabled(stability):
                self.check_type(typedef.body)
                self.define_name(typedef.name, GATED)
                continue
            self.gate_span = typedef.name.span
            kind = self.resolve_type_def(typedef.body, stability, typedef.name.span)
            typedef_ir = ir.TypeDef(
                name,
                kind,
                owner,
                self.docs(typedef.docs),
                stability,
                external_id(typedef.attrs),
                typedef.name.span,
            )
            type_id = self.resolve.add_type(typedef_ir)
            self.define_name(typedef.name, type_id)

    def resolve_use(self, owner: ir.TypeOwner, use: ast.Use) -> None:
        stability = self.stability(use.attrs, use.path.name.span)
        if not self.enabled(stability):
            gated_lookup = self.gated_use_lookup(use.path)
            for use_name in use.names:
                if gated_lookup is not None:
                    self.check_use_name(gated_lookup, use_name.name)
                self.define_name(use_name.local, GATED)
            return
        iface_id = self.interface_for_path(use.path)
        lookup = self.lookup_of(iface_id)
        local = self.resolve.interfaces[iface_id].package == self.pkg_id
        for use_name in use.names:
            entry = lookup.get(use_name.name.name)
            if not local and not isinstance(entry, int):
                # The reference looks names of other packages up among their resolved types.
                raise NotFound(
                    f"type `{use_name.name.name}` not defined in interface",
                    use_name.name.span,
                    help=did_you_mean(
                        use_name.name.name, [n for n, e in lookup.items() if isinstance(e, int)]
                    ),
                )
            self.check_use_name(lookup, use_name.name)
            if entry == GATED:
                raise GateError(GATE_MESSAGE.format("type"), use_name.name.span)
            assert isinstance(entry, int)
            alias = ir.TypeDef(
                use_name.local.name,
                ir.Alias(entry),
                owner,
                None,
                stability,
                external_id(use.attrs),
                use_name.name.span,
            )
            type_id = self.resolve.add_type(alias)
            self.define_name(use_name.local, type_id)

    def gated_use_lookup(self, path: ast.UsePath) -> dict[str, LookupEntry] | None:
        """Names a gated-off ``use`` is checked against: none for another package's interface
        (the reference looks those up only once gates apply)."""
        target = self.target_of(path, "interface")
        if isinstance(target, ForeignItem):
            return None
        if target.id is None:
            return self.gated_lookups.get(target.name)
        return self.lookup_of(ir.InterfaceId(target.id))

    def check_use_name(self, lookup: dict[str, LookupEntry], name: ast.Id) -> None:
        entry = lookup.get(name.name)
        if entry is None:
            raise self.unknown_name(name, lookup, ())
        if entry == FUNCTION:
            raise ResolveError(f"cannot import function `{name.name}`", name.span)

    # ---- checks on gated-off items -------------------------------------------------------

    def check_function(self, named: ast.NamedFunc, method: bool, constructs: str | None = None) -> None:
        """What the reference checks in a function before gates apply: parameter names are unique,
        the types it names exist, a constructor (of resource ``constructs``) returns the resource or
        a ``result`` of it."""
        seen = {"self"} if method else set()
        for pname, pty in named.func.params:
            if pname.name.lower() in seen:
                raise ResolveError(f"param `{pname.name}` is defined more than once", pname.span)
            seen.add(pname.name.lower())
            self.check_type(pty)
        result = named.func.result
        if result is None:
            return
        self.check_type(result)
        if constructs is None:
            return
        if not (isinstance(result, ast.GenericType) and result.kind == "result"):
            raise ResolveError("if a constructor return type is declared it must be a `result`", result.span)
        ok = result.args[0]
        if not (isinstance(ok, ast.NamedType) and ok.id.name == constructs):
            raise ResolveError("the `ok` type must be the resource being constructed", (ok or result).span)

    def check_type(self, body: ast.TypeBody) -> None:
        """Every name a gated-off type refers to exists, handles name resources, map keys are valid."""
        check_members(body)
        stack: list[ast.TypeBody | None] = [body]
        maps: list[ast.GenericType] = []
        while stack:
            cur = stack.pop()
            if isinstance(cur, ast.NamedType):
                self.check_type_name(cur.id)
            elif isinstance(cur, ast.HandleType):
                if isinstance(self.check_type_name(cur.resource), int):
                    self.resource_by_name(cur.resource)
            elif isinstance(cur, ast.GenericType):
                if cur.kind == "map":
                    maps.append(cur)
                stack.extend(reversed(cur.args))
            elif isinstance(cur, ast.RecordBody):
                stack.extend(reversed([f.ty for f in cur.fields]))
            elif isinstance(cur, ast.VariantBody):
                stack.extend(reversed([c.ty for c in cur.cases]))
        for m in maps:
            key = m.args[0]
            if not (isinstance(key, ast.PrimType) and PRIMS[key.name] in MAP_KEYS):
                raise ResolveError(MAP_KEY_MESSAGE, m.span)

    def intern_gated_signature(self, func: ast.Func, method_of: ir.TypeId | None) -> None:
        """The anonymous types of a gated-off function's signature, as the reference has them:
        it makes them before applying gates and keeps those that aren't gated off themselves
        (``option<u32>``, ``borrow<r>`` of a method), so later ids match its own."""
        if method_of is not None:
            self.intern(ir.Handle("borrow", method_of), ir.UNKNOWN_STABILITY)
        exprs = [ty for _, ty in func.params] + ([func.result] if func.result is not None else [])
        for expr in exprs:
            if isinstance(expr, ast.HandleType) and expr.kind == "borrow":
                entry = self.scope.get(expr.resource.name)
                if isinstance(entry, int):
                    self.intern(ir.Handle("borrow", entry), ir.UNKNOWN_STABILITY)
            elif isinstance(expr, ast.GenericType) and self.all_names_resolved(expr):
                self.resolve_type(expr, ir.UNKNOWN_STABILITY)

    def all_names_resolved(self, expr: ast.TypeBody) -> bool:
        stack: list[ast.TypeBody | None] = [expr]
        while stack:
            cur = stack.pop()
            if isinstance(cur, ast.NamedType) and not isinstance(self.scope.get(cur.id.name), int):
                return False
            if isinstance(cur, ast.HandleType) and not isinstance(self.scope.get(cur.resource.name), int):
                return False
            if isinstance(cur, ast.GenericType):
                stack.extend(cur.args)
        return True

    def check_type_name(self, name: ast.Id) -> LookupEntry:
        entry = self.scope.get(name.name)
        if entry is None:
            raise self.unknown_name(name, self.scope, PRIMS)
        if entry == FUNCTION:
            raise ResolveError(f"cannot use function `{name.name}` as a type", name.span)
        return entry

    @staticmethod
    def unknown_name(name: ast.Id, scope: dict[str, LookupEntry], builtin: Iterable[str]) -> NotFound:
        """``name`` is not in ``scope``: suggest a type of the scope (or a builtin) it may mean."""
        known = [n for n, e in scope.items() if e != FUNCTION]
        return NotFound(
            f"name `{name.name}` does not exist", name.span, help=did_you_mean(name.name, [*known, *builtin])
        )

    def type_by_name(self, name: ast.Id) -> ir.TypeId:
        entry = self.scope.get(name.name)
        if entry is None:
            raise self.unknown_name(name, self.scope, PRIMS)
        if entry == FUNCTION:
            raise ResolveError(f"cannot use function `{name.name}` as a type", name.span)
        if entry == GATED:
            raise GateError(GATE_MESSAGE.format("type"), self.gate_span or name.span)
        assert isinstance(entry, int)
        return entry

    def resource_by_name(self, name: ast.Id) -> ir.TypeId:
        type_id = self.type_by_name(name)
        cur = type_id
        foreign = False
        while True:
            typedef = self.resolve.types[cur]
            owner = typedef.owner
            if owner is not None and self.owner_package(owner) != self.pkg_id:
                foreign = True
            kind = typedef.kind
            if isinstance(kind, ir.Resource):
                return type_id
            if isinstance(kind, ir.Alias) and not isinstance(kind.ty, ir.Prim):
                cur = kind.ty
                continue
            if foreign:
                raise ResolveError("type used in a handle must be a resource", name.span)
            raise ResolveError(f"type `{name.name}` used in a handle must be a resource", name.span)

    def owner_package(self, owner: ir.InterfaceOwner | ir.WorldOwner) -> ir.PackageId | None:
        if isinstance(owner, ir.InterfaceOwner):
            return self.resolve.interfaces[owner.id].package
        return self.resolve.worlds[owner.id].package

    def resolve_type_def(
        self, body: ast.TypeBody, stability: ir.Stability, name_span: Span
    ) -> ir.TypeDefKind:
        if isinstance(body, ast.PrimType):
            return ir.Alias(PRIMS[body.name])
        if isinstance(body, ast.NamedType):
            return ir.Alias(self.type_by_name(body.id))
        if isinstance(body, ast.HandleType):
            return ir.Handle(body.kind, self.resource_by_name(body.resource))
        if isinstance(body, ast.GenericType):
            return self.resolve_generic(body, stability)
        check_members(body)
        if isinstance(body, ast.RecordBody):
            fields = []
            for f in body.fields:
                self.gate_span = f.name.span
                fields.append(ir.Field(f.name.name, self.resolve_type(f.ty, stability), self.docs(f.docs)))
            return ir.Record(fields)
        if isinstance(body, ast.VariantBody):
            cases = []
            for c in body.cases:
                self.gate_span = c.name.span
                ty = self.resolve_type(c.ty, stability) if c.ty is not None else None
                cases.append(ir.Case(c.name.name, ty, self.docs(c.docs)))
            return ir.Variant(cases)
        if isinstance(body, ast.EnumBody):
            return ir.EnumType([ir.EnumCase(c.name.name, self.docs(c.docs)) for c in body.cases])
        if isinstance(body, ast.FlagsBody):
            return ir.Flags([ir.Flag(c.name.name, self.docs(c.docs)) for c in body.flags])
        return ir.Resource()

    def resolve_generic(self, g: ast.GenericType, stability: ir.Stability) -> ir.TypeDefKind:
        args = [self.resolve_type(a, stability) if a is not None else None for a in g.args]
        if g.kind == "list":
            assert args[0] is not None
            return ir.ListType(args[0])
        if g.kind == "fixed-list":
            assert args[0] is not None
            return ir.FixedListType(args[0], g.size)
        if g.kind == "map":
            key, value = args
            assert key is not None and value is not None
            if key not in MAP_KEYS:
                raise ResolveError(MAP_KEY_MESSAGE, g.span)
            return ir.MapType(key, value)
        if g.kind == "option":
            assert args[0] is not None
            return ir.OptionType(args[0])
        if g.kind == "tuple":
            return ir.Tuple([a for a in args if a is not None])
        if g.kind == "result":
            return ir.ResultType(args[0], args[1])
        if g.kind == "future":
            return ir.FutureType(args[0])
        return ir.StreamType(args[0])

    def resolve_type(self, expr: ast.TypeExpr, stability: ir.Stability) -> ir.Type:
        """A type in a use position: primitives and names directly, the rest interned."""
        if isinstance(expr, ast.PrimType):
            return PRIMS[expr.name]
        if isinstance(expr, ast.NamedType):
            type_id = self.type_by_name(expr.id)
            target = self.resolve.resolve_alias(type_id)
            if not isinstance(target, ir.Prim) and isinstance(self.resolve.types[target].kind, ir.Resource):
                # Like the reference: a resource used as a type is an anonymous `own<T>`.
                return self.intern(ir.Handle("own", type_id), stability)
            return type_id
        if isinstance(expr, ast.HandleType):
            return self.intern(ir.Handle(expr.kind, self.resource_by_name(expr.resource)), stability)
        return self.intern(self.resolve_generic(expr, stability), stability)

    def intern(self, kind: ir.TypeDefKind, stability: ir.Stability) -> ir.TypeId:
        key = type_key(kind)
        found = self.anon.get(key)
        if found is not None:
            return found
        if isinstance(kind, ir.Handle) and kind.kind == "own":
            stability = ir.UNKNOWN_STABILITY  # the reference makes these after gates apply, without one
        else:
            stability = self.inherited_stability(kind, stability)
        type_id = self.resolve.add_type(ir.TypeDef(None, kind, None, None, stability))
        self.anon[key] = type_id
        return type_id

    def inherited_stability(self, kind: ir.TypeDefKind, stability: ir.Stability) -> ir.Stability:
        """Anonymous types take the first known stability of what they contain."""
        if stability.kind != "unknown":
            return stability
        for ty in ir.child_types(kind):
            if not isinstance(ty, ir.Prim):
                child = self.resolve.types[ty]
                if child.name is None and isinstance(child.kind, ir.Handle) and child.kind.kind == "own":
                    ty = child.kind.resource  # to the reference, `own<T>` here is `T` itself
                found = self.resolve.types[ty].stability
                if found.kind != "unknown":
                    return found
        return ir.UNKNOWN_STABILITY

    # ---- functions ------------------------------------------------------------------------

    def resolve_resource_func(
        self, rfunc: ast.ResourceFunc, resource: str, resource_id: LookupEntry | None
    ) -> ir.Function | None:
        """A resource's constructor, method or static function (None if gated off)."""
        named = rfunc.func
        name = resource_func_name(rfunc, resource)
        if not isinstance(resource_id, int):
            self.check_function(
                named, rfunc.kind == "method", resource if rfunc.kind == "constructor" else None
            )
            if self.enabled(self.stability(named.attrs, named.name.span)) and self.pending_gate is None:
                # Reported once the scope's names are checked, as the reference applies gates last.
                self.pending_gate = GateError(GATE_MESSAGE.format("type"), named.name.span)
            return None
        kind: ir.FunctionKindName = rfunc.kind
        return self.resolve_function(named, name, kind, resource_id)

    def resolve_function(
        self, named: ast.NamedFunc, name: str, kind: ir.FunctionKindName, resource: ir.TypeId | None
    ) -> ir.Function | None:
        func = named.func
        if func.is_async:
            kind = "async-" + kind  # type: ignore[assignment]
        stability = self.stability(named.attrs, named.name.span)
        if not self.enabled(stability):
            constructed = name.removeprefix("[constructor]") if kind == "constructor" else None
            self.check_function(named, kind in ("method", "async-method"), constructed)
            self.intern_gated_signature(named.func, resource if kind in ("method", "async-method") else None)
            return None
        self.gate_span = named.name.span
        params: list[ir.Param] = []
        seen: set[str] = set()
        if kind in ("method", "async-method"):
            assert resource is not None
            params.append(ir.Param("self", self.intern(ir.Handle("borrow", resource), ir.UNKNOWN_STABILITY)))
            seen.add("self")
        for pname, pty in func.params:
            # Parameter names are compared without case, like every kebab-case name.
            if pname.name.lower() in seen:
                raise ResolveError(f"param `{pname.name}` is defined more than once", pname.span)
            seen.add(pname.name.lower())
            params.append(ir.Param(pname.name, self.resolve_type(pty, ir.UNKNOWN_STABILITY)))
        result: ir.Type | None
        if kind == "constructor":
            assert resource is not None
            result = self.constructor_result(resource, func.result)
        else:
            result = self.resolve_type(func.result, ir.UNKNOWN_STABILITY) if func.result is not None else None
            if result is not None and self.contains_borrow(result):
                raise ResolveError(
                    f"function `{name}` returns a type which contains a `borrow<T>` which is not supported",
                    named.name.span,
                )
        return ir.Function(
            name,
            kind,
            params,
            result,
            resource,
            self.docs(named.docs),
            stability,
            external_id(named.attrs),
            named.name.span,
        )

    def constructor_result(self, resource: ir.TypeId, expr: ast.TypeExpr | None) -> ir.Type:
        if expr is None:
            return self.intern(ir.Handle("own", resource), ir.UNKNOWN_STABILITY)
        result = self.resolve_type(expr, ir.UNKNOWN_STABILITY)
        kind = None if isinstance(result, ir.Prim) else self.resolve.types[result].kind
        if not isinstance(kind, ir.ResultType):
            raise ResolveError(
                "if a constructor return type is declared it must be a `result`", _type_span(expr)
            )
        ok = None if kind.ok is None or isinstance(kind.ok, ir.Prim) else self.resolve.types[kind.ok].kind
        if not (isinstance(ok, ir.Handle) and ok.kind == "own" and ok.resource == resource):
            ok_expr = expr.args[0] if isinstance(expr, ast.GenericType) and expr.args[0] is not None else expr
            raise ResolveError("the `ok` type must be the resource being constructed", _type_span(ok_expr))
        return result

    def contains_borrow(self, ty: ir.Type) -> bool:
        seen: set[ir.TypeId] = set()
        stack = [ty]
        while stack:
            cur = stack.pop()
            if isinstance(cur, ir.Prim) or cur in seen:
                continue
            seen.add(cur)
            kind = self.resolve.types[cur].kind
            if isinstance(kind, ir.Handle) and kind.kind == "borrow":
                return True
            if isinstance(kind, (ir.FutureType, ir.StreamType)):
                continue
            stack.extend(ir.child_types(kind))
        return False

    # ---- worlds ----------------------------------------------------------------------------

    def resolve_world(self, world_ast: ast.World) -> None:
        world_id = self.package.worlds.get(world_ast.name.name)
        if world_id is None:
            scratch = ir.World(world_ast.name.name, None)
            self.check_gated(lambda: self.resolve_world_items(world_ast, scratch, None))
            return
        self.resolve_world_items(world_ast, self.resolve.worlds[world_id], world_id)

    def resolve_world_items(self, world_ast: ast.World, world: ir.World, world_id: ir.WorldId | None) -> None:
        """Resolve a world's items into ``world`` (a scratch world, id None, when it is gated off)."""
        world.docs = self.docs(world_ast.docs)
        world.stability = self.stability(world_ast.attrs, world_ast.name.span)
        owner = None if world_id is None else ir.WorldOwner(world_id)
        self.resolve_types(owner, [i for i in world_ast.items if isinstance(i, (ast.Use, ast.TypeDef))])
        for include in world_ast.items:
            if isinstance(include, ast.Include):
                stability = self.stability(include.attrs, include.path.name.span)
                if not self.enabled(stability):
                    self.target_of(include.path, "world")
                    continue
                target = self.world_for_path(include.path)
                renames = [ir.IncludeName(n.name.name, n.as_.name) for n in include.names]
                world.includes.append(ir.WorldInclude(target, stability, renames, include.path.name.span))
        # Names are checked for clashes whether or not their items are gated off, as the reference does.
        names: dict[tuple[str, str], str] = {}
        folded: dict[tuple[str, str], str] = {}
        for name, entry in self.scope.items():
            names[("import", name)] = "type"
            claim_folded(folded, "import", name, self.scope_spans[name])
            if isinstance(entry, int):
                world.imports[name] = ir.TypeItem(entry, self.scope_spans[name])
        type_scope, type_spans = self.scope, self.scope_spans
        paths: dict[str, set[int]] = {"import": set(), "export": set()}
        for item in world_ast.items:
            if isinstance(item, ast.TypeDef) and isinstance(item.body, ast.ResourceBody):
                world_entry: LookupEntry | None = type_scope.get(item.name.name)
                for rfunc in item.body.funcs:
                    fname = resource_func_name(rfunc, item.name.name)
                    if folded.get(("import", fname.lower())) == fname:
                        raise ResolveError(f"duplicate name `{fname}`", rfunc.func.name.span)
                    claim_folded(folded, "import", fname, rfunc.func.name.span)
                    f = self.resolve_resource_func(rfunc, item.name.name, world_entry)
                    if f is not None:
                        world.imports[f.name] = ir.FunctionItem(f)
                continue
            if not isinstance(item, (ast.Import, ast.Export)):
                continue
            desc = "import" if isinstance(item, ast.Import) else "export"
            kind = item.kind
            span = ast.extern_span(kind)
            is_path = isinstance(kind, (ast.ExternPath, ast.ExternNamedPath))
            # Like the reference: an item's own errors come before clashes, clashes before
            # another package's missing interface.
            key: str | ItemRef | ForeignItem
            if isinstance(kind, ast.ExternPath):
                key = self.target_of(kind.path, "interface")
            else:
                key = kind.name.name
            witem = None if is_path else self.resolve_world_item(item, type_scope, type_spans)
            if isinstance(key, str):
                prev = names.get((desc, key))
                if prev is not None:
                    raise ResolveError(f"{desc} `{key}` conflicts with prior {prev} of same name", span)
                names[(desc, key)] = "func" if isinstance(item.kind, ast.ExternFunc) else "interface"
                claim_folded(folded, desc, key, span)
            elif id(key) in paths[desc]:
                raise ResolveError(f"interface cannot be {desc}ed more than once", span)
            else:
                paths[desc].add(id(key))
            if is_path:
                witem = self.path_world_item(item)
            if witem is None:
                continue
            dest = world.imports if desc == "import" else world.exports
            if isinstance(key, str):
                dest_key: ir.WorldKey = key
            else:
                assert isinstance(witem, ir.InterfaceItem)
                dest_key = ir.InterfaceKey(witem.id)
            if dest_key in dest:
                # Two paths (say, two versions) that name the same interface.
                raise ResolveError(f"interface cannot be {desc}ed more than once", span)
            dest[dest_key] = witem
        self.raise_pending_gate()
        if not self.suppressed:
            for name, entry in type_scope.items():
                if entry == GATED:
                    # Like the reference: a world's gated-off type is still looked up as an import.
                    raise GateError(GATE_MESSAGE.format("type"), type_spans[name])
        self.scope = {}
        self.scope_spans = {}

    def resolve_world_item(
        self, item: ast.Import | ast.Export, type_scope: dict[str, LookupEntry], type_spans: dict[str, Span]
    ) -> ir.WorldItem | None:
        """An inline interface or a function a world imports or exports, or None when it is gated
        off (its contents are still checked)."""
        kind = item.kind
        if isinstance(kind, ast.ExternInterface):
            stability = self.stability(item.attrs, kind.name.span)
            self.scope, self.scope_spans = {}, {}
            witem: ir.InterfaceItem | None = None
            if self.enabled(stability):
                iface = ir.Interface(None, self.pkg_id, span=kind.name.span)
                iface_id = self.resolve.add_interface(iface)
                self.lookups[iface_id] = self.resolve_interface(
                    iface, iface_id, kind.items, item.docs, item.attrs, kind.name.span
                )
                witem = ir.InterfaceItem(
                    iface_id, iface.stability, None, external_id(item.attrs), kind.name.span
                )
            else:
                scratch = ir.Interface(None, None)
                self.check_gated(
                    lambda: self.resolve_interface(
                        scratch, None, kind.items, item.docs, item.attrs, kind.name.span
                    )
                )
            self.scope, self.scope_spans = type_scope, type_spans
            return witem
        assert isinstance(kind, ast.ExternFunc)
        self.scope = type_scope
        named = ast.NamedFunc(item.docs, item.attrs, kind.name, kind.func)
        func = self.resolve_function(named, kind.name.name, "freestanding", None)
        return None if func is None else ir.FunctionItem(func)

    def path_world_item(self, item: ast.Import | ast.Export) -> ir.InterfaceItem | None:
        """An interface a world imports or exports by path, or None when it is gated off."""
        kind = item.kind
        assert isinstance(kind, (ast.ExternPath, ast.ExternNamedPath))
        stability = self.stability(item.attrs, kind.path.name.span)
        self.target_of(kind.path, "interface")
        if not self.enabled(stability):
            return None
        iface_id = self.interface_for_path(kind.path)
        span = ast.extern_span(kind)
        return ir.InterfaceItem(iface_id, stability, self.docs(item.docs), external_id(item.attrs), span)


# ---- helpers -------------------------------------------------------------------------------


def package_hint(known: list[ir.PackageName], wanted: ir.PackageName) -> str | None:
    """A known package that ``wanted`` may be a misspelling of (its version aside)."""
    by_base = {f"{p.namespace}:{p.name}": str(p) for p in known}
    base = f"{wanted.namespace}:{wanted.name}"
    found = base if base in by_base else closest(base, by_base)
    return None if found is None else f"did you mean `{by_base[found]}`?"


def fold_clash(names: Iterable[tuple[str, Span]]) -> None:
    """Names of one scope are unique, even ignoring case (kebab-case names are case-insensitive)."""
    folded: dict[tuple[str, str], str] = {}
    for name, span in names:
        if folded.get(("", name.lower())) == name:
            raise ResolveError(f"duplicate name `{name}`", span)
        claim_folded(folded, "", name, span)


def resource_func_name(rfunc: ast.ResourceFunc, resource: str) -> str:
    """``[constructor]r``, ``[method]r.f`` or ``[static]r.f``."""
    if rfunc.kind == "constructor":
        return f"[constructor]{resource}"
    prefix = "[method]" if rfunc.kind == "method" else "[static]"
    if rfunc.func.name.name == resource:
        # Component names must be strongly unique: `[method]r.r` clashes with `r` itself.
        raise ResolveError(
            f"name `{prefix}{resource}.{resource}` conflicts with previous name `{resource}`",
            rfunc.func.name.span,
        )
    return f"{prefix}{resource}.{rfunc.func.name.name}"


def resource_funcs(items: Sequence[ast.InterfaceItem | ast.WorldItem]) -> list[tuple[str, Span]]:
    """The name and span of every resource function in ``items``, gated off or not."""
    return [
        (resource_func_name(rfunc, item.name.name), rfunc.func.name.span)
        for item in items
        if isinstance(item, ast.TypeDef) and isinstance(item.body, ast.ResourceBody)
        for rfunc in item.body.funcs
    ]


def claim_folded(folded: dict[tuple[str, str], str], space: str, name: str, span: Span) -> None:
    prev = folded.setdefault((space, name.lower()), name)
    if prev != name:
        raise ResolveError(f"name `{name}` conflicts with previous name `{prev}`", span)


def check_members(body: ast.TypeBody) -> None:
    """A record's fields, a variant's or enum's cases and a type's flags are unique, ignoring case."""
    what: str
    if isinstance(body, ast.RecordBody):
        what, names = "field", [f.name for f in body.fields]
    elif isinstance(body, (ast.VariantBody, ast.EnumBody)):
        what, names = "case", [c.name for c in body.cases]
    elif isinstance(body, ast.FlagsBody):
        what, names = "flag", [f.name for f in body.flags]
    else:
        return
    seen: dict[str, str] = {}
    for name in names:
        prev = seen.get(name.name.lower())
        if prev is None:
            seen[name.name.lower()] = name.name
        elif prev == name.name:
            raise ResolveError(f"duplicate {what} `{name.name}`", name.span)
        else:
            raise ResolveError(f"{what} `{name.name}` conflicts with previous {what} `{prev}`", name.span)


def kind_article(kind: Literal["interface", "world"]) -> str:
    return "an interface" if kind == "interface" else "a world"


def external_id(attrs: list[ast.Attribute]) -> str | None:
    """The value of an ``@external-id("..")`` attribute, if present."""
    return next((a.value for a in attrs if a.kind == "external-id"), None)


def _type_span(expr: ast.TypeExpr) -> Span:
    return expr.span


def collect_deps(body: ast.TypeBody, out: list[tuple[str, Span]]) -> None:
    """Names a type definition refers to (for ordering and cycle detection)."""
    stack: list[ast.TypeBody | None] = [body]
    found: list[tuple[str, Span]] = []
    while stack:
        cur = stack.pop()
        if cur is None or isinstance(cur, (ast.PrimType, ast.EnumBody, ast.FlagsBody, ast.ResourceBody)):
            continue
        if isinstance(cur, ast.NamedType):
            found.append((cur.id.name, cur.id.span))
        elif isinstance(cur, ast.HandleType):
            found.append((cur.resource.name, cur.resource.span))
        elif isinstance(cur, ast.GenericType):
            stack.extend(reversed(cur.args))
        elif isinstance(cur, ast.RecordBody):
            stack.extend(reversed([f.ty for f in cur.fields]))
        elif isinstance(cur, ast.VariantBody):
            stack.extend(reversed([c.ty for c in cur.cases]))
    out.extend(found)


def type_key(kind: ir.TypeDefKind) -> tuple[object, ...]:
    """Structural identity of an anonymous type, for interning."""
    if isinstance(kind, ir.Handle):
        return ("handle", kind.kind, kind.resource)
    if isinstance(kind, ir.FixedListType):
        return ("fixed-list", kind.ty, kind.size)
    if isinstance(kind, ir.ResultType):
        return ("result", kind.ok, kind.err)
    if isinstance(kind, (ir.FutureType, ir.StreamType)):
        return (type(kind).__name__, kind.ty)
    return (type(kind).__name__, tuple(ir.child_types(kind)))
