"""Host bindings for a component, generated once into a cache and imported.

`witgen run` calls a component through the same generated package a user would write against
(`World.from_bytes(..., abi=...)`), so values are checked and converted by the bindings' own
code on either engine. Packages live in `<cache dir>/bindings/<key>/` (the cache dir of compiled
components: `$WITGEN_CACHE_DIR` or `~/.cache/witgen/components`), keyed by the component's
content and the generator that wrote them; each is written to a temporary directory and renamed
into place, so concurrent runs never see half a package.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from enum import Enum, Flag
from pathlib import Path
from types import ModuleType
from typing import Any

import witgen
from witgen.gen_host.model import HostModelBuilder
from witgen.pyview.names import camel
from witgen.resolve import ir
from witgen.runtime.loading import default_cache_dir


def generator_fingerprint() -> str:
    """witgen's version and the sizes and times of its source files and templates, so a
    changed generator (a development checkout, too) never reuses another's packages."""
    package = Path(witgen.__file__).parent
    digest = hashlib.sha256(witgen.__version__.encode())
    # the templates: in the package when installed, beside it in a checkout (see
    # `witgen.pyview.render.templates_dir`, not imported here: it loads black and Jinja2)
    for root in (package, package.parent / "templates"):
        for path in sorted(root.rglob("*") if root.is_dir() else ()):
            if path.suffix in (".py", ".j2", ".json", ".lark") and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def bindings_dir() -> Path:
    return Path(default_cache_dir()) / "bindings"


def package_key(data: bytes) -> str:
    return hashlib.sha256(hashlib.sha256(data).digest() + generator_fingerprint().encode()).hexdigest()[:32]


def load_package(data: bytes, resolve: ir.Resolve, world: ir.WorldId) -> ModuleType:
    """The generated host package for `data`'s world, from the cache or generated into it."""
    key = package_key(data)
    name = f"witgen_run_{key[:20]}"
    if name in sys.modules:
        return sys.modules[name]
    root = bindings_dir()
    home = root / key
    if not (home / name / "__init__.py").is_file():
        _generate(resolve, world, name, root, home)
    sys.path.insert(0, str(home))
    try:
        importlib.invalidate_caches()
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(home))


def _generate(resolve: ir.Resolve, world: ir.WorldId, name: str, root: Path, home: Path) -> None:
    from witgen.gen_host import generate, write_package

    files = generate(resolve, world, name)
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        write_package(files, scratch / name)
        try:
            os.rename(scratch, home)
        except OSError:
            if not (home / name / "__init__.py").is_file():
                raise  # not a concurrent run's finished copy: a real failure
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class PackageShapes:
    """The classes a generated package defines for WIT types, as seen from one export: an
    exported interface's functions use its own types, everything else the imported ones
    (`HostModelBuilder.home_from`)."""

    def __init__(
        self, package: ModuleType, builder: HostModelBuilder, exporting: ir.InterfaceId | None
    ) -> None:
        self.package = package
        self.builder = builder
        self.exporting = exporting
        self.resolve = builder.resolve

    def _class(self, id: ir.TypeId, suffix: str = "") -> Any:
        home = self.builder.home_from(id, self.exporting)
        module = self.package
        if home.module:
            module = importlib.import_module(f"{self.package.__name__}.{home.module}")
        name = self.resolve.types[id].name
        assert name is not None
        return getattr(module, camel(name) + suffix)

    def record(self, id: ir.TypeId) -> Callable[..., Any]:
        cls: Callable[..., Any] = self._class(id)
        return cls

    def case(self, id: ir.TypeId, index: int) -> type:
        kind = self.resolve.types[id].kind
        assert isinstance(kind, ir.Variant)
        cls: type = self._class(id, "_" + camel(kind.cases[index].name))
        return cls

    def enum(self, id: ir.TypeId) -> type[Enum]:
        cls: type[Enum] = self._class(id)
        return cls

    def flags(self, id: ir.TypeId) -> type[Flag]:
        cls: type[Flag] = self._class(id)
        return cls
