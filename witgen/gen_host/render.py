"""Render a `WorldView` through the Jinja2 templates and format the result with black."""

from __future__ import annotations

from typing import Any

import jinja2

from witgen.gen_host.model import FuncView, WorldView
from witgen.pyview import render as pyview_render
from witgen.pyview.render import format_source, literal


def func_docstring(text: str | None, f: FuncView) -> str:
    body = text or f"Calls `{f.wit_name}`."
    if f.raises:
        body += (
            f"\n\nRaises:\n    Err: the function's `result` was an error; `.value` is a `{f.err_annotation}`."
        )
    return literal(body)


def environment() -> jinja2.Environment:
    return pyview_render.environment(func_docstring)


def render_world(view: WorldView) -> dict[str, str]:
    """File path (relative to the package dir) -> formatted source."""
    env = environment()
    files: dict[str, str] = {}

    def emit(path: str, template: str, **context: Any) -> None:
        files[path] = format_source(env.get_template(template).render(package=view.package, **context), path)

    emit("__init__.py", "host/world.py.j2", w=view)
    emit("types.py", "host/types.py.j2")
    for folder, modules in (("imports", view.import_modules), ("exports", view.export_modules)):
        files[f"{folder}/__init__.py"] = f'"""{folder.capitalize()} of world `{view.world_name}`."""\n'
        for module in modules:
            emit(module.file, "host/interface.py.j2", m=module)
    files["py.typed"] = ""
    return files
