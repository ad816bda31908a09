"""The Canonical ABI (CanonicalABI.md of the component model), computed once for every user.

Its types are ``witgen.component.types``, the structural model a component binary's types and the
front-end's IR (``witgen.resolve.structural``) both map onto; the generator, the cabi engine's
fused adapters and checks, and the reference lift/lower all take layout and flattening from here.
It ships in witgen-runtime and imports only ``witgen.component``.

- ``shapes``: despecialisation of WIT types to scalars, strings, lists, records, variants, flags;
- ``layout``: size, alignment, field offsets, discriminant widths (cached per type);
- ``flat``: flattening to core wasm value types, with the join of variant cases;
- ``signature``: a function's core signature for ``canon lift`` and ``canon lower``.
"""

from witgen.abi.flat import Flattener, FlatTypes, FlatVariant, join
from witgen.abi.layout import (
    Layout,
    RecordLayout,
    TypeLayout,
    VariantLayout,
    align_to,
    discriminant_size,
    flag_words,
    flags_align,
    flags_size,
)
from witgen.abi.shapes import AbiError, AbiType, CoreType, Shape, despecialize
from witgen.abi.signature import (
    MAX_FLAT_ASYNC_PARAMS,
    MAX_FLAT_PARAMS,
    MAX_FLAT_RESULTS,
    Context,
    CoreSignature,
    core_types,
    flatten_functype,
    func_signature,
    task_return_signature,
)

__all__ = [
    "MAX_FLAT_ASYNC_PARAMS",
    "MAX_FLAT_PARAMS",
    "MAX_FLAT_RESULTS",
    "AbiError",
    "AbiType",
    "Context",
    "CoreSignature",
    "CoreType",
    "FlatTypes",
    "FlatVariant",
    "Flattener",
    "Layout",
    "RecordLayout",
    "Shape",
    "TypeLayout",
    "VariantLayout",
    "align_to",
    "despecialize",
    "discriminant_size",
    "flag_words",
    "flags_align",
    "flags_size",
    "core_types",
    "flatten_functype",
    "func_signature",
    "join",
    "task_return_signature",
]
