"""Typed SDKs (`witgen sdk`): a component and its host bindings as a pip-installable project.

The bindings are `witgen host`'s, made with a default loader (`name.load()`) that runs the
component shipped inside the package; around them go a `pyproject.toml` depending only on the
runtime and a README listing every export with its Python signature, from the WIT docs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from witgen import runtime_requirement
from witgen.errors import WitError
from witgen.gen_host import world_view
from witgen.gen_host.render import render_world
from witgen.gen_sdk.readme import INSTANCE, plain, readme_sections
from witgen.pyview.render import environment, write_files
from witgen.resolve import Loaded, ir

COMPONENT_FILE = "component.wasm"

_DIST_NAME = re.compile(r"^[A-Za-z]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_VERSION = re.compile(r"^\d+(\.\d+)*([abc]|rc)?\d*(\.post\d+)?(\.dev\d+)?$")  # PEP 440, the usual forms
_SYNTHETIC = {"root:component"}
"""The package name `wasm-tools` gives a component's own world: names nothing worth keeping."""


@dataclass(frozen=True)
class SdkNames:
    """What the SDK is called: its distribution (`pip install dist`), the package it installs
    (`import package`) and its version."""

    dist: str
    package: str
    version: str

    @classmethod
    def choose(
        cls, resolve: ir.Resolve, world: ir.WorldId, component: Path, name: str | None, version: str | None
    ) -> SdkNames:
        """`--name`/`--version`, else the world's WIT package (`ns:calc@1.2.0` -> `calc`, 1.2.0),
        else the component's file name and 0.1.0."""
        pkg = _package(resolve, world)
        dist = name or (pkg.name if pkg else component.stem)
        chosen = version or (pkg.version if pkg else None) or "0.1.0"
        if not _DIST_NAME.match(dist):
            raise WitError(
                f"`{dist}` is not a valid distribution name (letters, digits, `-`, `_`, `.`); pass --name"
            )
        if not _VERSION.match(chosen):
            raise WitError(f"`{chosen}` is not a valid version (e.g. 1.2.0); pass --version")
        package = re.sub(r"[-.]+", "_", dist).lower()
        if not package.isidentifier():
            raise WitError(f"`{dist}` does not make a Python package name; pass --name")
        return cls(dist, package, chosen)


def _package(resolve: ir.Resolve, world: ir.WorldId) -> ir.PackageName | None:
    """The WIT package of `world`, unless it is a component's synthetic one."""
    package = resolve.worlds[world].package
    if package is None:
        return None
    name = resolve.packages[package].name
    return None if f"{name.namespace}:{name.name}" in _SYNTHETIC else name


def check_fits(component: Loaded, resolve: ir.Resolve, world: ir.WorldId, path: Path) -> None:
    """With `--wit`, the component must provide every export of the world and need no import
    outside it: compared by name here, so a wrong component is caught when the SDK is made;
    types are checked when it is instantiated."""
    own = component.resolve.worlds[component.select_world(None)]
    wanted = resolve.worlds[world]

    def names(r: ir.Resolve, items: dict[ir.WorldKey, ir.WorldItem]) -> set[str]:
        return {r.key_name(k) for k, item in items.items() if not isinstance(item, ir.TypeItem)}

    missing = sorted(names(resolve, wanted.exports) - names(component.resolve, own.exports))
    extra = sorted(names(component.resolve, own.imports) - names(resolve, wanted.imports))
    if missing:
        raise WitError(f"`{path}` does not export {', '.join(missing)}, which world `{wanted.name}` exports")
    if extra:
        raise WitError(f"`{path}` imports {', '.join(extra)}, which world `{wanted.name}` does not provide")


def generate_sdk(
    resolve: ir.Resolve, world: ir.WorldId, names: SdkNames, abi: str = "wasmtime"
) -> dict[str, str]:
    """The SDK's text files (relative path -> content); `write_sdk` adds the component."""
    view = world_view(resolve, world, names.package, abi=abi, bundled=COMPONENT_FILE)
    label = view.world_name if _package(resolve, world) else names.dist
    files = {f"src/{names.package}/{rel}": text for rel, text in render_world(view).items()}
    env = _environment()
    context = {
        "names": names,
        "w": view,
        "sections": readme_sections(view),
        "runtime": runtime_requirement(),
        "component": COMPONENT_FILE,
        "label": label,
        "summary": _summary(view.docs, label),
        "sdk": INSTANCE,
    }
    files["pyproject.toml"] = env.get_template("sdk/pyproject.toml.j2").render(**context)
    files["README.md"] = env.get_template("sdk/README.md.j2").render(**context)
    return files


def write_sdk(
    files: dict[str, str], component: bytes, names: SdkNames, out_dir: str | os.PathLike[str]
) -> None:
    """Write the project, replacing the package a previous run generated there (other files the
    user added to the project stay)."""
    package = f"src/{names.package}"
    write_files(files, out_dir, (package,))
    (Path(out_dir) / package / COMPONENT_FILE).write_bytes(component)


def _summary(docs: str | None, world: str) -> str:
    """One line for the project's description: the world's first doc line."""
    first = (docs or "").strip().splitlines()[:1]
    text = first[0] if first else f"Typed Python bindings for the `{world}` WebAssembly component"
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _environment() -> jinja2.Environment:
    env = environment()
    env.filters["plain"] = plain
    return env
