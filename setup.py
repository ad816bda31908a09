"""Only the optional C helper is built here; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        # The wiring loop of the cabi engine in C; without a C compiler witgen installs and runs
        # the same loop in Python (slower instantiation of components with many core modules).
        Extension("witgen.runtime.cabi._wire", ["witgen/runtime/cabi/_wire.c"], optional=True),
    ]
)
