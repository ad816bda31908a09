"""Host-binding generator (`witgen host`): typed Python packages that run components in wasmtime."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from witgen.errors import WitError
from witgen.resolve import ir

if TYPE_CHECKING:
    from witgen.gen_host.model import WorldView

# The renderer (Jinja2, black) is imported when a package is generated: `witgen run` reads
# `witgen.gen_host.model`'s names on every call but renders only on a cache miss.


def generate(resolve: ir.Resolve, world: ir.WorldId, package: str, abi: str = "wasmtime") -> dict[str, str]:
    """The files of the host package for `world` (relative path -> content); `abi` is the
    engine its world class uses unless told otherwise at load time."""
    from witgen.gen_host.render import render_world

    return render_world(world_view(resolve, world, package, abi))


def world_view(
    resolve: ir.Resolve, world: ir.WorldId, package: str, abi: str = "wasmtime", bundled: str | None = None
) -> WorldView:
    """What the templates render for `world`; `package` may be dotted (a subpackage of another
    package: its modules import each other relatively, and name themselves in full only where
    the cabi code is loaded). `bundled` names a component file shipped inside the package,
    which its `load()` runs (an SDK's, see `witgen.gen_sdk`)."""
    if not all(part.isidentifier() for part in package.split(".")):
        raise WitError(f"the output directory name `{package}` is not a valid Python package name")
    from witgen.gen_host.model import HostModelBuilder

    view = HostModelBuilder(resolve, world, package).build()
    view.abi = abi
    view.bundled = bundled
    return view


def write_package(files: dict[str, str], out_dir: str | os.PathLike[str]) -> None:
    """Write the package, replacing what a previous run generated there."""
    from witgen.gen_host.model import CABI, WIRING
    from witgen.pyview.render import write_files

    write_files(files, out_dir, ("imports", "exports", WIRING, CABI))
