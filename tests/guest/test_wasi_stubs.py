"""Stubs for every WASI 0.2.12 and 0.3.0 world pass ``mypy --strict`` (one mypy run over all).

The stubs' `wit_world` package only imports itself relatively, so each world's copy is renamed
(`w_<version>_<package>_<world>[_all]`) and all of them are checked together, next to one shared
`componentize_py_types` and `componentize_py_async_support` (identical for every world).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import WASI
from witgen.gen_guest import generate
from witgen.resolve import load


def _worlds() -> list[tuple[str, Path, str, bool]]:
    out = []
    for version in sorted(p for p in WASI.iterdir() if p.is_dir()):
        for pkg in sorted(p for p in version.iterdir() if p.is_dir()):
            for all_features in (False, True):
                loaded = load(pkg, all_features=all_features)
                for world in loaded.resolve.packages[loaded.main].worlds:
                    name = f"w_{version.name.replace('.', '_')}_{pkg.name}_{world.replace('-', '_')}"
                    out.append((name + ("_all" if all_features else ""), pkg, world, all_features))
    return out


def _generate(job: tuple[str, Path, str, bool]) -> tuple[str, dict[str, str]]:
    name, pkg, world, all_features = job
    loaded = load(pkg, all_features=all_features)
    return name, generate(loaded.resolve, loaded.select_world(world), format=False)  # black: see golden tests


def test_wasi_world_stubs_pass_mypy_strict(tmp_path: Path) -> None:
    worlds = _worlds()
    assert {name[:6] for name, *_ in worlds} == {"w_0_2_", "w_0_3_"} and len(worlds) >= 30, worlds
    generated = dict(map(_generate, worlds))
    seen: dict[str, dict[str, str]] = {}
    for name, files in generated.items():
        assert "wit_world/testing.py" in files
        if name.endswith("_all") and seen.get(name.removesuffix("_all")) == files:
            continue  # no @unstable items in this world: already checked
        seen[name] = files
        for rel, text in files.items():
            if rel.startswith("wit_world/"):
                rel = name + rel.removeprefix("wit_world")
            assert (
                "import wit_world" not in text and "from wit_world" not in text
            ), f"{rel} is not relocatable"
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    targets = sorted(p.name for p in tmp_path.iterdir())
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--no-color-output", *targets],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout
