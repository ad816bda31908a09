"""Call sites of exported functions, bound on first use.

Binding a call site costs 10–40 µs: buffers, a core or component function lookup, a closure
over them. A componentize-py component exports dozens of functions, and most programs call a
few of them, so generated classes bind each one when it is first used. Whether every export
exists, with the type the bindings were generated for (`witgen.runtime.typecheck`), is still
checked when the instance is made (once per component and bindings), so a component that
doesn't fit its bindings fails at load, not on some later call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from witgen.runtime.codecs import Codec

SiteSpec = tuple[str, str, list[tuple[str, Codec]], Codec | None, bool, Callable[..., Any] | None]
"""(WIT name, qualified Python name, parameter codecs, result codec, raises, cabi factory): the
arguments of the engines' `export_func`."""


class _Engine(Protocol):
    def check_exports(self, interface: str, specs: dict[str, SiteSpec]) -> None: ...

    def export_func(
        self,
        interface: str,
        name: str,
        qualname: str,
        params: list[tuple[str, Codec]],
        result: Codec | None,
        raises: bool = False,
        *,
        cabi: Callable[..., Any] | None = None,
    ) -> Callable[..., Any]: ...


class SiteTable(dict[str, Callable[..., Any]]):
    """Name -> call site of one interface's (or the world's) exports; a missing entry is bound
    on lookup. Guest resource classes look their functions up here by WIT name."""

    def __init__(self, rt: _Engine, interface: str, specs: dict[str, SiteSpec]) -> None:
        super().__init__()
        rt.check_exports(interface, specs)
        self.rt = rt
        self.interface = interface
        self.specs = specs

    def __missing__(self, key: str) -> Callable[..., Any]:
        wit_name, qualname, params, result, raises, cabi = self.specs[key]
        site = self.rt.export_func(self.interface, wit_name, qualname, params, result, raises, cabi=cabi)
        self[key] = site
        return site


class Exports:
    """Base of generated classes with exported functions: `self._sites` names them, and the
    first use of `self._call_<function>` binds the site and keeps it as an attribute, so
    later calls find it as directly as an eagerly bound one. (The generated class annotates
    each `_call_*`, so a misspelt attribute is still a type error.)"""

    _sites: SiteTable

    if not TYPE_CHECKING:  # type checkers see the generated classes' `_call_*` annotations only

        def __getattr__(self, name: str) -> Any:
            sites: SiteTable | None = self.__dict__.get("_sites")
            if sites is None or name not in sites.specs:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            site = self.__dict__[name] = sites[name]
            return site
