"""A small WASI test double, in Python: the WASI fields of generated imports, on either engine
(the cabi engine has no WASI of its own yet).

Real implementations cover what componentize-py's runtime calls at startup and for printing:
stdout/stderr streams capturing bytes (optionally echoed to a Python file), environment,
random, clocks, no preopens, `exit` raising `WasiExit`. Every other function and resource
method links but raises `NotImplementedError` naming itself, so a test hitting one says what
is missing instead of doing something made up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from types import ModuleType
from typing import IO, Any


class WasiExit(Exception):
    """The guest called `wasi:cli/exit.exit`."""

    def __init__(self, status: Any) -> None:
        super().__init__(f"the guest exited: {status!r}")
        self.status = status


def unimplemented(name: str) -> Callable[..., Any]:
    def missing(*args: Any) -> Any:
        raise NotImplementedError(f"the WASI test double does not implement {name}")

    missing.__name__ = name
    return missing


class _MissingStatics(type):
    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return unimplemented(f"{cls.__name__}.{name}")


class Resource(metaclass=_MissingStatics):
    """A resource double: methods it does not define raise `NotImplementedError`."""

    def __init__(self, *args: Any) -> None:
        raise NotImplementedError(
            f"the WASI test double does not implement {type(self).__name__}'s constructor"
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return unimplemented(f"{type(self).__name__}.{name}")


class Interface:
    """An interface double: `impls` are real; other functions raise, other resources are
    `Resource` subclasses (made once per interface, so handles keep their class)."""

    def __init__(self, name: str, **impls: Any) -> None:
        self._name = name
        self.__dict__.update(impls)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name[:1].isupper():
            cls = type(name, (Resource,), {"__module__": __name__, "__qualname__": f"{self._name}#{name}"})
            setattr(self, name, cls)
            return cls
        return unimplemented(f"{self._name}.{name}")


class OutputStream(Resource):
    """stdout/stderr: writes go to `buffer` (and to `echo`, if given)."""

    def __init__(self, buffer: bytearray, echo: IO[bytes] | None = None) -> None:
        self.buffer = buffer
        self.echo = echo

    def check_write(self) -> int:
        return 1 << 16

    def write(self, contents: bytes | bytearray | memoryview) -> None:
        self.buffer += contents
        if self.echo is not None:
            self.echo.write(bytes(contents))
            self.echo.flush()

    def blocking_write_and_flush(self, contents: bytes | bytearray | memoryview) -> None:
        self.write(contents)

    def flush(self) -> None:
        pass

    def blocking_flush(self) -> None:
        pass


class InputStream(Resource):
    """stdin: every read raises (see `Resource`)."""

    def __init__(self) -> None:
        pass


@dataclass
class WasiDoubles:
    """The doubles of one instance; `stdout`/`stderr` hold what the guest printed."""

    env: list[tuple[str, str]] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    echo: bool = False
    """Also write the guest's stdout/stderr to this process's (for scripts run in a subprocess)."""
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        out_echo = os.fdopen(os.dup(1), "wb") if self.echo else None
        err_echo = os.fdopen(os.dup(2), "wb") if self.echo else None
        self.stdout_stream = OutputStream(self.stdout, out_echo)
        self.stderr_stream = OutputStream(self.stderr, err_echo)
        self.stdin_stream = InputStream()

    def interface(self, field_name: str, link_name: str, module: ModuleType) -> Interface:
        """The double for one imported WASI interface (`module` is its generated module)."""
        real = self._real(module).get(link_name.split("@")[0], {})
        return Interface(link_name, **real)

    def _real(self, module: ModuleType) -> dict[str, dict[str, Any]]:
        stdout, stderr, stdin = self.stdout_stream, self.stderr_stream, self.stdin_stream

        def exit(status: Any) -> None:
            raise WasiExit(status)

        def wall_now() -> Any:
            ns = time.time_ns()
            return module.Datetime(seconds=ns // 10**9, nanoseconds=ns % 10**9)

        return {
            "wasi:cli/environment": {
                "get_environment": lambda: list(self.env),
                "get_arguments": lambda: list(self.args),
                "initial_cwd": lambda: None,
            },
            "wasi:cli/exit": {"exit": exit, "exit_with_code": exit},
            "wasi:cli/stdout": {"get_stdout": lambda: stdout},
            "wasi:cli/stderr": {"get_stderr": lambda: stderr},
            "wasi:cli/stdin": {"get_stdin": lambda: stdin},
            "wasi:cli/terminal-stdin": {"get_terminal_stdin": lambda: None},
            "wasi:cli/terminal-stdout": {"get_terminal_stdout": lambda: None},
            "wasi:cli/terminal-stderr": {"get_terminal_stderr": lambda: None},
            "wasi:io/streams": {"OutputStream": OutputStream, "InputStream": InputStream},
            "wasi:clocks/monotonic-clock": {"now": time.monotonic_ns, "resolution": lambda: 1},
            "wasi:clocks/wall-clock": {
                "now": wall_now,
                "resolution": lambda: module.Datetime(seconds=0, nanoseconds=1),
            },
            "wasi:random/random": {
                "get_random_bytes": os.urandom,
                "get_random_u64": lambda: int.from_bytes(os.urandom(8), "little"),
            },
            "wasi:random/insecure": {
                "get_insecure_random_bytes": os.urandom,
                "get_insecure_random_u64": lambda: int.from_bytes(os.urandom(8), "little"),
            },
            "wasi:random/insecure-seed": {
                "insecure_seed": lambda: (
                    int.from_bytes(os.urandom(8), "little"),
                    int.from_bytes(os.urandom(8), "little"),
                )
            },
            "wasi:filesystem/preopens": {"get_directories": lambda: []},
        }

    def imports(self, pkg: ModuleType, imports_class: type[Any]) -> dict[str, Any]:
        """Keyword arguments for `imports_class` (a generated `<World>Imports`): one double per
        optional WASI field."""
        import importlib

        out: dict[str, Any] = {}
        for f in fields(imports_class):
            if f.default is not None:
                continue  # required: not WASI
            module = importlib.import_module(f"{pkg.__name__}.imports.{f.name}")
            out[f.name] = self.interface(f.name, module._interface, module)
        return out
