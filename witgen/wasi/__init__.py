"""WASI 0.2 written in Python, for either engine (issue 18).

`witgen.wasi.fs` is the filesystem: host directories opened as preopens that a guest can never
leave, and an in-memory filesystem for tests, behind one interface that the `wasi:filesystem`
resources are built on.
"""
