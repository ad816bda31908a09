"""Which WIT a component binary describes: a binary WIT package, or a real component's world.

A binary WIT package (what `wasm-tools component wit --wasm` writes) exports only component
types, each under the plain name of one item; each holds a single export `ns:pkg/item` that is an
instance type (an interface; its imports are the interfaces it uses) or a component type (a
world). Anything else is a real component: its imports and exports become the world `root` of
package `root:component`, as the reference tool names them.
"""

from __future__ import annotations

from dataclasses import dataclass

from witgen.component import binary
from witgen.component.errors import DecodeError
from witgen.component.names import parse_name
from witgen.errors import WitError
from witgen.resolve import ir
from witgen.resolve.from_component.builder import IrBuilder, PackageFields, inexpressible, package_name
from witgen.resolve.from_component.entities import EvalError, Extern, Instance, Tid, evaluate
from witgen.resolve.from_component.metadata import inject_package_docs

ROOT_PACKAGE = ir.PackageName("root", "component")


@dataclass
class DecodedWasm:
    """The resolve a binary describes; `world` is set when it is a real component."""

    resolve: ir.Resolve
    package: ir.PackageId
    world: ir.WorldId | None = None


def decode_wasm(data: bytes, display: str) -> DecodedWasm:
    """Decode `data` (read from `display`) into a resolve; every failure is a one-line WitError."""
    try:
        component = binary.decode(data)
        externs = evaluate(component)
        if _is_wit_package(externs):
            decoded = _decode_package(externs)
            docs = next((c for c in component.customs if c.name == "package-docs"), None)
            if docs is not None:
                try:
                    inject_package_docs(decoded.resolve, decoded.package, bytes(docs.data))
                except (AttributeError, TypeError, KeyError) as exc:
                    raise WitError(f"malformed package-docs section ({type(exc).__name__}: {exc})") from None
            return decoded
        return _decode_component(externs)
    except DecodeError as exc:
        raise WitError(f"{display}: malformed component: {exc}") from None
    except EvalError as exc:
        raise WitError(f"{display}: invalid component: {exc}") from None
    except WitError as exc:
        raise WitError(f"{display}: {exc.message}") from None


def _is_wit_package(externs: list[Extern]) -> bool:
    return bool(externs) and all(
        not e.is_import and isinstance(e.entity, Tid) and e.entity.peel().kind == "component" for e in externs
    )


def _decode_package(externs: list[Extern]) -> DecodedWasm:
    if "/" in externs[0].name or ":" in externs[0].name:
        raise WitError("this binary uses the legacy (v1) WIT package encoding, which is not supported")
    builder = IrBuilder()
    main: PackageFields | None = None
    for extern in externs:
        assert isinstance(extern.entity, Tid)
        comp = extern.entity.peel()
        if len(comp.exports) != 1:
            raise WitError(f"`{extern.name}` should export one item, but exports {len(comp.exports)}")
        ((name, ent),) = comp.exports.items()
        pkg_name, _ = package_name(name)
        if main is None:
            main = PackageFields(pkg_name)
        elif main.name != pkg_name:
            raise WitError(f"item `{name}` belongs to package `{pkg_name}`, not `{main.name}`")
        if isinstance(ent, Tid) and ent.kind == "component":
            builder.world(name, ent, main)
        elif isinstance(ent, Instance):
            for import_name, imported in comp.imports.items():
                if not isinstance(imported, Instance):
                    raise WitError(f"import `{import_name}` of `{name}` is not an instance")
                builder.register_import(import_name, imported)
            builder.register_interface(name, ent, main)
        else:
            raise WitError(f"`{name}` is neither an interface nor a world")
    assert main is not None
    return DecodedWasm(builder.resolve, builder.finish(main))


WIT_SORTS = ("func", "instance", "type")
"""The sorts of imports and exports WIT can express; core modules, components and values are
left out of the world (the reference tool leaves out imported core modules the same way), as
are types naming function or component types."""


def _expressible(extern: Extern) -> bool:
    """Whether WIT can spell the world item: not a core module, component or value, nor a
    function named like an interface (`(import "wasi:http/types" (func))` is a valid
    component, but WIT names functions with plain labels)."""
    if extern.sort not in WIT_SORTS or inexpressible(extern.entity):
        return False
    return extern.sort != "func" or parse_name(extern.name).kind != "interface"


def _decode_component(externs: list[Extern]) -> DecodedWasm:
    """The world `root` of a real component.

    WIT has no exported world-level types, yet a component may export a type (say a record or
    a resource) and lift functions over it: the Component Model lets a function export refer to
    types only through exported (or imported) names. Such a type stays a world *export* (a
    `TypeItem` in `world.exports`, which WIT-derived worlds never have): the world's functions
    name it, `witgen wit` prints it among the world's types (the one place WIT defines types
    outside interfaces), and the generated world module defines its class next to them — for
    a resource, the class of a handle the component implements, not a protocol the host
    implements as for an imported world-level resource. Components whose exports are only
    functions and instances (everything `wit-component` writes) are decoded as before.
    """
    builder = IrBuilder()
    world = ir.World("root", None)
    builder.resolve.worlds.append(world)
    owner = ir.WorldOwner(0)
    builder.home_world = (world, owner)
    main = PackageFields(ROOT_PACKAGE, worlds={"root": 0})
    for extern in externs:
        if not _expressible(extern):
            continue
        builder.exporting = not extern.is_import
        key, item = builder.world_item(extern.spelling, extern.entity, owner, main)
        (world.imports if extern.is_import else world.exports)[key] = item
    return DecodedWasm(builder.resolve, builder.finish(main), 0)
