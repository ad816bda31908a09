"""WASI 0.2 in Python, for `witgen run --engine cabi` (the cabi engine has no WASI of its own).

It is linked through the generated bindings' WASI fields, so it runs on either engine, and it
covers what a call from the command line needs: stdin, stdout and stderr (the process's own),
environment variables and arguments, clocks and pollables (`witgen.wasi`'s), random numbers and `exit`. It has no filesystem
(no preopens: `--dir` needs the wasmtime engine) and no sockets: any other function or resource
method raises `WasiUnsupported`, naming itself.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from witgen.runtime.types import Err, Ok
from witgen.wasi.clocks import SystemClock
from witgen.wasi.poll import FdReady, Pollable, Ready, Timer, poll


class WasiUnsupported(Exception):
    """The guest called a WASI function this Python WASI doesn't implement."""


class GuestExit(Exception):
    """The guest called `wasi:cli/exit`: the process exits with `status`."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the guest exited with status {status}")
        self.status = status


def unsupported(name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        raise WasiUnsupported(
            f"{name} is not implemented by witgen run's Python WASI (the cabi engine's):"
            " run with --engine wasmtime"
        )

    call.__name__ = name
    return call


class _Statics(type):
    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return unsupported(f"{cls.__qualname__}.{name}")


class Resource(metaclass=_Statics):
    """A WASI resource: methods it doesn't define raise `WasiUnsupported`."""

    def __init__(self, *args: Any) -> None:
        raise WasiUnsupported(
            f"{type(self).__qualname__}'s constructor is not implemented by witgen run's Python WASI"
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return unsupported(f"{type(self).__qualname__}.{name}")


class OutputStream(Resource):
    """The process's stdout or stderr, written straight to its file descriptor."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def check_write(self) -> int:
        return 1 << 20

    def write(self, contents: bytes | bytearray | memoryview) -> None:
        view = memoryview(contents)
        while view:
            view = view[os.write(self.fd, view) :]

    def blocking_write_and_flush(self, contents: bytes | bytearray | memoryview) -> None:
        self.write(contents)

    def write_zeroes(self, length: int) -> None:
        self.write(bytes(length))

    def blocking_write_zeroes_and_flush(self, length: int) -> None:
        self.write(bytes(length))

    def flush(self) -> None:
        pass

    def blocking_flush(self) -> None:
        pass

    def subscribe(self) -> Pollable:
        return Ready()


class InputStream(Resource):
    """The process's stdin; `closed` (the stream error) is raised at its end."""

    def __init__(self, fd: int, closed: Callable[[], Any]) -> None:
        self.fd = fd
        self.closed = closed

    def read(self, length: int) -> bytes:
        data = os.read(self.fd, min(length, 1 << 20))
        if not data and length:
            raise Err(self.closed())
        return data

    def blocking_read(self, length: int) -> bytes:
        return self.read(length)

    def skip(self, length: int) -> int:
        return len(self.read(length))

    def blocking_skip(self, length: int) -> int:
        return self.skip(length)

    def subscribe(self) -> Pollable:
        return FdReady(self.fd)


def _random_u64() -> int:
    return int.from_bytes(os.urandom(8), "little")


@dataclass
class PythonWasi:
    """The implementations of one run's WASI interfaces."""

    args: list[str]
    env: list[tuple[str, str]] = field(default_factory=list)

    def interfaces(self, modules: dict[str, ModuleType]) -> dict[str, dict[str, Any]]:
        """Implementations by unversioned interface name; `modules` are the generated modules of
        the world's WASI imports, by the same names (for their record and error classes)."""

        def exit(status: Ok[None] | Err[None]) -> None:
            raise GuestExit(0 if isinstance(status, Ok) else 1)

        def exit_with_code(code: int) -> None:
            raise GuestExit(code)

        def datetime(ns: int) -> Any:
            return modules["wasi:clocks/wall-clock"].Datetime(seconds=ns // 10**9, nanoseconds=ns % 10**9)

        def closed() -> Any:
            return modules["wasi:io/streams"].StreamError_Closed()

        stdin = InputStream(0, closed)
        clock = SystemClock()
        return {
            "wasi:cli/environment": {
                "get_environment": lambda: list(self.env),
                "get_arguments": lambda: list(self.args),
                "initial_cwd": lambda: None,
            },
            "wasi:cli/exit": {"exit": exit, "exit_with_code": exit_with_code},
            "wasi:cli/stdin": {"get_stdin": lambda: stdin},
            "wasi:cli/stdout": {"get_stdout": lambda: OutputStream(1)},
            "wasi:cli/stderr": {"get_stderr": lambda: OutputStream(2)},
            "wasi:cli/terminal-stdin": {"get_terminal_stdin": lambda: None},
            "wasi:cli/terminal-stdout": {"get_terminal_stdout": lambda: None},
            "wasi:cli/terminal-stderr": {"get_terminal_stderr": lambda: None},
            "wasi:io/streams": {"OutputStream": OutputStream, "InputStream": InputStream},
            "wasi:io/poll": {"Pollable": Pollable, "poll": poll},
            "wasi:clocks/monotonic-clock": {
                "now": clock.monotonic_ns,
                "resolution": lambda: clock.resolution_ns,
                "subscribe_instant": lambda when: Timer(clock, when),
                "subscribe_duration": lambda ns: Timer(clock, clock.monotonic_ns() + ns),
            },
            "wasi:clocks/wall-clock": {
                "now": lambda: datetime(clock.wall_ns()),
                "resolution": lambda: datetime(1),
            },
            "wasi:random/random": {"get_random_bytes": os.urandom, "get_random_u64": _random_u64},
            "wasi:random/insecure": {
                "get_insecure_random_bytes": os.urandom,
                "get_insecure_random_u64": _random_u64,
            },
            "wasi:random/insecure-seed": {"insecure_seed": lambda: (_random_u64(), _random_u64())},
            "wasi:filesystem/preopens": {"get_directories": lambda: []},
        }

    def imports(self, package: ModuleType, fields: list[tuple[str, str, str]]) -> dict[str, Any]:
        """`<World>Imports` keyword arguments: for each (field, module, interface name) of the
        world's WASI imports, an object implementing it."""
        modules = {
            link.split("@")[0]: importlib.import_module(f"{package.__name__}.{module}")
            for _, module, link in fields
        }
        impls = self.interfaces(modules)
        return {name: Interface(link, impls.get(link.split("@")[0], {})) for name, _, link in fields}


class Interface:
    """One WASI interface: its implementations, and for the rest `unsupported` functions or
    `Resource` subclasses (made once, so handles keep their class)."""

    def __init__(self, name: str, impls: dict[str, Any]) -> None:
        self._name = name
        self.__dict__.update(impls)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        if attr[:1].isupper():
            cls = type(attr, (Resource,), {"__qualname__": f"{self._name}#{attr}"})
            setattr(self, attr, cls)
            return cls
        return unsupported(f"{self._name}#{attr}")
