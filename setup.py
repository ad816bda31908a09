"""The generator's packages and dependencies; everything else is in pyproject.toml.

Two distributions share the `witgen` package. `witgen-runtime` (built from `runtime/`) owns
`witgen/__init__.py`, `py.typed`, `witgen/runtime/`, `witgen/component/`, `witgen/abi/`, `witgen/wasi/` and `witgen/http/`: what
generated bindings import and the ASGI server of wasi:http components, with wasmtime and urllib3 (wasi:http's client) as its
dependencies. This one, `witgen`, owns the rest (the front-end, the generators, the command line, with
uvicorn for `witgen serve`) and pins the runtime of the same version.

The Jinja2 templates live in the top-level `templates/` folder (the project's layout) and ship
inside the wheel as the `witgen.templates` package: setuptools' `package_dir` maps one onto the
other, which `pyproject.toml` can't express together with package discovery.
"""

import re
from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
VERSION = re.search(r'__version__ = "([^"]+)"', (ROOT / "witgen" / "__init__.py").read_text()).group(1)
TEMPLATES = ROOT / "templates"
template_packages = ["witgen.templates"] + [
    "witgen.templates." + ".".join(d.relative_to(TEMPLATES).parts)
    for d in sorted(TEMPLATES.rglob("*"))
    if d.is_dir() and "__pycache__" not in d.parts
]


class GeneratorOnly(build_py):
    """Leave `witgen/__init__.py` to the runtime distribution (the sdist keeps it: MANIFEST.in)."""

    def find_package_modules(self, package: str, package_dir: str) -> list[tuple[str, str, str]]:
        modules = super().find_package_modules(package, package_dir)
        return [m for m in modules if (package, m[1]) != ("witgen", "__init__")]


setup(
    # namespace packages too: witgen/gen_host/cabi has no __init__.py
    packages=find_namespace_packages(
        include=["witgen", "witgen.*"],
        exclude=["*.__pycache__"]
        + [f"witgen.{top}{sub}" for top in ("runtime", "component", "abi", "wasi", "http") for sub in ("", ".*")],
    )
    + template_packages,
    package_dir={"witgen.templates": "templates"},
    cmdclass={"build_py": GeneratorOnly},
    install_requires=[
        "lark>=1.2",
        "jinja2>=3.1",
        "black>=26.1,<27",
        "uvicorn>=0.30",
        f"witgen-runtime=={VERSION}",
    ],
)
