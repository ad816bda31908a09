"""The package list and the optional C helper; everything else is in pyproject.toml.

The Jinja2 templates live in the top-level `templates/` folder (the project's layout) and ship
inside the wheel as the `witgen.templates` package: setuptools' `package_dir` maps one onto the
other, which `pyproject.toml` can't express together with package discovery.
"""

from pathlib import Path

from setuptools import Extension, find_namespace_packages, setup

TEMPLATES = Path(__file__).resolve().parent / "templates"
template_packages = ["witgen.templates"] + [
    "witgen.templates." + ".".join(d.relative_to(TEMPLATES).parts)
    for d in sorted(TEMPLATES.rglob("*"))
    if d.is_dir() and "__pycache__" not in d.parts
]

setup(
    # namespace packages too: witgen/gen_host/cabi has no __init__.py
    packages=find_namespace_packages(include=["witgen", "witgen.*"], exclude=["*.__pycache__"])
    + template_packages,
    package_dir={"witgen.templates": "templates"},
    ext_modules=[
        # The cabi engine's instantiation loops in C; without a C compiler witgen installs and
        # runs the same loops through ctypes (slower instantiation of large components).
        Extension("witgen.runtime.cabi._wire", ["witgen/runtime/cabi/_wire.c"], optional=True),
    ],
)
