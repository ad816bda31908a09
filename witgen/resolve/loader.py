"""Finding and parsing the WIT files that make up a set of packages.

A path is a ``.wit`` file (one package, plus any nested ``package x { }``
blocks) or a directory (one package from all its ``.wit`` files, with its
dependencies under ``deps/``: each a directory, a ``.wit`` file, or a WIT
package encoded as WebAssembly, binary or text, in a ``.wasm`` or ``.wat``
file; a file's content, not its name, says which, as for the reference).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from witgen.errors import SourceFile, WitError
from witgen.parser import ast
from witgen.parser.parser import parse_file
from witgen.resolve import ir
from witgen.resolve.wat import is_wasm_text, wat_to_wasm

MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass
class PackageSource:
    """The AST of one package: a name, its docs and its files' declarations."""

    name: ast.PackageName | None
    headers: list[ast.PackageHeader] = field(default_factory=list)
    decls: list[tuple[SourceFile, list[ast.FileItem]]] = field(default_factory=list)
    nested_docs: list[str] | None = None

    def key(self) -> tuple[str, str, str | None]:
        assert self.name is not None
        return self.name.key()


@dataclass
class BinaryPackage:
    """A binary WIT package from ``deps/``, decoded straight to IR: its package is the last of
    `resolve.packages`, after the parts of other packages it uses (which give way to their
    full definitions when it is merged, see ``merge.py``)."""

    resolve: ir.Resolve
    display: str

    def keys(self) -> list[tuple[str, str, str | None]]:
        """Its packages' names, the foreign ones first and its own last."""
        return [(p.name.namespace, p.name.name, p.name.version) for p in self.resolve.packages]

    def key(self) -> tuple[str, str, str | None]:
        return self.keys()[-1]


def read_source(path: Path, display: str) -> SourceFile:
    """Read a WIT file as UTF-8, turning OS and encoding problems into WitErrors."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise WitError(f"{display}: file is larger than {MAX_FILE_BYTES} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise WitError(f"failed to read {display}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WitError(f"{display}: file is not valid UTF-8 (byte offset {exc.start})") from None
    return SourceFile(display, text)


def parse_group(sources: list[SourceFile]) -> list[PackageSource]:
    """Parse files of one package; returns nested packages, then the main package."""
    main = PackageSource(None)
    nested: list[PackageSource] = []
    for source in sources:
        parsed = parse_file(source)
        top: list[ast.FileItem] = []
        for item in parsed.items:
            if isinstance(item, ast.NestedPackage):
                nested.append(_nested_package(source, item))
            else:
                top.append(item)
        if parsed.header is not None:
            header = parsed.header
            if main.name is not None and header.name.key() != main.name.key():
                raise WitError(
                    f"package identifier `{header.name}` does not match previous package name of `{main.name}`",
                    header.name.span,
                )
            if header.docs and any(h.docs for h in main.headers):
                raise WitError("found doc comments on multiple 'package' items", header.docs_span)
            main.name = header.name
            main.headers.append(header)
        main.decls.append((source, top))
    if main.name is None:  # the reference: even when the files hold nested packages
        raise WitError("no `package` header was found in any WIT file for this package")
    return nested + ([main] if main.name is not None else [])


def _nested_package(source: SourceFile, pkg: ast.NestedPackage) -> PackageSource:
    for item in pkg.items:
        if isinstance(item, ast.NestedPackage):
            raise WitError("nested packages must be placed at the top-level", item.name.span)
    return PackageSource(pkg.name, decls=[(source, list(pkg.items))], nested_docs=pkg.docs)


def _display(path: Path) -> str:
    return str(path)


def load_sources(
    path: str | os.PathLike[str],
) -> tuple[list[PackageSource], list[PackageSource | BinaryPackage]]:
    """Parse a WIT file or directory and its ``deps/``.

    Returns (packages of the main group, packages of all dependencies).
    """
    root = Path(path)
    if not root.exists():
        raise WitError(f"no such file or directory: {root}")
    if root.is_dir():
        main = parse_group(_wit_files(root))
        deps: list[PackageSource | BinaryPackage] = []
        deps_dir = root / "deps"
        if deps_dir.is_dir():
            for entry in sorted(deps_dir.iterdir(), key=lambda p: p.name):
                if entry.is_dir():
                    deps.extend(parse_group(_wit_files(entry)))
                elif entry.suffix in (".wit", ".wat", ".wasm"):  # each by its content, like the reference
                    data = read_wasm(entry)
                    if data is None:
                        deps.extend(parse_group([read_source(entry, _display(entry))]))
                    else:
                        deps.append(binary_package(entry, data))
        return main, deps
    return parse_group([read_source(root, _display(root))]), []


def read_wasm(path: Path) -> bytes | None:
    """The WebAssembly binary the file holds: its bytes (by the `\\0asm` magic) or the binary its
    WebAssembly text spells (`wat.py`); None if it is neither (WIT)."""
    display = _display(path)
    try:
        with path.open("rb") as f:
            data = f.read(4)
            if data != b"\0asm" and path.stat().st_size > MAX_FILE_BYTES:
                raise WitError(f"{display}: file is larger than {MAX_FILE_BYTES} bytes")
            data += f.read()
    except OSError as exc:
        raise WitError(f"failed to read {display}: {exc.strerror or exc}") from None
    if data[:4] == b"\0asm":
        return data
    if is_wasm_text(data):
        return wat_to_wasm(data, display)
    if path.suffix == ".wasm":
        raise WitError(f"{display}: not a WebAssembly binary (no `\\0asm` magic)")
    return None


def binary_package(path: Path, data: bytes) -> BinaryPackage:
    """A binary WIT package in deps/ (`data`, read from `path`), decoded to IR."""
    from witgen.resolve.from_component import decode_wasm

    decoded = decode_wasm(data, _display(path))
    if decoded.world is not None:
        raise WitError(f"{_display(path)}: is a component, not a binary WIT package")
    return BinaryPackage(decoded.resolve, _display(path))


def _wit_files(directory: Path) -> list[SourceFile]:
    files = sorted(
        (p for p in directory.iterdir() if p.suffix == ".wit" and p.is_file()), key=lambda p: p.name
    )
    return [read_source(p, _display(p)) for p in files]
