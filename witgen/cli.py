"""The ``witgen`` command line: ``check``, ``wit``, ``host``, ``guest``, ``sdk``, ``run`` and ``serve``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from witgen.errors import WitError
from witgen.resolve import Loaded, load


def _add_wit_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        help="a .wit file, a directory holding one package and its deps/, or a component or binary WIT package"
        " (.wasm, or WebAssembly text: .wat/.wast)",
    )
    parser.add_argument("--features", default="", help="comma-separated @unstable features to enable")
    parser.add_argument("--all-features", action="store_true", help="enable every @unstable feature")


def _features(args: argparse.Namespace) -> list[str]:
    return [f.strip() for f in args.features.split(",") if f.strip()]


def _load(args: argparse.Namespace) -> Loaded:
    return load(args.path, features=_features(args), all_features=args.all_features)


def _check(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if args.world:
        loaded.select_world(args.world)
    return 0


def _wit(args: argparse.Namespace) -> int:
    from witgen.gen_wit.printer import print_resolve

    loaded = _load(args)
    sys.stdout.write(print_resolve(loaded.resolve, loaded.main))
    return 0


def _host(args: argparse.Namespace) -> int:
    from pathlib import Path

    from witgen.gen_host import generate, write_package

    loaded = _load(args)
    world = loaded.select_world(args.world)
    out = Path(args.out)
    files = generate(loaded.resolve, world, out.resolve().name, abi=args.engine)
    write_package(files, out)
    return 0


def _guest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from witgen.gen_guest import generate, generate_app, write_app, write_stubs

    loaded = _load(args)
    world = loaded.select_world(args.world)
    write_stubs(generate(loaded.resolve, world), args.out)
    if args.app:
        app = Path(args.app)
        files = generate_app(loaded.resolve, world, app.stem)
        written, kept = write_app(files, app.parent)
        for path in written:
            print(f"wrote {path}", file=sys.stderr)
        for path in kept:
            print(f"kept {path} (exists; not overwritten)", file=sys.stderr)
    return 0


def _sdk(args: argparse.Namespace) -> int:
    from pathlib import Path

    from witgen.gen_sdk import SdkNames, check_fits, generate_sdk, write_sdk
    from witgen.resolve.loader import read_wasm

    component = Path(args.component)
    data = read_wasm(component)  # the binary, also when the file is WebAssembly text
    if data is None:
        raise WitError(f"`{component}` is not a WebAssembly component (binary or text)")
    loaded = load(args.wit or component, features=_features(args), all_features=args.all_features)
    world = loaded.select_world(args.world)
    if args.wit:
        check_fits(load(component), loaded.resolve, world, component)
    names = SdkNames.choose(loaded.resolve, world, component, args.name, args.version)
    write_sdk(generate_sdk(loaded.resolve, world, names, abi=args.engine), data, names, args.out)
    print(
        f"wrote {args.out}: `pip install {args.out}`, then `import {names.package}; {names.package}.load()`",
        file=sys.stderr,
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    from witgen.run import RunRequest, run

    return run(
        RunRequest(args.component, args.invocation, args.list, args.engine, args.env or [], args.dir or [])
    )


def _serve(args: argparse.Namespace) -> int:
    from witgen.run.serve import ServeRequest, serve

    return serve(
        ServeRequest(
            args.component,
            args.host,
            args.port,
            args.engine,
            args.env or [],
            args.dir or [],
            args.allow or [],
            args.pool,
            args.workers,
            args.deadline,
            args.pin,
        )
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="witgen", description="Typed Python bindings for WebAssembly components."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate a WIT package; exit 1 with the error if invalid")
    _add_wit_args(check)
    check.add_argument("--world", help="also check that this world exists")
    check.set_defaults(run=_check)
    wit = sub.add_parser("wit", help="print every resolved package as canonical WIT")
    _add_wit_args(wit)
    wit.set_defaults(run=_wit)
    host = sub.add_parser("host", help="generate a typed Python package that runs a component in wasmtime")
    _add_wit_args(host)
    host.add_argument("--world", help="the world to generate (needed if the package has several)")
    host.add_argument("-o", "--out", required=True, help="output directory; its name is the package name")
    host.add_argument(
        "--engine",
        choices=("wasmtime", "cabi"),
        default="wasmtime",
        help="the engine the package uses by default (both are generated; `abi=` picks at load time): "
        "wasmtime's component API, or witgen's own Canonical ABI code over core wasm",
    )
    host.set_defaults(run=_host)
    guest = sub.add_parser(
        "guest", help="generate typed componentize-py stubs (`wit_world`) and a local test harness"
    )
    _add_wit_args(guest)
    guest.add_argument("--world", help="the world to generate (needed if the package has several)")
    guest.add_argument("-o", "--out", required=True, help="output directory for `wit_world/` and its helpers")
    guest.add_argument(
        "--app", help="also write a skeleton app at this path (never overwrites existing files)"
    )
    guest.set_defaults(run=_guest)
    sdk = sub.add_parser(
        "sdk", help="write a pip-installable project: a component, its typed bindings and a README"
    )
    sdk.add_argument("component", help="the component (.wasm, or WebAssembly text) to ship")
    sdk.add_argument("-o", "--out", required=True, help="the project directory to write")
    sdk.add_argument("--wit", help="WIT to generate from (default: the component's own)")
    sdk.add_argument("--world", help="the world to generate (needed if the WIT package has several)")
    sdk.add_argument("--name", help="the distribution name (default: the WIT package's, else the file's)")
    sdk.add_argument("--version", help="the project's version (default: the WIT package's, else 0.1.0)")
    sdk.add_argument("--engine", choices=("wasmtime", "cabi"), default="wasmtime", help="the default engine")
    sdk.add_argument("--features", default="", help="comma-separated @unstable features to enable")
    sdk.add_argument("--all-features", action="store_true", help="enable every @unstable feature")
    sdk.set_defaults(run=_sdk)
    run = sub.add_parser(
        "run",
        help="call a component's export with arguments in WAVE, e.g. `witgen run calc.wasm 'add(2, 3)'`",
        description="Call one export of a component and print its result in WAVE (the WebAssembly Value "
        "Encoding of `wasmtime run --invoke`). WASI is linked as wasmtime's CLI does: stdio inherited, "
        "--env and --dir give environment variables and directories.",
    )
    run.add_argument("component", help="the component (.wasm)")
    run.add_argument(
        "invocation",
        nargs="?",
        help='the call: `add(2, 3)`, `iface.func("x", [1, 2])`, `ns:pkg/iface.func({a: 1})`',
    )
    run.add_argument("--list", action="store_true", help="list the exports and their signatures")
    run.add_argument(
        "--engine",
        choices=("wasmtime", "cabi"),
        default=None,
        help="who runs the Canonical ABI: wasmtime's component API or witgen's own code"
        " (default: $WITGEN_ABI, else wasmtime)",
    )
    run.add_argument(
        "--env",
        action="append",
        metavar="NAME[=VALUE]",
        help="set a WASI environment variable (NAME alone: the host's value)",
    )
    run.add_argument(
        "--dir",
        action="append",
        metavar="HOST[::GUEST]",
        help="give the guest a host directory (as GUEST, default HOST)",
    )
    run.set_defaults(run=_run)
    serve = sub.add_parser(
        "serve",
        help="serve a wasi:http/proxy component over HTTP, e.g. `witgen serve app.wasm --port 8080`",
        description="Run a component's wasi:http/incoming-handler for each HTTP request, under uvicorn. "
        "The guest gets stdout and stderr, the --env and --dir given, and may make outgoing requests "
        "only to the --allow'ed hosts.",
    )
    serve.add_argument("component", help="the component (.wasm) exporting wasi:http/incoming-handler")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="the port to listen on (default 8080)")
    serve.add_argument(
        "--engine",
        choices=("wasmtime", "cabi"),
        default=None,
        help="who runs the Canonical ABI (default: $WITGEN_ABI, else cabi)",
    )
    serve.add_argument(
        "--env", action="append", metavar="NAME[=VALUE]", help="set a WASI environment variable"
    )
    serve.add_argument(
        "--dir", action="append", metavar="HOST[::GUEST]", help="give the guest a host directory (as GUEST)"
    )
    serve.add_argument(
        "--allow",
        action="append",
        metavar="HOST:PORT",
        help="let outgoing requests reach HOST:PORT (either may be *); default: none",
    )
    serve.add_argument(
        "--pool", type=int, default=0, help="warm instances kept for reuse (default 0: one per request)"
    )
    serve.add_argument("--workers", type=int, default=8, help="requests handled at once (default 8)")
    serve.add_argument(
        "--deadline",
        type=float,
        metavar="SECONDS",
        help="wall-clock seconds a request's handler may run before it traps (a 500); default: no limit",
    )
    serve.add_argument(
        "--pin",
        action="store_true",
        help="keep the server on the CPU it starts on (often twice the requests/s: Python runs one thread"
        " at a time and the guest stays in that CPU's caches); default: every CPU",
    )
    serve.set_defaults(run=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except WitError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except RecursionError:
        print("error: input is nested too deeply", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code
