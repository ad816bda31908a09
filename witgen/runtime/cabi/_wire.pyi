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
