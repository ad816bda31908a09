"""Python annotations and runtime codec expressions for WIT types.

`TypeView` answers, for one generated module, "how is this WIT type written here": the type
annotation users see and the codec expression the runtime uses. Named types defined in other
modules are reached through module aliases, which the view records so the module imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from witgen.pyview.names import camel, shouty
from witgen.resolve import ir

PRIM_ANNOTATION = {
    ir.Prim.BOOL: "bool",
    ir.Prim.U8: "int",
    ir.Prim.U16: "int",
    ir.Prim.U32: "int",
    ir.Prim.U64: "int",
    ir.Prim.S8: "int",
    ir.Prim.S16: "int",
    ir.Prim.S32: "int",
    ir.Prim.S64: "int",
    ir.Prim.F32: "float",
    ir.Prim.F64: "float",
    ir.Prim.CHAR: "str",
    ir.Prim.STRING: "str",
    ir.Prim.ERROR_CONTEXT: "Any",
}


@dataclass(frozen=True)
class Home:
    """Where a named type lives: a module (dotted, relative to the package) and its direction."""

    module: str
    alias: str
    """The name other generated modules import it as."""
    imported: bool
    """Whether the type belongs to an imported interface (resources: host-implemented)."""
    link_name: str
    """The component-level name of the interface (for resource keys)."""


class TypeQueries:
    """What both generators ask about WIT types, whichever module they are spelling them for."""

    resolve: ir.Resolve

    def class_name(self, id: ir.TypeId) -> str:
        td = self.resolve.types[id]
        assert td.name is not None
        return camel(td.name)

    def resource(self, id: ir.TypeId) -> ir.TypeId:
        """The resource a (possibly aliased) resource type stands for."""
        resolved = self.resolve.resolve_alias(id)
        assert not isinstance(resolved, ir.Prim)
        return resolved

    def is_option(self, ty: ir.Type) -> bool:
        resolved = self.resolve.resolve_alias(ty)
        return not isinstance(resolved, ir.Prim) and isinstance(
            self.resolve.types[resolved].kind, ir.OptionType
        )

    def result_type(self, ty: ir.Type | None) -> ir.ResultType | None:
        """The `result` a function returns, if it returns one (its Err becomes an exception)."""
        if ty is None:
            return None
        resolved = self.resolve.resolve_alias(ty)
        if isinstance(resolved, ir.Prim):
            return None
        kind = self.resolve.types[resolved].kind
        return kind if isinstance(kind, ir.ResultType) else None


@dataclass
class TypeView(TypeQueries):
    resolve: ir.Resolve
    home_of: Callable[[ir.TypeId], Home]
    module: str
    used_modules: dict[str, str] = field(default_factory=dict)
    """alias -> module, for the cross-module references made so far."""

    # --- names ---------------------------------------------------------------------------

    def codec_name(self, id: ir.TypeId) -> str:
        td = self.resolve.types[id]
        assert td.name is not None
        return f"_{shouty(td.name)}"

    def _qualify(self, id: ir.TypeId, name: str) -> str:
        home = self.home_of(id)
        if home.module == self.module:
            return name
        self.used_modules[home.alias] = home.module
        return f"{home.alias}.{name}"

    def resource_name(self, id: ir.TypeId) -> str:
        """A resource class as annotations spell it. In its own module that is the alias
        `_<Name>Base`, because classes there have attributes named like the resource itself."""
        home = self.home_of(id)
        name = self.class_name(id)
        if home.module == self.module:
            return f"_{name}Base"
        return self._qualify(id, name)

    def resource_key(self, id: ir.TypeId) -> str:
        id = self.resource(id)
        td = self.resolve.types[id]
        return f"{self.home_of(id).link_name}#{td.name}"

    # --- annotations ---------------------------------------------------------------------

    def annotation(self, ty: ir.Type | None, input: bool = False) -> str:
        """The Python type of `ty`; `input` widens lists to `Sequence` for parameters."""
        if ty is None:
            return "None"
        if isinstance(ty, ir.Prim):
            return PRIM_ANNOTATION[ty]
        td = self.resolve.types[ty]
        if isinstance(td.kind, ir.Resource):
            return self.resource_name(ty)
        if td.name is not None and td.owner is not None:
            return self._qualify(ty, self.class_name(ty))
        return self.structure(ty, input)

    def structure(self, ty: ir.TypeId, input: bool = False) -> str:
        """The annotation spelling out `ty`'s structure, even when it has a name
        (`type x = list<u8>` is `bytes`)."""
        kind = self.resolve.types[ty].kind
        if isinstance(kind, ir.ListType):
            if kind.ty == ir.Prim.U8:
                return "bytes | bytearray | memoryview" if input else "bytes"
            inner = self.annotation(kind.ty, input)
            return f"Sequence[{inner}]" if input else f"list[{inner}]"
        if isinstance(kind, ir.FixedListType):
            inner = self.annotation(kind.ty, input)
            return f"Sequence[{inner}]" if input else f"list[{inner}]"
        if isinstance(kind, ir.MapType):
            return f"dict[{self.annotation(kind.key)}, {self.annotation(kind.value)}]"
        if isinstance(kind, ir.Tuple):
            return f"tuple[{', '.join(self.annotation(t, input) for t in kind.types)}]"
        if isinstance(kind, ir.OptionType):
            inner = self.annotation(kind.ty, input)
            if self.is_option(kind.ty):
                return f"Optional[Some[{inner}]]"
            return f"Optional[{inner}]"
        if isinstance(kind, ir.ResultType):
            return f"Result[{self.annotation(kind.ok, input)}, {self.annotation(kind.err, input)}]"
        if isinstance(kind, ir.Handle):
            return self.annotation(kind.resource)
        if isinstance(kind, ir.Resource):
            return self.resource_name(ty)
        if isinstance(kind, ir.Alias):
            return self.annotation(kind.ty, input)
        return "Any"

    # --- codecs --------------------------------------------------------------------------

    def codec(self, ty: ir.Type | None) -> str:
        if ty is None:
            return "None"
        if isinstance(ty, ir.Prim):
            if ty == ir.Prim.ERROR_CONTEXT:
                return '_rt.unsupported("error-context")'
            return f"_rt.{ty.name}"
        td = self.resolve.types[ty]
        if td.name is not None and td.owner is not None and not isinstance(td.kind, ir.Resource):
            return self._qualify(ty, self.codec_name(ty))
        return self.anonymous_codec(ty)

    def anonymous_codec(self, ty: ir.TypeId) -> str:
        """The codec of `ty` spelled out (for anonymous types, and the definition of named ones)."""
        kind = self.resolve.types[ty].kind
        if isinstance(kind, ir.ListType):
            return f"_rt.list_of({self.codec(kind.ty)})"
        if isinstance(kind, ir.MapType):
            return f"_rt.MapCodec({self.codec(kind.key)}, {self.codec(kind.value)})"
        if isinstance(kind, ir.Tuple):
            return f"_rt.TupleCodec([{', '.join(self.codec(t) for t in kind.types)}])"
        if isinstance(kind, ir.OptionType):
            return f"_rt.OptionCodec({self.codec(kind.ty)})"
        if isinstance(kind, ir.ResultType):
            return f"_rt.ResultCodec({self.codec(kind.ok)}, {self.codec(kind.err)})"
        if isinstance(kind, ir.Handle):
            return self.handle_codec(kind.resource, kind.kind == "own")
        if isinstance(kind, ir.Alias):
            return self.codec(kind.ty)
        if isinstance(kind, ir.FixedListType):
            return f"_rt.fixed_list({self.codec(kind.ty)}, {kind.size})"
        if isinstance(kind, ir.FutureType):
            return '_rt.unsupported("future")'
        if isinstance(kind, ir.StreamType):
            return '_rt.unsupported("stream")'
        return '_rt.unsupported("unknown type")'

    def handle_codec(self, resource: ir.TypeId, own: bool, raw: bool = False) -> str:
        res = self.resource(resource)
        name = self.resolve.types[res].name
        key = self.resource_key(res)
        cls = "HostResourceCodec" if self.home_of(res).imported else "GuestResourceCodec"
        extra = ", raw=True" if raw else ""
        return f'_rt.{cls}("{name}", "{key}", {own}{extra})'

    def resource_imported(self, resource: ir.TypeId) -> bool:
        return self.home_of(self.resource(resource)).imported
