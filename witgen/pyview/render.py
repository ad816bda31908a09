"""What both generators' rendering shares: the templates, the Jinja2 environment, docstring
literals, black-identical formatting (witgen.pyview.fastfmt) and writing the generated files."""

from __future__ import annotations

import importlib.resources
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import jinja2

from witgen.pyview import fastfmt


def templates_dir() -> Path:
    """`templates/` ships inside the wheel as the `witgen.templates` package (setup.py maps it);
    a source checkout, or an editable install that only puts the checkout on `sys.path`, has it
    at the top of the checkout."""
    try:
        installed = Path(str(importlib.resources.files("witgen.templates")))
    except ModuleNotFoundError:
        installed = None
    checkout = Path(__file__).resolve().parent.parent.parent / "templates"
    for candidate in (installed, checkout):
        if candidate is not None and (candidate / "host").is_dir():
            return candidate
    raise FileNotFoundError("witgen's templates/ directory is missing from this installation")


def literal(text: str) -> str:
    """`text` as a triple-quoted string literal (for docstrings)."""
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
    return literal(text)


def environment(func_docstring: Callable[..., str] | None = None) -> jinja2.Environment:
    """The templates' environment, with the `docstring` filter and the generator's `func_docstring`."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["docstring"] = docstring
    if func_docstring is not None:
        env.filters["func_docstring"] = func_docstring
    return env


def format_source(source: str, name: str) -> str:
    """`source` formatted as black formats it (line length 110), by `fastfmt`, which hands
    black what it doesn't handle itself; `name` says which generated file it is if black finds
    it is not Python (`fastfmt` doesn't check the syntax of what it handles: the generated
    code's tests, mypy and the goldens do)."""
    try:
        return fastfmt.fast_format(source)
    except Exception as exc:  # a template bug, not a user error: show the source
        if type(exc).__name__ != "InvalidInput":
            raise
        raise RuntimeError(f"generated {name} is not valid Python: {exc}\n{source}") from None


def write_files(
    files: dict[str, str], out_dir: str | os.PathLike[str], generated_dirs: Iterable[str]
) -> None:
    """Write `files` under `out_dir`, first removing the `generated_dirs` a previous run left there."""
    out = Path(out_dir)
    for sub in generated_dirs:
        if (out / sub).is_dir():
            shutil.rmtree(out / sub)
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
