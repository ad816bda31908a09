"""The wasmtime engine: wasmtime's component API runs the Canonical ABI, and witgen moves values
in and out of wasmtime's value structs with the bindings' codecs (`witgen.runtime.codecs`).

- `engine`: `WASMTIME`, the `engines.Engine` (found by name, imported on first use);
- `instance`: `Instance` (an `engines.EngineInstance`) and `ExportFunc`, its call sites;
- `compile`: compiling components, with the on-disk artifact cache;
- `reflect`: checking the component's function types, read from wasmtime's C API.
"""
