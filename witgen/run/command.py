"""`witgen run COMPONENT 'func(args)'`: call one export with WAVE arguments, print its result.

Exit status: 0 after printing the result (an `err(...)` result too, as wasmtime does), 2 for an
invocation that doesn't parse or fit the function's types (`error:` with a caret), 1 for a
component that can't be loaded or linked, or that traps.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from witgen.gen_host.model import HostModelBuilder, WorldView
from witgen.pyview.layout import is_wasi
from witgen.resolve import ir, load
from witgen.run.bindings import PackageShapes, load_package
from witgen.run.exports import Export, Exports, has_handle, listing
from witgen.run.wasi import WasiOptionError, WasiOptions
from witgen.runtime.errors import LinkError, WitgenRuntimeError
from witgen.runtime.types import Err
from witgen.runtime.world import pick_abi
from witgen.wasi.policy import Exit
from witgen.wave import Call, Decoder, Encoder, WaveError, parse_call

USAGE = 2
"""Exit status for a bad invocation (syntax, types, unknown function)."""
FAILED = 1
"""Exit status for a component that can't run, or trapped."""

_EXIT = re.compile(r"Exited with i32 exit status (\d+)")


@dataclass
class RunRequest:
    component: str
    invocation: str | None = None
    list_exports: bool = False
    engine: str | None = None
    env: list[str] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)


@dataclass
class Component:
    """A component file, its world and the names generated bindings give its exports."""

    path: Path
    data: bytes
    resolve: ir.Resolve
    world: ir.WorldId
    builder: HostModelBuilder
    view: WorldView
    exports: Exports

    @classmethod
    def read(cls, path: str) -> Component:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise LinkError(f"can't read {path}: {exc.strerror or exc}") from None
        if not data.startswith(b"\0asm"):
            raise LinkError(f"{path} is not a WebAssembly component binary")
        loaded = load(path)
        world = loaded.select_world()
        builder = HostModelBuilder(loaded.resolve, world, "bindings")
        view = builder.build()
        return cls(
            Path(path), data, loaded.resolve, world, builder, view, Exports(loaded.resolve, builder, view)
        )

    def unsupported_imports(self) -> list[str]:
        """What the component imports that isn't WASI (`witgen run` links only WASI)."""
        view = self.view
        out = [
            f"{m.link_name} ({', '.join([f.wit_name for f in m.functions] + [t.wit_name for t in m.host_resources])})"
            for m in view.host_modules
        ]
        out += [f.wit_name for f in view.import_funcs]
        out += [f"resource {t.wit_name}" for t in view.host_resources]
        return out

    def imports_wasi(self) -> bool:
        return any(is_wasi(self.resolve, slot.iface) for slot in self.builder.import_slots)


