"""Render a `WorldView` through the Jinja2 templates and format the result with black.

Each public module (the world's `__init__.py`, `imports/<x>.py`, `exports/<x>.py`) holds the API:
types, Protocols, classes and their docstrings. What the engines need lives in private modules,
one beside each public module that needs one and imported only when needed:
`_wiring/<module>.py` (codecs, import links, call-site tables: imported when an instance is made)
and `_cabi/<module>.py` (the cabi engine's generated call sites: imported by that engine only).
The world's own are `_wiring/world.py` and `_cabi/world.py`.
"""

from __future__ import annotations

import textwrap
from typing import Any

import jinja2

from witgen.gen_host.model import CABI, WIRING, FuncView, WorldView
from witgen.pyview import render as pyview_render
from witgen.pyview.render import format_source, literal

PRIVATE_DOCS = {
    WIRING: (
        "Private: how the modules of {world} meet the engines: codecs, import links and call-site"
        " tables, one module per public module (`_wiring/imports/x.py` for `imports/x.py`, the world's"
        " own in `world.py`), imported when an instance is made."
    ),
    CABI: (
        "Private: the cabi engine's call sites for {world} (generated lift/lower code), one module per"
        " public module, imported by that engine only."
    ),
}
"""The docstrings of the private packages."""


def func_docstring(text: str | None, f: FuncView) -> str:
    body = text or f"Calls `{f.wit_name}`."
    if f.raises:
        body += (
            f"\n\nRaises:\n    Err: the function's `result` was an error; `.value` is a `{f.err_annotation}`."
        )
    return literal(body)


def environment() -> jinja2.Environment:
    return pyview_render.environment(func_docstring)


def _file(module: str) -> str:
    return module.replace(".", "/") + ".py"


def render_world(view: WorldView) -> dict[str, str]:
    """File path (relative to the package dir) -> formatted source."""
    env = environment()
    files: dict[str, str] = {}

    def emit(path: str, template: str, **context: Any) -> None:
        files[path] = format_source(env.get_template(template).render(package=view.package, **context), path)

    world = f"world `{view.world_name}`"
    emit("__init__.py", "host/world.py.j2", w=view)
    emit("types.py", "host/types.py.j2")
    for folder, modules in (("imports", view.import_modules), ("exports", view.export_modules)):
        files[f"{folder}/__init__.py"] = f'"""{folder.capitalize()} of {world}."""\n'
        for module in modules:
            emit(module.file, "host/interface.py.j2", m=module)
    if view.has_wiring:
        emit(_file(view.wiring_module), "host/world_wiring.py.j2", w=view)
    if view.cabi_sources:
        emit(
            _file(view.cabi_module),
            "host/cabi.py.j2",
            file="__init__.py",
            link_name="",
            imports=view.cabi_imports,
            sources=view.cabi_sources,
        )
    for m in view.import_modules + view.export_modules:
        if m.has_wiring:
            emit(_file(m.wiring_module), "host/wiring.py.j2", m=m)
        if m.cabi_sources:
            emit(
                _file(m.cabi_module),
                "host/cabi.py.j2",
                file=m.file,
                link_name=m.link_name,
                imports=m.cabi_imports,
                sources=m.cabi_sources,
            )
    private = {path.rsplit("/", 1)[0] for path in files if path.startswith((WIRING + "/", CABI + "/"))}
    for folder in sorted(private | {path.split("/", 1)[0] for path in private}):
        kind, _, sub = folder.partition("/")
        doc = PRIVATE_DOCS[kind].format(world=world) if not sub else f"Private: see `{kind}/__init__.py`."
        files[f"{folder}/__init__.py"] = literal(textwrap.fill(doc, 100)) + "\n"
    files["py.typed"] = ""
    return files
