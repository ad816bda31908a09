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
