"""Build the end-to-end test components from the sources in ``components/``.

Each component is built at most once per set of inputs: the output goes to
``$WITGEN_TEST_CACHE/components/<name>-<hash>.wasm`` (default cache:
``~/.cache/witgen-tests``), where the hash covers every source file of the
component, its build recipe and the versions of the tools used. Concurrent
builders (pytest-xdist workers, parallel test runs) serialise on a
``fcntl.flock`` per output file, build in a private temporary directory and
publish the result with an atomic ``os.replace``, so a reader never sees a
half-written file.

Run ``python tests/e2e/build.py [NAME ...]`` to build (and time) components by hand.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
COMPONENTS = HERE / "components"
ROOT = HERE.parents[1]

# Bump to invalidate every cached artifact when the recipe below changes.
RECIPE_VERSION = "2"


class BuildError(RuntimeError):
    """A build tool failed; the message holds the command and its output."""


@dataclass(frozen=True)
class Spec:
    """How to build one component from ``components/<name>/``."""

    name: str
    kind: str  # "wat": wasm-tools parse/embed/new; "py": componentize-py; "js": componentize-js; "composed": see `parts`
    world: str
    wit: str  # WIT file or directory, relative to the component directory
    source: str  # the .wat file, or the Python app module name
    needs_map: bool = False  # loading needs wasmtime.Config.wasm_component_model_map
    encoding: str = "utf8"  # WAT components: the string encoding (`wasm-tools component embed --encoding`)
    parts: tuple[
        tuple[str, str, str], ...
    ] = ()  # composed: (world, .wat, encoding) each; the first is the root
    dirname: str = ""  # the directory under components/ when it is not `name`
    home: Path = field(default=COMPONENTS, repr=False)  # the components/ directory it is in

    @property
    def dir(self) -> Path:
        return self.home / (self.dirname or self.name)

    @property
    def wit_path(self) -> Path:
        return self.dir / self.wit

    @property
    def tools(self) -> tuple[str, ...]:
        return {"py": ("componentize-py",), "js": ("componentize-js",)}.get(self.kind, ("wasm-tools",))


SPECS: dict[str, Spec] = {
    "calc": Spec("calc", "wat", world="calculator", wit="calc.wit", source="calc.wat"),
    "maps": Spec("maps", "wat", world="maps", wit="maps.wit", source="maps.wat", needs_map=True),
    "echo": Spec("echo", "wat", world="echo", wit="echo.wit", source="echo.wat", needs_map=True),
    "kitchen": Spec("kitchen", "py", world="kitchen-sink", wit="wit", source="app"),
    # wasi:sockets through Python's socket module (tests/wasi/test_sockets_guest.py)
    "sockets": Spec("sockets", "py", world="sockets-probe", wit="wit", source="app"),
    # a JavaScript guest from another toolchain (imports ~18 WASI interfaces and wasi:http)
    "greeter-js": Spec("greeter-js", "js", world="greeter", wit="wit", source="app.js"),
    "http": Spec("http", "wat", world="http-client", wit="wit", source="http.wat"),
    "borrows": Spec("borrows", "wat", world="borrows", wit="borrows.wit", source="borrows.wat"),
    # tests/wasi's WASI behaviour guest: plain Python file, env, stdio, exit, sleep, random calls
    "probe": Spec(
        "probe", "py", world="probe", wit="wit", source="app", home=ROOT / "tests" / "wasi" / "components"
    ),
    "fixed": Spec("fixed", "wat", world="fixed", wit="fixed.wit", source="fixed.wat"),
    # `witgen run`'s: exports without imports, and a WASI reader of --env and --dir
    "runnable": Spec("runnable", "wat", world="runnable", wit="runnable.wit", source="runnable.wat"),
    "wasienv": Spec("wasienv", "wat", world="wasienv", wit="wit", source="wasienv.wat"),
    # `front` composed with `backend` (wasm-tools compose); the backend's strings in each encoding
    **{
        name: Spec(
            name,
            "composed",
            world="relay",
            wit="relay.wit",
            source="front.wat",
            parts=(("front", "front.wat", "utf8"), ("backend", "backend.wat", encoding)),
            dirname="relay",
        )
        for name, encoding in [("relay", "utf8"), ("relay-utf16", "utf16"), ("relay-latin1", "compact-utf16")]
    },
    # the backend alone, for the host's own UTF-16 and latin-1+UTF-16 code
    **{
        name: Spec(
            name,
            "wat",
            world="backend",
            wit="relay.wit",
            source="backend.wat",
            encoding=encoding,
            dirname="relay",
        )
        for name, encoding in [("backend-utf16", "utf16"), ("backend-latin1", "compact-utf16")]
    },
}


def cache_dir() -> Path:
    """The shared artifact cache (``WITGEN_TEST_CACHE`` or ``~/.cache/witgen-tests``)."""
    env = os.environ.get("WITGEN_TEST_CACHE")
    path = Path(env) if env else Path.home() / ".cache" / "witgen-tests"
    path.mkdir(parents=True, exist_ok=True)
    return path


def tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise BuildError(f"{name} is not installed (pip install -e '.[dev]')")
    return exe


COMPONENTIZE_JS = "0.23.0"
"""The npm release of @bytecodealliance/componentize-js the JavaScript guests are built with."""


JCO = "1.35.0"
"""The npm release of @bytecodealliance/jco whose transpiled JavaScript bench/peers.py times."""


def componentize_js() -> str:
    """The componentize-js command, installed from npm into the cache once (about 15 s, 390 MB)."""
    return npm_command("componentize-js", "@bytecodealliance/componentize-js", COMPONENTIZE_JS)


def jco() -> str:
    """The jco command, installed from npm into the cache once (about 12 s)."""
    return npm_command("jco", "@bytecodealliance/jco", JCO)


def npm_command(command: str, package: str, version: str) -> str:
    """`command` of npm `package@version`, installed into the cache once."""
    prefix = cache_dir() / "npm" / f"{command}-{version}"
    exe = prefix / "node_modules" / ".bin" / command
    if exe.exists():
        return str(exe)
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(
            "npm is not installed (Node.js 18 or newer is needed to build JavaScript test components)"
        )
    prefix.mkdir(parents=True, exist_ok=True)
    with locked(prefix / "install"):
        if not exe.exists():
            _run(
                [
                    npm,
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--prefix",
                    str(prefix),
                    f"{package}@{version}",
                ],
                cwd=prefix,
            )
    return str(exe)


@cache
def tool_version(name: str) -> str:
    if name == "componentize-js":
        return COMPONENTIZE_JS
    out = subprocess.run([tool(name), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _source_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".wasm", ".cwasm"}
    )


def input_hash(spec: Spec) -> str:
    h = hashlib.sha256()
    h.update(f"recipe={RECIPE_VERSION}\0{spec!r}\0".encode())
    for name in spec.tools:
        h.update(f"{name}={tool_version(name)}\0".encode())
    for path in _source_files(spec.dir):
        h.update(path.relative_to(spec.dir).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:20]


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Exclusive inter-process lock on ``<path>.lock`` (held for the block)."""
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _run(cmd: list[str], cwd: Path) -> None:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise BuildError(f"$ {' '.join(cmd)}\n(exit {out.returncode})\n{out.stdout}\n{out.stderr}")


