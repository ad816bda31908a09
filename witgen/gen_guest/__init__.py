"""Guest-stub generator (`witgen guest`): typed `wit_world` stubs for components written in Python.

The stubs have componentize-py's module layout, names and value shapes, so an app written against
them builds unchanged with `componentize-py componentize`; natively, their import functions call an
implementation a test installs (`wit_world.testing`), so the app's logic runs in plain CPython.
"""

from __future__ import annotations

import os
from pathlib import Path

from witgen.errors import WitError
from witgen.gen_guest.model import GuestModelBuilder
from witgen.gen_guest.render import render_app, render_world
from witgen.pyview.render import write_files
from witgen.resolve import ir

__all__ = ["generate", "generate_app", "write_stubs", "write_app"]


def generate(resolve: ir.Resolve, world: ir.WorldId, format: bool = True) -> dict[str, str]:
    """The stub files for `world` (path relative to the output directory -> content);
    `format=False` skips black (for tests that only type-check the result)."""
    return render_world(GuestModelBuilder(resolve, world).build(), format)


def generate_app(resolve: ir.Resolve, world: ir.WorldId, module: str) -> dict[str, str]:
    """The `--app` skeleton: `<module>.py` and a module per interface exporting resources."""
    if not module.isidentifier():
        raise WitError(f"the app file name `{module}` is not a valid Python module name")
    return render_app(GuestModelBuilder(resolve, world).app_view(module), resolve.worlds[world].name)


def write_stubs(files: dict[str, str], out_dir: str | os.PathLike[str]) -> None:
    """Write the stubs, replacing the generated packages a previous run left there."""
    write_files(files, out_dir, ("wit_world", "componentize_py_async_support"))


def write_app(files: dict[str, str], app_dir: str | os.PathLike[str]) -> tuple[list[Path], list[Path]]:
    """Write skeleton files that do not exist yet; return (written, kept) paths."""
    written: list[Path] = []
    kept: list[Path] = []
    for rel, text in files.items():
        path = Path(app_dir) / rel
        if path.exists():
            kept.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written, kept
