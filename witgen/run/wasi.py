"""WASI for `witgen run` (wasmtime's on its engine, witgen's on the cabi engine), configured like `wasmtime run`: stdio inherited, `--env NAME=VALUE`
(or `--env NAME` to pass the host's value on), `--dir HOST[::GUEST]` preopened read-write."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import wasmtime

from witgen.wasi.policy import Preopen, Wasi


class WasiOptionError(ValueError):
    """A `--dir` or `--env` option that can't be honoured."""


@dataclass
class WasiOptions:
    program: str
    """argv[0] the guest sees: the component's file name, as wasmtime passes it."""
    env: list[tuple[str, str]] = field(default_factory=list)
    dirs: list[tuple[str, str]] = field(default_factory=list)
    """(host, guest) directory pairs."""

    @classmethod
    def parse(cls, program: str, env: Sequence[str], dirs: Sequence[str]) -> WasiOptions:
        options = cls(program)
        for item in env:
            name, eq, value = item.partition("=")
            if not name:
                raise WasiOptionError(f"--env {item!r}: expected NAME=VALUE or NAME")
            if eq:
                options.env.append((name, value))
            elif name in os.environ:
                options.env.append((name, os.environ[name]))
        for item in dirs:
            host, sep, guest = item.partition("::")
            if not host or (sep and not guest):
                raise WasiOptionError(f"--dir {item!r}: expected HOST or HOST::GUEST")
            if not Path(host).is_dir():
                raise WasiOptionError(f"--dir {item!r}: {host} is not a directory")
            options.dirs.append((host, guest if sep else host))
        return options

    def config(self) -> wasmtime.WasiConfig:
        """wasmtime's WASI 0.2, configured with these options."""
        config = wasmtime.WasiConfig()
        config.inherit_stdin()
        config.inherit_stdout()
        config.inherit_stderr()
        config.argv = [self.program]
        config.env = list(self.env)
        for host, guest in self.dirs:
            config.preopen_dir(host, guest)
        return config

    def policy(self) -> Wasi:
        """The same, for witgen's WASI (the cabi engine's)."""
        return Wasi(
            args=[self.program],
            env=dict(self.env),
            stdin="inherit",
            stdout="inherit",
            stderr="inherit",
            preopens=[Preopen(host, guest) for host, guest in self.dirs],
        )
