"""Only the optional C helper is built here; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        # The cabi engine's instantiation loops in C; without a C compiler witgen installs and
        # runs the same loops through ctypes (slower instantiation of large components).
        Extension("witgen.runtime.cabi._wire", ["witgen/runtime/cabi/_wire.c"], optional=True),
    ]
)
