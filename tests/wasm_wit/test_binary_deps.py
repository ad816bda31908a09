"""Binary WIT packages in `deps/` are decoded straight to IR and merged (no WIT printed and
re-parsed): packages several binaries carry in part are merged item by item, as the reference does."""

from __future__ import annotations

from pathlib import Path

from tests.wasm_wit.helpers import canonical, reference_json, wasm_tools
from witgen.resolve import load
from witgen.resolve.json_io import to_json

SHARED = """package x:shared;
interface i1 { type t1 = u32; f1: func(a: t1); }
interface i2 { record r2 { a: u8 } f2: func() -> r2; }
interface i3 { type t3 = string; }
"""


def _binary(tmp: Path, name: str, text: str) -> Path:
    """`text`'s package (with x:shared beside it) as a binary WIT package."""
    src = tmp / "src" / name
    (src / "deps" / "shared").mkdir(parents=True)
    (src / "deps" / "shared" / "shared.wit").write_text(SHARED)
    (src / f"{name}.wit").write_text(text)
    out = tmp / f"{name}.wasm"
    wasm_tools("component", "wit", src, "--wasm", "-o", out)
    return out


def test_two_binaries_carrying_parts_of_one_package(tmp_path: Path) -> None:
    """a.wasm carries x:shared's i1, b.wasm its i2 and i3: the merged x:shared has all three
    (re-parsing printed WIT failed here: `interface 'i2' not found in package 'x:shared'`)."""
    app = tmp_path / "app"
    (app / "deps").mkdir(parents=True)
    a = "package x:a;\ninterface ia { use x:shared/i1.{t1}; g: func(x: t1) -> t1; }\n"
    b = "package x:b;\ninterface ib { use x:shared/i2.{r2}; h: func(x: r2); }\nworld wb { import ib; export x:shared/i3; }\n"
    _binary(tmp_path, "a", a).rename(app / "deps" / "a.wasm")
    _binary(tmp_path, "b", b).rename(app / "deps" / "b.wasm")
    (app / "app.wit").write_text("package x:app;\nworld app { import x:a/ia; include x:b/wb; import x:shared/i1; }\n")
    ours = load(app).resolve
    assert canonical(to_json(ours)) == canonical(reference_json(app))
    shared = next(p for p in ours.packages if p.name.name == "shared")
    assert sorted(shared.interfaces) == ["i1", "i2", "i3"]