def _build_into(spec: Spec, work: Path) -> Path:
    """Build ``spec`` inside the scratch directory ``work``; return the .wasm path."""
    src = work / "src"
    shutil.copytree(spec.dir, src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.wasm"))
    out = work / f"{spec.name}.wasm"
    if spec.kind == "wat":
        _build_wat(src, spec.wit, spec.world, spec.source, spec.encoding, out)
    elif spec.kind == "composed":
        parts = []
        for world, source, encoding in spec.parts:
            parts.append(work / f"{world}.wasm")
            _build_wat(src, spec.wit, world, source, encoding, parts[-1])
        definitions = [arg for part in parts[1:] for arg in ("-d", str(part))]
        _run([tool("wasm-tools"), "compose", str(parts[0]), *definitions, "-o", str(out)], cwd=src)
    elif spec.kind == "py":
        _run(
            [
                tool("componentize-py"),
                "-d",
                spec.wit,
                "-w",
                spec.world,
                "componentize",
                spec.source,
                "-p",
                ".",
                "-o",
                str(out),
            ],
            cwd=src,
        )
    elif spec.kind == "js":
        _run([componentize_js(), "--wit", spec.wit, "-n", spec.world, "-o", str(out), spec.source], cwd=src)
    else:  # pragma: no cover
        raise ValueError(spec.kind)
    return out


def _build_wat(src: Path, wit: str, world: str, source: str, encoding: str, out: Path) -> None:
    """WAT core module -> component: `wasm-tools parse`, `component embed`, `component new`."""
    wt = tool("wasm-tools")
    core, embedded = out.with_suffix(".core.wasm"), out.with_suffix(".embed.wasm")
    _run([wt, "parse", source, "-o", str(core)], cwd=src)
    embed = [wt, "component", "embed", wit, str(core), "--world", world, "--encoding", encoding]
    _run([*embed, "-o", str(embedded)], cwd=src)
    _run([wt, "component", "new", str(embedded), "-o", str(out)], cwd=src)


def build(name: str) -> Path:
    """Return the path of the built component ``name``, building it if needed."""
    spec = SPECS[name]
    outdir = cache_dir() / "components"
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{name}-{input_hash(spec)}.wasm"
    if target.exists():
        return target
    with locked(target):
        if target.exists():  # another process built it while we waited
            return target
        with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=outdir) as tmp:
            built = _build_into(spec, Path(tmp))
            staged = outdir / f".{target.name}.{os.getpid()}.tmp"
            shutil.copyfile(built, staged)
            os.replace(staged, target)
    return target


