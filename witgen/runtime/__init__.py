"""Runtime library imported by generated host bindings (depends only on wasmtime).

Generated modules build codecs for their types at import time and call components through
`Instance`/`ExportFunc`; users meet `Some`/`Ok`/`Err`, `Limits` and the exceptions below. The cabi engine
(`witgen.runtime.cabi`: `CabiComponent`, `CabiInstance`) is imported on first use, through
`engines`, so the wasmtime engine's users don't pay for it at start-up, and this package never
imports it.
"""

from witgen.runtime.cabicode import CabiCode
from witgen.runtime.codecs import (
    BOOL,
    CHAR,
    F32,
    F64,
    S8,
    S16,
    S32,
    S64,
    STRING,
    U8,
    U16,
    U32,
    U64,
    Codec,
    EnumCodec,
    FlagsCodec,
    GuestHandle,
    GuestResourceCodec,
    HostResourceCodec,
    MapCodec,
    OptionCodec,
    RecordCodec,
    ResultCodec,
    TupleCodec,
    VariantCodec,
    fixed_list,
    list_of,
    unsupported,
)
from witgen.runtime.engines import Abi, CacheDir, CompiledComponent, Component, Engine, EngineInstance
from witgen.runtime.errors import InstanceDead, LinkError, ResourceDropped, Trap, WitgenRuntimeError
from witgen.runtime.guest import GuestResource
from witgen.runtime.host import call_method, implementation
from witgen.runtime.limits import Limits, OutOfFuel, Timeout
from witgen.runtime.loading import default_engine, engine_for, make_engine
from witgen.runtime.sites import Exports, SiteSpec, SiteTable
from witgen.runtime.types import Err, Ok, Result, Some
from witgen.runtime.wasi import WasiArg
from witgen.runtime.world import PathLike, load_bytes, load_file, pick_abi, start

__all__ = [
    "Abi",
    "CabiCode",
    "CompiledComponent",
    "Component",
    "pick_abi",
    "BOOL",
    "CHAR",
    "F32",
    "F64",
    "S8",
    "S16",
    "S32",
    "S64",
    "STRING",
    "U8",
    "U16",
    "U32",
    "U64",
    "CacheDir",
    "Codec",
    "Engine",
    "EngineInstance",
    "EnumCodec",
    "Err",
    "Exports",
    "FlagsCodec",
    "GuestHandle",
    "GuestResource",
    "GuestResourceCodec",
    "HostResourceCodec",
    "InstanceDead",
    "Limits",
    "LinkError",
    "MapCodec",
    "Ok",
    "OutOfFuel",
    "OptionCodec",
    "RecordCodec",
    "ResourceDropped",
    "Result",
    "ResultCodec",
    "SiteSpec",
    "SiteTable",
    "Some",
    "Timeout",
    "Trap",
    "WasiArg",
    "TupleCodec",
    "VariantCodec",
    "WitgenRuntimeError",
    "PathLike",
    "call_method",
    "default_engine",
    "engine_for",
    "implementation",
    "list_of",
    "unsupported",
    "fixed_list",
    "load_bytes",
    "load_file",
    "make_engine",
    "start",
]
