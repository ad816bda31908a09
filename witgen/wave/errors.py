"""The error WAVE text raises: a message and the characters it is about, rendered with a caret."""

from __future__ import annotations

from witgen.errors import SourceFile, Span, WitError


class WaveError(WitError):
    """Bad WAVE text, or a value that doesn't fit its WIT type; `render()` shows the text with a
    caret under `start:end`."""

    def __init__(self, message: str, source: str, start: int, end: int | None = None) -> None:
        start = max(0, min(start, len(source)))
        end = max(start + 1, end if end is not None else start + 1)
        super().__init__(message, Span(SourceFile("<invocation>", source), start, end))
        self.source = source
        self.start = start
        self.end = end
