"""Unformatted generator output for the fast formatter's differential test (and bench/gen.py).

`sources(...)` renders host bindings and guest stubs (and the `--app` skeleton) with
`format_source` replaced by a recorder, so what it returns is exactly what the templates emit,
before formatting: the input `fastfmt.fast_format` and `black.format_str` must agree on.

`python -m tests.fastfmt_corpus [--wasi-0.3] [--smith N]` compares the two on the whole corpus
(goldens, examples, dense random worlds, the e2e components, every WASI world; host and guest)
and prints mismatches; the default test suite runs a slice.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

from witgen.errors import WitError
from witgen.resolve import Loaded, load

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.is_dir():  # a worktree: /work/wt/<name> beside /work/shared
    CORPUS = ROOT.parent.parent / "shared" / "corpus"


def sources(loaded: Loaded, world_name: str | None, label: str) -> Iterator[tuple[str, str]]:
    """(name, unformatted source) of every Python file generated for one world: host package,
    guest stubs and the guest app skeleton (the parts the generator supports)."""
    import witgen.gen_guest.render as guest_render
    import witgen.gen_host.render as host_render
    from witgen import gen_guest, gen_host

    recorded: list[tuple[str, str]] = []

    def record(source: str, name: str) -> str:
        recorded.append((f"{label}:{name}", source))
        return source

    world = loaded.select_world(world_name)
    with (
        mock.patch.object(host_render, "format_source", record),
        mock.patch.object(guest_render, "format_source", record),
    ):
        for make in (
            lambda: gen_host.generate(loaded.resolve, world, "pkg"),
            lambda: gen_guest.generate(loaded.resolve, world),
            lambda: gen_guest.generate_app(loaded.resolve, world, "app"),
        ):
            try:
                make()
            except Exception:  # noqa: BLE001 - a world this generator refuses, or fails on
                pass  # (the generators' own tests cover that; here only the formatting counts)
    yield from recorded


def golden_inputs() -> list[Path]:
    """The golden cases' WIT (host and guest) and the examples' WIT."""
    found = sorted((ROOT / "tests" / "golden").glob("*/*/input.wit"))
    found += [ROOT / "examples" / "greeter.wit", ROOT / "examples" / "calculator" / "calc.wit"]
    found += sorted((ROOT / "examples" / "guest" / "wit").glob("*.wit"))
    return [p for p in found if p.exists()]


def golden_sources() -> Iterator[tuple[str, str]]:
    for path in golden_inputs():
        loaded = load(path)
        for world in _world_names(loaded):
            yield from sources(loaded, world, f"{path.relative_to(ROOT)}#{world}")


def wasi_sources(version: str, packages: list[str] | None = None) -> Iterator[tuple[str, str]]:
    """Every world of every WASI package of `version` in the shared corpus."""
    base = CORPUS / "wasi" / version
    for pkg in sorted(p for p in base.iterdir() if p.is_dir()):
        if packages is not None and pkg.name not in packages:
            continue
        try:
            loaded = load(pkg)
        except WitError:
            continue
        for world in _world_names(loaded):
            yield from sources(loaded, world, f"wasi/{version}/{pkg.name}#{world}")


def smith_sources(seeds: range) -> Iterator[tuple[str, str]]:
    """Random WIT from `wasm-tools wit-smith` (tests/wit_corpus.py's seeds)."""
    from tests.wit_corpus import smith

    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            for extended in (False, True):
                path = smith(seed, extended, Path(tmp))
                try:
                    loaded = load(path)
                except WitError:
                    continue
                for world in _world_names(loaded):
                    yield from sources(loaded, world, f"smith{seed}{'-ext' if extended else ''}#{world}")


def dense_sources(seeds: range, types: int = 25, functions: int = 40) -> Iterator[tuple[str, str]]:
    """Worlds dense in functions over deeply nested types (tests/abi/random_wit.py): long
    signatures, long codec tables, deep lift/lower code."""
    from tests.abi.random_wit import random_world

    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            path = Path(tmp) / f"dense{seed}.wit"
            path.write_text(random_world(seed, types, functions))
            try:
                loaded = load(path)
            except WitError:
                continue
            for world in _world_names(loaded):
                yield from sources(loaded, world, f"dense{seed}#{world}")


def e2e_sources() -> Iterator[tuple[str, str]]:
    """The e2e components' WIT (tests/e2e/components)."""
    for wit in sorted((ROOT / "tests" / "e2e" / "components").glob("*/**/*.wit")):
        target = wit.parent if wit.parent.name == "wit" else wit
        if target != wit and wit.name != "world.wit":
            continue
        loaded = load(target)
        for world in _world_names(loaded):
            yield from sources(loaded, world, f"{wit.relative_to(ROOT)}#{world}")


def _world_names(loaded: Loaded) -> list[str]:
    return list(loaded.resolve.packages[loaded.main].worlds)


def mismatches(items: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    """(name, black's output, fast_format's output) where they differ."""
    from witgen.pyview import fastfmt

    for name, source in items:
        fast = fastfmt.fast_format(source)
        reference = fastfmt.black_format(source)
        if fast != reference:
            yield name, reference, fast


def main(argv: list[str]) -> int:
    import difflib

    from witgen.pyview import fastfmt

    items: list[Iterator[tuple[str, str]]] = [
        golden_sources(),
        dense_sources(range(8)),
        wasi_sources("0.2.12"),
    ]
    if "--wasi-0.3" in argv:
        items.append(wasi_sources("0.3.0"))
    if "--smith" in argv:
        items.append(smith_sources(range(int(argv[argv.index("--smith") + 1]))))
    start = time.perf_counter()
    bad = 0
    for item in items:
        for name, reference, fast in mismatches(item):
            bad += 1
            print(f"MISMATCH {name}")
            diff = difflib.unified_diff(
                reference.splitlines(), fast.splitlines(), "black", "fastfmt", lineterm=""
            )
            print("\n".join(list(diff)[:60]))
    stats = fastfmt.STATS
    total = stats.fast + stats.black
    print(
        f"{bad} mismatches; chunks: {stats.fast} fast, {stats.black} black "
        f"({100 * stats.black / max(total, 1):.2f}%), {stats.whole_module_black} whole modules to black; "
        f"{time.perf_counter() - start:.1f} s"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
