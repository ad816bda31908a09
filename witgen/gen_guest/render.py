"""Render the guest `WorldView` through `templates/guest/` and format the result with black."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from witgen.gen_guest.model import AppView, FuncView, WorldView
from witgen.pyview import render as pyview_render
from witgen.pyview.render import format_source, literal, templates_dir

# Static files copied as they are: output path -> template path.
_STATIC = {
    "componentize_py_types.py": "guest/componentize_py_types.py",
    "wit_world/_harness.py": "guest/_harness.py",
    "wit_world/_checks.py": "guest/_checks.py",
}
_ASYNC_STATIC = {
    "componentize_py_async_support/__init__.py": "guest/async_support/__init__.py",
    "componentize_py_async_support/streams.py": "guest/async_support/streams.py",
    "componentize_py_async_support/futures.py": "guest/async_support/futures.py",
}


def func_docstring(f: FuncView) -> str:
    """The WIT docs, then what the function raises and how the runtime differs, if it does."""
    parts = [f.docs.strip()] if f.docs else []
    if f.raises:
        parts.append(f"Raises: `componentize_py_types.Err({f.err_annotation})`")
    parts.extend(f.notes)
    if not parts:
        parts.append(f"`{f.wit_name}`.")
    return literal("\n\n".join(parts))


@cache
def environment() -> jinja2.Environment:
    return pyview_render.environment(func_docstring)


def render_world(view: WorldView, format: bool = True) -> dict[str, str]:
    """File path (relative to the output directory) -> source (formatted with black unless
    `format` is false: the same code, just faster to produce)."""
    env = environment()
    files: dict[str, str] = {}

    def emit(path: str, template: str, **context: Any) -> None:
        text = env.get_template(template).render(
            async_support=view.async_support, uses_builtins=view.uses_builtins, **context
        )
        files[path] = format_source(text, path) if format else text

    emit("wit_world/__init__.py", "guest/world.py.j2", w=view)
    files["wit_world/imports/__init__.py"] = f'"""Imports of world `{view.world_name}`."""\n'
    for module in view.import_modules:
        emit(module.file, "guest/imports.py.j2", m=module)
    if view.export_modules:  # componentize-py writes no `exports` package without exported interfaces
        emit("wit_world/exports/__init__.py", "guest/exports_init.py.j2", w=view)
    for module in view.export_modules:
        emit(module.file, "guest/exports.py.j2", m=module)
    emit("wit_world/testing.py", "guest/testing.py.j2", w=view)
    files["wit_world/py.typed"] = ""
    static = dict(_STATIC)
    if view.async_support:
        static.update(_ASYNC_STATIC)
    root = templates_dir()
    for out, src in static.items():
        files[out] = (root / src).read_text()
    return files


def render_app(view: AppView, world: str) -> dict[str, str]:
    """The `--app` skeleton: the main module and one module per interface exporting resources."""
    env = environment()
    files = {}
    text = env.get_template("guest/app.py.j2").render(a=view, world=world)
    files[f"{view.module}.py"] = format_source(text.replace("{{ a.world }}", world), view.module)
    for short, alias, resources in view.resource_modules:
        text = env.get_template("guest/app_resources.py.j2").render(
            a=view, short=short, alias=alias, resources=resources
        )
        files[f"{short}.py"] = format_source(text, short)
    return files
