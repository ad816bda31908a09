"""Readable generated packages (issue 17, item 6): the public modules of a host package hold the
API (types, Protocols, classes, docstrings) and no engine code; each engine's marshalling lives in
private modules (`_wiring/…`: codecs, import links, call-site tables; `_cabi/…`: the cabi engine's
generated call sites), imported only when needed: `_wiring` when an instance is made, `_cabi` by
the cabi engine only."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import WASI

from witgen.gen_host import generate, write_package
from witgen.resolve import load

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "host"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input.wit").is_file())
PRIVATE = ("_wiring/", "_cabi/")

CODEC_NAME = re.compile(r"_[A-Z0-9_]+$")
ENGINE_NAMES = re.compile(r"^_(sites|params_|result_|cabi|link|abi)")


def golden_files(case: str) -> dict[str, str]:
    pkg = GOLDEN / case / case
    return {
        p.relative_to(pkg).as_posix(): p.read_text()
        for p in pkg.rglob("*.py")
        if "__pycache__" not in p.parts
    }


def engine_code(source: str) -> list[str]:
    """What in a module's top level (or anywhere, for `no_type_check` and the cabi helpers) is
    engine code rather than API."""
    found = []
    if "no_type_check" in source:
        found.append("a no_type_check trampoline")
    if "_abi." in source or "runtime.cabi" in source:
        found.append("the cabi engine's support helpers")
    for word in ("define_func", "SiteTable(", "Codec(", "list_of("):
        if word in source:
            found.append(f"`{word}`")
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(f"function `{node.name}`")
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        for target in targets:
            if isinstance(target, ast.Name) and (
                CODEC_NAME.match(target.id) or ENGINE_NAMES.match(target.id)
            ):
                found.append(f"`{target.id} = ...`")
    return found


def public(files: dict[str, str]) -> dict[str, str]:
    return {
        path: text for path, text in files.items() if not path.startswith(PRIVATE) and path.endswith(".py")
    }


def test_the_check_finds_engine_code() -> None:
    """`engine_code` flags what the public modules held before the split."""
    before = (
        "_PERSON = _rt.RecordCodec('person', Person, [])\n"
        "_params_log: list[tuple[str, _rt.Codec]] = []\n"
        "def _cabi_greet(site): pass\n"
        "_sites: dict[str, _rt.SiteSpec] = {}\n"
    )
    assert len(engine_code(before)) >= 5
    assert engine_code("class Person:\n    name: str\n") == []


@pytest.mark.parametrize("case", CASES)
def test_golden_public_modules_hold_no_engine_code(case: str) -> None:
    files = golden_files(case)
    for path, source in public(files).items():
        assert engine_code(source) == [], f"{case}/{path}"
    assert any(path.startswith("_wiring/") for path in files), case
    assert any(path.startswith("_cabi/") for path in files), case


def test_proxy_public_modules_hold_only_the_api() -> None:
    """wasi:http's `proxy`: `imports/types.py` keeps its types, Protocols and docstrings; its
    codecs, link and ~90 call sites live in its two private modules."""
    loaded = load(WASI / "0.2.12" / "http")
    files = generate(loaded.resolve, loaded.select_world("proxy"), "proxy")
    for path, source in public(files).items():
        assert engine_code(source) == [], path
    types = files["imports/types.py"]
    assert "class Fields(Protocol):" in types and "class ErrorCode_DnsError:" in types
    assert "Represents an incoming HTTP Request." in types  # WIT docs stay with the API
    wiring, cabi = files["_wiring/imports/types.py"], files["_cabi/imports/types.py"]
    assert "_ERROR_CODE = _rt.VariantCodec(" in wiring and "def link(" in wiring
    assert '_cabi = _rt.CabiCode("proxy._cabi.imports.types")' in wiring
    assert "_cabi." + "import_Fields_new" in wiring
    factories = [n.name for n in ast.parse(cabi).body if isinstance(n, ast.FunctionDef)]
    assert "import_Fields_new" in factories and len(factories) > 50
    assert len(types.splitlines()) < len(cabi.splitlines()) / 3
    # one private module per public module that needs one, beside it
    for path in files:
        if path.startswith(PRIVATE) and not path.endswith("__init__.py") and not path.endswith("/world.py"):
            assert path.split("/", 1)[1] in files, f"{path} has no public module"


PROGRAM = """
import json, sys
import calc_bindings.exports.calc
import calc_bindings.imports.host

def private():
    names = [m for m in sys.modules if m.startswith("calc_bindings._")]
    names += [m for m in sys.modules if m == "witgen.runtime.cabi.support"]
    return sorted(names)

steps = {"api imported": private()}
from calc_bindings import Calculator, CalculatorImports

class Host:
    def tick(self, x: int) -> int:
        return x

for abi in ("wasmtime", "cabi"):
    calc = Calculator.from_file(sys.argv[1], imports=CalculatorImports(host=Host(), log=print), abi=abi)
    assert calc.add(2, 3) == 5 and calc.calc.add(4, 5) == 9 and calc.loop_host(3) == 6
    steps[abi] = private()
print(json.dumps(steps))
"""


def test_private_modules_are_imported_only_when_needed(tmp_path: Path) -> None:
    loaded = load(ROOT / "examples" / "calculator" / "calc.wit")
    write_package(
        generate(loaded.resolve, loaded.select_world(), "calc_bindings"), tmp_path / "calc_bindings"
    )
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(ROOT / "examples" / "calculator" / "calculator.wasm")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    steps = json.loads(out.stdout.splitlines()[-1])
    assert steps["api imported"] == []
    wiring = [
        "calc_bindings._wiring",
        "calc_bindings._wiring.exports",
        "calc_bindings._wiring.exports.calc",
        "calc_bindings._wiring.imports",
        "calc_bindings._wiring.imports.host",
        "calc_bindings._wiring.world",
    ]
    assert steps["wasmtime"] == wiring
    cabi = [
        "calc_bindings._cabi",
        "calc_bindings._cabi.exports",
        "calc_bindings._cabi.exports.calc",
        "calc_bindings._cabi.imports",
        "calc_bindings._cabi.imports.host",
        "calc_bindings._cabi.world",
    ]
    assert steps["cabi"] == sorted(cabi + wiring + ["witgen.runtime.cabi.support"])


IMPORT_EACH_ALONE = """
import importlib, sys
package, modules = sys.argv[1], sys.argv[2:]
for module in modules:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]
    importlib.import_module(module)
"""


@pytest.mark.parametrize("case", CASES)
def test_every_module_imports_first(case: str) -> None:
    """Any module of a generated package, public or private, can be the first one imported."""
    modules = sorted(
        ".".join([case, *Path(path).with_suffix("").parts]).removesuffix(".__init__")
        for path in golden_files(case)
    )
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_ALONE, case, *modules],
        cwd=GOLDEN / case,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr


def test_cabi_code_names_each_factory_once_and_imports_its_module_on_first_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from witgen.runtime import CabiCode

    (tmp_path / "lazy_cabi_mod.py").write_text("def export_f(site):\n    return lambda: site * 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "lazy_cabi_mod", raising=False)
    code = CabiCode("lazy_cabi_mod")
    factory = code.export_f
    assert factory is code.export_f  # the cabi engine's import-check cache keys on it
    assert "lazy_cabi_mod" not in sys.modules
    assert factory(21)() == 42
    assert "lazy_cabi_mod" in sys.modules
    with pytest.raises(AttributeError):
        code._not_a_factory  # noqa: B018
