"""Semantic versions of WIT packages: ordering and compatible matching."""

from __future__ import annotations

from functools import lru_cache, total_ordering

from witgen.resolve import ir


@total_ordering
class Version:
    """A semver version ordered by semver precedence (build metadata last)."""

    def __init__(self, text: str) -> None:
        self.text = text
        core, _, build = text.partition("+")
        core, _, pre = core.partition("-")
        major, minor, patch = (int(x) for x in core.split("."))
        self.core = (major, minor, patch)
        # Numeric identifiers compare as numbers: by length, then digits (no int():
        # they may be longer than Python's int-from-str limit).
        self.pre = tuple((0, len(p), p) if p.isdigit() else (1, 0, p) for p in pre.split(".")) if pre else ()
        self.build = build

    def _key(self) -> tuple[object, ...]:
        return (self.core, 0 if self.pre else 1, self.pre, self.build)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self.text)

    def compat_key(self) -> tuple[int, ...]:
        """Versions with equal keys are semver-compatible (e.g. 0.2.x, 1.x.y)."""
        major, minor, patch = self.core
        if self.pre:
            return self.core
        if major:
            return (major,)
        if minor:
            return (0, minor)
        return (0, 0, patch)


@lru_cache(maxsize=1024)
def parse_version(text: str) -> Version:
    """A version (shared: callers must not change it); every ``@since`` is checked with one."""
    return Version(text)


def package_sort_key(name: tuple[str, str, str | None]) -> tuple[object, ...]:
    """Order of package names the reference uses when ordering packages."""
    ns, pkg, version = name
    return (ns, pkg, version is not None, Version(version)._key() if version else ())


def compatible_package(resolve: ir.Resolve, name: ir.PackageName) -> ir.PackageId | None:
    """The package of that name, or the newest semver-compatible version of it."""
    exact = resolve.package_names.get(name)
    if exact is not None or name.version is None:
        return exact
    wanted = Version(name.version).compat_key()
    best: tuple[Version, ir.PackageId] | None = None
    for other, pkg_id in resolve.package_names.items():
        if other.namespace != name.namespace or other.name != name.name or other.version is None:
            continue
        version = Version(other.version)
        if version.compat_key() == wanted and (best is None or best[0] < version):
            best = (version, pkg_id)
    return best[1] if best else None