def main(request: RunRequest) -> int:
    """Run the request, printing the result or an `error:` line; returns the exit status."""
    try:
        return _run(request)
    except WaveError as exc:
        print(exc.render(), file=sys.stderr)
        return USAGE
    except (LinkError, WasiOptionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILED


def _run(request: RunRequest) -> int:
    component = Component.read(request.component)
    if request.list_exports:
        sys.stdout.write(listing(component.exports))
        return 0
    if request.invocation is None:
        print("error: give an export to call, like 'add(1, 2)', or --list to see them", file=sys.stderr)
        return USAGE
    call = parse_call(request.invocation)
    export = _find(component, call, request.invocation)
    package = load_package(component.data, component.resolve, component.world)
    shapes = PackageShapes(package, component.builder, export.iface)
    values = _arguments(Decoder(component.resolve, shapes, request.invocation), export, call)
    options = WasiOptions.parse(component.path.name, request.env, request.dirs)
    instance = _instantiate(component, package, pick_abi(request.engine, "wasmtime"), options)
    target = instance if export.attr is None else getattr(instance, export.attr)
    return _call(
        getattr(target, export.method), values, Encoder(component.resolve, shapes), component.resolve, export
    )


def _find(component: Component, call: Call, text: str) -> Export:
    """The export `call` names, if WAVE can call it."""
    try:
        export = component.exports.find(call.name)
    except LookupError as exc:
        raise WaveError(str(exc.args[0]), text, call.name_start, call.name_end) from None
    func = export.func
    problem = None
    if any(has_handle(component.resolve, t) for t in [*(p.ty for p in func.params), func.result]):
        problem = "takes or returns a resource handle, which WAVE can't write: call it from Python bindings"
    elif func.is_async:
        problem = "is an async function, which the bindings can't call yet"
    if problem:
        raise WaveError(f"`{export.name}` {problem}", text, call.name_start, call.name_end)
    return export


def _call(method: Any, values: list[Any], encoder: Encoder, resolve: ir.Resolve, export: Export) -> int:
    """Call the bound method, print its result (or `err(...)`), return the exit status."""
    try:
        result = method(*values)
    except Err as exc:
        print(_result_case(encoder, resolve, export.func, "err", exc.value))
        return 0
    except Exit as exc:  # wasi:cli/exit, on witgen's WASI
        return exc.code
    except WitgenRuntimeError as exc:
        status = _EXIT.search(str(exc))
        if status:  # the guest called wasi:cli/exit (wasmtime's WASI)
            return int(status.group(1))
        print(f"error: {exc}", file=sys.stderr)
        return FAILED
    except (TypeError, ValueError) as exc:  # the bindings' own argument checks
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    print(_format_result(encoder, resolve, export.func, result))
    return 0


def _arguments(decoder: Decoder, export: Export, call: Call) -> list[Any]:
    """The call's arguments as Python values; trailing `option` parameters may be left out."""
    params = export.func.params
    text = decoder.source
    shape = ", ".join(f"{p.name}: {decoder.type_name(p.ty)}" for p in params)
    if len(call.args) > len(params):
        extra = call.args[len(params)]
        raise WaveError(
            f"`{export.name}` takes {len(params)} argument{'s' * (len(params) != 1)} ({shape}),"
            f" found {len(call.args)}",
            text,
            extra.start,
            call.args[-1].end,
        )
    values = [decoder.value(node, p.ty) for node, p in zip(call.args, params, strict=False)]
    for p in params[len(call.args) :]:
        if not decoder.is_option(p.ty):
            raise WaveError(
                f"missing argument `{p.name}: {decoder.type_name(p.ty)}` (`{export.name}` takes {shape})",
                text,
                call.close,
                call.close + 1,
            )
        values.append(None)
    return values


def _instantiate(component: Component, package: Any, abi: str, options: WasiOptions) -> Any:
    missing = component.unsupported_imports()
    if missing:
        raise LinkError(
            "the component imports functions `witgen run` can't provide (it links WASI only): "
            + "; ".join(missing)
        )
    view = component.view
    world_class = getattr(package, view.class_name)
    imports_class = getattr(package, view.imports_class)
    if not component.imports_wasi():
        return world_class.from_bytes(component.data, imports=imports_class(), abi=abi)
    wasi = options.config() if abi == "wasmtime" else options.policy()
    return world_class.from_bytes(component.data, imports=imports_class(), wasi=wasi, abi=abi)


def _result_case(encoder: Encoder, resolve: ir.Resolve, func: ir.Function, case: str, value: Any) -> str:
    assert func.result is not None
    resolved = resolve.resolve_alias(func.result)
    assert not isinstance(resolved, ir.Prim)
    kind = resolve.types[resolved].kind
    assert isinstance(kind, ir.ResultType)
    return encoder.case(case, value, kind.ok if case == "ok" else kind.err)


def _format_result(encoder: Encoder, resolve: ir.Resolve, func: ir.Function, value: Any) -> str:
    """The result as wasmtime's `--invoke` prints it: the value, or `()` for none."""
    if func.result is None:
        return "()"
    resolved = resolve.resolve_alias(func.result)
    if not isinstance(resolved, ir.Prim) and isinstance(resolve.types[resolved].kind, ir.ResultType):
        return _result_case(encoder, resolve, func, "ok", value)  # bindings return the ok payload
    return encoder.value(value, func.result)
