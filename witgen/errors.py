"""Source files, spans and the one error type witgen raises for bad WIT.

Errors render like the reference implementation's: a message, then
``--> file:line:col``, the source line and a caret under the offending text.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(eq=False)
class SourceFile:
    """One WIT file's text, with a lazily built index of line starts."""

    path: str
    text: str
    _line_starts: list[int] | None = field(default=None, repr=False)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of a character offset."""
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            pos = find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._line_starts = starts
        line = bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def byte_column(self, offset: int) -> int:
        """1-based column of a character offset counted in UTF-8 bytes, as the reference
        counts columns in its ``file:line:col`` locations."""
        line, col = self.line_col(offset)
        start = offset - col + 1
        return len(self.text[start:offset].encode("utf-8", "surrogatepass")) + 1

    def line_text(self, line: int) -> str:
        self.line_col(0)
        assert self._line_starts is not None
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : len(self.text) if end == -1 else end].rstrip("\r")


class Span:
    """A range of characters in a source file (immutable by convention).

    A plain class rather than a frozen dataclass: the parser makes thousands of
    these, and a frozen dataclass's ``__init__`` is three times slower.
    """

    __slots__ = ("source", "start", "end")

    def __init__(self, source: SourceFile, start: int, end: int) -> None:
        self.source = source
        self.start = start
        self.end = end

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return self.source is other.source and self.start == other.start and self.end == other.end

    def __hash__(self) -> int:
        return hash((self.source, self.start, self.end))

    def __repr__(self) -> str:
        return f"Span(source={self.source!r}, start={self.start!r}, end={self.end!r})"

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        """The column in UTF-8 bytes, like the reference's locations (see ``location``)."""
        return self.source.byte_column(self.start)

    def location(self) -> str:
        """``path:line:column``, the column counted in bytes as the reference counts it
        (the caret under the source line is placed by characters)."""
        return f"{self.source.path}:{self.line}:{self.column}"


class WitError(Exception):
    """Invalid WIT input: carries a message and, usually, where it was found.

    Subclasses say what kind of problem it is (``ParseError``, ``ResolveError`` and its
    ``NotFound``, ``CycleError`` and ``GateError``) so callers and tests can match on it; ``help``
    is an optional hint (a "did you mean") rendered under the caret, as rustc does.
    """

    def __init__(self, message: str, span: Span | None = None, *, help: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.help = help

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        text = self._render_located()
        if self.help is None:
            return text
        if self.span is None:
            return f"{text}\nhelp: {self.help}"
        return f"{text}\n{' ' * (len(str(self.span.line)) + 1)} = help: {self.help}"

    def _render_located(self) -> str:
        if self.span is None:
            return f"error: {self.message}"
        line, col = self.span.source.line_col(self.span.start)
        text = self.span.source.line_text(line)
        if col > 1000:
            # Like the reference: don't print enormous lines.
            return f"error: {self.span.location()}: {self.message}"
        gutter = len(str(line)) + 1
        width = max(1, min(self.span.end, self.span.start + len(text) - col + 1) - self.span.start)
        caret = "^" + "-" * (width - 1)
        pad = " " * gutter
        return (
            f"error: {self.message}\n"
            f"{pad}--> {self.span.location()}\n"
            f"{pad} |\n"
            f"{line:>{gutter}} | {text}\n"
            f"{pad} | {' ' * (col - 1)}{caret}"
        )


class ParseError(WitError):
    """The text is not WIT: a lexing or syntax error."""


class ResolveError(WitError):
    """Well-formed WIT that does not resolve: a clash, a bad type, a misused item."""


class NotFound(ResolveError):
    """A name, interface, world or package that does not exist (``help`` may suggest one that does)."""


class CycleError(ResolveError):
    """An item, type or package that depends on itself."""


class GateError(ResolveError):
    """A reference to an item that its feature gate (``@unstable``, ``@since``) leaves out."""
