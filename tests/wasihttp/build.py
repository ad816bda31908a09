"""Build the `wasi:http/proxy` test guests (componentize-py) once per set of inputs, cached like
`tests/e2e/build.py` (same cache directory, locking and atomic publishing): the WASI 0.2.12 WIT
comes from the shared corpus as the guest's `wit/deps`."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from tests.e2e.build import WASI_0_2_12, _run, cache_dir, locked, tool, tool_version

COMPONENTS = Path(__file__).resolve().parent / "components"
PACKAGES = ("cli", "clocks", "filesystem", "http", "io", "random", "sockets")


def _hash(source: Path) -> str:
    h = hashlib.sha256(f"componentize-py={tool_version('componentize-py')}\0".encode())
    for path in sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def build(name: str, world: str = "handler", app: str = "app") -> Path:
    """The built component `components/<name>`, building it if needed."""
    source = COMPONENTS / name
    outdir = cache_dir() / "components"
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"http-{name}-{_hash(source)}.wasm"
    if target.exists():
        return target
    with locked(target):
        if target.exists():
            return target
        with tempfile.TemporaryDirectory(prefix=f".http-{name}-", dir=outdir) as tmp:
            src = Path(tmp) / "src"
            shutil.copytree(source, src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            (src / "wit" / "deps").mkdir()
            for package in PACKAGES:
                (src / "wit" / "deps" / package).symlink_to(WASI_0_2_12 / package, target_is_directory=True)
            built = Path(tmp) / f"{name}.wasm"
            _run([tool("componentize-py"), "-d", "wit", "-w", world, "componentize", app, "-p", ".", "-o", str(built)], src)
            staged = outdir / f".{target.name}.{os.getpid()}.tmp"
            shutil.copyfile(built, staged)
            os.replace(staged, target)
    return target
