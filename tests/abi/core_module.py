"""A minimal reader for the function imports and exports of a core wasm module (test oracle helper).

Only what ``wasm-tools component embed --dummy`` emits is needed: the type,
import, function and export sections, with MVP function types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64"}

FuncType = tuple[tuple[str, ...], tuple[str, ...]]


@dataclass
class CoreModule:
    imports: dict[tuple[str, str], FuncType] = field(default_factory=dict)
    exports: dict[str, FuncType] = field(default_factory=dict)


class _Reader:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    def name(self) -> str:
        n = self.u32()
        text = self.data[self.pos : self.pos + n].decode()
        self.pos += n
        return text

    def valtypes(self) -> tuple[str, ...]:
        return tuple(VALTYPES[self.byte()] for _ in range(self.u32()))

    def limits(self) -> None:
        flags = self.byte()
        self.u32()
        if flags & 1:
            self.u32()


def read_core_module(data: bytes) -> CoreModule:
    """The function imports and exports of a core module, with their core types."""
    assert data[:4] == b"\0asm" and data[4:8] == b"\x01\0\0\0", "not a core wasm module"
    r = _Reader(data, 8)
    types: list[FuncType] = []
    funcs: list[FuncType] = []  # function index space: imports first
    export_entries: list[tuple[str, int]] = []
    module = CoreModule()
    while r.pos < len(data):
        section = r.byte()
        size = r.u32()
        end = r.pos + size
        if section == 1:
            for _ in range(r.u32()):
                assert r.byte() == 0x60, "only plain function types are expected"
                types.append((r.valtypes(), r.valtypes()))
        elif section == 2:
            for _ in range(r.u32()):
                mod, name, kind = r.name(), r.name(), r.byte()
                if kind == 0:
                    ty = types[r.u32()]
                    funcs.append(ty)
                    module.imports[(mod, name)] = ty
                elif kind == 1:
                    r.byte()
                    r.limits()
                elif kind == 2:
                    r.limits()
                elif kind == 3:
                    r.byte()
                    r.byte()
                else:
                    raise AssertionError(f"unexpected import kind {kind}")
        elif section == 3:
            funcs.extend(types[r.u32()] for _ in range(r.u32()))
        elif section == 7:
            for _ in range(r.u32()):
                name, kind, index = r.name(), r.byte(), r.u32()
                if kind == 0:
                    export_entries.append((name, index))
        r.pos = end
    for name, index in export_entries:
        module.exports[name] = funcs[index]
    return module
