"""Resolution of WIT packages into witgen's typed IR (see ``ir.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from witgen.errors import CycleError, NotFound, ResolveError, Span, WitError
from witgen.resolve import ir
from witgen.resolve.elaborate import elaborate_world
from witgen.resolve.loader import BinaryPackage, PackageSource, load_sources, read_wasm
from witgen.resolve.merge import merge
from witgen.resolve.package_resolver import LookupEntry, PackageResolver
from witgen.resolve.semver import package_sort_key
from witgen.suggest import did_you_mean

__all__ = ["Loaded", "load", "WitError", "ir"]


@dataclass
class Loaded:
    """A resolved set of packages and which of them was asked for."""

    resolve: ir.Resolve
    main: ir.PackageId

    def select_world(self, name: str | None = None) -> ir.WorldId:
        """The world called ``name`` (``ns:pkg/world`` or a plain name), or the only one."""
        pkg = self.resolve.packages[self.main]
        if name is None:
            if len(pkg.worlds) != 1:
                names = ", ".join(pkg.worlds) or "none"
                raise ResolveError(
                    f"package `{pkg.name}` has {len(pkg.worlds)} worlds ({names}); pick one with --world"
                )
            return next(iter(pkg.worlds.values()))
        if "/" in name:
            pkg_part, _, world = name.rpartition("/")
            for other in self.resolve.packages:
                if str(other.name) == pkg_part or f"{other.name.namespace}:{other.name.name}" == pkg_part:
                    if world in other.worlds:
                        return other.worlds[world]
        elif name in pkg.worlds:
            return pkg.worlds[name]
        raise NotFound(f"world `{name}` not found in package `{pkg.name}`", help=self._world_hint(name))

    def _world_hint(self, name: str) -> str | None:
        """A world of the main package, or ``ns:pkg/world`` of any, that ``name`` may mean."""
        if "/" not in name:
            return did_you_mean(name, self.resolve.packages[self.main].worlds)
        qualified = [f"{p.name}/{w}" for p in self.resolve.packages for w in p.worlds]
        qualified += [
            f"{p.name.namespace}:{p.name.name}/{w}" for p in self.resolve.packages for w in p.worlds
        ]
        return did_you_mean(name, qualified)


def load(path: str | os.PathLike[str], features: Iterable[str] = (), all_features: bool = False) -> Loaded:
    """Parse and resolve a WIT file or directory (with its ``deps/``), or decode a component or
    binary WIT package (a file starting with the ``\\0asm`` magic)."""
    if Path(path).is_file():
        data = read_wasm(Path(path))
        if data is not None:
            from witgen.resolve.from_component import decode_wasm

            decoded = decode_wasm(data, str(path))
            return Loaded(decoded.resolve, decoded.package)
    main_group, deps = load_sources(path)
    resolve = ir.Resolve(features=frozenset(features), all_features=all_features)
    lookups: dict[ir.InterfaceId, dict[str, LookupEntry]] = {}
    nodes: dict[Key, PackageResolver | BinaryPackage] = {}
    for source in main_group + deps:
        key = source.key()
        if key in nodes:
            raise ResolveError(
                f"package `{_name(key)}` is defined in two different locations:\n"
                f"  * {_where(source)}\n  * {_where(nodes[key])}"
            )
        nodes[key] = (
            source if isinstance(source, BinaryPackage) else PackageResolver(resolve, source, lookups)
        )
    for dep in deps:  # the parts of other packages a binary carries, unless defined in full
        if isinstance(dep, BinaryPackage):
            for key in dep.keys()[:-1]:
                nodes.setdefault(key, dep)
    known = [ir.PackageName(*key) for key in nodes]
    for node in nodes.values():
        if isinstance(node, PackageResolver):
            node.known_packages = known
    order: list[PackageResolver | BinaryPackage] = []
    done: set[int] = set()
    visiting: set[Key] = set()

    def visit(node: PackageResolver | BinaryPackage) -> None:
        if id(node) in done:
            return
        for dep, span in _foreign_packages(node):
            if isinstance(node, BinaryPackage) and nodes.get(dep) is node:
                continue  # a part it carries itself
            if dep in visiting:
                raise CycleError(f"package `{_name(dep)}` creates a dependency cycle", span)
            visiting.add(dep)
            if dep in nodes:
                visit(nodes[dep])
            visiting.discard(dep)
        order.append(node)
        done.add(id(node))

    for dep in deps:  # binaries first, in the order deps/ is read, as wit-parser merges them
        if isinstance(dep, BinaryPackage):
            visit(dep)
    for key in sorted(nodes, key=package_sort_key):
        visit(nodes[key])
    main: ir.PackageId | None = None
    for node in order:
        if isinstance(node, BinaryPackage):
            merge(resolve, node.resolve)
            continue
        pkg_id = node.run()
        if node.source is main_group[-1]:
            main = pkg_id
        for world_id in resolve.packages[pkg_id].worlds.values():
            elaborate_world(resolve, world_id)
    assert main is not None
    return Loaded(resolve, main)


Key = tuple[str, str, str | None]


def _foreign_packages(node: PackageResolver | BinaryPackage) -> list[tuple[Key, Span | None]]:
    """The packages `node` depends on, each with the first place it is named."""
    if isinstance(node, BinaryPackage):
        return [(key, None) for key in node.keys()[:-1]]
    return list(node.foreign_packages())


def _where(node: PackageSource | PackageResolver | BinaryPackage) -> str:
    if isinstance(node, BinaryPackage):
        return node.display
    source = node.source if isinstance(node, PackageResolver) else node
    assert source.name is not None
    return source.name.span.location()


def _name(key: Key) -> str:
    ns, name, version = key
    return f"{ns}:{name}@{version}" if version else f"{ns}:{name}"
