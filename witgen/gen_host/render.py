"""Render a `WorldView` through the Jinja2 templates and format the result with black."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import black
import jinja2

from witgen.gen_host.model import FuncView, WorldView


def templates_dir() -> Path:
    """`templates/` ships inside the wheel as `witgen/templates`; a source checkout has it at the top."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("witgen's templates/ directory is missing from this installation")


def _literal(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    if body.endswith('"'):
        body += " "
    return f'"""{body}"""'


def docstring(text: str | None, name: str | None = None, what: str | None = None) -> str:
    """A docstring literal: the WIT docs, else a line naming the WIT item."""
    if not text:
        if name is None:
            return ""
        text = f"`{name}`" + (f" ({what})." if what else ".")
    return _literal(text)


def func_docstring(text: str | None, f: FuncView) -> str:
    body = text or f"Calls `{f.wit_name}`."
    if f.raises:
        body += f"\n\nRaises:\n    Err: the function's `result` was an error; `.value` is a `{f.err_annotation}`."
    return _literal(body)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["docstring"] = docstring
    env.filters["func_docstring"] = func_docstring
    return env


def _format(source: str, name: str) -> str:
    try:
        return black.format_str(source, mode=black.Mode(line_length=110))
    except black.parsing.InvalidInput as exc:  # a template bug, not a user error: show the source
        raise RuntimeError(f"generated {name} is not valid Python: {exc}\n{source}") from None


def render_world(view: WorldView) -> dict[str, str]:
    """File path (relative to the package dir) -> formatted source."""
    env = environment()
    files: dict[str, str] = {}

    def emit(path: str, template: str, **context: Any) -> None:
        files[path] = _format(env.get_template(template).render(package=view.package, **context), path)

    emit("__init__.py", "host/world.py.j2", w=view)
    emit("types.py", "host/types.py.j2")
    for folder, modules in (("imports", view.import_modules), ("exports", view.export_modules)):
        files[f"{folder}/__init__.py"] = f'"""{folder.capitalize()} of world `{view.world_name}`."""\n'
        for module in modules:
            emit(module.file, "host/interface.py.j2", m=module)
    files["py.typed"] = ""
    return files
