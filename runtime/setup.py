"""The runtime's packages and its optional C helper.

`witgen/` here is the repository's package (a symlink); the runtime owns `witgen/__init__.py`,
`witgen/py.typed`, `witgen/runtime/`, `witgen/component/` (the component binary reader the cabi
engine shares with the front-end), `witgen/abi/` (the Canonical ABI both compute with), `witgen/wasi/` (WASI in Python) and `witgen/http/`, and the `witgen` distribution (the generator, in the
repository's root) owns the rest, so both install side by side into one `witgen` package.
"""

from setuptools import Extension, find_namespace_packages, setup
from setuptools.command.build_py import build_py

OWNED = ("runtime", "component", "abi", "wasi", "http")
"""The subpackages of `witgen` this distribution owns (the generator's setup.py excludes them)."""


class RuntimeOnly(build_py):
    """Of the top-level `witgen` package take only `__init__.py`: its other modules are the
    generator's (the command line, its errors)."""

    def find_package_modules(self, package: str, package_dir: str) -> list[tuple[str, str, str]]:
        modules = super().find_package_modules(package, package_dir)
        return [m for m in modules if package != "witgen" or m[1] == "__init__"]


setup(
    packages=["witgen"]
    + find_namespace_packages(
        include=[f"witgen.{top}{sub}" for top in OWNED for sub in ("", ".*")], exclude=["*.__pycache__"]
    ),
    package_data={
        "witgen": ["py.typed"],
        "witgen.runtime.cabi": ["*.pyi"],
        "witgen.wasi.bindings": ["py.typed"],
    },
    cmdclass={"build_py": RuntimeOnly},
    ext_modules=[
        # The cabi engine's instantiation loops, memory views and realloc calls in C; without a
        # C compiler the runtime installs and runs the same work through ctypes (slower).
        Extension("witgen.runtime.cabi._wire", ["witgen/runtime/cabi/_wire.c"], optional=True),
    ],
)
