"""Reads ``wasm-tools print`` output back into (sort, index) sequences and export names.

The printer annotates every definition with its index (``(;N;)``); reading those per nesting
level gives an independent account of each component's index spaces to check the decoder with.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_QUOTED_ID = re.compile(r'\$"(?:[^"\\]|\\.)*"')
_NAME_ANNOTATION = re.compile(r'\(@name "(?:[^"\\]|\\.)*"\)')
_SORTED = re.compile(
    r"\((core (?:func|table|memory|global|type|module|instance)|func|type|instance|component|value)\b[^()]*?\(;(\d+);\)"
)
_EXPORT = re.compile(
    r"^\(export\b[^()]*?\(;(\d+);\)[^()]*\((core module|func|type|instance|component|value)\b"
)


@dataclass
class Printed:
    """One component of the printout: its definitions' (sort, index), names, nested components."""

    defs: list[tuple[str, int]] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    nested: list[Printed] = field(default_factory=list)


def print_component(wasm_tools: str, path: str) -> str:
    return subprocess.run(
        [wasm_tools, "print", "--skeleton", path], capture_output=True, text=True, check=True
    ).stdout


def parse(text: str) -> Printed:
    lines = text.splitlines()
    assert lines[0].startswith("(component")
    top, _ = _component(lines, 1, 2)
    return top


def _component(lines: list[str], i: int, indent: int) -> tuple[Printed, int]:
    comp = Printed()
    while i < len(lines):
        line = lines[i]
        depth = len(line) - len(line.lstrip(" "))
        if depth < indent:
            return comp, i + 1  # the closing paren of this component
        if depth > indent or line.strip().startswith(")"):
            i += 1
            continue
        body = _NAME_ANNOTATION.sub("", _QUOTED_ID.sub("$id", line.strip()))
        names = [q[1:-1].replace('\\"', '"').replace("\\\\", "\\") for q in _QUOTED.findall(body)]
        stripped = _QUOTED.sub('""', body)
        if stripped.startswith("(component") and stripped.count("(") > stripped.count(")"):
            m = _SORTED.search(stripped)
            assert m, line
            comp.defs.append(("component", int(m[2])))
            inner, i = _component(lines, i + 1, indent + 2)
            comp.nested.append(inner)
            continue
        if stripped.startswith("(export"):
            m = _EXPORT.search(stripped)
            assert m, line
            comp.defs.append((m[2], int(m[1])))
            comp.exports.append(names[-1])
        elif stripped.startswith("(@") or stripped.startswith("(start"):
            pass
        else:
            m = _SORTED.search(stripped)
            assert m, line
            comp.defs.append((m[1], int(m[2])))
            if stripped.startswith("(import"):
                comp.imports.append(names[0])
        i += 1
    return comp, i