WASI_0_2_12 = ROOT.parent / "shared" / "corpus" / "wasi" / "0.2.12"


def kitchen_wit_with_wasi(directory: Path) -> Path:
    """kitchen's WIT (written into `directory`/wit) with `kitchen-sink` also importing
    `wasi:cli/imports@0.2.12`, so its bindings have the WASI fields the cabi engine links (the
    component's 0.2.9 imports link semver-compatibly)."""
    wit = directory / "wit"
    wit.mkdir()
    for path in SPECS["kitchen"].wit_path.glob("*.wit"):
        text = path.read_text().replace("world kitchen-sink {", "world kitchen-sink-base {")
        (wit / path.name).write_text(text)
    (wit / "with-wasi.wit").write_text(
        "package witgen-e2e:kitchen@0.1.0;\n\n"
        "/// Every WIT type in both directions (host bindings end-to-end test), with WASI.\n"
        "world kitchen-sink {\n  include kitchen-sink-base;\n  include wasi:cli/imports@0.2.12;\n}\n"
    )
    (wit / "deps").mkdir()
    for name in ("cli", "clocks", "filesystem", "io", "random", "sockets"):
        (wit / "deps" / name).symlink_to(WASI_0_2_12 / name, target_is_directory=True)
    return wit


def wasmtime_version() -> str:
    return importlib.metadata.version("wasmtime")


def engine_for(name: str) -> Any:
    """A ``wasmtime.Engine`` configured for component ``name``."""
    import wasmtime

    config = wasmtime.Config()
    if SPECS[name].needs_map:
        config.wasm_component_model_map = True
    return wasmtime.Engine(config)


def load_component(name: str, engine: Any) -> Any:
    """The built component ``name`` as a ``wasmtime.component.Component`` for ``engine``.

    The compiled artifact is cached next to the .wasm (keyed on the wasm's
    hash and the wasmtime version), because compiling the componentize-py
    guest takes seconds while deserializing it takes milliseconds.
    """
    from wasmtime.component import Component

    wasm = build(name)
    key = hashlib.sha256(f"{wasm.name}\0{wasmtime_version()}\0{SPECS[name].needs_map}".encode()).hexdigest()[
        :16
    ]
    cwasm = wasm.with_name(f"{wasm.stem}-{key}.cwasm")
    if not cwasm.exists():
        with locked(cwasm):
            if not cwasm.exists():
                blob = Component.from_file(engine, str(wasm)).serialize()
                staged = cwasm.with_name(f".{cwasm.name}.{os.getpid()}.tmp")
                staged.write_bytes(bytes(blob))
                os.replace(staged, cwasm)
    return Component.deserialize_file(engine, str(cwasm))


def main(argv: list[str]) -> int:
    names = argv or list(SPECS)
    for name in names:
        start = time.perf_counter()
        path = build(name)
        print(f"{name}: {path} ({path.stat().st_size} bytes, {time.perf_counter() - start:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
