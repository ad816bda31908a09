"""Host bindings for the spec's components, generated as a user would (`witgen.resolve.load`,
`select_world(None)`, `witgen.gen_host.generate`, `write_package`) and imported.

One package per component: both engines run from it (`abi=` picks at load time). Packages are
cached in `<cmspec cache>/bindings/<generator hash>/cms_<component digest>/`, where the generator
hash covers every file of the `witgen` being tested, its templates, and black's and Python's
versions, so a change to witgen never meets bindings an older witgen made. A component witgen
can't make bindings for is cached as its error (`cms_<digest>.error`, JSON), together with
whether `wasm-tools component wit` can print its WIT: where it can, witgen must make bindings
too; where it can't (a component exporting a core module or a bare type), no WIT expresses the
component and the runner instantiates it through the runtime directly.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import ModuleType

from .cache import cache_dir, locked
from .scripts import wasm_tools


class NoBindings(Exception):
    """witgen could not generate bindings for a component; the message says why."""

    def __init__(self, reason: str, no_wit: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.no_wit = no_wit
        """Why `wasm-tools component wit` can't print the component's WIT either (None: it can)."""


FORMAT = "2"
"""Bump when what this module caches changes shape."""


@functools.cache
def generator_hash() -> str:
    """A hash of the generator's inputs: every file of `witgen` and its templates."""
    import importlib.metadata

    import witgen
    from witgen.pyview.render import templates_dir

    h = hashlib.sha256(
        f"format {FORMAT}\0black {importlib.metadata.version('black')}\0python {sys.version}\0".encode()
    )
    for root in (Path(witgen.__file__).parent, templates_dir()):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(root).as_posix().encode() + b"\0")
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


STALE_DAYS = 3
"""Packages of a generator hash not used for this long are deleted (every edit of witgen makes a
new hash, ~10 MB of packages each)."""


@functools.cache
def _packages_dir() -> Path:
    """This generator's package directory, marked as used; other hashes' stale ones are removed."""
    root = cache_dir() / "bindings"
    path = root / generator_hash()
    path.mkdir(parents=True, exist_ok=True)
    (path / ".used").touch()
    now = time.time()
    for other in root.iterdir():
        used = other / ".used" if (other / ".used").exists() else other
        if other != path and other.is_dir() and now - used.stat().st_mtime > STALE_DAYS * 86400:
            shutil.rmtree(other, ignore_errors=True)
    return path


def package_name(wasm: bytes) -> str:
    return "cms_" + hashlib.sha256(wasm).hexdigest()[:20]


_imported: dict[str, ModuleType | NoBindings] = {}


def bindings(wasm_path: Path) -> ModuleType:
    """The imported bindings package of the component at `wasm_path`, or `NoBindings`."""
    data = wasm_path.read_bytes()
    name = package_name(data)
    found = _imported.get(name)
    if found is None:
        found = _load(wasm_path, name)
        _imported[name] = found
    if isinstance(found, NoBindings):
        raise found
    return found


def _load(wasm_path: Path, name: str) -> ModuleType | NoBindings:
    parent = _packages_dir()
    out = parent / name
    error = parent / f"{name}.error"
    with locked(out):
        if not out.is_dir() and not error.exists():
            _generate(wasm_path, parent, name)
    if error.exists():
        saved = json.loads(error.read_text())
        return NoBindings(saved["reason"], saved["no_wit"])
    if str(parent) not in sys.path:
        sys.path.insert(0, str(parent))
    importlib.invalidate_caches()
    return importlib.import_module(name)


def _generate(wasm_path: Path, parent: Path, name: str) -> None:
    """Generate into a private directory and publish it (or the error) atomically."""
    from witgen import gen_host
    from witgen.errors import WitError
    from witgen.resolve import load

    try:
        loaded = load(wasm_path)
        files = gen_host.generate(loaded.resolve, loaded.select_world(None), name)
    except WitError as exc:
        text = " ".join(exc.render().split()).replace(str(wasm_path), "<component>")
        _publish_error(parent, name, wasm_path, "bindings: " + text.removeprefix("error: "))
        return
    except Exception as exc:  # a witgen bug: keep it as the reason, with where it happened
        where = traceback.extract_tb(exc.__traceback__)[-1]
        _publish_error(
            parent,
            name,
            wasm_path,
            f"bindings crashed: {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})",
        )
        return
    work = Path(tempfile.mkdtemp(dir=parent, prefix=".tmp-"))
    gen_host.write_package(files, work / name)
    os.replace(work / name, parent / name)
    shutil.rmtree(work)


def _no_wit(wasm_path: Path) -> str | None:
    """Why the reference tool can't print the component's WIT, or None if it can."""
    proc = subprocess.run([wasm_tools(), "component", "wit", str(wasm_path)], capture_output=True, text=True)
    if proc.returncode == 0:
        return None
    first = next((line for line in proc.stderr.splitlines() if line.strip()), "no output")
    return first.removeprefix("error: ").strip()


def _publish_error(parent: Path, name: str, wasm_path: Path, reason: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        json.dump({"reason": reason, "no_wit": _no_wit(wasm_path)}, f)
    os.replace(tmp, parent / f"{name}.error")
