"""The SDK README's reference: every export with its Python signature and WIT docs, and what the
host must provide, read off the host generator's view of the world."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from witgen.gen_host.model import FuncView, TypeDeclView, WorldView
from witgen.pyview.names import snake

INSTANCE = "sdk"
"""What the README calls the loaded instance (`sdk = package.load(...)`)."""

_MODULE_ALIAS = re.compile(r"\b_[A-Za-z0-9_]+\.")
_RESOURCE_BASE = re.compile(r"\b_([A-Z][A-Za-z0-9_]*)Base\b")


@dataclass
class Entry:
    """One callable, as the user writes it, and its docs."""

    code: str
    docs: str = ""


@dataclass
class Section:
    title: str
    docs: str = ""
    entries: list[Entry] = field(default_factory=list)


def readme_sections(view: WorldView) -> list[Section]:
    """The world's own exports, then one section per exported interface; resources within."""
    sections = []
    world = Section("World exports", entries=[_func(f, INSTANCE) for f in view.export_funcs])
    for t in view.guest_resources:
        world.entries += _resource(t, INSTANCE)
    if world.entries:
        sections.append(world)
    for m in view.export_modules:
        where = f"{INSTANCE}.{m.attr}"
        section = Section(f"`{where}`: exported interface `{m.link_name}`", _docs(m.docs))
        section.entries = [_func(f, where) for f in m.functions]
        for t in m.guest_resources:
            section.entries += _resource(t, where)
        sections.append(section)
    return sections


def _func(f: FuncView, where: str, call: str | None = None) -> Entry:
    params = f.params[1:] if f.kind == "method" else f.params  # the method's `self`
    code = f"{where}.{call or f.name}({plain(', '.join(f'{p.name}: {p.annotation}' for p in params))})"
    if f.returns != "None" and f.kind != "constructor":
        code += f" -> {plain(f.returns)}"
    docs = _docs(f.docs)
    if f.raises:
        docs = (docs + "\n\n" if docs else "") + f"Raises `Err` holding a `{plain(f.err_annotation or '')}`."
    return Entry(code, docs)


def _resource(t: TypeDeclView, where: str) -> list[Entry]:
    """A resource's constructor, methods (on an instance, spelled in snake case) and statics."""
    entries = [Entry(f"{where}.{t.name}", _docs(t.docs) or f"Resource `{t.wit_name}`.")]
    if t.constructor is not None:
        entries.append(_func(t.constructor, where, t.name))
    obj = snake(t.wit_name)
    entries += [_func(f, obj) for f in t.methods]
    entries += [_func(f, f"{where}.{t.name}") for f in t.statics]
    return entries


def plain(annotation: str) -> str:
    """An annotation as the user reads it: without the generated modules' private import
    aliases, and a resource's private base class (`_CounterBase`) as its public name."""
    return _RESOURCE_BASE.sub(r"\1", _MODULE_ALIAS.sub("", annotation))


def _docs(text: str | None) -> str:
    return (text or "").strip()
