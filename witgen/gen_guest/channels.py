"""componentize-py's world-level `stream`/`future` constructors: which ones a world gets, and names.

componentize-py writes one function into `wit_world/__init__.py` per payload type of a `stream` or
`future` the world uses anywhere (`byte_stream()`, `u32_stream()`, `result_unit_string_future(default)`),
named by mangling the payload type (its rule, `mangle_name` in componentize-py's summary.rs, as
0.25 applies it: nested futures are `future_*`). Payloads mangling to the same name (an alias and
its target) share one function, as they do there.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator
from dataclasses import dataclass

from witgen.pyview.layout import WorldLayout
from witgen.resolve import ir


@dataclass
class ChannelView:
    """One constructor function: `name() -> (writer, reader)`."""

    name: str
    wit: str
    """The WIT type it makes, for the docstring: `stream<u32>`."""
    future: bool
    byte: bool
    """`stream<u8>` (and `stream<s8>`): componentize-py's `ByteStreamWriter`/`ByteStreamReader`."""
    payload: str
    """The payload's annotation (`None` for none)."""

    @property
    def returns(self) -> str:
        if self.byte:
            return "tuple[ByteStreamWriter, ByteStreamReader]"
        ends = ("FutureWriter", "FutureReader") if self.future else ("StreamWriter", "StreamReader")
        return f"tuple[{ends[0]}[{self.payload}], {ends[1]}[{self.payload}]]"

    @property
    def signature(self) -> str:
        return f"default: Callable[[], {self.payload}]" if self.future else ""

    @property
    def docs(self) -> str:
        what = "futures" if self.future else "streams"
        default = (
            "; `default()` makes the value the reader gets if the writer is dropped without writing"
            if self.future
            else ""
        )
        return (
            f"A new `{self.wit}`: its (writer, reader) pair{default}.\n\n"
            "Natively (witgen's harness) the two ends are connected in-process, with the Component "
            "Model's semantics: a write completes once the reader has taken the value or items (or "
            "is dropped), so write and read from different tasks; see "
            f"`componentize_py_async_support.{what}`."
        )

    @property
    def native(self) -> str:
        """The expression making the pair natively (componentize_py_async_support's in-process ends)."""
        if self.future:
            return "_futures._pair(default)"
        return "_streams._byte_pair()" if self.byte else "_streams._pair()"


def _word(name: str) -> str:
    """componentize-py's snake case, escaping hard keywords only."""
    snake = "_".join(w.lower() for w in name.lstrip("%").split("-") if w)
    return snake + "_" if keyword.iskeyword(snake) else snake


class ChannelFinder:
    """Walks every type a world's functions and interfaces use, collecting stream/future types."""

    def __init__(self, layout: WorldLayout) -> None:
        self.layout = layout
        self.resolve = layout.resolve
        self.seen: set[ir.TypeId] = set()
        self.found: dict[str, tuple[ir.TypeId, bool, ir.Type | None]] = {}

    def find(self) -> list[tuple[str, ir.TypeId, bool, ir.Type | None]]:
        """(function name, the stream/future type, is a future, payload) in first-use order."""
        for item in [*self.layout.world.imports.values(), *self.layout.world.exports.values()]:
            for ty in self._item_types(item):
                self._walk(ty)
        return [(name, *found) for name, found in self.found.items()]

    def _item_types(self, item: ir.WorldItem) -> Iterator[ir.Type | None]:
        if isinstance(item, ir.FunctionItem):
            yield from self._func_types(item.func)
        elif isinstance(item, ir.InterfaceItem):
            iface = self.resolve.interfaces[item.id]
            yield from iface.types.values()
            for f in iface.functions.values():
                yield from self._func_types(f)
        elif isinstance(item, ir.TypeItem):
            yield item.id

    @staticmethod
    def _func_types(f: ir.Function) -> Iterator[ir.Type | None]:
        yield from (p.ty for p in f.params)
        yield f.result

    def _walk(self, ty: ir.Type | None) -> None:
        if ty is None or isinstance(ty, ir.Prim) or ty in self.seen:
            return
        self.seen.add(ty)
        kind = self.resolve.types[ty].kind
        if isinstance(kind, ir.StreamType | ir.FutureType):
            self._walk(kind.ty)
            future = isinstance(kind, ir.FutureType)
            byte = not future and kind.ty in (ir.Prim.U8, ir.Prim.S8)
            name = "byte_stream" if byte else f"{self.mangle(kind.ty)}_{'future' if future else 'stream'}"
            self.found.setdefault(name, (ty, future, kind.ty))
        elif isinstance(kind, ir.Record):
            for fl in kind.fields:
                self._walk(fl.ty)
        elif isinstance(kind, ir.Variant):
            for c in kind.cases:
                self._walk(c.ty)
        elif isinstance(kind, ir.Tuple):
            for t in kind.types:
                self._walk(t)
        elif isinstance(kind, ir.ResultType):
            self._walk(kind.ok)
            self._walk(kind.err)
        elif isinstance(kind, ir.MapType):
            self._walk(kind.key)
            self._walk(kind.value)
        elif isinstance(kind, ir.ListType | ir.FixedListType | ir.OptionType | ir.Alias):
            self._walk(kind.ty)

    def mangle(self, ty: ir.Type | None) -> str:
        """componentize-py's name for a payload type."""
        if ty is None:
            return "unit"
        if isinstance(ty, ir.Prim):
            return ty.value.replace("-", "_")
        td = self.resolve.types[ty]
        kind = td.kind
        if isinstance(kind, ir.Record | ir.Variant | ir.EnumType | ir.Flags | ir.Resource) and td.name:
            prefix = ""
            if isinstance(td.owner, ir.InterfaceOwner):
                owner = td.owner.id
                slot = self.layout.import_slot_of.get(owner) or self.layout.export_slot_of[owner]
                prefix = slot.module_name + "_"
            return prefix + _word(td.name)
        if isinstance(kind, ir.OptionType):
            return f"option_{self.mangle(kind.ty)}"
        if isinstance(kind, ir.ResultType):
            return f"result_{self.mangle(kind.ok)}_{self.mangle(kind.err)}"
        if isinstance(kind, ir.ListType | ir.FixedListType):
            return f"list_{self.mangle(kind.ty)}"
        if isinstance(kind, ir.MapType):
            return f"map_{self.mangle(kind.key)}_{self.mangle(kind.value)}"
        if isinstance(kind, ir.Tuple):
            return f"tuple{len(kind.types)}_" + "_".join(self.mangle(t) for t in kind.types)
        if isinstance(kind, ir.Handle):
            return self.mangle(kind.resource)
        if isinstance(kind, ir.Alias):
            return self.mangle(kind.ty)
        if isinstance(kind, ir.StreamType):
            return f"stream_{self.mangle(kind.ty)}"
        if isinstance(kind, ir.FutureType):
            return f"future_{self.mangle(kind.ty)}"
        return f"anon{ty}"
