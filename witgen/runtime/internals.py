"""The one module that reaches into wasmtime-py's internals: its private ctypes layer
(`wasmtime._ffi`, the handle on libwasmtime's C API) and the private members of its objects
that hold C structs (a store's context, a function's or memory's struct, `_from_ptr` wrappers).

Both engines call libwasmtime directly where wasmtime-py's public API costs too much: the
wasmtime engine builds component values itself (`_capi.py`, with the public API beside it), the
cabi engine calls core functions unchecked and makes host functions (`cabi/fastcall.py`; it has
no public path: wasmtime-py's `Func.__call__` is ~40x slower). Everything here is checked at
import: wasmtime-py must be a release witgen was tested with (`TESTED`) and the struct sizes
witgen relies on must match. Otherwise `AVAILABLE` is False, `reason` says why, the wasmtime
engine uses only the public API, and the cabi engine refuses to load with that reason.
"""

from __future__ import annotations

import ctypes
from ctypes import c_void_p
from importlib import metadata
from typing import Any

import wasmtime

TESTED = (50,)
"""Major versions of wasmtime-py whose internals witgen was tested against."""

VAL_RAW_SIZE = 16
"""sizeof(wasmtime_val_raw_t)."""


def _version() -> str:
    try:
        return metadata.version("wasmtime")
    except metadata.PackageNotFoundError:  # pragma: no cover - wasmtime imported from a checkout
        return "unknown"


def _load() -> tuple[Any, Any, str]:
    """(the `_ffi` module, wasmtime-py's `_enter` module, "") or (None, None, why not)."""
    version = _version()
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) not in TESTED:
        return None, None, f"wasmtime-py {version} is not a release witgen was tested with ({TESTED} majors)"
    try:
        from wasmtime import _bindings, _ffi
        from wasmtime.component import _enter

        if ctypes.sizeof(_ffi.wasmtime_val_raw_t) != VAL_RAW_SIZE or not hasattr(
            _bindings, "_wasmtime_func_call_unchecked"
        ):
            return None, None, f"wasmtime-py {version}'s C structs are not the ones witgen expects"
        return _ffi, _enter, ""
    except (ImportError, AttributeError) as exc:
        return None, None, f"wasmtime-py {version} lacks an internal witgen needs ({exc})"


ffi, _enter, reason = _load()
AVAILABLE = ffi is not None
"""Whether the internals below may be used (see `reason` when not)."""
VERSION = _version()


def address(pointer: Any) -> int:
    """A ctypes pointer as an integer (0 for NULL)."""
    addr: int = ctypes.cast(pointer, c_void_p).value or 0
    return addr


# --- the private members of wasmtime-py's objects --------------------------------------------


def store_context(store: wasmtime.Store) -> int:
    """The store's `wasmtime_context_t*` (fixed for the store's life)."""
    return address(store._context())


def store_context_pointer(store: wasmtime.Store) -> Any:
    """The same, as the ctypes pointer `ffi`'s functions take."""
    return store._context()


def handle(managed: Any) -> int:
    """The C pointer a wasmtime-py object owns (`Store`, `Config`, `Module`, `FuncType`...)."""
    return address(managed.ptr())


def pointer(managed: Any) -> Any:
    """The same, as the typed ctypes pointer `ffi`'s functions take."""
    return managed.ptr()


def release(managed: Any) -> int:
    """Take the C pointer out of a wasmtime-py object; the caller now owns it."""
    return address(managed._consume())


def struct_address(item: Any) -> int:
    """The address of the C struct a `Func`, `Memory`, `Instance` (core or component) holds by
    value (kept alive by `item`)."""
    for attr in ("_func", "_memory", "_instance"):
        struct = getattr(item, attr, None)
        if struct is not None:
            return ctypes.addressof(struct)
    raise TypeError(f"{type(item).__name__} holds no C struct witgen knows")


