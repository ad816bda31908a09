"""`wasi:cli`: arguments, environment, exit, stdio and terminals, as the policy says."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from witgen.runtime.types import Ok, Result
from witgen.wasi.io import InputStream, OutputStream, SinkOutput, SourceInput
from witgen.wasi.policy import Exit

if TYPE_CHECKING:
    from witgen.wasi.link import Session


class EnvironmentHost:
    """`wasi:cli/environment`."""

    def __init__(self, session: Session) -> None:
        self._policy = session.policy

    def get_environment(self) -> list[tuple[str, str]]:
        return list(self._policy.env.items())

    def get_arguments(self) -> list[str]:
        return list(self._policy.args)

    def initial_cwd(self) -> str | None:
        return self._policy.initial_cwd


class ExitHost:
    """`wasi:cli/exit`: raises `Exit`, which unwinds the guest and reaches the host's call."""

    def exit(self, status: Result[None, None]) -> None:
        raise Exit(0 if isinstance(status, Ok) else 1)

    def exit_with_code(self, status_code: int) -> None:
        raise Exit(status_code)


class StdinHost:
    """`wasi:cli/stdin`: every call gives a new stream over the one shared input."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get_stdin(self) -> InputStream:
        return SourceInput(self._session.stdin)


class StdoutHost:
    """`wasi:cli/stdout`."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get_stdout(self) -> OutputStream:
        return SinkOutput(self._session.stdout)


class StderrHost:
    """`wasi:cli/stderr`."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get_stderr(self) -> OutputStream:
        return SinkOutput(self._session.stderr)


class TerminalInput:
    """The resource `terminal-input` (it has no methods yet)."""


class TerminalOutput:
    """The resource `terminal-output`."""


class TerminalInputHost:
    TerminalInput = TerminalInput


class TerminalOutputHost:
    TerminalOutput = TerminalOutput


def _is_terminal(target: object, fd: int) -> bool:
    """Whether the guest's stream is the host's own and that is a terminal."""
    return isinstance(target, str) and target == "inherit" and os.isatty(fd)


class TerminalStdinHost:
    def __init__(self, session: Session) -> None:
        self._tty = _is_terminal(session.policy.stdin, 0)

    def get_terminal_stdin(self) -> TerminalInput | None:
        return TerminalInput() if self._tty else None


class TerminalStdoutHost:
    def __init__(self, session: Session) -> None:
        self._tty = _is_terminal(session.policy.stdout, 1)

    def get_terminal_stdout(self) -> TerminalOutput | None:
        return TerminalOutput() if self._tty else None


class TerminalStderrHost:
    def __init__(self, session: Session) -> None:
        self._tty = _is_terminal(session.policy.stderr, 2)

    def get_terminal_stderr(self) -> TerminalOutput | None:
        return TerminalOutput() if self._tty else None


def hosts(session: Session) -> dict[str, object]:
    return {
        "wasi:cli/environment": EnvironmentHost(session),
        "wasi:cli/exit": ExitHost(),
        "wasi:cli/stdin": StdinHost(session),
        "wasi:cli/stdout": StdoutHost(session),
        "wasi:cli/stderr": StderrHost(session),
        "wasi:cli/terminal-input": TerminalInputHost(),
        "wasi:cli/terminal-output": TerminalOutputHost(),
        "wasi:cli/terminal-stdin": TerminalStdinHost(session),
        "wasi:cli/terminal-stdout": TerminalStdoutHost(session),
        "wasi:cli/terminal-stderr": TerminalStderrHost(session),
    }
