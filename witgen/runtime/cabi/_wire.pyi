from collections.abc import Callable

def fill(export_get: int, context: int, wires: int, count: int, /) -> int: ...
def new_funcs(
    func_new: int,
    context: int,
    specs: int,
    count: int,
    first_env: int,
    out: int,
    extern_size: int,
    of_offset: int,
    kind: int,
    /,
) -> None: ...

class Memory:
    def __init__(self, data: int, data_size: int, context: int, memory: int, owner: object, /) -> None: ...
    def view(self) -> memoryview: ...

class Realloc:
    def __init__(
        self,
        call: int,
        context: int,
        func: int,
        owner: object,
        memory: Memory,
        instance: object,
        fault: Callable[[int, int], BaseException],
        bad: Callable[[int, int, int], int],
        /,
    ) -> None: ...
    def alloc(self, align: int, size: int, /) -> int: ...
    def store_utf8_strings(self, blob: bytes, lengths: tuple[int, ...], base: int, /) -> None: ...

class Adapter:
    def __init__(
        self,
        call: int,
        trap_new: int,
        context: int,
        callee: bytes,
        post_return: bytes,
        count: int,
        post_count: int,
        body: object,
        /,
    ) -> None: ...
    def new_func(self, func_new: int, type: int, out: int, /) -> None: ...

def pack_records(
    items: object, cls: type, names: tuple[str, ...], kinds: bytes, offsets: tuple[int, ...], size: int, /
) -> tuple[bytes, int] | None: ...
def unpack_records(
    view: memoryview,
    ptr: int,
    count: int,
    cls: type,
    names: tuple[str, ...],
    kinds: bytes,
    offsets: tuple[int, ...],
    size: int,
    /,
) -> list[object]: ...
def load_utf8_strings(view: memoryview, ptr: int, count: int, /) -> tuple[bytes, tuple[int, ...]] | None: ...
