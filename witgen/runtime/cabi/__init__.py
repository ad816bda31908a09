"""The "cabi" engine: witgen runs the Canonical ABI itself over wasmtime's core API.

`instantiate.instantiate(component, store, imports)` decodes the component binary
(`witgen.component.binary`, shared with the front-end) and plans its instantiation once
(`plan.py`: definitions walked in order — nested and composed components included — down to
the steps every instance must run), then runs the plan: core
modules are instantiated over wasmtime's core API with their imports wired in C (compiled
modules are cached on disk, see `modules.py`). Generated bindings then lower/lift values over
linear memory and call core functions directly.

The contract generated code relies on:

* `CanonOptions(memory, realloc, post_return, string_encoding, is_async, callback)`: the options
  of one `canon lift`/`canon lower`, as live wasmtime objects.
* `ResourceType(name, dtor, instance)`: one object per resource type (identity is the type);
  `dtor(rep)` runs the destructor; `instance` is the implementing `ComponentInstance`, None for
  host-defined types.
* `ComponentInstance`: `table` (`HandleTable`), `may_leave`, `may_enter`, `poisoned` (a message
  once a call into it trapped: raise `InstanceDead` afterwards).
* `CallScope`: per-call borrow tracking; call `exit()` when the call returns (traps if a borrow
  handed to the callee was not dropped, releases lent own handles).
* `lift_own(inst, i, rt) -> rep`, `lift_borrow(inst, i, rt, scope) -> rep`,
  `lower_own(inst, rep, rt) -> i`, `lower_borrow(inst, rep, rt, scope) -> i`: the handle rules
  over `inst`'s table; violations raise `witgen.runtime.errors.Trap`.
* `LiftedFunc(instance, type, name, resolve)`: an exported component function; call its
  `core(store, *flat_args)` and read results via `options.memory` (both looked up on first
  use); `type` is the resolved `types.FuncType` (handles hold `ResourceType`s).
* `ImportResolver`: `resource(path, name) -> ResourceType` and
  `func(path, name, options, caller, core) -> wasmtime.Func` (`core`: the core signature the
  component imports it with), called when the core function is needed
  (the options' memory and realloc are already live). `path` is the chain of import names leading
  to the instance (`("wasi:cli/stdout@0.2.0",)`), `()` for world-level imports. Raise `KeyError`
  for anything not provided: `instantiate` raises one `LinkError` naming every missing import.
* `Instantiated.exports`: export name -> `LiftedFunc`, `ResourceType` or an exported instance
  (a dict of the same); `Instantiated.instances`: every `ComponentInstance`, the root first.

Calls between composed components go through fused adapters (`fuse.py`, over the type-driven
codecs of `convert.py`): every value type, both memories, each side's string encoding, handles.

Not supported (clear `LinkError`s): component `start` functions, value imports and definitions,
async lifts/lowers between components, the async/stream/future/thread/error-context builtins, and
streams, futures and error contexts passed between components.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from witgen.runtime.cabi.instantiate import ImportResolver, Instantiated
    from witgen.runtime.cabi.plan import HostFunc
    from witgen.runtime.cabi.state import (
        CallScope,
        CanonOptions,
        ComponentInstance,
        HandleTable,
        LiftedFunc,
        ResourceHandle,
        ResourceType,
        lift_borrow,
        lift_own,
        lower_borrow,
        lower_own,
    )

_LAZY = {
    "HostFunc": "plan",
    "ImportResolver": "instantiate",
    "Instantiated": "instantiate",
    **{
        name: "state"
        for name in (
            "CallScope",
            "CanonOptions",
            "ComponentInstance",
            "HandleTable",
            "LiftedFunc",
            "ResourceHandle",
            "ResourceType",
            "lift_borrow",
            "lift_own",
            "lower_borrow",
            "lower_own",
        )
    },
}


def __getattr__(name: str) -> Any:
    """Names are imported on first use: generated code imports only `support` at start-up."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "CallScope",
    "CanonOptions",
    "ComponentInstance",
    "HandleTable",
    "HostFunc",
    "ImportResolver",
    "Instantiated",
    "LiftedFunc",
    "ResourceHandle",
    "ResourceType",
    "lift_borrow",
    "lift_own",
    "lower_borrow",
    "lower_own",
]
