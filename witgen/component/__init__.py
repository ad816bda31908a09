"""The component binary format: its reader (`binary.decode`) and its structural type model.

Shared by the front-end (`witgen wit x.wasm`, `resolve/from_component`) and the cabi engine
(`witgen.runtime.cabi`), so it imports neither: only the standard library. It ships in the
`witgen-runtime` distribution, since the runtime needs it.
"""