def same_extern(a: Any, b: Any) -> bool:
    """Whether two wasmtime-py objects (memories, functions) name the same item of one store:
    their C structs (store id, index) are equal."""
    struct_a = getattr(a, "_memory", None) or getattr(a, "_func", None)
    struct_b = getattr(b, "_memory", None) or getattr(b, "_func", None)
    if struct_a is None or struct_b is None or type(struct_a) is not type(struct_b):
        return a is b
    return bytes(struct_a) == bytes(struct_b)


def core_instance_struct(instance: wasmtime.Instance) -> Any:
    """A core instance's `wasmtime_instance_t` (for `byref`)."""
    return instance._instance


def func_from_raw(raw: Any) -> wasmtime.Func:
    """A core `Func` around a `wasmtime_func_t` value."""
    func: wasmtime.Func = wasmtime.Func._from_raw(raw)
    return func


def instance_from_raw(raw: Any) -> wasmtime.Instance:
    instance: wasmtime.Instance = wasmtime.Instance._from_raw(raw)
    return instance


def wrap_extern(item: Any) -> Any:
    """A `wasmtime_extern_t` as wasmtime-py's object of its kind."""
    from wasmtime._extern import wrap_extern as wrap

    return wrap(item)


def extern_of(item: Any) -> Any:
    """The `wasmtime_extern_t` of a wasmtime-py core object (a `Func`, `Memory`...)."""
    from wasmtime._extern import get_extern_ptr

    return get_extern_ptr(item)


def error_from(addr: int) -> wasmtime.WasmtimeError:
    """An owned `wasmtime_error_t*` as wasmtime-py's `WasmtimeError` (which frees it)."""
    err: wasmtime.WasmtimeError = wasmtime.WasmtimeError._from_ptr(
        ctypes.cast(addr, ctypes.POINTER(ffi.wasmtime_error_t))
    )
    return err


def trap_from(addr: int) -> wasmtime.Trap:
    """An owned `wasm_trap_t*` as wasmtime-py's `Trap` (which frees it)."""
    trap: wasmtime.Trap = wasmtime.Trap._from_ptr(ctypes.cast(addr, ctypes.POINTER(ffi.wasm_trap_t)))
    return trap


def resource_type_from(pointer: Any) -> Any:
    """A `wasmtime_component_resource_type_t*` as wasmtime-py's `ResourceType` (taking it)."""
    from wasmtime.component import ResourceType

    return ResourceType._from_ptr(pointer)


def resource_any_from(addr: int) -> Any:
    """An owned `wasmtime_component_resource_any_t*` as wasmtime-py's `ResourceAny`."""
    from wasmtime.component import ResourceAny

    return ResourceAny._from_ptr(ctypes.cast(addr, ctypes.POINTER(ffi.wasmtime_component_resource_any_t)))


def can_take_host_exceptions() -> bool:
    """Whether wasmtime-py stashes its callbacks' exceptions where `take_host_exception` looks."""
    return _enter is not None and hasattr(_enter, "LAST_EXCEPTION")


def take_host_exception() -> BaseException | None:
    """The Python exception wasmtime-py stashed when one of its own callbacks raised."""
    exc: BaseException | None = _enter.LAST_EXCEPTION
    _enter.LAST_EXCEPTION = None
    return exc


def c_function(name: str, restype: Any, *argtypes: Any, keep_gil: bool = False) -> Any:
    """libwasmtime's C function `name` with this signature. `keep_gil`: for short functions that
    never run wasm (releasing and taking the GIL back costs ~0.1 us)."""
    proto = ctypes.PYFUNCTYPE if keep_gil else ctypes.CFUNCTYPE
    return proto(restype, *argtypes)((name, ffi.dll))


def set_config_flag(config: wasmtime.Config, setter: str, value: bool) -> bool:
    """Call the C setter `wasmtime_config_<setter>_set` on `config` (wasmtime-py has no Python
    setter for some); False when this libwasmtime has none."""
    if ffi is None:
        return False
    found = getattr(ffi, f"wasmtime_config_{setter}_set", None)
    if found is None:
        return False
    found(config.ptr(), value)
    return True
