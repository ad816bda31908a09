"""Resolution of WIT packages into witgen's typed IR (see ``ir.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from witgen.errors import CycleError, NotFound, ResolveError, WitError
from witgen.resolve import ir
from witgen.resolve.elaborate import elaborate_world
from witgen.resolve.loader import PackageSource, load_sources, read_wasm
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
    by_name: dict[tuple[str, str, str | None], PackageResolver] = {}
    lookups: dict[ir.InterfaceId, dict[str, LookupEntry]] = {}
    for source in _without_partial_duplicates(main_group + deps):
        key = source.key()
        if key in by_name:
            prev = by_name[key].source
            assert prev.name is not None and source.name is not None
            raise ResolveError(
                f"package `{source.name}` is defined in two different locations:\n"
                f"  * {source.name.span.location()}\n  * {prev.name.span.location()}"
            )
        by_name[key] = PackageResolver(resolve, source, lookups)
    known = [r.pkg_name for r in by_name.values()]
    for resolver in by_name.values():
        resolver.known_packages = known
    main_key = main_group[-1].key()
    order: list[tuple[str, str, str | None]] = []
    visiting: set[tuple[str, str, str | None]] = set()

    def visit(key: tuple[str, str, str | None]) -> None:
        if key in order:
            return
        for dep, span in by_name[key].foreign_packages():
            if dep in visiting:
                raise CycleError(f"package `{_name(dep)}` creates a dependency cycle", span)
            visiting.add(dep)
            if dep in by_name:
                visit(dep)
            visiting.discard(dep)
        order.append(key)

    for key in sorted(by_name, key=package_sort_key):
        visit(key)
    ids: dict[tuple[str, str, str | None], ir.PackageId] = {}
    for key in order:
        pkg_id = by_name[key].run()
        ids[key] = pkg_id
        for world_id in resolve.packages[pkg_id].worlds.values():
            elaborate_world(resolve, world_id)
    return Loaded(resolve, ids[main_key])


def _without_partial_duplicates(sources: list[PackageSource]) -> list[PackageSource]:
    """Drop packages rebuilt from binary deps when the same package is defined in full, or
    already rebuilt from an earlier binary."""
    full = {s.key() for s in sources if not s.partial}
    kept: list[PackageSource] = []
    seen: set[tuple[str, str, str | None]] = set()
    for source in sources:
        if source.partial and (source.key() in full or source.key() in seen):
            continue
        seen.add(source.key())
        kept.append(source)
    return kept


def _name(key: tuple[str, str, str | None]) -> str:
    ns, name, version = key
    return f"{ns}:{name}@{version}" if version else f"{ns}:{name}"
