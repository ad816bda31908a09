"""The cabi engine's generated code of a package, imported when the engine first needs it.

A generated package keeps each module's cabi call-site factories (`witgen/gen_host/cabi/`) in a
private module of its own, `<package>._cabi.<module>`. The codecs and site tables name those
factories through a `CabiCode`, so a program on wasmtime's engine never loads them, and one on the
cabi engine imports each module the first time it binds a call site or links an import of it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class CabiFactory:
    """Stands for one generated factory (`factory(site) -> callable`); its module is imported on
    the first call. One object per factory: the cabi engine remembers which imports it has
    type-checked by the factory's identity."""

    __slots__ = ("module", "name", "_factory")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._factory: Callable[[Any], Callable[..., Any]] | None = None

    def __call__(self, site: Any) -> Callable[..., Any]:
        factory = self._factory
        if factory is None:
            factory = self._factory = getattr(importlib.import_module(self.module), self.name)
        return factory(site)

    def __repr__(self) -> str:
        return f"<cabi factory {self.module}.{self.name}>"


class CabiCode:
    """The factories of one `_cabi` module, by attribute: `_cabi.export_add` is the factory
    `export_add` of that module, the same object every time (kept as an attribute once made, so
    later lookups are plain ones)."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> CabiFactory:
        if name.startswith("_"):  # factories are `export_*`/`import_*`; this is a typo or a dunder
            raise AttributeError(name)
        found = self.__dict__[name] = CabiFactory(self._module, name)
        return found
