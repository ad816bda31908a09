"""The "cabi" engine: witgen runs the Canonical ABI itself over wasmtime's core API.

`binary.decode` reads a component binary into ordered definitions (`types` holds the type model).
"""
