"""Core signatures of component functions (CanonicalABI.md, ``flatten_functype``).

The same WIT function has two core types: the one a component's core code
*exports* for ``canon lift`` (its exports) and the one it *imports* from
``canon lower`` (its imports). They differ in how results that do not fit in
one core value come back: a lifted function returns a pointer to them, a
lowered one is handed a pointer (``retptr``) to write them to. Parameters that
flatten to more than 16 core values are passed as one pointer to a tuple in
memory, in both directions. Async functions (``async`` ABI option) follow
their own limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from witgen.abi.flat import Flattener, FlatTypes
from witgen.abi.shapes import AbiType
from witgen.component import types as t

MAX_FLAT_PARAMS = 16
MAX_FLAT_ASYNC_PARAMS = 4
MAX_FLAT_RESULTS = 1

Context = Literal["lift", "lower"]
"""``lift``: the core function implements the component function (exports); ``lower``: it calls it (imports)."""


@dataclass(frozen=True, slots=True)
class CoreSignature:
    """A core function type and how the component-level values travel through it.

    ``params_in_memory``: the parameters are stored as a tuple in memory and
    ``params`` is the single i32 pointer to it (plus ``retptr`` if any).
    ``results_in_memory``: the results are stored as a tuple in memory, at the
    pointer the core function returns (lift) or at ``retptr``, the last core
    parameter (lower).
    """

    params: FlatTypes
    results: FlatTypes
    params_in_memory: bool
    results_in_memory: bool
    retptr: bool


def func_signature(
    flattener: Flattener,
    func: t.FuncType,
    context: Context,
    *,
    async_: bool = False,
    callback: bool = True,
) -> CoreSignature:
    """The core type of ``func`` lifted (exports) or lowered (imports).

    ``async_`` selects the async ABI option (``--async-callback`` or
    ``--async-stackful`` in the reference); ``callback`` tells the two lifted
    forms apart (a callback-driven export returns an i32 status code).
    """
    params = [p for _, p in func.params]
    results = [] if func.result is None else [func.result]
    return flatten_functype(flattener, params, results, context, async_=async_, callback=callback)


def flatten_functype(
    flattener: Flattener,
    params: Sequence[AbiType],
    results: Sequence[AbiType],
    context: Context,
    *,
    async_: bool = False,
    callback: bool = True,
) -> CoreSignature:
    """The spec's ``flatten_functype`` over plain lists of parameter and result types."""
    n_params = flattener.count_types(params)
    n_results = flattener.count_types(results)
    param_limit = MAX_FLAT_ASYNC_PARAMS if async_ and context == "lower" else MAX_FLAT_PARAMS
    params_in_memory = n_params > param_limit
    flat_params: FlatTypes = ("i32",) if params_in_memory else flattener.flatten_types(params)
    if async_:
        if context == "lift":
            # Results go back through `task.return`, whose signature is `task_return_signature`.
            return CoreSignature(flat_params, ("i32",) if callback else (), params_in_memory, False, False)
        # An async lowered call always returns a status and always writes results through retptr.
        retptr = n_results > 0
        retptr_param: FlatTypes = ("i32",) if retptr else ()
        return CoreSignature(flat_params + retptr_param, ("i32",), params_in_memory, retptr, retptr)
    if n_results <= MAX_FLAT_RESULTS:
        return CoreSignature(flat_params, flattener.flatten_types(results), params_in_memory, False, False)
    if context == "lift":
        return CoreSignature(flat_params, ("i32",), params_in_memory, True, False)
    return CoreSignature(flat_params + ("i32",), (), params_in_memory, True, True)


def task_return_signature(flattener: Flattener, func: t.FuncType) -> CoreSignature:
    """The core type of ``task.return`` for an async-lifted ``func``: its results passed as parameters."""
    return flatten_functype(flattener, [] if func.result is None else [func.result], [], "lower")


def core_types(
    func: t.FuncType, context: Context, flattener: Flattener | None = None
) -> tuple[FlatTypes, FlatTypes]:
    """The core (params, results) of a synchronous ``func`` lifted or lowered: what the cabi engine
    checks a component's core functions against and gives the host functions it creates."""
    sig = func_signature(flattener if flattener is not None else Flattener(), func, context)
    return sig.params, sig.results
