"""The wasmtime engine's direct calls into libwasmtime's component API (through
`witgen.runtime.internals`, the one module that touches wasmtime-py's internals).

Generated bindings call component functions through `wasmtime_component_func_call` with value
structs they build themselves, skipping `Func.__call__`'s per-call type lookup and per-element
list conversion. Everything here is checked at import; if the layout this module relies on is
not what it expects, `AVAILABLE` is False and the runtime uses wasmtime-py's public API instead.

All functions take and return plain integer addresses (`c_void_p`), which ctypes passes with the
least conversion work.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import CFUNCTYPE, c_bool, c_size_t, c_uint32, c_void_p
from typing import Any

from witgen.runtime import internals

VAL_SIZE = 32
RECORD_ENTRY_SIZE = 48
MAP_ENTRY_SIZE = 64
NAME_SIZE = 16

# wasmtime_component_valkind_t
BOOL, S8, U8, S16, U16, S32, U32, S64, U64, F32, F64, CHAR, STRING = range(13)
LIST, RECORD, TUPLE, VARIANT, ENUM, OPTION, RESULT, FLAGS, RESOURCE, MAP = range(13, 23)

CALLBACK = CFUNCTYPE(c_size_t, c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t)
"""`wasmtime_component_func_callback_t`: (data, context, type, args, nargs, results, nresults)."""
FINALIZER = CFUNCTYPE(None, c_void_p)


def _check_layout() -> Any:
    """wasmtime's private ctypes module (`internals.ffi`), if the component value structs we
    write by hand have the layout this module expects."""
    if os.environ.get("WITGEN_RUNTIME") == "public" or not internals.AVAILABLE:
        return None
    ffi: Any = internals.ffi
    try:
        val = ffi.wasmtime_component_val_t
        ok = (
            ctypes.sizeof(val) == VAL_SIZE
            and val.of.offset == 8
            and ctypes.sizeof(ffi.wasmtime_component_valrecord_entry) == RECORD_ENTRY_SIZE
            and ffi.wasmtime_component_valvariant.val.offset == 16
            and ffi.wasmtime_component_valresult.val.offset == 8
            and ffi.WASMTIME_COMPONENT_RESOURCE.value == RESOURCE
            and ffi.WASMTIME_COMPONENT_FLAGS.value == FLAGS
            and internals.can_take_host_exceptions()
        )
    except AttributeError:
        return None
    return ffi if ok else None


_found = _check_layout()
AVAILABLE = _found is not None

if _found is not None:
    _ffi = _found
    _dll = _ffi.dll

    def _proto(name: str, restype: Any, *argtypes: Any) -> Any:
        return CFUNCTYPE(restype, *argtypes)((name, _dll))

    func_call = _proto(
        "wasmtime_component_func_call", c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t
    )
    val_delete = _proto("wasmtime_component_val_delete", None, c_void_p)
    val_new = _proto("wasmtime_component_val_new", c_void_p, c_void_p)
    byte_vec_new = _proto("wasm_byte_vec_new", None, c_void_p, c_size_t, c_void_p)
    list_new_uninit = _proto("wasmtime_component_vallist_new_uninit", None, c_void_p, c_size_t)
    record_new_uninit = _proto("wasmtime_component_valrecord_new_uninit", None, c_void_p, c_size_t)
    tuple_new_uninit = _proto("wasmtime_component_valtuple_new_uninit", None, c_void_p, c_size_t)
    flags_new_uninit = _proto("wasmtime_component_valflags_new_uninit", None, c_void_p, c_size_t)
    map_new_uninit = _proto("wasmtime_component_valmap_new_uninit", None, c_void_p, c_size_t)
    any_clone = _proto("wasmtime_component_resource_any_clone", c_void_p, c_void_p)
    any_delete = _proto("wasmtime_component_resource_any_delete", None, c_void_p)
    any_owned = _proto("wasmtime_component_resource_any_owned", c_bool, c_void_p)
    any_drop = _proto("wasmtime_component_resource_any_drop", c_void_p, c_void_p, c_void_p)
    any_to_host = _proto("wasmtime_component_resource_any_to_host", c_void_p, c_void_p, c_void_p, c_void_p)
    host_new = _proto("wasmtime_component_resource_host_new", c_void_p, c_bool, c_uint32, c_uint32)
    host_rep = _proto("wasmtime_component_resource_host_rep", c_uint32, c_void_p)
    host_type = _proto("wasmtime_component_resource_host_type", c_uint32, c_void_p)
    host_delete = _proto("wasmtime_component_resource_host_delete", None, c_void_p)
    host_to_any = _proto("wasmtime_component_resource_host_to_any", c_void_p, c_void_p, c_void_p, c_void_p)
    error_new = _proto("wasmtime_error_new", c_void_p, ctypes.c_char_p)
    add_func = _proto(
        "wasmtime_component_linker_instance_add_func",
        c_void_p,
        c_void_p,
        c_void_p,
        c_size_t,
        CALLBACK,
        c_void_p,
        FINALIZER,
    )


def enable_async_features(config: Any) -> None:
    """Turn on the component-model async features on a `wasmtime.Config` (wasmtime-py has no
    setters for them; the C API has). Missing setters (another libwasmtime) are skipped."""
    for feature in ("async", "async_stackful", "more_async_builtins"):
        internals.set_config_flag(config, f"wasm_component_model_{feature}", True)


def disable_concurrency(config: Any) -> None:
    """Turn off wasmtime's concurrency support (task and call-context tracking; on by default).

    Needed because wasmtime 50 with concurrency on traps ("BUG: deferred host scope has no call
    context", vm/component/resources.rs) while lifting the second `borrow` of a host-defined
    resource into the arguments of a host function, before the host sees the call: `f(a:
    borrow<r>, b: borrow<r>)`, `poll(list<borrow<pollable>>)` with two or more, wasi:filesystem's
    `rename-at`. Without concurrency support those calls work (and wasmtime 51 fixes it); the
    component-model async features need it, so only an engine for a component using them keeps it.
    """
    internals.set_config_flag(config, "concurrency_support", False)
